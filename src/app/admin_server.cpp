#include "admin_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "admin_address.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_state.hpp"
#include "connection_book.hpp"
#include "json_text.hpp"

namespace airssys::app {
namespace {

using nlohmann::json;
using Clock = ConnectionBook::Clock;

// Connections the event loop may hold beyond max_connections: the ones it
// has accepted over the limit and closed at once, until it has cleaned
// them up. With those too it stops accepting for a moment and new
// connections wait in the kernel's listen backlog (kBacklog of them).
constexpr std::size_t kRefusedSlack = 16;
constexpr int kBacklog = 64;
// Threads that carry out restart / stop / start / send, which wait for
// supervisors and components: the event loop never waits for them.
constexpr int kActionWorkers = 4;

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

// Milliseconds as seconds with three decimals ("3.250").
std::string seconds_text(std::chrono::milliseconds ms) {
  const auto n = ms.count() < 0 ? 0 : ms.count();
  std::string frac = std::to_string(n % 1000);
  return std::to_string(n / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

// This node's view of its cluster: every node it knows (itself first, then
// its peers by name) and what it has carried.
json cluster_json(const cluster::ClusterNode& node) {
  json nodes = json::array();
  for (const auto& n : node.nodes()) {
    nodes.push_back({{"node", n.node},
                     {"labels", n.labels},
                     {"up", n.up},
                     {"self", n.self},
                     {"heartbeat_age_ms", n.heartbeat_age.count()}});
  }
  const cluster::ClusterStats s = node.stats();
  return {{"cluster", node.config().name},
          {"node", node.config().node},
          {"nodes", std::move(nodes)},
          {"stats",
           {{"records_sent", s.records_sent},
            {"frames_sent", s.frames_sent},
            {"records_received", s.records_received},
            {"frames_refused", s.frames_refused},
            {"proxies", s.proxies}}}};
}

// An answer to a request.
struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection once it is sent
};

Reply reply_of(unsigned status, std::string body, std::string content_type) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

Reply json_reply(unsigned status, const json& body) {
  return reply_of(status, json_text(body, 2) + "\n", "application/json");
}

Reply error_reply(unsigned status, const std::string& message) {
  return json_reply(status, {{"error", message}});
}

enum class Action { restart, stop, start, send, remove, pool_start, pool_stop };

struct ActionRoute {
  std::string target;  // a component, or a pool (its supervisor's name)
  Action action;
};

// The component NAME of "/components/NAME" (a name has no '/').
std::optional<std::string> component_of(std::string_view path) {
  constexpr std::string_view kPrefix = "/components/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (path.empty() || path.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(path);
}

// The pool NAME of "/pools/NAME".
std::optional<std::string> pool_of(std::string_view path) {
  constexpr std::string_view kPrefix = "/pools/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (path.empty() || path.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(path);
}

// "/components/NAME/ACTION" and "/pools/NAME/ACTION", the POST routes.
std::optional<ActionRoute> action_of(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view verb = path.substr(slash + 1);
  if (auto name = component_of(path.substr(0, slash))) {
    constexpr std::pair<std::string_view, Action> kActions[] = {{"restart", Action::restart},
                                                                {"stop", Action::stop},
                                                                {"start", Action::start},
                                                                {"send", Action::send},
                                                                {"delete", Action::remove}};
    for (const auto& [text, action] : kActions) {
      if (verb == text) return ActionRoute{*name, action};
    }
  }
  if (auto name = pool_of(path.substr(0, slash))) {
    if (verb == "start") return ActionRoute{*name, Action::pool_start};
    if (verb == "stop") return ActionRoute{*name, Action::pool_stop};
  }
  return std::nullopt;
}

// The HTTP status of an error from the runner or a supervisor.
unsigned status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::name_not_found:
    case ErrorCode::no_such_actor: return 404;
    case ErrorCode::system_stopping: return 503;
    case ErrorCode::timeout: return 504;
    default: return 409;  // refused in the state it is in: running, full, failing to start
  }
}

// A pool's size and instances.
json pool_json(SystemRunner& runner, const std::string& name) {
  json j;
  auto p = runner.pool(name);
  j["pool"] = name;
  j["component"] = p->component();
  j["max"] = p->max();
  json instances = json::array();
  std::size_t live = 0;
  for (const auto& id : p->instances()) {
    if (auto s = runner.registry().status(id)) {
      const wasm::ComponentState state = s->state();
      live += state != wasm::ComponentState::terminated && state != wasm::ComponentState::failed &&
              state != wasm::ComponentState::killed;
      instances.push_back(
          {{"id", id}, {"address", s->address().to_string()}, {"state", wasm::to_string(state)}});
    }
  }
  j["size"] = live;
  j["instances"] = std::move(instances);
  return j;
}

Reply no_route(std::string_view method, std::string_view path) {
  return error_reply(404, "no " + std::string(method) + " " + std::string(path) + " here");
}

// One request, from the arrival of its head to its answer (the library's
// per-request pointer).
struct Exchange {
  std::string method;
  std::string path;
  // An answer decided from the head: the body, if any, is read and dropped.
  std::optional<Reply> refusal;
  std::optional<ActionRoute> action;
  bool has_body = false;  // a Content-Length or Transfer-Encoding was sent
  bool want_reply = false;
  std::string body;
  bool received = false;
  // From the action worker (under Impl::jobs_mutex).
  std::optional<Reply> answer;
};

MHD_socket socket_of(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info != nullptr ? info->connect_fd : MHD_INVALID_SOCKET;
}

std::string header(MHD_Connection* connection, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  return value != nullptr ? value : "";
}

bool has_header(MHD_Connection* connection, const char* name) {
  return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name) != nullptr;
}

MHD_Result queue(MHD_Connection* connection, const Reply& reply) {
  MHD_Response* response = MHD_create_response_from_buffer(
      reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
  for (const auto& [name, value] : reply.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  if (reply.close) MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  const MHD_Result queued = MHD_queue_response(connection, reply.status, response);
  MHD_destroy_response(response);
  return queued;
}

}  // namespace

struct AdminServer::Impl {
  Impl(SystemRunner& r, AdminLimits l) : runner(r), limits(l), book(l.max_connections) {}

  SystemRunner& runner;
  const AdminLimits limits;
  std::string token;
  int port = 0;
  MHD_Daemon* daemon = nullptr;

  // The open connections, and the thread that closes those whose request
  // is late. book_mutex is taken last: nothing else is locked under it.
  mutable std::mutex book_mutex;
  std::condition_variable book_changed;
  ConnectionBook book;
  bool cutter_stopping = false;
  std::thread cutter;

  // Actions waiting for a worker, their connections suspended meanwhile.
  std::mutex jobs_mutex;
  std::condition_variable jobs_ready;
  std::deque<std::pair<MHD_Connection*, Exchange*>> jobs;
  bool jobs_stopping = false;
  std::vector<std::thread> workers;

  Exchange* begin(MHD_Connection* connection, const char* url, const char* method);
  void take_body(Exchange& e, const char* data, std::size_t size);
  MHD_Result finish(MHD_Connection* connection, Exchange& e);
  Reply get(const std::string& path);
  Reply act(const Exchange& e);
  Reply act_on_pool(const Exchange& e);
  void cut_late_connections();
  void work();

  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char* version, const char* upload_data,
                               std::size_t* upload_size, void** request);
  static void on_completed(void* cls, MHD_Connection* connection, void** request,
                           MHD_RequestTerminationCode code);
  static void on_connection(void* cls, MHD_Connection* connection, void** socket_context,
                            MHD_ConnectionNotificationCode code);
};

// Accepted and closed connections: admission against the limit, and the
// time the first request has to arrive.
void AdminServer::Impl::on_connection(void* cls, MHD_Connection* connection, void**,
                                      MHD_ConnectionNotificationCode code) {
  auto& self = *static_cast<Impl*>(cls);
  const MHD_socket socket = socket_of(connection);
  std::lock_guard lock(self.book_mutex);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    if (!self.book.admit(socket, Clock::now() + self.limits.receive_timeout)) {
      // Over the limit: the event loop sees the end of the stream at once
      // and closes it (the socket stays open until then, so no other
      // connection can be given its number meanwhile).
      ::shutdown(socket, SHUT_RDWR);
      return;
    }
    self.book_changed.notify_one();
  } else {
    self.book.closed(socket);
  }
}

MHD_Result AdminServer::Impl::on_request(void* cls, MHD_Connection* connection, const char* url,
                                         const char* method, const char*, const char* upload_data,
                                         std::size_t* upload_size, void** request) {
  auto& self = *static_cast<Impl*>(cls);
  auto* e = static_cast<Exchange*>(*request);
  // Nothing may be thrown into the library: a request that throws (out of
  // memory, a bug) loses its connection, the endpoint carries on.
  try {
    if (e == nullptr) {  // the head has arrived
      *request = self.begin(connection, url, method);
      return MHD_YES;
    }
    if (*upload_size > 0) {
      self.take_body(*e, upload_data, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    return self.finish(connection, *e);
  } catch (...) {
    return MHD_NO;
  }
}

// The request has been answered (or abandoned): the next one on this
// connection is due by a fresh deadline.
void AdminServer::Impl::on_completed(void* cls, MHD_Connection* connection, void** request,
                                     MHD_RequestTerminationCode) {
  auto& self = *static_cast<Impl*>(cls);
  delete static_cast<Exchange*>(*request);
  *request = nullptr;
  std::lock_guard lock(self.book_mutex);
  self.book.rearm(socket_of(connection), Clock::now() + self.limits.receive_timeout);
  self.book_changed.notify_one();
}

Exchange* AdminServer::Impl::begin(MHD_Connection* connection, const char* url,
                                   const char* method) {
  auto e = std::make_unique<Exchange>();
  e->method = method;
  e->path = url;
  const MHD_ConnectionInfo* head =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (head == nullptr || head->header_size > limits.max_head_bytes) {
    e->refusal = error_reply(
        431, "the request head is over " + std::to_string(limits.max_head_bytes) + " bytes");
    e->refusal->close = true;
    return e.release();
  }
  if (e->method == "GET" || e->method == "HEAD") return e.release();
  if (e->method != "POST") {
    e->refusal = no_route(e->method, e->path);
    return e.release();
  }
  e->action = action_of(e->path);
  if (!e->action) {
    e->refusal = no_route(e->method, e->path);
    return e.release();
  }
  if (!token.empty() && !bearer_matches(header(connection, MHD_HTTP_HEADER_AUTHORIZATION), token)) {
    e->refusal = error_reply(401, "missing or wrong bearer token");
    e->refusal->headers.emplace_back("WWW-Authenticate", "Bearer realm=\"airssys\"");
    return e.release();
  }
  const std::string length = header(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
  e->has_body = !length.empty() || has_header(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  // The library has checked that a Content-Length is a number.
  const std::uint64_t declared = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
  if (declared > limits.max_body_bytes) {
    e->refusal =
        error_reply(413, "the body is over " + std::to_string(limits.max_body_bytes) + " bytes");
    return e.release();
  }
  // A body said to fit takes its size, not what growing a buffer to it does.
  if (e->action->action == Action::send) e->body.reserve(static_cast<std::size_t>(declared));
  const char* reply = nullptr;
  e->want_reply = MHD_lookup_connection_value_n(connection, MHD_GET_ARGUMENT_KIND, "reply", 5,
                                                &reply, nullptr) == MHD_YES &&
                  (reply == nullptr || std::string_view(reply) != "false");
  return e.release();
}

// Keeps the body of send and of the pool actions up to the bound; drops
// every other body, and one over the bound (whose request then gets 413).
void AdminServer::Impl::take_body(Exchange& e, const char* data, std::size_t size) {
  if (e.refusal || !e.action) return;
  const Action a = e.action->action;
  if (a != Action::send && a != Action::pool_start && a != Action::pool_stop) return;
  if (e.body.size() + size > limits.max_body_bytes) {
    e.refusal =
        error_reply(413, "the body is over " + std::to_string(limits.max_body_bytes) + " bytes");
    std::string().swap(e.body);
    return;
  }
  e.body.append(data, size);
}

// The whole request has arrived (or, for an action, its worker is done).
MHD_Result AdminServer::Impl::finish(MHD_Connection* connection, Exchange& e) {
  if (!e.received) {
    e.received = true;
    std::lock_guard lock(book_mutex);
    book.received(socket_of(connection));
  }
  if (e.refusal) return queue(connection, *e.refusal);
  if (!e.action) {
    Reply reply;
    try {
      reply = get(e.path);
    } catch (const std::exception& ex) {
      reply = error_reply(500, ex.what());
    }
    return queue(connection, reply);
  }
  {
    std::lock_guard lock(jobs_mutex);
    if (e.answer) return queue(connection, *e.answer);
    if (jobs_stopping) return queue(connection, error_reply(503, "the admin endpoint is stopping"));
    // Suspended before a worker can see the job, so its resume always
    // finds the connection suspended.
    MHD_suspend_connection(connection);
    jobs.emplace_back(connection, &e);
  }
  jobs_ready.notify_one();
  return MHD_YES;
}

// Closes connections whose request is late: the event loop then reads the
// end of the stream and lets the connection go. Under book_mutex, so the
// socket cannot be closed (and its number reused) in between.
void AdminServer::Impl::cut_late_connections() {
  std::unique_lock lock(book_mutex);
  while (!cutter_stopping) {
    for (const int socket : book.expire(Clock::now())) ::shutdown(socket, SHUT_RDWR);
    if (const auto next = book.next_deadline()) {
      book_changed.wait_until(lock, *next);
    } else {
      book_changed.wait(lock);
    }
  }
}

void AdminServer::Impl::work() {
  std::unique_lock lock(jobs_mutex);
  for (;;) {
    jobs_ready.wait(lock, [this] { return jobs_stopping || !jobs.empty(); });
    if (jobs.empty()) return;
    auto [connection, e] = jobs.front();
    jobs.pop_front();
    Reply reply = error_reply(503, "the admin endpoint is stopping");
    if (!jobs_stopping) {
      lock.unlock();
      try {
        reply = act(*e);
      } catch (const std::exception& ex) {
        reply = error_reply(500, ex.what());
      }
      lock.lock();
    }
    e->answer = std::move(reply);
    lock.unlock();
    MHD_resume_connection(connection);
    lock.lock();
  }
}

AdminServer::AdminServer(SystemRunner& runner, AdminLimits limits)
    : impl_(std::make_unique<Impl>(runner, limits)) {}

AdminServer::~AdminServer() {
  stop();
}

int AdminServer::port() const {
  return impl_->port;
}

std::size_t AdminServer::open_connections() const {
  std::lock_guard lock(impl_->book_mutex);
  return impl_->book.open();
}

void AdminServer::stop() {
  Impl& s = *impl_;
  if (s.daemon == nullptr) return;
  {
    std::lock_guard lock(s.jobs_mutex);
    s.jobs_stopping = true;
  }
  s.jobs_ready.notify_all();
  for (auto& w : s.workers) w.join();
  s.workers.clear();
  // Every suspended connection has been resumed: the library may stop.
  MHD_stop_daemon(s.daemon);
  s.daemon = nullptr;
  {
    std::lock_guard lock(s.book_mutex);
    s.cutter_stopping = true;
  }
  s.book_changed.notify_all();
  if (s.cutter.joinable()) s.cutter.join();
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
    for (const wasm::ComponentState state : wasm::kComponentStates) {
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
  family("airssys_pool_instances", "gauge", "instances of a pool in its supervisor now");
  for (const auto& n : runner.pool_names()) {
    out << "airssys_pool_instances{pool=\"" << escape_label(n) << "\"} "
        << pool_json(runner, n)["size"].get<std::size_t>() << '\n';
  }
  family("airssys_pool_max_instances", "gauge", "the size limit of a pool (its max)");
  for (const auto& n : runner.pool_names()) {
    out << "airssys_pool_max_instances{pool=\"" << escape_label(n) << "\"} "
        << runner.pool(n)->max() << '\n';
  }
  const auto stats = runner.system().stats();
  family("airssys_actors_live", "gauge", "actors alive in the actor system");
  out << "airssys_actors_live " << stats.live << '\n';
  if (const cluster::ClusterNode* node = runner.cluster()) {
    const auto nodes = node->nodes();
    const auto up = static_cast<std::size_t>(
        std::count_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.up; }));
    family("airssys_cluster_nodes", "gauge", "nodes of the cluster this node knows, this one too");
    out << "airssys_cluster_nodes{state=\"up\"} " << up << '\n'
        << "airssys_cluster_nodes{state=\"down\"} " << nodes.size() - up << '\n';
    family("airssys_cluster_node_up", "gauge", "1 for a node of the cluster that is up");
    for (const auto& n : nodes) {
      out << "airssys_cluster_node_up{node=\"" << escape_label(n.node) << "\"} " << (n.up ? 1 : 0)
          << '\n';
    }
    family("airssys_cluster_heartbeat_age_seconds", "gauge",
           "time since a peer's last heartbeat was heard");
    for (const auto& n : nodes) {
      if (n.self) continue;
      out << "airssys_cluster_heartbeat_age_seconds{node=\"" << escape_label(n.node) << "\"} "
          << seconds_text(n.heartbeat_age) << '\n';
    }
    const cluster::ClusterStats s = node->stats();
    auto counter = [&](const char* name, const char* help, std::uint64_t value) {
      family(name, "counter", help);
      out << name << ' ' << value << '\n';
    };
    counter("airssys_cluster_records_sent_total", "messages sent to actors on other nodes",
            s.records_sent);
    counter("airssys_cluster_frames_sent_total", "NATS messages carrying those messages",
            s.frames_sent);
    counter("airssys_cluster_records_received_total", "messages from other nodes delivered here",
            s.records_received);
    counter("airssys_cluster_frames_refused_total",
            "bytes on this node's subject that were not a frame", s.frames_refused);
    counter("airssys_cluster_proxies_spawned_total",
            "local proxies spawned for actors on other nodes", s.proxies);
  }
  return out.str();
}

Reply AdminServer::Impl::get(const std::string& path) {
  auto down_components = [this](bool permanent_only) {
    json down = json::array();
    for (const auto& n : runner.component_names()) {
      if (permanent_only && !runner.is_permanent(n)) continue;
      auto s = runner.registry().status(n);
      // A pool instance that has ended on purpose has left its pool.
      if (s && s->state() == wasm::ComponentState::terminated && runner.pool(runner.parent_of(n))) {
        continue;
      }
      if (!s || s->state() != wasm::ComponentState::ready) down.push_back(n);
    }
    return down;
  };
  if (path == "/healthz") {
    json down = down_components(true);
    return json_reply(down.empty() ? 200 : 503,
                      {{"status", down.empty() ? "ok" : "degraded"}, {"down", down}});
  }
  if (path == "/readyz") {
    json down = down_components(false);
    return json_reply(down.empty() ? 200 : 503,
                      {{"status", down.empty() ? "ready" : "not_ready"}, {"not_ready", down}});
  }
  if (path == "/tree") return reply_of(200, runner.tree()->to_json() + "\n", "application/json");
  if (path == "/components") {
    json list = json::array();
    for (const auto& n : runner.component_names()) {
      if (auto s = runner.registry().status(n))
        list.push_back(component_json(*s, runner.parent_of(n), runner.system()));
    }
    return json_reply(200, list);
  }
  if (path == "/metrics") {
    return reply_of(200, metrics_text(runner), "text/plain; version=0.0.4");
  }
  if (path == "/cluster") {
    if (const cluster::ClusterNode* node = runner.cluster()) {
      return json_reply(200, cluster_json(*node));
    }
    return error_reply(404, "this system is not a cluster node (no [cluster] and no --cluster)");
  }
  if (path == "/pools") {
    json list = json::array();
    for (const auto& n : runner.pool_names()) list.push_back(pool_json(runner, n));
    return json_reply(200, list);
  }
  if (auto name = pool_of(path)) {
    if (!runner.pool(*name)) return error_reply(404, "no pool named '" + *name + "'");
    return json_reply(200, pool_json(runner, *name));
  }
  if (auto name = component_of(path)) {
    auto s = runner.registry().status(*name);
    if (!s) return error_reply(404, "no component named '" + *name + "'");
    return json_reply(200, component_json(*s, runner.parent_of(*name), runner.system()));
  }
  return no_route("GET", path);
}

// Start and stop of pool instances. The body of start is empty or a JSON
// object {"config": "<airssys_init bytes>"}; of stop {"child": "<id>"} or
// {"address": "<index.generation>"}.
Reply AdminServer::Impl::act_on_pool(const Exchange& e) {
  const std::string& name = e.action->target;
  if (!runner.pool(name)) return error_reply(404, "no pool named '" + name + "'");
  const bool start = e.action->action == Action::pool_start;
  json body = json::object();
  if (!e.body.empty()) {
    body = json::parse(e.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return error_reply(400, start ? "the body must be empty or a JSON object, e.g. "
                                      "{\"config\": \"...\"}"
                                    : "the body must be a JSON object, e.g. {\"child\": \"" +
                                          runner.pool(name)->component() + "-1\"}");
    }
  }
  const std::vector<std::string> known =
      start ? std::vector<std::string>{"config"} : std::vector<std::string>{"child", "address"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return error_reply(400, "unknown key '" + key + "' (known: " + list + ")");
    }
    if (!value.is_string()) return error_reply(400, "'" + key + "' must be a string");
  }
  if (start) {
    std::optional<rt::Bytes> config;
    if (body.contains("config")) {
      const auto text = body["config"].get<std::string>();
      if (text.size() > limits.max_pool_config_bytes) {
        return error_reply(413, "a pool instance's config is at most " +
                                    std::to_string(limits.max_pool_config_bytes) + " bytes, not " +
                                    std::to_string(text.size()));
      }
      config = rt::Bytes(text.begin(), text.end());
    }
    auto started = runner.start_pool_instance(name, std::move(config));
    if (!started) return error_reply(status_of(started.error()), started.error().message);
    return json_reply(201, {{"pool", name},
                            {"id", started->id},
                            {"address", started->address.to_string()},
                            {"size", pool_json(runner, name)["size"]}});
  }
  if (body.contains("child") == body.contains("address")) {
    return error_reply(400,
                       "say which instance to stop: {\"child\": \"<id>\"} or "
                       "{\"address\": \"<index.generation>\"}");
  }
  const std::string which = body.contains("child") ? body["child"].get<std::string>()
                                                   : body["address"].get<std::string>();
  auto stopped = runner.stop_pool_instance(name, which);
  if (!stopped) return error_reply(status_of(stopped.error()), stopped.error().message);
  return json_reply(200, {{"pool", name}, {"stopped", *stopped}});
}

// restart / stop / start / send / delete, and the pool actions, on a
// worker (the token is checked).
Reply AdminServer::Impl::act(const Exchange& e) {
  if (e.action->action == Action::pool_start || e.action->action == Action::pool_stop) {
    return act_on_pool(e);
  }
  const std::string& name = e.action->target;
  if (e.action->action == Action::remove) {
    auto deleted = runner.delete_component(name);
    if (!deleted) return error_reply(status_of(deleted.error()), deleted.error().message);
    return json_reply(200, {{"deleted", name}});
  }
  auto status = runner.registry().status(name);
  if (!status) return error_reply(404, "no component named '" + name + "'");
  auto& system = runner.system();
  if (e.action->action == Action::send) {
    if (!e.has_body) {
      return error_reply(400,
                         "send needs a body, the message (Content-Length: 0 for an empty one)");
    }
    const rt::Bytes payload(e.body.begin(), e.body.end());
    if (e.want_reply) {
      rt::ScopedActor me(system);
      auto reply = me.request<rt::Bytes>(status->address(), payload, std::chrono::seconds(5));
      if (!reply) return error_reply(502, reply.error().describe());
      return reply_of(200, std::string(reply->begin(), reply->end()), "application/octet-stream");
    }
    auto sent = system.send(status->address(), payload);
    if (!sent) return error_reply(502, sent.error().describe());
    return json_reply(202, {{"sent", payload.size()}});
  }
  auto parent = runner.supervisor_address(runner.parent_of(name));
  if (!parent) return error_reply(503, "its supervisor is not running");
  supervisor::SupervisorRef ref(system, *parent, std::chrono::seconds(30));
  Result<void> done;
  if (e.action->action == Action::stop) {
    done = ref.terminate_child(name);
  } else if (e.action->action == Action::start) {
    auto r = ref.restart_child(name);
    if (!r) done = r.error();
  } else {  // restart: stop, then start a fresh instance
    done = ref.terminate_child(name);
    if (done) {
      auto r = ref.restart_child(name);
      if (!r) done = r.error();
    }
  }
  if (!done) return error_reply(409, done.error().describe());
  return json_reply(200, component_json(*status, runner.parent_of(name), runner.system()));
}

Result<void> AdminServer::start(const std::string& address, const std::string& token) {
  Impl& s = *impl_;
  auto where = admin_address(address, token);
  if (!where) return where.error();
  const std::string& host = where->host;
  const int port = where->port;
  s.token = token;

  // The listening socket is ours: SO_REUSEADDR only (SO_REUSEPORT would
  // let a second system bind the same port and share its requests).
  int err = 0;
  int listener = -1;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    found = nullptr;
  }
  for (const addrinfo* a = found; a != nullptr && listener < 0; a = a->ai_next) {
    listener =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (listener < 0) {
      err = errno;
      continue;
    }
    int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(listener, a->ai_addr, a->ai_addrlen) != 0 || ::listen(listener, kBacklog) != 0) {
      err = errno;
      ::close(listener);
      listener = -1;
    }
  }
  if (found != nullptr) ::freeaddrinfo(found);
  if (listener < 0) {
    return Error{ErrorCode::io_error,
                 "cannot listen on " + address +
                     (err == EADDRINUSE ? std::string(": the address is already in use")
                      : err != 0        ? ": " + std::string(std::strerror(err))
                                        : std::string())};
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  s.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  // Each connection's memory: the head (its bytes and the library's
  // bookkeeping of each line) and the answer being written.
  const std::size_t connection_memory =
      std::max<std::size_t>(4 * s.limits.max_head_bytes, 16 << 10);
  const auto idle =
      static_cast<unsigned>(std::max<std::chrono::seconds::rep>(1, s.limits.idle_timeout.count()));
  s.daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, nullptr,
      nullptr, &Impl::on_request, &s, MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(listener),
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(s.limits.max_connections + kRefusedSlack),
      MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory,
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, &s, MHD_OPTION_NOTIFY_COMPLETED,
      &Impl::on_completed, &s, MHD_OPTION_END);
  if (s.daemon == nullptr) {
    ::close(listener);
    return Error{ErrorCode::io_error, "cannot serve on " + address};
  }
  s.cutter = std::thread([&s] { s.cut_late_connections(); });
  for (int i = 0; i < kActionWorkers; ++i) s.workers.emplace_back([&s] { s.work(); });
  return {};
}

}  // namespace airssys::app
