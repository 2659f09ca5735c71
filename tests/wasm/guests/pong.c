/* The pong side: answers "ping" with "pong" to whoever sent it. */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  if (!airssys_equals(data, len, "ping")) return 1;
  return airssys_send(sender, "pong", 4) == AIRSSYS_OK ? 0 : 1;
}
