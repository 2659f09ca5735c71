/* Uses request/reply and lookup: "ask:<name>" looks <name> up, requests
 * "inc" from it, and answers the original message with the reply. */
#include "airssys.h"

static airssys_address asker;

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  if (!airssys_starts_with(data, len, "ask:")) return 1;
  airssys_address target = airssys_lookup((const char*)data + 4, len - 4);
  if (target == 0) return airssys_reply_str("not-found") == AIRSSYS_OK ? 0 : 1;
  asker = sender;
  return airssys_request(target, "inc", 3, 1000) > 0 ? 0 : 1;
}

int32_t airssys_handle_reply(uint64_t request_id, int32_t status, const uint8_t* data,
                             uint32_t len) {
  (void)request_id;
  if (status != AIRSSYS_REPLY_OK) return airssys_send(asker, "failed", 6) == AIRSSYS_OK ? 0 : 1;
  return airssys_send(asker, data, len) == AIRSSYS_OK ? 0 : 1;
}
