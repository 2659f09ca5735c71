/* A component whose health can be steered. Config:
 *   "unhealthy-after:<n>"  unhealthy once it has handled n messages
 *   "ready-after:<n>"      its first n-1 checks fail, then it is healthy
 *   "healthy-checks:<n>"   healthy for n checks, unhealthy after
 * Messages: "mode:0" healthy, "mode:1" degraded, "mode:2" unhealthy,
 * "mode:3" the health call never returns, "mode:4" it recurses without end;
 * "recurse:<n>" recurses n calls deep and answers n; anything else is
 * answered with "<handled>/<inits>". */
#include "airssys.h"
#include "deep_call.h"

static uint32_t mode;
static uint64_t handled;
static uint64_t inits;
static uint64_t checks;
static uint64_t unhealthy_after = (uint64_t)-1;
static uint64_t ready_after;
static uint64_t healthy_checks = (uint64_t)-1;
static volatile uint64_t sink;

static uint64_t number_after(const uint8_t* data, uint32_t len, uint32_t from) {
  uint64_t n = 0;
  for (uint32_t i = from; i < len && data[i] >= '0' && data[i] <= '9'; ++i) {
    n = n * 10 + (uint64_t)(data[i] - '0');
  }
  return n;
}

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  ++inits;
  if (airssys_starts_with(config, len, "unhealthy-after:"))
    unhealthy_after = number_after(config, len, 16);
  if (airssys_starts_with(config, len, "ready-after:")) ready_after = number_after(config, len, 12);
  if (airssys_starts_with(config, len, "healthy-checks:"))
    healthy_checks = number_after(config, len, 15);
  return 0;
}

int32_t airssys_health(void) {
  ++checks;
  if (mode == 3) {
    for (;;) ++sink;
  }
  if (mode == 4) down((uint64_t)-1);
  if (checks < ready_after) return AIRSSYS_UNHEALTHY;
  if (checks > healthy_checks) return AIRSSYS_UNHEALTHY;
  if (handled >= unhealthy_after) return AIRSSYS_UNHEALTHY;
  return (int32_t)mode;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_starts_with(data, len, "mode:")) {
    mode = (uint32_t)number_after(data, len, 5);
    return airssys_reply_str("ok") == AIRSSYS_OK ? 0 : 1;
  }
  if (airssys_starts_with(data, len, "recurse:")) {
    char out[24];
    uint32_t n = airssys_format_u64(down(number_after(data, len, 8)), out);
    return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
  }
  ++handled;
  char out[48];
  uint32_t n = airssys_format_u64(handled, out);
  out[n++] = '/';
  n += airssys_format_u64(inits, out + n);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
