/* The C SDK on wasi-libc with stdio: printf writes to standard output
 * through WASI's fd_write, and malloc holds a copy of each payload.
 *   "abort"     abort() (a trap)
 *   "exit:<n>"  exit(n): libc's atexit work (stdout flushed), then proc_exit
 *   "count"     answers "count <n>", the messages this instance handled
 *   "<text>"    prints "handled <length> bytes: <text>" on standard output
 *               and answers "echo: <text>" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airssys.h"

static unsigned handled; /* of this instance: a fresh one starts at 0 */

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  char* copy = malloc(len + 1);
  if (copy == NULL) return 1;
  memcpy(copy, data, len);
  copy[len] = 0;
  ++handled;
  if (strcmp(copy, "abort") == 0) abort();
  if (strncmp(copy, "exit:", 5) == 0) {
    printf("exiting with %d", atoi(copy + 5)); /* no newline: exit flushes it */
    exit(atoi(copy + 5));
  }
  if (strcmp(copy, "count") == 0) {
    char out[32];
    const int n = snprintf(out, sizeof out, "count %u", handled);
    free(copy);
    return airssys_reply(out, (uint32_t)n) == AIRSSYS_OK ? 0 : 1;
  }
  printf("handled %u bytes: %s\n", (unsigned)len, copy);
  fflush(stdout);
  const size_t n = len + 6; /* "echo: " and the text */
  char* out = malloc(n + 1);
  if (out == NULL) return 1;
  snprintf(out, n + 1, "echo: %s", copy);
  const int32_t r = airssys_reply(out, (uint32_t)n) == AIRSSYS_OK ? 0 : 1;
  free(out);
  free(copy);
  return r;
}
