/* Greets whoever writes: "world" is answered with "hello, world". */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  char out[256] = "hello, ";
  uint32_t n = 7;
  for (uint32_t i = 0; i < len && n < sizeof out; ++i) out[n++] = (char)data[i];
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
