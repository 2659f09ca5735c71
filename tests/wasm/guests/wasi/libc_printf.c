/* The C SDK on wasi-libc with stdio: printf writes to standard output
 * through WASI's fd_write, and malloc holds a copy of each payload.
 *   "<text>"  prints "handled <length> bytes: <text>" on standard output
 *             and answers "echo: <text>" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  char* copy = malloc(len + 1);
  if (copy == NULL) return 1;
  memcpy(copy, data, len);
  copy[len] = 0;
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
