/* "recurse" recurses without end; "recurse:<n>" to depth n and answers. */
#include "airssys.h"
#include "deep_call.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  uint64_t depth = (uint64_t)-1;
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
