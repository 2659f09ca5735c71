/* A cache that leaks: every 100 ms it takes another 1 KiB it never gives
 * back. Its health export tells the truth: degraded past 30 KiB, unhealthy
 * past 50 KiB, so its supervisor restarts it (a fresh, empty instance) after
 * the configured number of failed checks. */
#include "airssys.h"

static uint32_t leaked_kib;
static uint8_t pool[64 * 1024];

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  (void)config;
  (void)len;
  return airssys_send_after(airssys_self(), 100, "tick", 4) == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "tick")) {
    if (leaked_kib < 64) pool[leaked_kib++ * 1024] = 1;
    return airssys_send_after(airssys_self(), 100, "tick", 4) == AIRSSYS_OK ? 0 : 1;
  }
  char out[24];
  uint32_t n = airssys_format_u64(leaked_kib, out);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_health(void) {
  if (leaked_kib > 50) return AIRSSYS_UNHEALTHY;
  if (leaked_kib > 30) return AIRSSYS_DEGRADED;
  return AIRSSYS_HEALTHY;
}
