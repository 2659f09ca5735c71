/* The C SDK on wasi-libc without stdio (any of it, snprintf too, imports
 * WASI's fd_write, fd_seek and fd_close), so it imports nothing from WASI:
 * libc's malloc owns the heap and the SDK's inbox is one of its blocks.
 *   "sort <words>"  the words sorted (qsort), one space apart
 *   "keep <n>"      mallocs n bytes with a pattern of their own: "kept <i>"
 *   "check"         every kept block still holds its pattern: "ok <count>"
 *                   or "corrupt <i>"
 *   anything else   "got <length>" (a large payload grows the inbox) */
#include <stdlib.h>
#include <string.h>

#include "airssys.h"

enum { kMaxKept = 64 };

static unsigned char* kept[kMaxKept];
static size_t kept_size[kMaxKept];
static unsigned kept_count;

static unsigned char pattern(unsigned tag, size_t i) {
  return (unsigned char)(tag * 131u + i * 7u + 1u);
}

static int32_t answer(const char* s) {
  return airssys_reply_str(s) == AIRSSYS_OK ? 0 : 1;
}

/* "<word> <n>" */
static int32_t answer_count(const char* word, unsigned n) {
  char out[48];
  const size_t len = strlen(word);
  memcpy(out, word, len);
  out[len] = ' ';
  const uint32_t digits = airssys_format_u64(n, out + len + 1);
  return airssys_reply(out, (uint32_t)(len + 1 + digits)) == AIRSSYS_OK ? 0 : 1;
}

static int by_text(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static int32_t sort_words(const uint8_t* data, uint32_t len) {
  char* text = malloc(len + 1);
  char** words = malloc((len / 2 + 1) * sizeof *words);
  char* out = malloc(len + 1);
  if (text == NULL || words == NULL || out == NULL) return answer("out of memory");
  memcpy(text, data, len);
  text[len] = 0;
  size_t n = 0;
  for (char* w = strtok(text, " "); w != NULL; w = strtok(NULL, " ")) words[n++] = w;
  qsort(words, n, sizeof *words, by_text);
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i != 0) out[used++] = ' ';
    const size_t w = strlen(words[i]);
    memcpy(out + used, words[i], w);
    used += w;
  }
  const int32_t r = airssys_reply(out, (uint32_t)used) == AIRSSYS_OK ? 0 : 1;
  free(out);
  free(words);
  free(text);
  return r;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_starts_with(data, len, "sort ")) return sort_words(data + 5, len - 5);
  if (airssys_starts_with(data, len, "keep ")) {
    if (kept_count == kMaxKept) return answer("full");
    char digits[16] = {0};
    memcpy(digits, data + 5, len - 5 < sizeof digits - 1 ? len - 5 : sizeof digits - 1);
    const size_t n = strtoul(digits, NULL, 10);
    unsigned char* p = malloc(n);
    if (p == NULL) return answer("out of memory");
    for (size_t i = 0; i < n; ++i) p[i] = pattern(kept_count, i);
    kept[kept_count] = p;
    kept_size[kept_count] = n;
    return answer_count("kept", kept_count++);
  }
  if (airssys_equals(data, len, "check")) {
    for (unsigned k = 0; k < kept_count; ++k) {
      for (size_t i = 0; i < kept_size[k]; ++i) {
        if (kept[k][i] != pattern(k, i)) return answer_count("corrupt", k);
      }
    }
    return answer_count("ok", kept_count);
  }
  return answer_count("got", len);
}
