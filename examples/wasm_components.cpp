// wasm components under a supervisor, on both engines: a greeter (C), a
// tally (AssemblyScript) and a flaky component (C) that traps every fifth
// message and comes back as a fresh instance at the same address.
//
//   wasm_components [--engine interp|aot|both] [--messages N] [--modules DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"

using namespace std::chrono_literals;
namespace rt = airssys::rt;
namespace sv = airssys::supervisor;
namespace wasm = airssys::wasm;

namespace {

// Prints what the supervisor does, as it happens.
class PrintEvents final : public sv::SupervisionEventSink {
 public:
  void on_event(const sv::SupervisionEvent& e) override {
    using K = sv::SupervisionEventKind;
    std::string line;
    switch (e.kind) {
      case K::child_exited: line = e.child + " exited: " + e.reason.to_string(); break;
      case K::restart_scheduled:
        line =
            e.child + ": restart " + std::to_string(e.attempt) + " in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(e.delay).count()) +
            " ms";
        break;
      case K::child_restarted:
        line = e.child + " restarted: a fresh instance at " + e.address.to_string();
        break;
      case K::restart_limit_exceeded:
      case K::escalated:
      case K::supervisor_stopped:
        line = std::string(sv::to_string(e.kind)) + " " + e.reason.to_string();
        break;
      default: return;
    }
    std::lock_guard lock(mutex_);
    std::printf("    [supervisor] %s\n", line.c_str());
  }

 private:
  std::mutex mutex_;
};

std::string text(const rt::Bytes& b) {
  return {b.begin(), b.end()};
}
rt::Bytes bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

int run(wasm::EngineKind engine, const std::string& dir, int messages) {
  std::printf("\n== engine %s ==\n", wasm::to_string(engine));
  auto load = [&](const std::string& name) -> wasm::WasmModulePtr {
    auto m = wasm::WasmModule::load_file(dir + "/" + name + ".wasm");
    if (!m) {
      std::fprintf(stderr, "error: %s\n", m.error().message.c_str());
      return nullptr;
    }
    return *m;
  };
  auto greeter = load("greeter");
  auto tally = load("tally");
  auto flaky = load("flaky");
  if (!greeter || !tally || !flaky) return 1;

  rt::ActorSystem system({.workers = 2});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  wasm::ComponentSupervisor supervisors(spawner);

  auto config =
      sv::SupervisorConfig::one_for_one().with_max_restarts(10).with_time_window(60s).with_backoff(
          sv::BackoffStrategy::exponential(5ms, 2.0, 1s));
  auto spec = supervisors.spec(
      "demo", config,
      {wasm::ComponentSpec::of("greeter", greeter).with_engine(engine),
       wasm::ComponentSpec::of("tally", tally).with_engine(engine).with_config("100"),
       wasm::ComponentSpec::of("flaky", flaky).with_engine(engine).with_config("5")});
  if (!spec) {
    std::fprintf(stderr, "error: %s\n", spec.error().message.c_str());
    return 1;
  }
  auto tree = std::make_shared<sv::SupervisionTree>();
  spec->tree = tree;
  spec->events = std::make_shared<PrintEvents>();
  const auto started = std::chrono::steady_clock::now();
  auto root = sv::start_supervisor(system, std::move(*spec));
  if (!root) {
    std::fprintf(stderr, "error: %s\n", root.error().message.c_str());
    return 1;
  }
  std::printf(
      "started 3 components in %.1f ms (%s engine)\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
      wasm::to_string(engine));
  tree->print(std::cout);

  rt::ScopedActor me(system);
  auto ask = [&](const std::string& name, const std::string& payload) {
    auto to = registry.lookup(name);
    if (!to) return std::string("(no such component)");
    auto r = me.request<rt::Bytes>(*to, bytes(payload), 2s);
    return r ? text(*r) : "failed: " + r.error().describe();
  };
  for (int i = 1; i <= messages; ++i) {
    std::printf("  #%-2d greeter: %-22s tally: %-8s flaky: %s\n", i,
                ask("greeter", "world " + std::to_string(i)).c_str(), ask("tally", "inc").c_str(),
                ask("flaky", "job").c_str());
    // Let a restart that backs off finish before the next round.
    auto flaky_status = registry.status("flaky");
    flaky_status->wait_for(wasm::ComponentState::ready, flaky_status->instances(), 2s);
  }

  std::printf("final state:\n");
  for (const char* name : {"greeter", "tally", "flaky"}) {
    auto s = registry.status(name);
    std::printf("  %-8s %-10s address %-8s instances %llu  messages %llu  fuel %llu%s%s\n", name,
                wasm::to_string(s->state()), s->address().to_string().c_str(),
                static_cast<unsigned long long>(s->instances()),
                static_cast<unsigned long long>(s->messages_handled()),
                static_cast<unsigned long long>(s->fuel_used()),
                s->last_failure().empty() ? "" : "  last failure: ", s->last_failure().c_str());
  }
  sv::SupervisorRef ref(system, *root);
  auto stopped = ref.stop();
  std::printf("supervisor stopped: %s\n",
              stopped ? stopped->to_string().c_str() : stopped.error().describe().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "both";
  std::string dir = AIRSSYS_EXAMPLE_MODULES;
  int messages = 12;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--engine" && i + 1 < argc) {
      engine = argv[++i];
    } else if (arg == "--messages" && i + 1 < argc) {
      messages = std::atoi(argv[++i]);
    } else if (arg == "--modules" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--engine interp|aot|both] [--messages N] [--modules DIR]\n"
                   "Runs a greeter, a tally and a flaky component under one supervisor.\n",
                   argv[0]);
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (engine != "both" && !wasm::parse_engine_kind(engine)) {
    std::fprintf(stderr, "error: unknown engine '%s' (interp, aot or both)\n", engine.c_str());
    return 2;
  }
  int rc = 0;
  if (engine == "both" || engine == "interp") rc |= run(wasm::EngineKind::interp, dir, messages);
  if (engine == "both" || engine == "aot") rc |= run(wasm::EngineKind::aot, dir, messages);
  return rc;
}
