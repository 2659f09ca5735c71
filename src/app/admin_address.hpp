// Where the admin endpoint listens, as a config or `--http` gives it, and
// the rule it must follow: beyond loopback, a bearer token. Checked the same
// way by `check`, by `run` before anything starts, and by the endpoint.
#pragma once

#include <string>

#include "airssys/app/system_config.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::app {

struct AdminAddress {
  std::string host;  // a name, an IPv4 address, or an IPv6 one without brackets
  int port = 0;      // 0: any free port
};

// "host:port" or "[v6]:port" (port 0 to 65535); an error saying what is
// wrong, and that a token is needed when `host` is not loopback and
// `token` is empty.
Result<AdminAddress> admin_address(const std::string& address, const std::string& token);

// Whether every address `host` resolves to is a loopback one (127.0.0.0/8,
// ::1, or IPv4 loopback mapped into IPv6): decided from the addresses the
// server will bind, never from how the name is spelt ("127.x.example" is
// a name like any other). A name that does not resolve is not loopback.
bool is_loopback(const std::string& host);

// The token mutating requests need: AIRSSYS_HTTP_TOKEN when set and not
// empty, else [system] http_token.
std::string admin_token(const SystemSettings& settings);

}  // namespace airssys::app
