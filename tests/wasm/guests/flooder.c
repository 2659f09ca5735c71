/* Two roles, one module. As the flooder, "flood:<n>" sends n messages "inc"
 * to the component named "sink" as fast as it can and replies
 * "<accepted>/<mailbox full>/<other>", counted by the status of every send.
 * As the sink, "inc" is counted without an answer and anything else is
 * answered with the count. */
#include "airssys.h"

static uint64_t incs;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  (void)config;
  (void)len;
  return 0;
}

static int32_t reply_u64(uint64_t v) {
  char out[24];
  return airssys_reply(out, airssys_format_u64(v, out)) == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "inc")) {
    ++incs;
    return 0;
  }
  if (!airssys_starts_with(data, len, "flood:")) return reply_u64(incs);
  uint64_t n = 0;
  for (uint32_t i = 6; i < len && data[i] >= '0' && data[i] <= '9'; ++i)
    n = n * 10 + (data[i] - '0');
  uint64_t accepted = 0, full = 0, other = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const int32_t status = airssys_send_name("sink", 4, "inc", 3);
    if (status == AIRSSYS_OK) {
      ++accepted;
    } else if (status == AIRSSYS_MAILBOX_FULL) {
      ++full;
    } else {
      ++other;
    }
  }
  char out[72];
  uint32_t k = airssys_format_u64(accepted, out);
  out[k++] = '/';
  k += airssys_format_u64(full, out + k);
  out[k++] = '/';
  k += airssys_format_u64(other, out + k);
  return airssys_reply(out, k) == AIRSSYS_OK ? 0 : 1;
}
