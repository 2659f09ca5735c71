// NatsCluster: real nats-server processes on loopback for the cluster's
// tests and benchmarks. N servers (3 by default; 1 is a lone server with no
// cluster block), JetStream on, each with its own free client, monitoring
// and route ports and its config, store and log in a fresh temporary folder
// removed at the end. A server is started with posix_spawn and an argv, its
// output goes to its log, and it counts as ready once its monitoring
// endpoint says so (/healthz?js-enabled-only=true, then, for the whole
// cluster, /healthz, a JetStream meta leader every server agrees on, and a
// route from each server to every other).
// The destructor kills and reaps every server, so a failing test leaves no
// process. A ctest timeout kills the test's descendants too; only a crash
// of the test process itself leaves the servers behind.
//
// Not thread-safe: one thread drives a NatsCluster.
//
// Needs AIRSSYS_NATS_SERVER, the path of the nats-server binary.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace airssys::test {

// An answer of a server's monitoring endpoint.
struct HttpAnswer {
  int status = 0;
  std::string body;
};

// GET `path` from 127.0.0.1:`port` on a fresh HTTP/1.0 connection (the
// server closes it after the answer); nullopt when nothing answers within
// `timeout`.
inline std::optional<HttpAnswer> http_get(int port, const std::string& path,
                                          std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<HttpAnswer> answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    std::string bytes;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buf[16384];
      for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
          bytes.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) bytes.clear();  // timed out or reset: no answer
        break;
      }
    }
    const auto head_end = bytes.find("\r\n\r\n");
    if (bytes.rfind("HTTP/1.", 0) == 0 && bytes.size() >= 12 && head_end != std::string::npos) {
      answer = HttpAnswer{std::atoi(bytes.substr(9, 3).c_str()), bytes.substr(head_end + 4)};
    }
  }
  ::close(fd);
  return answer;
}

// `n` distinct loopback ports free at the time of the call: each bound to
// port 0 (the kernel picks), all held until the last is picked, then
// released. Another process may take one before its server binds it; the
// caller retries then.
inline std::vector<int> free_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<int> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof at;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &len) != 0) {
      if (fd >= 0) ::close(fd);
      for (const int f : fds) ::close(f);
      throw std::runtime_error("free_ports: no free loopback port");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(at.sin_port));
  }
  for (const int f : fds) ::close(f);
  return ports;
}

class NatsCluster {
 public:
  // Starts `servers` nats-servers and returns once all are ready; throws
  // std::runtime_error (with the failing server's log tail) when they are
  // not within `ready_within`. A port another process took in the meantime
  // is a retry with fresh ports, a few times.
  explicit NatsCluster(int servers = 3,
                       std::chrono::milliseconds ready_within = std::chrono::seconds(20))
      : dir_(), ready_within_(ready_within) {
    if (servers < 1) throw std::invalid_argument("NatsCluster: at least one server");
    static std::atomic<int> clusters{0};
    cluster_name_ = "airssys-test-" + std::to_string(::getpid()) + "-" + std::to_string(clusters++);
    const auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < servers; ++i) {
      Server s;
      s.name = "n" + std::to_string(i);
      s.config = dir_.path() / (s.name + ".conf");
      s.store = dir_.path() / (s.name + "-store");
      s.log = dir_.path() / (s.name + ".log");
      servers_.push_back(std::move(s));
    }
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      pick_ports();
      for (auto& s : servers_) {
        std::filesystem::remove_all(s.store);
        std::ofstream(s.log, std::ios::trunc).close();
        spawn(s);
      }
      std::string why;
      bool port_clash = false;
      if (wait_ready(why, port_clash)) break;
      for (auto& s : servers_) s.kill();
      if (!port_clash || attempt == kAttempts) throw std::runtime_error(why);
    }
    start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
  }
  ~NatsCluster() = default;  // Server kills and reaps, then TempDir removes
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  bool clustered() const { return servers_.size() > 1; }

  // "nats://127.0.0.1:<client port>" of server `i`.
  std::string url(int i) const { return "nats://127.0.0.1:" + std::to_string(at(i).client_port); }
  std::vector<std::string> url_list() const {
    std::vector<std::string> list;
    for (int i = 0; i < size(); ++i) list.push_back(url(i));
    return list;
  }
  // The servers' urls, comma-separated.
  std::string urls() const {
    std::string joined;
    for (const auto& u : url_list()) joined += (joined.empty() ? "" : ",") + u;
    return joined;
  }

  int client_port(int i) const { return at(i).client_port; }
  int monitor_port(int i) const { return at(i).http_port; }
  // "n<i>": the server_name, the name JetStream gives leaders and peers by.
  const std::string& server_name(int i) const { return at(i).name; }
  // The index of the server called `name`; -1 when none is.
  int index_of(std::string_view name) const {
    for (int i = 0; i < size(); ++i) {
      if (servers_[i].name == name) return i;
    }
    return -1;
  }
  // The server's process id; -1 once it was killed or stopped, or found
  // ended by running().
  pid_t pid(int i) const { return at(i).pid; }
  // Whether the server runs; one that ended by itself is reaped.
  bool running(int i) {
    std::string why;
    return !exited(at(i), why) && at(i).pid > 0;
  }
  // Everything the server wrote (all its runs), and its last `lines` lines.
  std::string log(int i) const { return read(at(i).log); }
  std::string log_tail(int i, std::size_t lines = 40) const { return tail(log(i), lines); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  // How long the constructor took to have every server ready.
  std::chrono::milliseconds start_time() const { return start_time_; }

  // /healthz answers 200: up, JetStream on and current with its meta leader
  // and with every stream and consumer it holds a replica of.
  bool healthy(int i) const {
    const auto a = http_get(at(i).http_port, "/healthz", std::chrono::seconds(2));
    return a && a->status == 200;
  }
  // The JetStream meta leader's server_name as server `i` sees it; empty
  // when it knows none (or runs alone).
  std::string meta_leader(int i) const {
    const auto a = http_get(at(i).http_port, "/jsz", std::chrono::seconds(2));
    if (!a || a->status != 200) return {};
    const auto jsz = nlohmann::json::parse(a->body, nullptr, false);
    const nlohmann::json::json_pointer leader("/meta_cluster/leader");
    if (jsz.is_discarded() || !jsz.contains(leader) || !jsz[leader].is_string()) return {};
    return jsz[leader].get<std::string>();
  }

  // SIGKILL and reap.
  void kill(int i) { at(i).kill(); }
  // SIGTERM and reap; true when it ended within `within`, false when it had
  // to be killed.
  bool stop(int i, std::chrono::milliseconds within = std::chrono::seconds(10)) {
    return at(i).stop(within);
  }
  // Starts server `i` again (stopping it first when it runs) with the same
  // ports, config and store, and waits until it is healthy; throws with its
  // log tail when it is not within the bound.
  void restart(int i) {
    Server& s = at(i);
    if (s.pid > 0) s.stop(std::chrono::seconds(10));
    spawn(s);
    const auto deadline = std::chrono::steady_clock::now() + ready_within_;
    for (;;) {
      std::string why;
      if (exited(s, why)) throw std::runtime_error(why);
      if (healthy(i)) return;
      if (std::chrono::steady_clock::now() > deadline) {
        s.kill();
        throw std::runtime_error(failure(s, "not healthy after a restart within " +
                                                std::to_string(ready_within_.count()) + " ms"));
      }
      pause();
    }
  }

 private:
  // The folder of a cluster's configs, stores and logs.
  class TempDir {
   public:
    TempDir() {
      std::string pattern = (std::filesystem::temp_directory_path() / "airssys-nats-XXXXXX");
      if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("NatsCluster: mkdtemp failed");
      }
      path_ = pattern;
    }
    ~TempDir() {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

   private:
    std::filesystem::path path_;
  };

  struct Server {
    std::string name;
    std::filesystem::path config;
    std::filesystem::path store;
    std::filesystem::path log;
    int client_port = 0;
    int http_port = 0;
    int route_port = 0;
    pid_t pid = -1;

    Server() = default;
    Server(Server&& o) noexcept { *this = std::move(o); }
    Server& operator=(Server&& o) noexcept {
      name = std::move(o.name);
      config = std::move(o.config);
      store = std::move(o.store);
      log = std::move(o.log);
      client_port = o.client_port;
      http_port = o.http_port;
      route_port = o.route_port;
      pid = o.pid;
      o.pid = -1;
      return *this;
    }
    ~Server() { kill(); }

    void kill() {
      if (pid <= 0) return;
      ::kill(pid, SIGKILL);
      reap();
    }
    bool stop(std::chrono::milliseconds within) {
      if (pid <= 0) return true;
      ::kill(pid, SIGTERM);
      const bool ended = wait_exit(within);
      if (!ended) ::kill(pid, SIGKILL);
      reap();
      return ended;
    }
    // Whether the process has ended within `within` (not yet reaped).
    bool wait_exit(std::chrono::milliseconds within) const {
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (pidfd < 0) return false;
      pollfd ended{pidfd, POLLIN, 0};
      int ready;
      do {
        ready = ::poll(&ended, 1, static_cast<int>(within.count()));
      } while (ready < 0 && errno == EINTR);
      ::close(pidfd);
      return ready == 1;
    }
    void reap() {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      pid = -1;
    }
  };

  Server& at(int i) { return servers_.at(static_cast<std::size_t>(i)); }
  const Server& at(int i) const { return servers_.at(static_cast<std::size_t>(i)); }

  static void pause() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // The last `lines` lines of a log, a run of lines that differ only in
  // their time (the health checks this harness polls with) as one line.
  static std::string tail(const std::string& text, std::size_t lines) {
    struct Line {
      std::string text;
      std::string key;  // from the level on: "[WRN] Healthcheck failed: ..."
      int repeats = 0;
    };
    std::deque<Line> last;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const auto level = line.find(" [", 1);
      std::string key = level == std::string::npos ? line : line.substr(level);
      if (!last.empty() && last.back().key == key) {
        last.back().text = line;
        ++last.back().repeats;
        continue;
      }
      last.push_back({line, std::move(key), 0});
      if (last.size() > lines) last.pop_front();
    }
    std::string out;
    for (const auto& l : last) {
      out += "  " + l.text;
      if (l.repeats > 0) out += " (and " + std::to_string(l.repeats) + " times before)";
      out += "\n";
    }
    return out;
  }
  std::string failure(const Server& s, const std::string& what) const {
    return "nats-server " + s.name + " (client port " + std::to_string(s.client_port) + ") " +
           what + "; the end of " + s.log.string() + ":\n" + tail(read(s.log), 40);
  }

  // Fresh ports for every server and configs that name them.
  void pick_ports() {
    const auto ports = free_ports(servers_.size() * 3);
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      servers_[i].client_port = ports[i * 3];
      servers_[i].http_port = ports[i * 3 + 1];
      servers_[i].route_port = ports[i * 3 + 2];
    }
    for (const auto& s : servers_) write_config(s);
  }

  void write_config(const Server& s) const {
    std::ofstream out(s.config, std::ios::trunc);
    out << "server_name: " << s.name << "\n"
        << "listen: 127.0.0.1:" << s.client_port << "\n"
        << "http: 127.0.0.1:" << s.http_port << "\n"
        << "jetstream {\n"
        << "  store_dir: \"" << s.store.string() << "\"\n"
        << "  max_memory_store: 64MB\n"
        << "  max_file_store: 256MB\n"
        << "}\n";
    if (!clustered()) return;
    out << "cluster {\n"
        << "  name: " << cluster_name_ << "\n"
        << "  listen: 127.0.0.1:" << s.route_port << "\n"
        << "  routes: [\n";
    for (const auto& peer : servers_) {
      if (&peer != &s) out << "    nats-route://127.0.0.1:" << peer.route_port << "\n";
    }
    out << "  ]\n"
        << "}\n";
  }

  // nats-server -c <config>, stdin from /dev/null, stdout and stderr
  // appended to its log, no descriptor of ours, default signal handling.
  static void spawn(Server& s) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, s.log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // Else a server would hold the test's client sockets open past their
    // close.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, sig);
    }
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string binary = AIRSSYS_NATS_SERVER;
    std::string flag = "-c";
    std::string config = s.config.string();
    char* argv[] = {binary.data(), flag.data(), config.data(), nullptr};
    pid_t pid = -1;
    const int err = posix_spawn(&pid, binary.c_str(), &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) {
      throw std::runtime_error("NatsCluster: cannot start " + binary + ": " + std::strerror(err));
    }
    s.pid = pid;
  }

  // Whether `s` has ended (then reaped, `why` says how, with its log tail).
  bool exited(Server& s, std::string& why) const {
    int status = 0;
    if (s.pid <= 0 || ::waitpid(s.pid, &status, WNOHANG) != s.pid) return false;
    s.pid = -1;
    why = failure(s, WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                       : "ended by signal " + std::to_string(WTERMSIG(status)));
    return true;
  }

  // Every server up with JetStream on; then, clustered, every one healthy
  // and agreeing on one meta leader. False with `why` when a server ended
  // (`port_clash` when on a port taken meanwhile) or the bound passed.
  bool wait_ready(std::string& why, bool& port_clash) {
    const auto deadline = std::chrono::steady_clock::now() + ready_within_;
    std::vector<bool> up(servers_.size(), false);
    for (;;) {
      bool all_up = true;
      for (std::size_t i = 0; i < servers_.size(); ++i) {
        if (exited(servers_[i], why)) {
          port_clash = read(servers_[i].log).find("address already in use") != std::string::npos;
          return false;
        }
        if (!up[i]) {
          const auto a = http_get(servers_[i].http_port, "/healthz?js-enabled-only=true",
                                  std::chrono::seconds(2));
          up[i] = a && a->status == 200;
        }
        all_up = all_up && up[i];
      }
      if (all_up && cluster_ready()) return true;
      if (std::chrono::steady_clock::now() > deadline) {
        const std::string bound = " within " + std::to_string(ready_within_.count()) + " ms";
        for (std::size_t i = 0; i < servers_.size(); ++i) {
          if (!up[i]) {
            why = failure(servers_[i], "not up" + bound);
            return false;
          }
        }
        for (int i = 0; i < size(); ++i) {
          if (!healthy(i)) {
            why = failure(servers_[i], "up but not healthy" + bound);
            return false;
          }
        }
        why = failure(servers_[0], "healthy but the servers agree on no JetStream meta leader" +
                                       bound + " (server 0 sees '" + meta_leader(0) + "')");
        return false;
      }
      pause();
    }
  }

  bool cluster_ready() const {
    std::string leader;
    for (int i = 0; i < size(); ++i) {
      if (!healthy(i)) return false;
      if (!clustered()) continue;
      const std::string seen = meta_leader(i);
      if (seen.empty() || (!leader.empty() && seen != leader)) return false;
      leader = seen;
      // A full mesh: a server may agree on the leader through one route
      // before its route to the third is up.
      if (routes(i) != size() - 1) return false;
    }
    return true;
  }

  // The routes server `i` has up, -1 when its monitor does not say.
  int routes(int i) const {
    const auto a = http_get(servers_[static_cast<std::size_t>(i)].http_port, "/routez",
                            std::chrono::seconds(2));
    if (!a || a->status != 200) return -1;
    const auto j = nlohmann::json::parse(a->body, nullptr, false);
    return j.is_object() ? j.value("num_routes", -1) : -1;
  }

  TempDir dir_;
  std::chrono::milliseconds ready_within_;
  std::string cluster_name_;
  std::vector<Server> servers_;
  std::chrono::milliseconds start_time_{0};
};

}  // namespace airssys::test
