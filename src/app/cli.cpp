#include "airssys/app/cli.hpp"

#include <httplib.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "admin_address.hpp"
#include "admin_server.hpp"
#include "airssys/app/system_config.hpp"
#include "airssys/app/units.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/wasm/aot_compiles.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "event_log.hpp"
#include "system_runner.hpp"

namespace airssys::app {
namespace {

using namespace std::chrono_literals;

int report(const LoadResult& loaded) {
  for (const auto& e : loaded.errors) std::cerr << e.describe() << '\n';
  if (!loaded.errors.empty()) {
    std::cerr << loaded.errors.size() << (loaded.errors.size() == 1 ? " error" : " errors") << '\n';
  }
  return loaded.errors.empty() ? 0 : 1;
}

std::string duration_text(rt::Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// The tree a config describes, without running it.
void print_config_tree(const SystemConfig& c, const std::string& sup, const std::string& prefix,
                       bool root) {
  struct Row {
    SourcePosition at;
    std::string label;
    std::string sup_name;  // non-empty for supervisors
  };
  std::vector<Row> rows;
  for (const auto& s : c.supervisors) {
    if (&s == &c.root()) continue;
    if (s.parent == sup || (root && s.parent.empty())) {
      rows.push_back({s.at,
                      s.name + " [supervisor]  " + supervisor::to_string(s.config.strategy) +
                          "  max_restarts=" + std::to_string(s.config.max_restarts) + " within " +
                          duration_text(s.config.time_window),
                      s.name});
    }
  }
  for (const auto& comp : c.components) {
    if (comp.supervisor == sup || (root && comp.supervisor.empty())) {
      std::string label = comp.name + "  " + supervisor::to_string(comp.restart) + "  " +
                          comp.module_path.filename().string();
      if (comp.pool) {
        label += "  pool initial=" + std::to_string(comp.pool->initial) +
                 " max=" + std::to_string(comp.pool->max);
      }
      rows.push_back({comp.at, label, ""});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.at.line < b.at.line; });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool last = i + 1 == rows.size();
    std::cout << prefix << (last ? "└─ " : "├─ ") << rows[i].label << '\n';
    if (!rows[i].sup_name.empty()) {
      print_config_tree(c, rows[i].sup_name, prefix + (last ? "   " : "│  "), false);
    }
  }
}

void print_json_tree(const nlohmann::json& node, const std::string& prefix, bool last, bool top) {
  std::cout << prefix << (top ? "" : (last ? "└─ " : "├─ ")) << node.value("id", "?")
            << (node.value("type", "") == "supervisor" ? " [supervisor]" : "") << "  "
            << node.value("state", "?") << "  " << node.value("address", "")
            << "  restarts=" << node.value("restarts", 0);
  const std::string last_exit = node.value("last_exit", "");
  if (!last_exit.empty()) std::cout << "  last_exit=" << last_exit;
  std::cout << '\n';
  const auto& kids = node.contains("children") ? node["children"] : nlohmann::json::array();
  for (std::size_t i = 0; i < kids.size(); ++i) {
    print_json_tree(kids[i], top ? " " : prefix + (last ? "   " : "│  "), i + 1 == kids.size(),
                    false);
  }
}

// "cluster shop: node a (this), node b up, node c down (silent 3.2 s)",
// from a GET /cluster; empty when it is not one.
std::string cluster_line(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_array()) return "";
  std::string line = "cluster " + j.value("cluster", "?") + ":";
  bool first = true;
  for (const auto& n : j["nodes"]) {
    line += (first ? " node " : ", node ") + n.value("node", "?");
    first = false;
    if (n.value("self", false)) {
      line += " (this)";
    } else if (n.value("up", false)) {
      line += " up";
    } else {
      const auto ms = n.value("heartbeat_age_ms", std::int64_t{0});
      line += " down (silent " + std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) +
              " s)";
    }
  }
  return line;
}

std::unique_ptr<httplib::Client> client_for(const std::string& address) {
  auto c = std::make_unique<httplib::Client>("http://" + address);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(10, 0);
  return c;
}

int cmd_check(const std::string& file) {
  const LoadResult loaded = load_system_config(file);
  if (report(loaded) != 0) return 1;
  const auto& c = *loaded.config;
  std::cout << file << ": ok (" << c.components.size() << " components, " << c.supervisors.size()
            << " supervisors)\n";
  return 0;
}

int cmd_tree(const std::string& file, const std::string& http) {
  if (!http.empty()) {
    auto res = client_for(http)->Get("/tree");
    if (!res) {
      std::cerr << "error: cannot reach " << http << ": " << httplib::to_string(res.error())
                << '\n';
      return 1;
    }
    if (res->status != 200) {
      std::cerr << "error: " << http << " answered " << res->status << '\n';
      return 1;
    }
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      std::cerr << "error: " << http << " did not send a tree\n";
      return 1;
    }
    for (const auto& root : j) print_json_tree(root, "", true, true);
    // A system that is not a cluster node answers 404.
    auto cluster = client_for(http)->Get("/cluster");
    if (!cluster || (cluster->status != 200 && cluster->status != 404)) {
      std::cerr << "error: " << http << " did not say whether it is a cluster node: "
                << (cluster ? "it answered " + std::to_string(cluster->status)
                            : httplib::to_string(cluster.error()))
                << '\n';
      return 1;
    }
    if (cluster->status == 200) {
      const std::string line = cluster_line(nlohmann::json::parse(cluster->body, nullptr, false));
      if (line.empty()) {
        std::cerr << "error: " << http << " did not send its cluster\n";
        return 1;
      }
      std::cout << line << '\n';
    }
    return 0;
  }
  if (file.empty()) {
    std::cerr << "error: give a config file or --http ADDR\n";
    return 2;
  }
  const LoadResult loaded = load_system_config(file, false);
  if (report(loaded) != 0) return 1;
  const auto& c = *loaded.config;
  const auto& r = c.root();
  std::cout << r.name << " [supervisor]  " << supervisor::to_string(r.config.strategy)
            << "  max_restarts=" << r.config.max_restarts << " within "
            << duration_text(r.config.time_window) << '\n';
  print_config_tree(c, r.name, " ", true);
  return 0;
}

int cmd_send(const std::string& http, const std::string& name, const std::string& payload,
             bool want_reply, const std::string& token) {
  auto client = client_for(http);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  const std::string path = "/components/" + name + "/send" + (want_reply ? "?reply=true" : "");
  auto res = client->Post(path.c_str(), headers, payload, "application/octet-stream");
  if (!res) {
    std::cerr << "error: cannot reach " << http << ": " << httplib::to_string(res.error()) << '\n';
    return 1;
  }
  if (res->status >= 300) {
    std::cerr << "error: " << res->status << " " << res->body;
    return 1;
  }
  std::cout << res->body << (want_reply ? "\n" : "");
  return 0;
}

// A POST to the admin endpoint of a running system; prints what it
// answered (a JSON object) and returns 0, or says what went wrong and
// returns 1.
int post_admin(const std::string& http, const std::string& path, const std::string& body,
               const std::string& token) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client_for(http)->Post(path.c_str(), headers, body, "application/json");
  if (!res) {
    std::cerr << "error: cannot reach " << http << ": " << httplib::to_string(res.error()) << '\n';
    return 1;
  }
  if (res->status >= 300) {
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    std::cerr << "error: " << res->status << " "
              << (j.is_object() && j.contains("error") && j["error"].is_string()
                      ? j["error"].get<std::string>()
                      : res->body)
              << '\n';
    return 1;
  }
  std::cout << res->body;
  return 0;
}

struct PoolOptions {
  std::string http;
  std::string pool;
  std::string child;
  std::optional<std::string> config;
};

int cmd_pool_start(const PoolOptions& o, const std::string& token) {
  nlohmann::json body = nlohmann::json::object();
  if (o.config) body["config"] = *o.config;
  return post_admin(o.http, "/pools/" + o.pool + "/start", body.dump(), token);
}

int cmd_pool_stop(const PoolOptions& o, const std::string& token) {
  // An address as the tree shows it, or a child id.
  nlohmann::json body = {{o.child.starts_with("<") ? "address" : "child", o.child}};
  return post_admin(o.http, "/pools/" + o.pool + "/stop", body.dump(), token);
}

int cmd_pool_list(const std::string& http) {
  auto res = client_for(http)->Get("/pools");
  if (!res) {
    std::cerr << "error: cannot reach " << http << ": " << httplib::to_string(res.error()) << '\n';
    return 1;
  }
  const auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || !j.is_array()) {
    std::cerr << "error: " << http << " answered " << res->status << '\n';
    return 1;
  }
  for (const auto& p : j) {
    std::cout << p.value("pool", "?") << "  " << p.value("component", "?") << "  "
              << p.value("size", 0) << "/" << p.value("max", 0) << '\n';
    for (const auto& i : p.value("instances", nlohmann::json::array())) {
      std::cout << "  " << i.value("id", "?") << "  " << i.value("address", "") << "  "
                << i.value("state", "?") << '\n';
    }
  }
  return 0;
}

int cmd_inspect(const std::string& path) {
  auto m = wasm::WasmModule::load_file(path);
  if (!m) {
    std::cerr << "error: " << m.error().message << '\n';
    return 1;
  }
  const auto& mod = **m;
  std::cout << path << ": guest ABI v" << mod.abi_version() << ", " << mod.initial_pages()
            << " initial page(s), hash " << mod.hash() << '\n';
  if (mod.is_command()) {
    std::cout << "a WASI command: runs _start to completion once started, handles no messages\n";
  }
  std::cout << "exports:\n";
  for (const auto& e : mod.exports()) std::cout << "  " << e.kind << ' ' << e.name << '\n';
  std::cout << "imports:\n";
  for (const auto& i : mod.imports()) {
    const auto needs = wasm::Capabilities::required_for(i.module, i.name);
    std::cout << "  " << i.module << '.' << i.name;
    if (!needs.empty()) std::cout << "  (needs capability \"" << needs << "\")";
    std::cout << '\n';
  }
  if (mod.imports().empty()) std::cout << "  (none)\n";
  return 0;
}

int cmd_compile(const std::string& path) {
  auto m = wasm::WasmModule::load_file(path);
  if (!m) {
    std::cerr << "error: " << m.error().message << '\n';
    return 1;
  }
  auto object = wasm::precompile(**m, wasm::EngineKind::aot);
  if (!object) {
    std::cerr << "error: " << object.error().message << '\n';
    return 1;
  }
  std::cout << path << " -> " << *object << '\n';
  return 0;
}

// `airssys run`'s first step: every module the config runs on the aot
// engine is compiled (into the AOT cache, or found there) before anything
// starts, on the compile threads (distinct modules in parallel, one per
// core at most). A failure is reported like a config error; SIGINT or
// SIGTERM cancels the compiles (their compilers are killed) at once.
// Returns the exit code, 0 when every module is ready.
int compile_aot_modules(const SystemConfig& config, std::optional<wasm::EngineKind> engine,
                        const sigset_t& signals, EventLog& events) {
  struct Pending {
    const AotModuleUse* use;
    std::size_t next = 0;  // which of use->modules is compiling
    std::future<Result<std::string>> compile;
  };
  const std::vector<AotModuleUse> uses = aot_modules(config, engine);
  std::vector<Pending> pending;
  for (const auto& use : uses) {
    pending.push_back({&use, 0, wasm::precompile_async(use.modules[0], wasm::EngineKind::aot)});
  }
  std::vector<ConfigError> errors;
  std::string stop_cause;
  bool cancelled = false;
  while (!pending.empty()) {
    const timespec tick{0, 20'000'000};
    siginfo_t info;
    const int sig = sigtimedwait(&signals, &info, &tick);
    if ((sig == SIGINT || sig == SIGTERM) && !stop_cause.empty()) {
      // A second one: the compilers are dead; do not wait for the rest.
      std::cerr << "error: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << " again: exiting\n";
      std::_Exit(1);
    }
    if ((sig == SIGINT || sig == SIGTERM) && !cancelled) {
      stop_cause = sig == SIGINT ? "SIGINT" : "SIGTERM";
      std::string still;
      for (const auto& p : pending) still += (still.empty() ? "" : ", ") + p.use->path.string();
      std::cerr << "error: " << stop_cause << " while compiling for the aot engine (" << still
                << "): the compiles were cancelled and nothing was started\n";
      wasm::cancel_aot_compiles();  // kills the compilers; the waits below end at once
      cancelled = true;
    }
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->compile.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        ++it;
        continue;
      }
      auto done = it->compile.get();
      if (!done) {
        // After a cancel, the compiles it stopped are not errors of their own.
        if (!cancelled || done.error().code != ErrorCode::system_stopping) {
          errors.push_back({config.file.string(), it->use->first->at,
                            "component '" + it->use->first->name + "': " + done.error().message});
        }
        if (!cancelled) {
          wasm::cancel_aot_compiles();  // nothing will start: the other compiles are moot
          cancelled = true;
        }
      } else if (++it->next < it->use->modules.size()) {
        // Other copies of the same file: found in the cache now.
        it->compile = wasm::precompile_async(it->use->modules[it->next], wasm::EngineKind::aot);
        ++it;
        continue;
      }
      it = pending.erase(it);
    }
  }
  for (const auto& e : errors) std::cerr << "error: " << e.describe() << '\n';
  if (!stop_cause.empty()) {
    events.note("system_stopped", stop_cause + " while compiling for the aot engine");
    return 1;
  }
  if (!errors.empty()) {
    std::cerr << "error: " << config.file.string()
              << ": the system did not start: a module could not be compiled for the aot engine\n";
    events.note("system_stopped", "aot compile failed");
    return 1;
  }
  return 0;
}

// While the system stops, a SIGINT or SIGTERM exits at once (the second
// one, when a signal started the stop): a shutdown may take long or never
// end. Signals are blocked in every thread; this one waits for them from
// construction until destruction.
class ExitOnSignal {
 public:
  ExitOnSignal(const sigset_t& signals, bool after_a_signal)
      : thread_([this, signals, after_a_signal] {
          while (!done_) {
            const timespec tick{0, 50'000'000};
            siginfo_t info;
            const int sig = sigtimedwait(&signals, &info, &tick);
            if (sig != SIGINT && sig != SIGTERM) continue;
            std::fprintf(stderr, "error: %s%s during shutdown: exiting without waiting for it\n",
                         after_a_signal ? "second " : "", sig == SIGINT ? "SIGINT" : "SIGTERM");
            std::fflush(stderr);
            std::_Exit(1);
          }
        }) {}
  ExitOnSignal(const ExitOnSignal&) = delete;
  ExitOnSignal& operator=(const ExitOnSignal&) = delete;
  ~ExitOnSignal() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

struct RunOptions {
  std::string file;
  std::string for_duration;
  std::string events = "-";
  bool truncate_events = false;
  std::string http;
  std::string engine;
  std::string log_level = "info";
  std::string cluster;  // NATS URLs, comma-separated
  std::string node;
};

// [cluster] as the command line changes it: --cluster makes a node of a
// config without [cluster] (cluster name: the system's), --node names it.
// Empty when it holds; else the sentence to print.
std::string apply_cluster_options(const RunOptions& o, SystemConfig& config) {
  if (o.cluster.empty() && o.node.empty()) return {};
  if (!config.cluster && o.cluster.empty()) {
    return "--node needs --cluster, or a [cluster] table in the config";
  }
  if (!config.cluster) {
    cluster::ClusterConfig c;
    c.name = config.system.name;
    c.node = default_node_name();
    config.cluster = std::move(c);
  }
  if (!o.cluster.empty()) {
    config.cluster->urls.clear();
    std::size_t at = 0;
    while (at <= o.cluster.size()) {
      const auto comma = std::min(o.cluster.find(',', at), o.cluster.size());
      config.cluster->urls.push_back(o.cluster.substr(at, comma - at));
      at = comma + 1;
    }
  }
  if (!o.node.empty()) config.cluster->node = o.node;
  auto problems = cluster::validate(*config.cluster);
  if (problems.empty()) return {};
  std::string text = "cluster settings: " + problems.front();
  for (std::size_t i = 1; i < problems.size(); ++i) text += "; " + problems[i];
  if (o.node.empty() && problems.front().rfind("node:", 0) == 0) {
    text += " (the default is the host name '" + config.cluster->node + "': give --node)";
  }
  return text;
}

int cmd_run(const RunOptions& o) {
  std::optional<rt::Duration> run_for;
  if (!o.for_duration.empty()) {
    run_for = parse_duration(o.for_duration);
    if (!run_for) {
      std::cerr << "error: --for " << o.for_duration << " is not a duration (e.g. 15s)\n";
      return 2;
    }
  }
  std::optional<wasm::EngineKind> engine;
  if (!o.engine.empty()) engine = wasm::parse_engine_kind(o.engine);
  const int log_level = o.log_level == "debug"  ? 0
                        : o.log_level == "info" ? 1
                        : o.log_level == "warn" ? 2
                                                : 3;

  LoadResult loaded = load_system_config(o.file);
  if (report(loaded) != 0) return 1;
  SystemConfig& config = *loaded.config;
  if (auto problem = apply_cluster_options(o, config); !problem.empty()) {
    std::cerr << "error: " << problem << '\n';
    return 1;
  }
  // The endpoint's address, checked before anything starts (the config's
  // own was checked when it was read).
  const std::string http = !o.http.empty() ? o.http : config.system.http;
  const std::string token = admin_token(config.system);
  if (!o.http.empty()) {
    if (auto ok = admin_address(http, token); !ok) {
      std::cerr << "error: " << ok.error().message << '\n';
      return 1;
    }
  }

  std::FILE* events_out = stdout;
  if (o.events != "-") {
    // Appended to: a restart of the program keeps the events of the runs
    // before it (--truncate-events starts the file afresh).
    events_out = std::fopen(o.events.c_str(), o.truncate_events ? "we" : "ae");
    if (events_out == nullptr) {
      std::cerr << "error: cannot write events to " << o.events << ": " << std::strerror(errno)
                << '\n';
      return 1;
    }
  }
  // Signals are taken by this thread only, with sigtimedwait below; every
  // thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // A closed output (`airssys run | head`) is a write error, never a
  // SIGPIPE that kills the process: events stop and the system shuts down
  // as on SIGTERM.
  std::signal(SIGPIPE, SIG_IGN);
  // Shared with the event log, which may outlive this function (a worker
  // stuck in a guest keeps the actor system's core alive).
  auto output_closed = std::make_shared<std::atomic<bool>>(false);

  int code = 0;
  {
    auto events =
        std::make_shared<EventLog>(events_out, [output_closed] { *output_closed = true; });
    events->note("system_starting", config.system.name);
    if (const int compiled = compile_aot_modules(config, engine, signals, *events); compiled != 0) {
      if (events_out != stdout) std::fclose(events_out);
      return compiled;
    }
    auto runner_holder = std::make_unique<SystemRunner>(config, events, engine);
    SystemRunner& runner = *runner_holder;
    runner.set_guest_log_level(log_level);
    auto root = runner.start();
    if (!root) {
      std::cerr << "error: " << config.file.string()
                << ": the system did not start: " << root.error().message << '\n';
      events->note("system_stopped", "start failed");
      events->flush();
      if (events_out != stdout) std::fclose(events_out);
      return 1;
    }
    events->note("system_started", config.system.name);
    // The events are written by a thread of their own: the program's own
    // lines on the same output come after those written so far.
    events->flush();
    std::cout << "system '" << config.system.name << "' running (" << config.components.size()
              << " components)\n";
    runner.tree()->print(std::cout);
    std::cout.flush();

    std::string stop_cause;
    // From the moment the system starts to stop until it is gone.
    std::optional<ExitOnSignal> exit_on_signal;
    {  // the endpoint and the watcher go before the runner does
      AdminServer admin(runner);
      if (!http.empty()) {
        if (auto started = admin.start(http, token); !started) {
          std::cerr << "error: " << started.error().message << '\n';
          (void)runner.stop();
          if (events_out != stdout) std::fclose(events_out);
          return 1;
        }
        events->flush();
        std::cout << "admin endpoint: http://" << http.substr(0, http.rfind(':')) << ':'
                  << admin.port() << '\n';
        std::cout.flush();
      }

      rt::ScopedActor watcher(runner.system());
      const auto root_watch = watcher.monitor(*root);
      const auto deadline = run_for ? std::chrono::steady_clock::now() + *run_for
                                    : std::chrono::steady_clock::time_point::max();
      for (;;) {
        const timespec tick{0, 50'000'000};
        siginfo_t info;
        const int sig = sigtimedwait(&signals, &info, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
          stop_cause = sig == SIGINT ? "SIGINT" : "SIGTERM";
          break;
        }
        if (output_closed->load()) {
          stop_cause = "the events output was closed";
          break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          stop_cause = "--for " + o.for_duration + " elapsed";
          break;
        }
        if (auto down = watcher.receive_if(
                [&](const rt::Message& m) {
                  return m.is<rt::DownMessage>() && m.as<rt::DownMessage>().ref == root_watch;
                },
                0ms)) {
          rt::ExitReason reason = down->as<rt::DownMessage>().reason;
          // Ended before it was watched (its children were quick): its
          // last event says how.
          if (reason == rt::ExitReason::noproc()) {
            reason = runner.root_stop_reason().value_or(reason);
          }
          if (reason == rt::ExitReason::shutdown("auto_shutdown")) {
            // OTP's auto_shutdown (its significant children ended): the
            // system has done its work and stops as it would on a signal.
            stop_cause =
                "root supervisor '" + config.root().name + "' ended: " + reason.to_string();
            break;
          }
          std::cerr << "error: root supervisor '" << config.root().name
                    << "' gave up: " << reason.to_string() << '\n';
          events->note("system_stopped", "root supervisor gave up: " + reason.to_string());
          code = 1;
          break;
        }
      }
      exit_on_signal.emplace(signals, stop_cause == "SIGINT" || stop_cause == "SIGTERM");
      if (output_closed->load()) {
        std::cerr << "airssys: the events output was closed: stopping the system\n";
      }
      admin.stop();
      if (code == 0) {
        events->note("system_stopping", stop_cause);
        auto stopped = runner.stop();
        if (!stopped) {
          std::cerr << "error: shutdown did not finish: " << stopped.error().message << '\n';
          code = 1;
        }
        events->flush();
        std::cout << "stopped (" << stop_cause << ")\n";
        for (const auto& n : runner.component_names()) {
          if (auto s = runner.registry().status(n)) {
            std::cout << "  " << n << ": " << wasm::to_string(s->state()) << ", "
                      << (s->instances() > 0 ? s->instances() - 1 : 0) << " restarts, "
                      << s->messages_handled() << " messages\n";
          }
        }
      }
    }
    // The actor system's own shutdown reports what was still pending (timer
    // messages become dead letters): the last line comes after it.
    runner_holder.reset();
    exit_on_signal.reset();
    if (code == 0) events->note("system_stopped", stop_cause);
    // A worker still in a guest may hold the event log past this point:
    // what it queued is written now, not lost at exit.
    events->flush();
  }
  if (events_out != stdout) std::fclose(events_out);
  return code;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"airssys: supervision trees of WebAssembly components, from a config file"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "airssys 0.1.0");

  RunOptions run;
  auto* run_cmd = app.add_subcommand(
      "run",
      "Run a system: build the supervision tree, start components in order, log events "
      "as JSON lines, stop on SIGINT/SIGTERM or after --for");
  run_cmd->add_option("config", run.file, "System config (TOML, docs/config.md)")
      ->required()
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--for", run.for_duration, "Stop after this long (e.g. 15s)");
  run_cmd
      ->add_option("--events", run.events,
                   "Where JSON-lines events go: a file (appended to) or - (stdout)")
      ->capture_default_str();
  run_cmd->add_flag("--truncate-events", run.truncate_events,
                    "Empty the --events file first instead of appending to it");
  run_cmd->add_option("--http", run.http,
                      "Admin/metrics endpoint host:port (overrides [system] http)");
  run_cmd->add_option("--engine", run.engine, "Engine for components that do not choose one")
      ->check(CLI::IsMember({"interp", "aot"}));
  run_cmd->add_option("--cluster", run.cluster,
                      "Run as a node of a cluster on NATS: server URLs, comma-separated "
                      "(overrides [cluster] urls; docs/cluster.md)");
  run_cmd->add_option("--node", run.node,
                      "This node's name in the cluster (default: [cluster] node, else the host "
                      "name)");
  run_cmd->add_option("--log-level", run.log_level, "Lowest guest log level shown")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();

  std::string check_file;
  auto* check_cmd = app.add_subcommand(
      "check", "Validate a config and every module it names, without running anything");
  check_cmd->add_option("config", check_file, "System config")->required();

  std::string tree_file;
  std::string tree_http;
  auto* tree_cmd = app.add_subcommand(
      "tree", "Print the supervision tree of a config, or of a running system (--http)");
  tree_cmd->add_option("config", tree_file, "System config");
  tree_cmd->add_option("--http", tree_http, "Admin endpoint of a running system (host:port)");

  std::string send_http;
  std::string send_name;
  std::string send_payload;
  bool send_reply = false;
  auto* send_cmd = app.add_subcommand("send", "Send a message to a component of a running system");
  send_cmd->add_option("--http", send_http, "Admin endpoint (host:port)")->required();
  send_cmd->add_option("name", send_name, "Component name")->required();
  send_cmd->add_option("payload", send_payload, "Message bytes (text)")->required();
  send_cmd->add_flag("--reply", send_reply, "Wait for the reply and print it");

  PoolOptions pool;
  auto* pool_cmd = app.add_subcommand(
      "pool",
      "Start and stop instances of a pool (a simple_one_for_one supervisor) of a running "
      "system");
  pool_cmd->require_subcommand(1);
  auto* pool_start_cmd = pool_cmd->add_subcommand(
      "start", "Start one more instance; prints its child id and address (JSON)");
  pool_start_cmd->add_option("--http", pool.http, "Admin endpoint (host:port)")->required();
  pool_start_cmd->add_option("pool", pool.pool, "Pool (its supervisor's name)")->required();
  pool_start_cmd->add_option("--config", pool.config,
                             "Bytes for this instance's airssys_init instead of the component's "
                             "config");
  auto* pool_stop_cmd =
      pool_cmd->add_subcommand("stop", "Stop one instance for good (it leaves the pool)");
  pool_stop_cmd->add_option("--http", pool.http, "Admin endpoint (host:port)")->required();
  pool_stop_cmd->add_option("pool", pool.pool, "Pool (its supervisor's name)")->required();
  pool_stop_cmd
      ->add_option("child", pool.child, "The instance: its child id (e.g. worker-2) or address")
      ->required();
  auto* pool_list_cmd =
      pool_cmd->add_subcommand("list", "List the pools, their sizes and instances");
  pool_list_cmd->add_option("--http", pool.http, "Admin endpoint (host:port)")->required();

  std::string delete_http;
  std::string delete_name;
  auto* delete_cmd = app.add_subcommand(
      "delete", "Remove a stopped component from its supervisor (it cannot be started again)");
  delete_cmd->add_option("--http", delete_http, "Admin endpoint (host:port)")->required();
  delete_cmd->add_option("name", delete_name, "Component name")->required();

  std::string inspect_file;
  auto* inspect_cmd = app.add_subcommand(
      "inspect", "Show a module's exports, imports and ABI version, or what is wrong with it");
  inspect_cmd->add_option("module", inspect_file, "A .wasm file")->required();

  std::string compile_file;
  auto* compile_cmd = app.add_subcommand(
      "compile", "Build a module for the aot engine ahead of time (into the AOT cache)");
  compile_cmd->add_option("module", compile_file, "A .wasm file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const char* token = std::getenv("AIRSSYS_HTTP_TOKEN");
  if (*run_cmd) return cmd_run(run);
  if (*check_cmd) return cmd_check(check_file);
  if (*tree_cmd) return cmd_tree(tree_file, tree_http);
  if (*send_cmd) {
    return cmd_send(send_http, send_name, send_payload, send_reply, token != nullptr ? token : "");
  }
  const std::string admin_token_env = token != nullptr ? token : "";
  if (*pool_start_cmd) return cmd_pool_start(pool, admin_token_env);
  if (*pool_stop_cmd) return cmd_pool_stop(pool, admin_token_env);
  if (*pool_list_cmd) return cmd_pool_list(pool.http);
  if (*delete_cmd) {
    return post_admin(delete_http, "/components/" + delete_name + "/delete", "", admin_token_env);
  }
  if (*inspect_cmd) return cmd_inspect(inspect_file);
  if (*compile_cmd) return cmd_compile(compile_file);
  return 2;
}

}  // namespace airssys::app
