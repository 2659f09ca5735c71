/* The C SDK's heap next to the inbox:
 *   "keep <n>"    allocates n bytes, fills them with a pattern of their own
 *                 and keeps them: "kept <index>"
 *   "check"       checks every kept block's pattern: "ok <count>" or
 *                 "corrupt <index>"
 *   "drop"        frees every kept block: "dropped"
 *   "stress <s>"  600 random malloc/calloc/realloc/free steps from seed s,
 *                 each block checked before it is freed or resized and all
 *                 at the end: "ok", or what went wrong
 *   "exhaust"     takes 64 KiB blocks until airssys_malloc returns NULL,
 *                 frees them: "<blocks>"
 *   anything else "got <length>" (a large payload grows the inbox). */
#include "airssys.h"

enum { kMaxKept = 64, kSlots = 32, kSteps = 600 };

static uint8_t* kept[kMaxKept];
static uint32_t kept_size[kMaxKept];
static uint32_t kept_count;

static uint8_t pattern(uint32_t tag, uint32_t i) {
  return (uint8_t)(tag * 131u + i * 7u + 1u);
}

static void fill(uint8_t* p, uint32_t n, uint32_t tag) {
  for (uint32_t i = 0; i < n; ++i) p[i] = pattern(tag, i);
}
static int intact(const uint8_t* p, uint32_t n, uint32_t tag) {
  for (uint32_t i = 0; i < n; ++i) {
    if (p[i] != pattern(tag, i)) return 0;
  }
  return 1;
}

static uint32_t parse_u32(const uint8_t* data, uint32_t len, uint32_t from) {
  uint32_t v = 0;
  for (uint32_t i = from; i < len && data[i] >= '0' && data[i] <= '9'; ++i) {
    v = v * 10 + (uint32_t)(data[i] - '0');
  }
  return v;
}

static int32_t reply_with(const char* word, uint64_t n) {
  char out[48];
  uint32_t len = 0;
  while (word[len] != 0) {
    out[len] = word[len];
    ++len;
  }
  out[len++] = ' ';
  len += airssys_format_u64(n, out + len);
  return airssys_reply(out, len) == AIRSSYS_OK ? 0 : 1;
}

static int32_t answer(const char* s) {
  return airssys_reply_str(s) == AIRSSYS_OK ? 0 : 1;
}

static uint32_t rng_state;
static uint32_t next_random(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}

static int32_t stress(uint32_t seed) {
  uint8_t* slot[kSlots] = {0};
  uint32_t size[kSlots] = {0};
  uint32_t tag[kSlots] = {0};
  rng_state = seed;
  for (uint32_t step = 1; step <= kSteps; ++step) {
    const uint32_t s = next_random() % kSlots;
    const uint32_t r = next_random();
    /* Mostly small blocks, sometimes one larger than a page. */
    const uint32_t n = r % 32 == 0 ? 66000 + r % 5000 : r % 3000;
    if (slot[s] != NULL && !intact(slot[s], size[s], tag[s])) {
      return answer("fail: a live block was overwritten");
    }
    switch (slot[s] == NULL ? 0 : 1 + r % 3) {
      case 0: {
        const int zeroed = r % 5 == 0;
        slot[s] = (uint8_t*)(zeroed ? airssys_calloc(n, 1) : airssys_malloc(n));
        if (slot[s] == NULL) return answer("fail: out of memory");
        if (((uintptr_t)slot[s] % 16) != 0) return answer("fail: not aligned");
        if (zeroed) {
          for (uint32_t i = 0; i < n; ++i) {
            if (slot[s][i] != 0) return answer("fail: calloc not zeroed");
          }
        }
        break;
      }
      case 1:
      case 2: {
        /* Resize: the old bytes must come along. */
        uint8_t* q = (uint8_t*)airssys_realloc(slot[s], n);
        if (q == NULL) return answer("fail: out of memory");
        const uint32_t common = n < size[s] ? n : size[s];
        if (!intact(q, common, tag[s])) return answer("fail: realloc lost bytes");
        slot[s] = q;
        break;
      }
      default:
        airssys_free(slot[s]);
        slot[s] = NULL;
        size[s] = 0;
        continue;
    }
    size[s] = n;
    tag[s] = step;
    fill(slot[s], n, step);
  }
  for (uint32_t s = 0; s < kSlots; ++s) {
    if (slot[s] != NULL && !intact(slot[s], size[s], tag[s])) {
      return answer("fail: a live block was overwritten");
    }
    airssys_free(slot[s]);
  }
  return answer("ok");
}

static int32_t exhaust(void) {
  /* A list through the blocks themselves: no table of its own to run out. */
  void* head = NULL;
  uint32_t blocks = 0;
  for (;;) {
    void** b = (void**)airssys_malloc(65536);
    if (b == NULL) break;
    *b = head;
    head = b;
    ++blocks;
  }
  while (head != NULL) {
    void* next = *(void**)head;
    airssys_free(head);
    head = next;
  }
  char out[24];
  const uint32_t n = airssys_format_u64(blocks, out);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_starts_with(data, len, "keep ")) {
    if (kept_count == kMaxKept) return answer("full");
    const uint32_t n = parse_u32(data, len, 5);
    uint8_t* p = (uint8_t*)airssys_malloc(n);
    if (p == NULL) return answer("out of memory");
    fill(p, n, kept_count + 1000);
    kept[kept_count] = p;
    kept_size[kept_count] = n;
    return reply_with("kept", kept_count++);
  }
  if (airssys_equals(data, len, "check")) {
    for (uint32_t i = 0; i < kept_count; ++i) {
      if (!intact(kept[i], kept_size[i], i + 1000)) return reply_with("corrupt", i);
    }
    return reply_with("ok", kept_count);
  }
  if (airssys_equals(data, len, "drop")) {
    for (uint32_t i = 0; i < kept_count; ++i) airssys_free(kept[i]);
    kept_count = 0;
    return answer("dropped");
  }
  if (airssys_starts_with(data, len, "stress ")) return stress(parse_u32(data, len, 7));
  if (airssys_equals(data, len, "exhaust")) return exhaust();
  return reply_with("got", len);
}
