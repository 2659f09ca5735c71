/* Fails on command, in every way a guest can fail; answers "ok" otherwise.
 * Its init fails when the config says "fail-init". */
#include "airssys.h"

static volatile uint32_t zero;

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  return airssys_equals(config, len, "fail-init") ? 7 : 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "trap")) __builtin_trap();
  if (airssys_equals(data, len, "oob"))
    return (int32_t) * (volatile uint32_t*)(uintptr_t)0xFFFFFFF0u;
  if (airssys_equals(data, len, "div0")) return (int32_t)(10u / zero);
  if (airssys_equals(data, len, "exit-normal")) airssys_exit(0, "", 0);
  if (airssys_equals(data, len, "exit-error")) airssys_exit(3, "gave up", 7);
  if (airssys_equals(data, len, "exit-shutdown")) airssys_exit(AIRSSYS_EXIT_SHUTDOWN, "done", 4);
  if (airssys_equals(data, len, "return-error")) return 5;
  if (airssys_equals(data, len, "bad-pointer"))
    return airssys_reply((const void*)0xFFFFFF00u, 4096);
  return airssys_reply_str("ok") == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_health(void) {
  return AIRSSYS_HEALTHY;
}
