/* The ping side of a ping-pong pair. "go:<n>" from a driver sends "ping" to
 * the component registered as "pong" n times in turn (each after the last
 * "pong" came back), then tells the driver "done:<n>". */
#include "airssys.h"

static airssys_address driver;
static uint64_t wanted;
static uint64_t received;

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  if (airssys_starts_with(data, len, "go:")) {
    driver = sender;
    wanted = 0;
    received = 0;
    for (uint32_t i = 3; i < len; ++i) wanted = wanted * 10 + (uint64_t)(data[i] - '0');
    return airssys_send_name_str("pong", "ping") == AIRSSYS_OK ? 0 : 1;
  }
  if (airssys_equals(data, len, "pong")) {
    if (++received < wanted) return airssys_send_name_str("pong", "ping") == AIRSSYS_OK ? 0 : 1;
    char out[32] = "done:";
    uint32_t n = 5 + airssys_format_u64(received, out + 5);
    return airssys_send(driver, out, n) == AIRSSYS_OK ? 0 : 1;
  }
  return 1;
}
