/* Takes "r<n>:<value>" and passes <value> on to "aggregate". A reading it
 * cannot parse makes it trap: under rest_for_one the supervisor restarts it
 * and everything started after it (the aggregate). */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  uint32_t i = 0;
  while (i < len && data[i] != ':') ++i;
  if (i + 1 >= len) __builtin_trap();
  uint64_t value = 0;
  for (uint32_t j = i + 1; j < len; ++j) {
    if (data[j] < '0' || data[j] > '9') {
      airssys_log_str(AIRSSYS_LOG_WARN, "unparsable reading, giving up");
      __builtin_trap();
    }
    value = value * 10 + (uint64_t)(data[j] - '0');
  }
  char out[24];
  uint32_t k = airssys_format_u64(value, out);
  return airssys_send_name("aggregate", 9, out, k) == AIRSSYS_OK ? 0 : 1;
}
