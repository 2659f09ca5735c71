/* Greets whoever writes: "world" is answered with "hello, world". */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  char out[256] = "hello, ";
  uint32_t n = 7;
  for (uint32_t i = 0; i < len && n < sizeof out; ++i) out[n++] = (char)data[i];
  /* A plain message from no actor (airssys send without --reply) has no
     one to answer: that is not a failure. */
  const int32_t r = airssys_reply(out, n);
  return r == AIRSSYS_OK || r == AIRSSYS_NO_REQUEST ? 0 : 1;
}
