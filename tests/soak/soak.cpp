// airssys_soak: a chaos soak. Runs a supervision tree of wasm components
// (1,000 by default), sends them a steady stream of messages and crashes
// random ones at a chosen rate, then checks that nothing was lost:
//
//  - every permanent and transient component is Ready again at the end,
//    temporary ones are Ready or gone, and the "fragile" supervisor (at most
//    3 restarts in an hour) restarted exactly 3 times and then gave up;
//  - every message the driver sent was handled by a guest or became a dead
//    letter with an event: sent == handled + dead letters, exactly;
//  - resident memory did not grow after warm-up (within 10 % + 32 MiB),
//    and the process has as many threads and file descriptors as then.
//
// Exit status 0 when every check holds, 1 otherwise (each failed check is
// printed). `make soak SOAK_SECONDS=N` runs it; ctest runs a short one.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/events.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"
#include "airssys/wasm/wasm_module.hpp"

namespace {

namespace rt = airssys::rt;
namespace sv = airssys::supervisor;
namespace wasm = airssys::wasm;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Under AddressSanitizer freed memory waits in a quarantine (up to 256 MiB)
// before it is reused, so resident memory grows by design; leaks are
// LeakSanitizer's to find there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
#else
constexpr bool kRssIsMeaningful = true;
#endif

constexpr int kFragileChildren = 5;
constexpr std::uint32_t kFragileMaxRestarts = 3;

struct Options {
  double seconds = 30;
  int components = 1000;
  int groups = 10;
  double crash_rate = 20;       // crashes injected per second
  double message_rate = 20000;  // messages per second
  std::string engine = "aot";
  std::string module;
  unsigned seed = 1;
};

// Dead letters of the messages the driver sent, by reason.
class DeadLetterCount final : public rt::EventSink {
 public:
  void watch(rt::Address driver) { driver_.store(driver.value(), std::memory_order_release); }
  void on_event(const rt::SystemEvent& e) override {
    if (e.kind != rt::EventKind::dead_letter) return;
    if (e.dead_letter.from.value() != driver_.load(std::memory_order_acquire)) return;
    std::lock_guard lock(mutex_);
    ++by_reason_[rt::to_string(e.dead_letter.reason)];
    if (e.dead_letter.reason == rt::DeadLetterReason::crashed_in_handler) ++crashed_in_handler_;
    ++total_;
  }
  std::uint64_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }
  std::uint64_t crashed_in_handler() const {
    std::lock_guard lock(mutex_);
    return crashed_in_handler_;
  }
  std::map<std::string, std::uint64_t> by_reason() const {
    std::lock_guard lock(mutex_);
    return by_reason_;
  }

 private:
  std::atomic<std::uint64_t> driver_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> by_reason_;
  std::uint64_t crashed_in_handler_ = 0;
  std::uint64_t total_ = 0;
};

// Restarts and give-ups per supervisor.
class SupervisionCount final : public sv::SupervisionEventSink {
 public:
  void on_event(const sv::SupervisionEvent& e) override {
    std::lock_guard lock(mutex_);
    if (e.kind == sv::SupervisionEventKind::child_restarted) ++restarts_[e.supervisor];
    if (e.kind == sv::SupervisionEventKind::restart_limit_exceeded) ++gave_up_[e.supervisor];
    changed_.notify_all();
  }
  std::uint64_t restarts(const std::string& supervisor) const {
    std::lock_guard lock(mutex_);
    auto it = restarts_.find(supervisor);
    return it == restarts_.end() ? 0 : it->second;
  }
  std::uint64_t gave_up(const std::string& supervisor) const {
    std::lock_guard lock(mutex_);
    auto it = gave_up_.find(supervisor);
    return it == gave_up_.end() ? 0 : it->second;
  }
  std::uint64_t total_restarts() const {
    std::lock_guard lock(mutex_);
    std::uint64_t n = 0;
    for (const auto& [_, r] : restarts_) n += r;
    return n;
  }
  bool await_gave_up(const std::string& supervisor, rt::Duration timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return gave_up_.count(supervisor) > 0; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::uint64_t> restarts_;
  std::map<std::string, std::uint64_t> gave_up_;
};

struct ProcessSample {
  long rss_bytes = 0;
  int threads = 0;
  int fds = 0;
};

ProcessSample sample_process() {
  ProcessSample s;
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  statm >> pages >> s.rss_bytes;
  s.rss_bytes *= 4096;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    ++s.threads;
  }
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++s.fds;
  }
  return s;
}

struct Worker {
  std::string name;
  sv::RestartPolicy restart;
  rt::Address address;
};

rt::Bytes bytes(std::string_view s) {
  return rt::Bytes(s.begin(), s.end());
}

int run(const Options& opt) {
  auto module = wasm::WasmModule::load_file(opt.module);
  if (!module) {
    std::cerr << "airssys_soak: " << module.error().describe() << "\n";
    return 2;
  }
  const wasm::EngineKind engine =
      opt.engine == "interp" ? wasm::EngineKind::interp : wasm::EngineKind::aot;
  auto dead_letters = std::make_shared<DeadLetterCount>();
  auto supervision = std::make_shared<SupervisionCount>();
  rt::ActorSystem system({.workers = 2, .events = dead_letters});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  wasm::ComponentSupervisor supervisors(spawner);

  // The tree: root over `groups` one_for_one groups (no restart limit to
  // speak of) and one fragile group that gives up after 3 restarts.
  auto spec_of = [&](const std::string& name, sv::RestartPolicy restart) {
    auto s = wasm::ComponentSpec::of(name, *module).with_engine(engine).with_restart(restart);
    s.backoff = sv::BackoffStrategy::immediate();
    s.logger = [](const std::string&, int, std::string_view) {};
    return s;
  };
  const auto tolerant = sv::SupervisorConfig::one_for_one()
                            .with_max_restarts(1'000'000)
                            .with_time_window(1s)
                            .with_backoff(sv::BackoffStrategy::immediate());
  std::vector<Worker> workers;
  sv::SupervisorSpec root;
  root.name = "root";
  root.config = tolerant;
  root.events = supervision;
  const int per_group = std::max(1, opt.components / opt.groups);
  for (int g = 0; g < opt.groups; ++g) {
    std::vector<wasm::ComponentSpec> specs;
    for (int i = 0; i < per_group; ++i) {
      // One in ten transient, one in ten temporary, the rest permanent.
      const sv::RestartPolicy restart = i % 10 == 3   ? sv::RestartPolicy::transient
                                        : i % 10 == 7 ? sv::RestartPolicy::temporary
                                                      : sv::RestartPolicy::permanent;
      const std::string name = "w" + std::to_string(g) + "-" + std::to_string(i);
      specs.push_back(spec_of(name, restart));
      workers.push_back({name, restart, rt::Address::none()});
    }
    auto group = supervisors.spec("group" + std::to_string(g), tolerant, specs);
    if (!group) {
      std::cerr << "airssys_soak: " << group.error().describe() << "\n";
      return 2;
    }
    root.children.push_back(sv::supervisor_child("group" + std::to_string(g), std::move(*group)));
  }
  std::vector<std::string> fragile_names;
  {
    std::vector<wasm::ComponentSpec> specs;
    for (int i = 0; i < kFragileChildren; ++i) {
      fragile_names.push_back("f-" + std::to_string(i));
      specs.push_back(spec_of(fragile_names.back(), sv::RestartPolicy::permanent));
    }
    auto fragile = supervisors.spec("fragile",
                                    sv::SupervisorConfig::one_for_one()
                                        .with_max_restarts(kFragileMaxRestarts)
                                        .with_time_window(1h)
                                        .with_backoff(sv::BackoffStrategy::immediate()),
                                    specs);
    if (!fragile) {
      std::cerr << "airssys_soak: " << fragile.error().describe() << "\n";
      return 2;
    }
    // Temporary: when it gives up, the root lets it go.
    root.children.push_back(
        sv::supervisor_child("fragile", std::move(*fragile), sv::RestartPolicy::temporary));
  }
  const auto started_at = Clock::now();
  auto root_address = sv::start_supervisor(system, std::move(root), 300s);
  if (!root_address) {
    std::cerr << "airssys_soak: the tree did not start: " << root_address.error().describe()
              << "\n";
    return 2;
  }
  for (auto& w : workers) w.address = *registry.lookup(w.name);
  std::vector<rt::Address> fragile_addresses;
  for (const auto& n : fragile_names) fragile_addresses.push_back(*registry.lookup(n));
  std::printf("started %zu components (+%d fragile) on %s in %.2f s\n", workers.size(),
              kFragileChildren, opt.engine.c_str(),
              std::chrono::duration<double>(Clock::now() - started_at).count());

  // --- chaos -------------------------------------------------------------
  rt::ScopedActor driver(system);
  dead_letters->watch(driver.address());
  std::mt19937_64 rng(opt.seed);
  std::uniform_int_distribution<std::size_t> pick(0, workers.size() - 1);
  std::uint64_t sent = 0;
  std::uint64_t refused = 0;
  std::uint64_t crashes = 0;
  std::uint64_t fragile_crashes = 0;
  const auto tick = 1ms;
  const double messages_per_tick = opt.message_rate / 1000.0;
  const double crashes_per_tick = opt.crash_rate / 1000.0;
  double message_credit = 0;
  double crash_credit = 0;
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(opt.seconds));
  const auto warm_up_at = begin + (end - begin) / 5;
  ProcessSample warm{};
  bool warmed = false;
  auto send = [&](rt::Address to, std::string_view what) {
    ++sent;
    if (!driver.send(to, bytes(what)).ok()) ++refused;
  };
  auto next = begin;
  while (Clock::now() < end) {
    message_credit += messages_per_tick;
    crash_credit += crashes_per_tick;
    for (; message_credit >= 1; message_credit -= 1) send(workers[pick(rng)].address, "inc");
    for (; crash_credit >= 1; crash_credit -= 1) {
      send(workers[pick(rng)].address, "crash");
      ++crashes;
    }
    // The fragile group gets a crash every 100 ms until it has given up
    // (and a few more after, which must be refused as dead letters).
    if (fragile_crashes < kFragileMaxRestarts + 3 &&
        (Clock::now() - begin) >= (fragile_crashes + 1) * 100ms) {
      send(fragile_addresses[fragile_crashes % kFragileChildren], "crash");
      ++fragile_crashes;
    }
    if (!warmed && Clock::now() >= warm_up_at) {
      warm = sample_process();
      warmed = true;
    }
    next += tick;
    std::this_thread::sleep_until(next);  // pacing of the load, not synchronisation
  }
  if (!warmed) warm = sample_process();
  const double chaos_seconds = std::chrono::duration<double>(Clock::now() - begin).count();

  // --- settle and check ----------------------------------------------------
  std::vector<std::string> failures;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  };
  // Everything that must come back is Ready again.
  std::size_t alive = 0;
  std::size_t temporary_gone = 0;
  for (const auto& w : workers) {
    auto status = registry.status(w.name);
    const bool ready = status->wait_until(
        [&](wasm::ComponentState s, std::uint64_t) {
          return s == wasm::ComponentState::ready ||
                 (w.restart == sv::RestartPolicy::temporary &&
                  (s == wasm::ComponentState::failed || s == wasm::ComponentState::terminated));
        },
        30s);
    if (!ready) {
      failures.push_back(w.name + " (" + sv::to_string(w.restart) +
                         ") is not Ready: " + wasm::to_string(status->state()));
      continue;
    }
    if (status->state() == wasm::ComponentState::ready) {
      ++alive;
    } else {
      ++temporary_gone;
    }
  }
  // Flush: once a component answers, everything the driver sent it before
  // was handled (per-sender order); the flush's own requests come from
  // another actor so they are not counted as the driver's.
  rt::ScopedActor flusher(system);
  std::uint64_t flushed = 0;
  for (const auto& w : workers) {
    if (registry.status(w.name)->state() != wasm::ComponentState::ready) continue;
    auto r = flusher.request<rt::Bytes>(w.address, bytes("count"), 30s);
    if (r.ok()) {
      ++flushed;
    } else {
      failures.push_back(w.name + " did not answer the flush: " + r.error().describe());
    }
  }
  check(supervision->await_gave_up("root/fragile", 30s),
        "the fragile supervisor did not give up after " + std::to_string(fragile_crashes) +
            " crashes");
  // Fragile components: the last crashes went to addresses that are gone.
  std::uint64_t handled = 0;
  for (const auto& w : workers) handled += registry.status(w.name)->messages_handled();
  for (const auto& n : fragile_names) handled += registry.status(n)->messages_handled();
  handled -= flushed;
  // A message whose handler crashed is both counted as handled (the guest
  // ran it) and dead-lettered: count it once.
  const std::uint64_t handled_ok = handled - dead_letters->crashed_in_handler();
  const std::uint64_t lettered = dead_letters->total();
  check(sent == handled_ok + lettered,
        "messages: sent " + std::to_string(sent) + " != handled " + std::to_string(handled_ok) +
            " + dead letters " + std::to_string(lettered) + " (missing " +
            std::to_string(static_cast<long long>(sent) -
                           static_cast<long long>(handled_ok + lettered)) +
            ")");
  check(supervision->restarts("root/fragile") == kFragileMaxRestarts,
        "the fragile supervisor restarted " +
            std::to_string(supervision->restarts("root/fragile")) +
            " times, its intensity allows exactly " + std::to_string(kFragileMaxRestarts));
  check(supervision->gave_up("root/fragile") == 1,
        "the fragile supervisor gave up " + std::to_string(supervision->gave_up("root/fragile")) +
            " times");
  for (int g = 0; g < opt.groups; ++g) {
    check(supervision->gave_up("root/group" + std::to_string(g)) == 0,
          "group" + std::to_string(g) + " gave up");
  }
  const ProcessSample final_sample = sample_process();
  const long allowed = warm.rss_bytes + warm.rss_bytes / 10 + (32L << 20);
  check(!kRssIsMeaningful || final_sample.rss_bytes <= allowed,
        "resident memory grew from " + std::to_string(warm.rss_bytes >> 20) +
            " MiB after warm-up to " + std::to_string(final_sample.rss_bytes >> 20) + " MiB");
  check(final_sample.threads == warm.threads,
        "threads: " + std::to_string(warm.threads) + " after warm-up, " +
            std::to_string(final_sample.threads) + " at the end");
  check(final_sample.fds == warm.fds, "file descriptors: " + std::to_string(warm.fds) +
                                          " after warm-up, " + std::to_string(final_sample.fds) +
                                          " at the end");

  std::printf(
      "chaos: %.1f s, %llu messages sent (%llu refused at the send), %llu crashes injected, "
      "%llu into the fragile group\n",
      chaos_seconds, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(refused), static_cast<unsigned long long>(crashes),
      static_cast<unsigned long long>(fragile_crashes));
  std::printf("restarts: %llu in all, %llu of the fragile group (then it gave up)\n",
              static_cast<unsigned long long>(supervision->total_restarts()),
              static_cast<unsigned long long>(supervision->restarts("root/fragile")));
  std::printf("components: %zu Ready, %zu temporary ones gone\n", alive, temporary_gone);
  std::printf(
      "messages: %llu handled + %llu dead letters =", static_cast<unsigned long long>(handled_ok),
      static_cast<unsigned long long>(lettered));
  std::printf(" %llu of %llu sent\n", static_cast<unsigned long long>(handled_ok + lettered),
              static_cast<unsigned long long>(sent));
  for (const auto& [reason, n] : dead_letters->by_reason()) {
    std::printf("  dead letters %s: %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("process: rss %ld -> %ld MiB%s, threads %d -> %d, fds %d -> %d (warm-up -> end)\n",
              warm.rss_bytes >> 20, final_sample.rss_bytes >> 20,
              kRssIsMeaningful ? "" : " (not checked under AddressSanitizer)", warm.threads,
              final_sample.threads, warm.fds, final_sample.fds);
  if (!failures.empty()) {
    for (const auto& f : failures) std::printf("FAILED: %s\n", f.c_str());
    return 1;
  }
  std::printf("soak passed\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
#ifdef AIRSSYS_GUEST_DIR
  opt.module = std::string(AIRSSYS_GUEST_DIR) + "/soak_worker.wasm";
#endif
  CLI::App app{"airssys_soak: chaos soak of a supervision tree of wasm components"};
  app.add_option("--seconds", opt.seconds, "how long the chaos lasts")->capture_default_str();
  app.add_option("--components", opt.components, "components in the tolerant groups")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--groups", opt.groups, "supervisors they are split over")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--crash-rate", opt.crash_rate, "crashes injected per second")
      ->capture_default_str();
  app.add_option("--message-rate", opt.message_rate, "messages sent per second")
      ->capture_default_str();
  app.add_option("--engine", opt.engine, "interp or aot")
      ->capture_default_str()
      ->check(CLI::IsMember({"interp", "aot"}));
  app.add_option("--module", opt.module, "the guest (soak_worker.wasm)")->capture_default_str();
  app.add_option("--seed", opt.seed, "random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(opt);
}
