/* The chaos soak's component: "inc" is counted without an answer, "crash"
 * traps, anything else is answered with the count (the soak's flush: once
 * it answers, everything sent to it before has been handled). */
#include "airssys.h"

static uint64_t count;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  (void)config;
  (void)len;
  count = 0;
  return 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "inc")) {
    ++count;
    return 0;
  }
  if (airssys_equals(data, len, "crash")) __builtin_trap();
  char out[24];
  return airssys_reply(out, airssys_format_u64(count, out)) == AIRSSYS_OK ? 0 : 1;
}
