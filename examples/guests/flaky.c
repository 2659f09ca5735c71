/* A component that fails now and then: every <n>th message (n from its
 * config, default 5) traps. Until then it answers "handled <k>". */
#include "airssys.h"

static uint64_t every = 5;
static uint64_t handled;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < len && config[i] >= '0' && config[i] <= '9'; ++i) {
    n = n * 10 + (uint64_t)(config[i] - '0');
  }
  if (n != 0) every = n;
  return 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  (void)data;
  (void)len;
  if (++handled % every == 0) __builtin_trap();
  char out[32] = "handled ";
  uint32_t n = 8 + airssys_format_u64(handled, out + 8);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
