/* Counts "inc" messages and answers every message with "<count>/<inits>":
 * a fresh instance starts again from the value its init config gives (or 0)
 * and has been initialised once. "crash" traps. */
#include "airssys.h"

static uint64_t count;
static uint64_t inits;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  ++inits;
  count = 0;
  for (uint32_t i = 0; i < len && config[i] >= '0' && config[i] <= '9'; ++i) {
    count = count * 10 + (uint64_t)(config[i] - '0');
  }
  return 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "crash")) __builtin_trap();
  if (airssys_equals(data, len, "inc")) ++count;
  char out[48];
  uint32_t n = airssys_format_u64(count, out);
  out[n++] = '/';
  n += airssys_format_u64(inits, out + n);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
