// Restarts of aot components through a one_for_one supervisor, as a user's
// system restarts them: crash-to-Ready of one child as a function of its
// restart history (the 1st, the 10,000th and the 100,000th restart of the
// same child, one supervisor throughout), and the recovery of 5,000 children
// crashed at once, with the backoff immediate and exponential from 100 ms.
// The Erlang peer (bench/peers/erlang_peer.erl: restart_history_*,
// mass_recovery_*) runs the same workloads on OTP's supervisor with the same
// intensity (1,000,000 restarts in 1 s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"
#include "bench_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = airssys::rt;
namespace wasm = airssys::wasm;
namespace sv = airssys::supervisor;
using airssys::bench::resident_bytes;
using airssys::bench::sized;
using Clock = std::chrono::steady_clock;

wasm::WasmModulePtr counter_module() {
  auto m = wasm::WasmModule::load_file(std::string(AIRSSYS_GUEST_DIR) + "/counter.wasm");
  return m ? *m : nullptr;
}

// The supervisor settings both workloads use, and the Erlang peer's: far
// more restarts allowed than a run makes, in a window of a second.
sv::SupervisorConfig restart_config(sv::BackoffStrategy backoff) {
  return sv::SupervisorConfig::one_for_one()
      .with_max_restarts(1'000'000)
      .with_time_window(1s)
      .with_backoff(backoff);
}

double p50(std::vector<double> us) {
  if (us.empty()) return 0;
  std::nth_element(us.begin(), us.begin() + static_cast<std::ptrdiff_t>(us.size() / 2), us.end());
  return us[us.size() / 2];
}

// p50 of restarts [from, from + n) (0-based) of `us`.
double p50_of(const std::vector<double>& us, std::size_t from, std::size_t n) {
  from = std::min(from, us.size());
  return p50(
      std::vector<double>(us.begin() + static_cast<std::ptrdiff_t>(from),
                          us.begin() + static_cast<std::ptrdiff_t>(std::min(from + n, us.size()))));
}

struct Start {
  int rounds;
  rt::Address report_to;
};
struct Done {};

// One child restarted 101,000 times in a row by one supervisor: the driver
// makes the counter trap and sends "inc" at once; the "inc" waits in the
// stash while the supervisor restarts a fresh instance, and its answer
// closes the round. Nothing is reset between restarts, so a cost that grows
// with the child's or the supervisor's history shows as a later window's
// p50 above the first's.
void BM_WasmRestartHistory(benchmark::State& state) {
  const int restarts = sized(101'000, 60);
  const std::size_t window = sized<std::size_t>(1000, 20);
  rt::ActorSystem system({.workers = 1});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  wasm::ComponentSupervisor supervisors(spawner);
  rt::ScopedActor me(system);
  auto root = supervisors.start(
      "bench", restart_config(sv::BackoffStrategy::immediate()),
      {wasm::ComponentSpec::of("counter", counter_module()).with_engine(wasm::EngineKind::aot)});
  if (!root) {
    state.SkipWithError(root.error().message.c_str());
    return;
  }
  const rt::Address counter = *registry.lookup("counter");
  struct Driver {
    rt::Address report_to;
    int left = 0;
    Clock::time_point sent;
    std::vector<double> us;  // one per restart, in order; read after Done
  };
  auto d = std::make_shared<Driver>();
  d->us.assign(static_cast<std::size_t>(restarts), 0.0);  // resident before the run
  d->us.clear();
  auto crash_and_ask = [counter, d](rt::ActorContext& ctx) {
    d->sent = Clock::now();
    (void)ctx.send(counter, rt::Bytes{'c', 'r', 'a', 's', 'h'});
    (void)ctx.send(counter, rt::Bytes{'i', 'n', 'c'});
  };
  auto driver = *system.spawn(rt::Behavior{
      [d, crash_and_ask](rt::ActorContext& ctx, const Start& go) {
        d->report_to = go.report_to;
        d->left = go.rounds;
        crash_and_ask(ctx);
      },
      [d, crash_and_ask](rt::ActorContext& ctx, const rt::Bytes&) {
        d->us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - d->sent).count());
        if (--d->left == 0) {
          (void)ctx.send(d->report_to, Done{});
        } else {
          crash_and_ask(ctx);
        }
      }});
  const long resident_before = resident_bytes();
  const auto began = Clock::now();
  for (auto _ : state) {
    (void)me.send(driver, Start{restarts, me.address()});
    if (!me.receive_as<Done>(600s)) {
      state.SkipWithError("the restarts did not finish within 600 s");
      return;
    }
  }
  const std::chrono::duration<double, std::micro> spent = Clock::now() - began;
  // What the process kept of the run: per restart, a figure that stays near
  // 0 unless something is kept for each restart.
  state.counters["resident_growth_per_restart_B"] =
      static_cast<double>(resident_bytes() - resident_before) / restarts;
  const auto n = static_cast<std::size_t>(restarts);
  const double first = p50_of(d->us, 0, window);
  const double last = p50_of(d->us, n - window, window);
  state.counters["p50_first_us"] = first;                        // restarts 1 to 1,000
  state.counters["p50_10k_us"] = p50_of(d->us, n / 10, window);  // 10,001 to 11,000
  state.counters["p50_100k_us"] = last;                          // 100,001 to 101,000
  state.counters["growth"] = first > 0 ? last / first : 0;
  state.counters["p50_us"] = p50(d->us);
  state.counters["restart_us"] = spent.count() / static_cast<double>(restarts);
}
BENCHMARK(BM_WasmRestartHistory)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// 5,000 aot components under one one_for_one supervisor all crash at once:
// the driver sends each "crash" and then "inc", and the run ends when the
// last of the 5,000 fresh instances has answered its "inc" (crash-all to
// all-answering; the Erlang peer times the same on OTP). kind 0: immediate
// restarts; kind 1: exponential backoff from 100 ms, where every child's
// first restart waits 100 ms, so recovery_minus_backoff_ms is the time
// beyond that wait. A run that takes longer than 60 s stops with an error
// instead of holding up the suite (a supervisor that serves one child's
// backoff after another needs 5,000 x 100 ms).
void BM_WasmMassRecovery(benchmark::State& state) {
  const bool backoff = state.range(0) == 1;
  const int children = sized(5000, 20);
  const auto first_backoff = 100ms;
  const auto bound = 60s;
  rt::ActorSystem system({.workers = 2});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  wasm::ComponentSupervisor supervisors(spawner);
  rt::ScopedActor me(system);
  const auto module = counter_module();
  std::vector<wasm::ComponentSpec> specs;
  specs.reserve(static_cast<std::size_t>(children));
  for (int i = 0; i < children; ++i) {
    specs.push_back(wasm::ComponentSpec::of("c" + std::to_string(i), module)
                        .with_engine(wasm::EngineKind::aot));
  }
  auto root = supervisors.start(
      "bench",
      restart_config(backoff ? sv::BackoffStrategy::exponential(first_backoff, 1.5, 30s)
                             : sv::BackoffStrategy::immediate()),
      specs);
  if (!root) {
    state.SkipWithError(root.error().message.c_str());
    return;
  }
  struct Driver {
    std::vector<rt::Address> counters;
    rt::Address report_to;
    int left = 0;
  };
  auto d = std::make_shared<Driver>();
  for (int i = 0; i < children; ++i)
    d->counters.push_back(*registry.lookup("c" + std::to_string(i)));
  auto driver =
      *system.spawn(rt::Behavior{[d](rt::ActorContext& ctx, const Start& go) {
                                   d->report_to = go.report_to;
                                   d->left = go.rounds;
                                   for (rt::Address c : d->counters)
                                     (void)ctx.send(c, rt::Bytes{'c', 'r', 'a', 's', 'h'});
                                   for (rt::Address c : d->counters)
                                     (void)ctx.send(c, rt::Bytes{'i', 'n', 'c'});
                                 },
                                 [d](rt::ActorContext& ctx, const rt::Bytes&) {
                                   if (--d->left == 0) (void)ctx.send(d->report_to, Done{});
                                 }});
  double recovery_ms = 0;
  for (auto _ : state) {
    const auto began = Clock::now();
    (void)me.send(driver, Start{children, me.address()});
    if (!me.receive_as<Done>(bound)) {
      const std::string why =
          "the " + std::to_string(children) + " children did not all answer within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(bound).count()) +
          " s of crashing (" + std::to_string(d->left) +
          " still restarting; a supervisor that serves one backoff after another needs " +
          std::to_string(children / 10) + " s)";
      state.SkipWithError(why.c_str());
      return;
    }
    recovery_ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  }
  state.counters["recovery_ms"] = recovery_ms;
  const double beyond =
      backoff ? recovery_ms - std::chrono::duration<double, std::milli>(first_backoff).count()
              : recovery_ms;
  state.counters["recovery_minus_backoff_ms"] = beyond;
  state.counters["per_child_us"] = beyond * 1000 / children;
}
BENCHMARK(BM_WasmMassRecovery)
    ->ArgName("exponential")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
