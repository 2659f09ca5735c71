// wasm components on both engines: instantiate + init, a message and its
// reply, crash-to-ready restart, and resident memory per idle component.
// Guests come from the build (AIRSSYS_GUEST_DIR).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"
#include "bench_support.hpp"
#include "component/wasi_host.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = airssys::rt;
namespace wasm = airssys::wasm;
namespace sv = airssys::supervisor;
using airssys::bench::percentiles;
using airssys::bench::resident_bytes;
using airssys::bench::sized;
using airssys::bench::timed;

wasm::WasmModulePtr guest(const std::string& name) {
  auto m = wasm::WasmModule::load_file(std::string(AIRSSYS_GUEST_DIR) + "/" + name + ".wasm");
  return m ? *m : nullptr;
}

wasm::EngineKind engine_of(const benchmark::State& state) {
  return state.range(0) == 0 ? wasm::EngineKind::interp : wasm::EngineKind::aot;
}

class NoHost final : public wasm::detail::HostInterface {
 public:
  wasm::GuestFault call_host(wasm::detail::HostImport, const std::uint64_t*, std::uint64_t* result,
                             wasm::detail::GuestMemory) override {
    *result = 0;
    return wasm::GuestFault::none;
  }
};

// An instance of `module` on the benchmark's engine with `_initialize` run,
// or nullptr once the benchmark is skipped with the reason.
std::unique_ptr<wasm::detail::WasmInstance> initialized_instance(
    benchmark::State& state, const wasm::WasmModule& module, wasm::detail::HostInterface& host,
    const wasm::detail::CallLimits& limits) {
  auto compiled = wasm::detail::compiled_for(module, engine_of(state));
  if (!compiled) {
    state.SkipWithError(compiled.error().message.c_str());
    return nullptr;
  }
  auto inst = (*compiled)->instantiate(host, limits);
  if (!inst) {
    state.SkipWithError(inst.error().message.c_str());
    return nullptr;
  }
  (void)(*inst)->call_initialize(limits);
  return std::move(*inst);
}

// Registered first so that memory other benchmarks free and keep resident
// does not hide this one's growth.
void BM_WasmIdleComponentMemory(benchmark::State& state) {
  auto module = guest("echo");
  const auto count = sized(static_cast<std::size_t>(state.range(1)));
  double per_component = 0;
  double heap_per_component = 0;
  for (auto _ : state) {
    rt::ActorSystem system({.workers = 2});
    wasm::ComponentRegistry registry;
    wasm::ComponentSpawner spawner(system, registry);
    rt::ScopedActor me(system);
    // Compile (and for aot load) the module before measuring.
    auto warm = spawner.spawn_component(
        wasm::ComponentSpec::of("warm", module).with_engine(engine_of(state)));
    (void)me.request<rt::Bytes>(*warm, rt::Bytes{'x'}, 10s);
    const long before = resident_bytes();
    const std::size_t heap_before = mallinfo2().uordblks;
    rt::Address last;
    for (std::size_t i = 0; i < count; ++i) {
      auto a = spawner.spawn_component(
          wasm::ComponentSpec::of("c" + std::to_string(i), module).with_engine(engine_of(state)));
      if (!a) {
        state.SkipWithError(a.error().message.c_str());
        return;
      }
      last = *a;
    }
    // Components start in spawn order per worker; one answer from each of
    // the last few means all have started.
    for (std::size_t i = count - std::min<std::size_t>(count, 16); i < count; ++i) {
      (void)me.request<rt::Bytes>(*registry.lookup("c" + std::to_string(i)), rt::Bytes{'x'}, 60s);
    }
    per_component = static_cast<double>(resident_bytes() - before) / static_cast<double>(count);
    heap_per_component =
        static_cast<double>(mallinfo2().uordblks - heap_before) / static_cast<double>(count);
  }
  state.counters["bytes_per_component"] = per_component;
  // Allocated, touched or not (an AOT instance's 64 KiB page is allocated
  // but only resident where the guest wrote).
  state.counters["heap_bytes_per_component"] = heap_per_component;
}
BENCHMARK(BM_WasmIdleComponentMemory)
    ->ArgNames({"aot", "components"})
    ->Args({0, 10000})
    ->Args({1, 10000})
    ->Args({0, 100000})
    ->Args({1, 100000})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// WASI imports answered as a component's host answers them (the lines it
// writes dropped), the others with 0.
class WasiOnlyHost final : public wasm::detail::HostInterface {
 public:
  wasm::GuestFault call_host(wasm::detail::HostImport which, const std::uint64_t* args,
                             std::uint64_t* result, wasm::detail::GuestMemory memory) override {
    if (wasm::detail::is_wasi(which)) {
      return wasi_.call(which, args, result, memory, [](int, std::string_view) {});
    }
    *result = 0;
    return wasm::GuestFault::none;
  }

 private:
  wasm::detail::WasiHost wasi_{"bench", {}, {}};
};

// The guests of BM_WasmInstantiateInit, one per toolchain: freestanding C,
// Rust without std, Rust's wasm32-wasi std (a WASI reactor whose init
// prints a line), C on wasi-libc's stdio (a reactor: _initialize runs its
// constructors).
constexpr const char* kInitGuests[] = {"counter", "rust_echo", "rust_wasi", "libc_printf"};

// A fresh instance of a one-page guest, ready to take messages: instantiate,
// _initialize, airssys_alloc + airssys_init. The engine-level cost of a spawn.
void BM_WasmInstantiateInit(benchmark::State& state) {
  auto module = guest(kInitGuests[state.range(0)]);
  state.SetLabel(kInitGuests[state.range(0)]);
  auto compiled = wasm::detail::compiled_for(
      *module, state.range(1) != 0 ? wasm::EngineKind::aot : wasm::EngineKind::interp);
  if (!compiled) {
    state.SkipWithError(compiled.error().message.c_str());
    return;
  }
  WasiOnlyHost host;
  wasm::detail::CallLimits limits;
  limits.fuel = 1'000'000;
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto inst = (*compiled)->instantiate(host, limits);
    if (!inst) {
      state.SkipWithError(inst.error().message.c_str());
      return;
    }
    auto ok = (*inst)->call_initialize(limits);
    auto buf = (*inst)->call(wasm::detail::GuestExport::alloc, {0}, limits);
    auto init = (*inst)->call(wasm::detail::GuestExport::init, {buf.value, 0}, limits);
    if (!ok.ok() || !buf.ok() || !init.ok() || init.value != 0) {
      state.SkipWithError("the guest's _initialize or init failed");
      return;
    }
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    inst->reset();
  }
  percentiles(state, us);
}
BENCHMARK(BM_WasmInstantiateInit)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}})
    ->ArgNames({"guest", "aot"})
    ->Unit(benchmark::kMicrosecond);

struct Go {
  rt::Address to;
  int rounds;
  rt::Address report_to;
};
struct Done {};

// A native actor and an echo component bounce a message: the time of one
// message to the component and its reply, inside the system.
void BM_WasmMessageAndReply(benchmark::State& state) {
  rt::ActorSystem system({.workers = 1});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  auto echo = spawner.spawn_component(
      wasm::ComponentSpec::of("echo", guest("echo")).with_engine(engine_of(state)));
  if (!echo) {
    state.SkipWithError(echo.error().message.c_str());
    return;
  }
  struct Driver {
    rt::Address to;
    rt::Address report_to;
    int left = 0;
  };
  auto d = std::make_shared<Driver>();
  auto driver = *system.spawn(rt::Behavior{[d](rt::ActorContext& ctx, const Go& go) {
                                             d->to = go.to;
                                             d->report_to = go.report_to;
                                             d->left = go.rounds;
                                             (void)ctx.send(d->to, rt::Bytes{'p', 'i', 'n', 'g'});
                                           },
                                           [d](rt::ActorContext& ctx, const rt::Bytes& b) {
                                             if (--d->left == 0) {
                                               (void)ctx.send(d->report_to, Done{});
                                             } else {
                                               (void)ctx.send(d->to, rt::Bytes(b));
                                             }
                                           }});
  const int kRounds = sized(10000);
  const auto began = std::chrono::steady_clock::now();
  for (auto _ : state) {
    (void)me.send(driver, Go{*echo, kRounds, me.address()});
    if (!me.receive_as<Done>(60s)) state.SkipWithError("round trips did not finish");
  }
  const std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - began;
  state.counters["round_trip_us"] =
      spent.count() / (static_cast<double>(state.iterations()) * kRounds);
}
BENCHMARK(BM_WasmMessageAndReply)
    ->ArgName("aot")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Crash to Ready: the driver makes the counter trap and sends "inc" at once;
// the "inc" waits in the stash while the supervisor restarts a fresh
// instance, and its answer closes the round.
void BM_WasmCrashToReady(benchmark::State& state) {
  rt::ActorSystem system({.workers = 1});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  wasm::ComponentSupervisor supervisors(spawner);
  rt::ScopedActor me(system);
  auto config = sv::SupervisorConfig::one_for_one()
                    .with_max_restarts(1'000'000)
                    .with_time_window(1ns)
                    .with_backoff(sv::BackoffStrategy::immediate());
  auto root = supervisors.start(
      "bench", config,
      {wasm::ComponentSpec::of("counter", guest("counter")).with_engine(engine_of(state))});
  if (!root) {
    state.SkipWithError(root.error().message.c_str());
    return;
  }
  const rt::Address counter = *registry.lookup("counter");
  struct Driver {
    rt::Address report_to;
    int left = 0;
    std::chrono::steady_clock::time_point sent;
    std::vector<double> us;  // one per restart; read after Done
  };
  auto d = std::make_shared<Driver>();
  auto crash_and_ask = [counter, d](rt::ActorContext& ctx) {
    d->sent = std::chrono::steady_clock::now();
    (void)ctx.send(counter, rt::Bytes{'c', 'r', 'a', 's', 'h'});
    (void)ctx.send(counter, rt::Bytes{'i', 'n', 'c'});
  };
  auto driver =
      *system.spawn(rt::Behavior{[d, crash_and_ask](rt::ActorContext& ctx, const Go& go) {
                                   d->report_to = go.report_to;
                                   d->left = go.rounds;
                                   crash_and_ask(ctx);
                                 },
                                 [d, crash_and_ask](rt::ActorContext& ctx, const rt::Bytes&) {
                                   d->us.push_back(std::chrono::duration<double, std::micro>(
                                                       std::chrono::steady_clock::now() - d->sent)
                                                       .count());
                                   if (--d->left == 0) {
                                     (void)ctx.send(d->report_to, Done{});
                                   } else {
                                     crash_and_ask(ctx);
                                   }
                                 }});
  const int kRounds = sized(1000);
  const auto began = std::chrono::steady_clock::now();
  for (auto _ : state) {
    (void)me.send(driver, Go{counter, kRounds, me.address()});
    if (!me.receive_as<Done>(120s)) state.SkipWithError("restarts did not finish");
  }
  const std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - began;
  state.counters["restart_us"] =
      spent.count() / (static_cast<double>(state.iterations()) * kRounds);
  state.counters["restarts_per_s"] =
      static_cast<double>(state.iterations()) * kRounds / (spent.count() / 1e6);
  percentiles(state, d->us);
}
BENCHMARK(BM_WasmCrashToReady)
    ->ArgName("aot")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

using wasm::detail::Instrumentation;

// One call of `name`'s airssys_handle with `message`, over and over, on one
// instance (after _initialize and airssys_init) of the guest instrumented
// with `what`: all of it is what every component runs, the rest are the
// baselines for what a part of it costs.
void guest_call(benchmark::State& state, const std::string& name, const std::string& message,
                Instrumentation what) {
  const std::string path = std::string(AIRSSYS_GUEST_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto module = what.fuel && what.native_stack_check
                    ? wasm::WasmModule::load(bytes, path)
                    : wasm::detail::ModuleCode::load_instrumented(bytes, path, what);
  if (!module) {
    state.SkipWithError(module.error().message.c_str());
    return;
  }
  NoHost host;
  wasm::detail::CallLimits limits;  // unlimited fuel: the charges still run
  auto inst = initialized_instance(state, **module, host, limits);
  if (!inst) return;
  if (inst->has_export(wasm::detail::GuestExport::init)) {
    auto r = inst->call(wasm::detail::GuestExport::init, {0, 0}, limits);
    if (!r.ok() || r.value != 0) {
      state.SkipWithError("airssys_init failed");
      return;
    }
  }
  const auto buf = inst->call(wasm::detail::GuestExport::alloc, {message.size()}, limits);
  auto mem = inst->memory();
  std::copy(message.begin(), message.end(), mem.data + buf.value);
  for (auto _ : state) {
    auto r = inst->call(wasm::detail::GuestExport::handle, {1, buf.value, message.size()}, limits);
    if (!r.ok()) state.SkipWithError(r.failure.describe().c_str());
  }
  state.counters["fuel_per_call"] = static_cast<double>(inst->fuel_used());
}

// Fuel metering: one call of a loop-heavy guest (the compute guest, 2,000
// rounds of a 64-step mixing loop) with the metered code every component
// runs and with the same module instrumented without fuel charges.
void BM_WasmFuelOverhead(benchmark::State& state) {
  guest_call(state, "compute", std::to_string(sized(2000, 20)), {.fuel = state.range(1) != 0});
}
BENCHMARK(BM_WasmFuelOverhead)
    ->ArgNames({"aot", "metered"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond);

// The same for bulk memory operations, which are charged by their length
// (one unit per 8 bytes, before they run): one call of the copier guest,
// 256 rounds of a 64 KiB memory.fill and a 64 KiB memory.copy (32 MiB
// written per call).
void BM_WasmBulkFuelOverhead(benchmark::State& state) {
  const int rounds = sized(256, 2);
  guest_call(state, "copier", std::to_string(rounds), {.fuel = state.range(1) != 0});
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * rounds * 2 * 65536);
}
BENCHMARK(BM_WasmBulkFuelOverhead)
    ->ArgNames({"aot", "metered"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond);

// Per-call instrumentation: one call of the fib guest, fib(27) by recursion
// (317,811 calls of one small function). A call pays the fuel charge and
// the depth count at its entry, and on aot a call of the native stack
// check, which the unmetered module keeps: the stack_check:0 rows leave it
// out too (interp code never has it).
void BM_WasmCallOverhead(benchmark::State& state) {
  guest_call(state, "fib", std::to_string(sized(27, 10)),
             {.fuel = state.range(1) != 0, .native_stack_check = state.range(2) != 0});
}
BENCHMARK(BM_WasmCallOverhead)
    ->ArgNames({"aot", "metered", "stack_check"})
    ->Args({0, 0, 0})
    ->Args({0, 1, 0})
    ->Args({1, 0, 0})
    ->Args({1, 0, 1})
    ->Args({1, 1, 0})
    ->Args({1, 1, 1})
    ->Unit(benchmark::kMicrosecond);

// A runaway guest (the spinner's endless loop) from the message that starts
// it to the component's failure, under the default limits (stopped by fuel:
// 10 M units) and under a 10 ms call deadline with fuel unmetered.
void BM_WasmRunawayStop(benchmark::State& state) {
  const bool by_deadline = state.range(1) != 0;
  rt::ActorSystem system({.workers = 2});
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  std::vector<double> us;
  int n = 0;
  for (auto _ : state) {
    auto spec = wasm::ComponentSpec::of("spin" + std::to_string(n++), guest("spinner"))
                    .with_engine(engine_of(state));
    if (by_deadline) {
      spec.limits.fuel_per_message = 0;
      spec.limits.call_deadline = 10ms;
    } else if (airssys::bench::smoke()) {
      spec.limits.fuel_per_message = 100'000;
    }
    auto a = spawner.spawn_component(spec);
    if (!a) {
      state.SkipWithError(a.error().message.c_str());
      return;
    }
    auto status = registry.status(spec.name);
    (void)status->wait_for(wasm::ComponentState::ready, 1, 10s);
    const auto t0 = std::chrono::steady_clock::now();
    (void)me.send(*a, rt::Bytes{'s', 'p', 'i', 'n'});
    if (!status->wait_for(wasm::ComponentState::failed, 1, 30s)) {
      state.SkipWithError("the runaway was not stopped");
      return;
    }
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  percentiles(state, us);
}
BENCHMARK(BM_WasmRunawayStop)
    ->ArgNames({"aot", "deadline"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Iterations(airssys::bench::smoke() ? 2 : 20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Scale: one one_for_one supervisor starting N echo components (each
// Ready before the next starts), then which_children over all of them.
void BM_WasmSupervisedStart(benchmark::State& state) {
  const auto count = sized(static_cast<std::size_t>(state.range(1)));
  auto module = guest("echo");
  for (auto _ : state) {
    rt::ActorSystem system({.workers = 2});
    wasm::ComponentRegistry registry;
    wasm::ComponentSpawner spawner(system, registry);
    wasm::ComponentSupervisor supervisors(spawner);
    {  // compile (aot: load the cached object) outside the measurement
      auto warm = spawner.spawn_component(
          wasm::ComponentSpec::of("warm", module).with_engine(engine_of(state)));
      (void)registry.status("warm")->wait_for(wasm::ComponentState::ready, 1, 60s);
    }
    std::vector<wasm::ComponentSpec> specs;
    specs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      specs.push_back(
          wasm::ComponentSpec::of("c" + std::to_string(i), module).with_engine(engine_of(state)));
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto root = supervisors.start("scale", sv::SupervisorConfig::one_for_one(), specs);
    const auto t1 = std::chrono::steady_clock::now();
    if (!root) {
      state.SkipWithError(root.error().message.c_str());
      return;
    }
    sv::SupervisorRef ref(system, *root, 120s);
    auto children = ref.which_children();
    const auto t2 = std::chrono::steady_clock::now();
    if (!children || children->size() != count) {
      state.SkipWithError("which_children did not list every child");
      return;
    }
    state.counters["start_us_per_child"] =
        std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(count);
    state.counters["which_children_ms"] =
        std::chrono::duration<double, std::milli>(t2 - t1).count();
    (void)ref.stop();
  }
}
BENCHMARK(BM_WasmSupervisedStart)
    ->ArgNames({"aot", "components"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->Args({0, 100000})
    ->Args({1, 100000})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Name to address through the component registry (a shared lock and one
// hash probe), with 10,000 components registered.
void BM_ComponentRegistryLookup(benchmark::State& state) {
  wasm::ComponentRegistry registry;
  for (int i = 0; i < sized(10000); ++i) {
    auto status = std::make_shared<wasm::ComponentStatus>("component-" + std::to_string(i));
    status->set_address(rt::Address(static_cast<std::uint32_t>(i + 1), 1));
    (void)registry.add(status);
  }
  const std::string name = "component-4242";
  for (auto _ : state) benchmark::DoNotOptimize(registry.lookup(name));
}
BENCHMARK(BM_ComponentRegistryLookup);

// One health call into each of 10,000 idle instances, in an order unrelated
// to where they live in memory and with the caches emptied between rounds:
// the engine's share of a periodic check of a cold component
// (BM_HealthCheckCost adds the runtime's).
void BM_WasmColdHealthCall(benchmark::State& state) {
  auto module = guest("crasher");
  NoHost host;
  wasm::detail::CallLimits limits;
  limits.fuel = 1'000'000;
  std::vector<std::unique_ptr<wasm::detail::WasmInstance>> instances;
  for (int i = 0; i < sized(10000); ++i) {
    auto inst = initialized_instance(state, *module, host, limits);
    if (!inst) return;
    (void)inst->call(wasm::detail::GuestExport::health, {}, limits);
    instances.push_back(std::move(inst));
  }
  std::shuffle(instances.begin(), instances.end(), std::mt19937(42));
  std::vector<char> flush(256 << 20);
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < flush.size(); i += 64) flush[i] = static_cast<char>(flush[i] + 1);
    benchmark::ClobberMemory();
    state.ResumeTiming();
    for (auto& inst : instances) {
      benchmark::DoNotOptimize(inst->call(wasm::detail::GuestExport::health, {}, limits));
    }
  }
  state.counters["per_call"] = benchmark::Counter(
      static_cast<double>(instances.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_WasmColdHealthCall)
    ->ArgName("aot")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(20)
    ->Unit(benchmark::kMillisecond);

// The same call into one instance over and over: what the engine costs
// when nothing is cold (the metering and the call path alone).
void BM_WasmWarmHealthCall(benchmark::State& state) {
  auto module = guest("crasher");
  NoHost host;
  wasm::detail::CallLimits limits;
  limits.fuel = 1'000'000;
  auto inst = initialized_instance(state, *module, host, limits);
  if (!inst) return;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inst->call(wasm::detail::GuestExport::health, {}, limits));
  }
}
BENCHMARK(BM_WasmWarmHealthCall)->ArgName("aot")->Arg(0)->Arg(1);

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The CPU cost of periodic health checks as the design target states it:
// 10,000 components checked every 5 s, the process's CPU time over ten
// seconds of wall time (everything the process does: timers, workers, the
// guest calls) as a share of one core.
void BM_HealthCheckCost(benchmark::State& state) {
  auto module = guest("crasher");  // exports airssys_health
  const int kComponents = sized(10000);
  for (auto _ : state) {
    rt::ActorSystem system({.workers = 2});
    wasm::ComponentRegistry registry;
    wasm::ComponentSpawner spawner(system, registry);
    std::vector<std::shared_ptr<wasm::ComponentStatus>> statuses;
    for (int i = 0; i < kComponents; ++i) {
      auto spec =
          wasm::ComponentSpec::of("h" + std::to_string(i), module).with_engine(engine_of(state));
      spec.health.interval = 5s;
      // Spread the first checks over the interval, as long-running
      // components' checks are.
      spec.health.initial_delay = std::chrono::milliseconds(i % 5000);
      (void)spawner.spawn_component(spec);
      statuses.push_back(registry.status("h" + std::to_string(i)));
    }
    auto checks = [&] {
      std::uint64_t n = 0;
      for (const auto& s : statuses) n += s->health_checks();
      return n;
    };
    std::this_thread::sleep_for(timed(6s));  // every component started and checked once
    const std::uint64_t before = checks();
    const double cpu0 = process_cpu_seconds();
    const auto wall0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(timed(10s));
    const double cpu = process_cpu_seconds() - cpu0;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const std::uint64_t done = checks() - before;
    state.counters["checks_per_s"] = static_cast<double>(done) / wall;
    state.counters["core_pct"] = cpu / wall * 100.0;
    state.counters["cpu_us_per_check"] = done == 0 ? 0 : cpu * 1e6 / static_cast<double>(done);
  }
}
BENCHMARK(BM_HealthCheckCost)
    ->ArgName("aot")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
