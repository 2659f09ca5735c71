/* "spin" never returns (stopped by fuel or the deadline); anything else is
 * answered with "ok". Its shutdown spins too, when the config says so. */
#include "airssys.h"

static volatile uint64_t sink;
static int spin_on_shutdown;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  if (airssys_equals(config, len, "spin-in-init")) {
    for (;;) ++sink;
  }
  spin_on_shutdown = airssys_equals(config, len, "spin-on-shutdown");
  return 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "spin")) {
    for (;;) ++sink;
  }
  if (airssys_starts_with(data, len, "work")) {
    for (uint32_t i = 0; i < 100000; ++i) sink += i;
  }
  return airssys_reply_str("ok") == AIRSSYS_OK ? 0 : 1;
}

void airssys_shutdown(void) {
  if (spin_on_shutdown) {
    for (;;) ++sink;
  }
}
