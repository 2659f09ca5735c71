#include "admin_server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_state.hpp"
#include "json_text.hpp"

namespace airssys::app {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxBody = std::size_t{1} << 20;

json component_json(const wasm::ComponentStatus& s, const std::string& supervisor,
                    rt::ActorSystem& system) {
  json j;
  j["mailbox_depth"] = system.mailbox_depth(s.address()).value_or(0);
  j["name"] = s.name();
  j["supervisor"] = supervisor;
  j["state"] = wasm::to_string(s.state());
  j["address"] = s.address().to_string();
  j["instances"] = s.instances();
  j["restarts"] = s.instances() > 0 ? s.instances() - 1 : 0;
  j["messages_handled"] = s.messages_handled();
  j["fuel_used"] = s.fuel_used();
  j["log_lines_dropped"] = s.log_lines_dropped();
  j["memory_bytes"] = s.memory_bytes();
  j["health"] = wasm::to_string(s.health());
  j["health_failures"] = s.health_failures();
  const std::string failure = s.last_failure();
  if (!failure.empty()) j["last_failure"] = failure;
  return j;
}

// Whether an Authorization header carries `token` as a bearer token
// (RFC 6750: the scheme in any case, then the token). The comparison takes
// the same time wherever the first difference is (CRYPTO_memcmp), so the
// time of a refusal says nothing about how much of a guess was right.
bool bearer_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  }
  std::string_view given = header.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  return given.size() == token.size() &&
         CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

// Whether every address `host` resolves to is a loopback one (127.0.0.0/8,
// ::1, or IPv4 loopback mapped into IPv6): decided from the addresses the
// server will bind, never from how the name is spelt ("127.x.example" is
// a name like any other). A name that does not resolve is not loopback.
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

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

AdminServer::AdminServer(SystemRunner& runner)
    : runner_(runner), server_(std::make_unique<httplib::Server>()) {}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string AdminServer::metrics_text(SystemRunner& runner) {
  std::ostringstream out;
  const auto counters = runner.events().snapshot();
  const auto names = runner.component_names();
  auto family = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  family("airssys_component_state", "gauge", "1 for the lifecycle state the component is in");
  for (const auto& n : names) {
    auto s = runner.registry().status(n);
    if (!s) continue;
    for (auto state : {wasm::ComponentState::creating, wasm::ComponentState::starting,
                       wasm::ComponentState::ready, wasm::ComponentState::stopping,
                       wasm::ComponentState::terminated, wasm::ComponentState::failed}) {
      out << "airssys_component_state{component=\"" << escape_label(n) << "\",state=\""
          << wasm::to_string(state) << "\"} " << (s->state() == state ? 1 : 0) << '\n';
    }
  }
  auto per_component = [&](const char* name, const char* type, const char* help,
                           const std::function<std::uint64_t(const wasm::ComponentStatus&)>& get) {
    family(name, type, help);
    for (const auto& n : names) {
      if (auto s = runner.registry().status(n)) {
        out << name << "{component=\"" << escape_label(n) << "\"} " << get(*s) << '\n';
      }
    }
  };
  per_component(
      "airssys_component_restarts_total", "counter", "fresh instances started after the first",
      [](const wasm::ComponentStatus& s) { return s.instances() > 0 ? s.instances() - 1 : 0; });
  per_component("airssys_component_messages_handled_total", "counter",
                "messages handled, over all instances",
                [](const wasm::ComponentStatus& s) { return s.messages_handled(); });
  per_component("airssys_component_fuel_used_total", "counter",
                "fuel used handling messages, over all instances",
                [](const wasm::ComponentStatus& s) { return s.fuel_used(); });
  per_component("airssys_component_log_lines_dropped_total", "counter",
                "guest log lines dropped over the log_rate limit, over all instances",
                [](const wasm::ComponentStatus& s) { return s.log_lines_dropped(); });
  per_component(
      "airssys_component_mailbox_depth", "gauge", "messages waiting in its mailbox",
      [&runner](const wasm::ComponentStatus& s) {
        return static_cast<std::uint64_t>(runner.system().mailbox_depth(s.address()).value_or(0));
      });
  per_component("airssys_component_memory_bytes", "gauge", "linear memory of the current instance",
                [](const wasm::ComponentStatus& s) { return s.memory_bytes(); });

  family("airssys_component_health", "gauge", "1 for the result of the last health check");
  for (const auto& n : names) {
    auto s = runner.registry().status(n);
    if (!s) continue;
    for (auto h : {wasm::ComponentHealth::unknown, wasm::ComponentHealth::healthy,
                   wasm::ComponentHealth::degraded, wasm::ComponentHealth::unhealthy}) {
      out << "airssys_component_health{component=\"" << escape_label(n) << "\",health=\""
          << wasm::to_string(h) << "\"} " << (s->health() == h ? 1 : 0) << '\n';
    }
  }
  per_component("airssys_component_health_checks_total", "counter", "health checks run",
                [](const wasm::ComponentStatus& s) { return s.health_checks(); });

  family("airssys_restart_latency_seconds", "histogram",
         "time from a child's exit to its fresh instance being ready");
  const auto& h = counters.restart_latency;
  for (std::size_t i = 0; i < EventLog::kBuckets.size(); ++i) {
    out << "airssys_restart_latency_seconds_bucket{le=\"" << EventLog::kBuckets[i] << "\"} "
        << h.buckets[i] << '\n';
  }
  out << "airssys_restart_latency_seconds_bucket{le=\"+Inf\"} " << h.count << '\n'
      << "airssys_restart_latency_seconds_sum " << h.sum << '\n'
      << "airssys_restart_latency_seconds_count " << h.count << '\n';
  family("airssys_dead_letters_total", "counter", "messages that could not be delivered");
  out << "airssys_dead_letters_total " << counters.dead_letters << '\n';
  family("airssys_escalations_total", "counter", "supervisors that gave up and escalated");
  out << "airssys_escalations_total " << counters.escalations << '\n';
  const auto stats = runner.system().stats();
  family("airssys_actors_live", "gauge", "actors alive in the actor system");
  out << "airssys_actors_live " << stats.live << '\n';
  return out.str();
}

void AdminServer::routes() {
  auto& srv = *server_;
  auto send_json = [](httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(json_text(body, 2) + "\n", "application/json");
  };
  auto down_components = [this](bool permanent_only) {
    json down = json::array();
    for (const auto& n : runner_.component_names()) {
      if (permanent_only && !runner_.is_permanent(n)) continue;
      auto s = runner_.registry().status(n);
      if (!s || s->state() != wasm::ComponentState::ready) down.push_back(n);
    }
    return down;
  };

  srv.Get("/healthz",
          [down_components, send_json](const httplib::Request&, httplib::Response& res) {
            json down = down_components(true);
            send_json(res, down.empty() ? 200 : 503,
                      {{"status", down.empty() ? "ok" : "degraded"}, {"down", down}});
          });
  srv.Get("/readyz", [down_components, send_json](const httplib::Request&, httplib::Response& res) {
    json down = down_components(false);
    send_json(res, down.empty() ? 200 : 503,
              {{"status", down.empty() ? "ready" : "not_ready"}, {"not_ready", down}});
  });
  srv.Get("/tree", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(runner_.tree()->to_json() + "\n", "application/json");
  });
  srv.Get("/components", [=, this](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const auto& n : runner_.component_names()) {
      if (auto s = runner_.registry().status(n))
        list.push_back(component_json(*s, runner_.parent_of(n), runner_.system()));
    }
    send_json(res, 200, list);
  });
  srv.Get(R"(/components/([^/]+))", [=, this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    auto s = runner_.registry().status(name);
    if (!s) return send_json(res, 404, {{"error", "no component named '" + name + "'"}});
    send_json(res, 200, component_json(*s, runner_.parent_of(name), runner_.system()));
  });
  srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(runner_), "text/plain; version=0.0.4");
  });

  srv.Post(
      R"(/components/([^/]+)/(restart|stop|start|send))",
      [=, this](const httplib::Request& req, httplib::Response& res) {
        if (!token_.empty() && !bearer_matches(req.get_header_value("Authorization"), token_)) {
          res.set_header("WWW-Authenticate", "Bearer realm=\"airssys\"");
          return send_json(res, 401, {{"error", "missing or wrong bearer token"}});
        }
        const std::string name = req.matches[1];
        const std::string action = req.matches[2];
        auto status = runner_.registry().status(name);
        if (!status) return send_json(res, 404, {{"error", "no component named '" + name + "'"}});
        auto& system = runner_.system();
        if (action == "send") {
          const rt::Bytes payload(req.body.begin(), req.body.end());
          if (req.has_param("reply") && req.get_param_value("reply") != "false") {
            rt::ScopedActor me(system);
            auto reply = me.request<rt::Bytes>(status->address(), payload, std::chrono::seconds(5));
            if (!reply) return send_json(res, 502, {{"error", reply.error().describe()}});
            res.set_content(std::string(reply->begin(), reply->end()), "application/octet-stream");
            return;
          }
          auto sent = system.send(status->address(), payload);
          if (!sent) return send_json(res, 502, {{"error", sent.error().describe()}});
          return send_json(res, 202, {{"sent", payload.size()}});
        }
        auto parent = runner_.supervisor_address(runner_.parent_of(name));
        if (!parent) return send_json(res, 503, {{"error", "its supervisor is not running"}});
        supervisor::SupervisorRef ref(system, *parent, std::chrono::seconds(30));
        Result<void> done;
        if (action == "stop") {
          done = ref.terminate_child(name);
        } else if (action == "start") {
          auto r = ref.restart_child(name);
          if (!r) done = r.error();
        } else {  // restart: stop, then start a fresh instance
          done = ref.terminate_child(name);
          if (done) {
            auto r = ref.restart_child(name);
            if (!r) done = r.error();
          }
        }
        if (!done) return send_json(res, 409, {{"error", done.error().describe()}});
        send_json(res, 200, component_json(*status, runner_.parent_of(name), runner_.system()));
      });
}

Result<void> AdminServer::start(const std::string& address, const std::string& token) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Error{ErrorCode::invalid_argument, "admin address must be host:port, not " + address};
  }
  std::string host = address.substr(0, colon);
  // [::1]:8080: an IPv6 address in brackets, as in a URL.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
    return Error{ErrorCode::invalid_argument, "admin address " + address + ": bad port"};
  }
  if (!is_loopback(host) && token.empty()) {
    return Error{ErrorCode::invalid_argument,
                 "admin address " + address +
                     " is not loopback: set [system] http_token (or AIRSSYS_HTTP_TOKEN) so "
                     "mutating requests need it"};
  }
  token_ = token;
  server_->set_payload_max_length(kMaxBody);
  server_->set_read_timeout(5, 0);
  // SO_REUSEADDR only: the library's default, SO_REUSEPORT, let a second
  // system bind the same port and share its requests with this one.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  routes();
  errno = 0;
  port_ = port == 0 ? server_->bind_to_any_port(host.c_str()) : port;
  if (port != 0 && !server_->bind_to_port(host.c_str(), port)) port_ = -1;
  if (port_ <= 0) {
    const int err = errno;
    return Error{ErrorCode::io_error,
                 "cannot listen on " + address +
                     (err == EADDRINUSE ? std::string(": the address is already in use")
                      : err != 0        ? ": " + std::string(std::strerror(err))
                                        : std::string())};
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return {};
}

}  // namespace airssys::app
