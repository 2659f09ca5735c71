/* "recurse" recurses without end; "recurse:<n>" to depth n and answers. */
#include "airssys.h"

static volatile uint32_t sink;

/* The store after the call keeps the compiler from turning this into a loop. */
__attribute__((noinline)) static uint32_t down(uint32_t n) {
  volatile uint32_t frame[4];
  frame[0] = n;
  if (n == 0) return 0;
  uint32_t r = down(n - 1);
  sink = r + frame[0];
  return r + 1;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  uint32_t depth = 0xFFFFFFFFu;
  if (airssys_starts_with(data, len, "recurse:")) {
    depth = 0;
    for (uint32_t i = 8; i < len; ++i) depth = depth * 10 + (uint32_t)(data[i] - '0');
  } else if (!airssys_equals(data, len, "recurse")) {
    return airssys_reply_str("ok") == AIRSSYS_OK ? 0 : 1;
  }
  char out[24];
  uint32_t n = airssys_format_u64(down(depth), out);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
