/* Replies with the payload it got. */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  return airssys_reply(data, len) == AIRSSYS_OK ? 0 : 1;
}
