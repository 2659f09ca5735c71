#include "admin_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdlib>

namespace airssys::app {

bool is_loopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return false;
  bool loopback = true;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      loopback = loopback && (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (a->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      const bool mapped_loopback =
          IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
      loopback = loopback && (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || mapped_loopback);
    } else {
      loopback = false;
    }
  }
  ::freeaddrinfo(found);
  return loopback;
}

Result<AdminAddress> admin_address(const std::string& address, const std::string& token) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Error{ErrorCode::invalid_argument,
                 "admin address must be host:port (e.g. 127.0.0.1:8080), not " + address};
  }
  AdminAddress out;
  out.host = address.substr(0, colon);
  // [::1]:8080: an IPv6 address in brackets, as in a URL.
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  const std::string port = address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || out.port < 0 ||
      out.port > 65535) {
    return Error{ErrorCode::invalid_argument,
                 "admin address " + address + ": the port must be a number from 0 to 65535"};
  }
  if (out.host.empty()) {
    return Error{ErrorCode::invalid_argument, "admin address " + address + ": no host"};
  }
  if (token.empty() && !is_loopback(out.host)) {
    return Error{ErrorCode::invalid_argument,
                 "admin address " + address +
                     " is not loopback: set [system] http_token (or AIRSSYS_HTTP_TOKEN) so "
                     "mutating requests need it"};
  }
  return out;
}

std::string admin_token(const SystemSettings& settings) {
  if (const char* env = std::getenv("AIRSSYS_HTTP_TOKEN"); env != nullptr && *env != 0) return env;
  return settings.http_token;
}

}  // namespace airssys::app
