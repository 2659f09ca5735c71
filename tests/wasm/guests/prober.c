/* Tries to reach other actors by raw address, as a guest that guesses
 * addresses would, and keeps whatever comes back.
 *   "request:" + n little-endian u64 addresses: airssys_request to each
 *   "send:" + addresses: airssys_send to each
 *   "timer:" + addresses: airssys_send_after (0 ms) to each
 *   "ask:<name>": looks <name> up and requests from the address found
 * each answered with "ok=<calls that succeeded> refused=<AIRSSYS_NOT_GRANTED>
 * other=<any other status>";
 *   "got": answered with everything that came back since the last "got":
 *   "<status>:<bytes>;" for each reply to a request, "msg:<bytes>;" for
 *   each other message.
 * Any other message is kept as a "msg:". */
#include "airssys.h"

enum { kKeep = 8192 };
static char kept[kKeep];
static uint32_t kept_len;

static void keep(const char* s, uint32_t n) {
  for (uint32_t i = 0; i < n && kept_len < kKeep; ++i) kept[kept_len++] = s[i];
}

static void keep_str(const char* s) {
  keep(s, airssys_strlen(s));
}

static uint64_t read_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/* Runs `op` on every address after the prefix and answers with the counts. */
static int32_t probe(int op, const uint8_t* data, uint32_t len, uint32_t prefix) {
  uint64_t ok = 0, refused = 0, other = 0;
  for (uint32_t at = prefix; at + 8 <= len; at += 8) {
    const airssys_address to = read_u64(data + at);
    int64_t r;
    if (op == 0) {
      r = airssys_request(to, "tell", 4, 1000);
      if (r > 0) r = 0;
    } else if (op == 1) {
      r = airssys_send(to, "tell", 4);
    } else {
      r = airssys_send_after(to, 0, "tell", 4);
    }
    if (r == 0) {
      ++ok;
    } else if (r == AIRSSYS_NOT_GRANTED) {
      ++refused;
    } else {
      ++other;
    }
  }
  char out[96];
  uint32_t n = 0;
  const char* parts[3] = {"ok=", " refused=", " other="};
  const uint64_t values[3] = {ok, refused, other};
  for (int i = 0; i < 3; ++i) {
    for (const char* p = parts[i]; *p != 0; ++p) out[n++] = *p;
    n += airssys_format_u64(values[i], out + n);
  }
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_starts_with(data, len, "request:")) return probe(0, data, len, 8);
  if (airssys_starts_with(data, len, "send:")) return probe(1, data, len, 5);
  if (airssys_starts_with(data, len, "timer:")) return probe(2, data, len, 6);
  if (airssys_starts_with(data, len, "ask:")) {
    const airssys_address to = airssys_lookup((const char*)data + 4, len - 4);
    const int64_t r = airssys_request(to, "tell", 4, 1000);
    char out[24];
    uint32_t n = 0;
    if (r < 0) {
      out[n++] = '-';
      n += airssys_format_u64((uint64_t)(-r), out + n);
    } else {
      n += airssys_format_u64((uint64_t)r, out + n);
    }
    return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
  }
  if (airssys_equals(data, len, "got")) {
    const int32_t r = airssys_reply(kept, kept_len);
    kept_len = 0;
    return r == AIRSSYS_OK ? 0 : 1;
  }
  keep_str("msg:");
  keep((const char*)data, len);
  keep_str(";");
  return 0;
}

int32_t airssys_handle_reply(uint64_t request_id, int32_t status, const uint8_t* data,
                             uint32_t len) {
  (void)request_id;
  char s[12];
  uint32_t n = airssys_format_u64((uint64_t)status, s);
  keep(s, n);
  keep_str(":");
  keep((const char*)data, len);
  keep_str(";");
  return 0;
}
