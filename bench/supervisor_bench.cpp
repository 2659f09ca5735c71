// Supervision: the seed's microbenchmarks (restart decision, intensity
// check, backoff, tree queries) and crash-to-ready restart of a native child.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/restart_decision.hpp"
#include "airssys/supervisor/restart_intensity.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "bench_support.hpp"

using namespace airssys;
using namespace std::chrono_literals;

namespace {

// The decision a supervisor takes on an exit: policy, intensity, backoff.
void BM_RestartDecision(benchmark::State& state) {
  supervisor::RestartIntensity intensity(1'000, std::chrono::milliseconds(1));
  const auto backoff = supervisor::BackoffStrategy::exponential();
  const rt::ExitReason reason = rt::ExitReason::error("boom");
  auto now = std::chrono::steady_clock::time_point{};
  std::uint32_t attempt = 0;
  for (auto _ : state) {
    const auto decision =
        supervisor::decide_restart(supervisor::RestartPolicy::transient, reason, intensity, backoff,
                                   attempt, (attempt & 15) == 15, now, 0.5);
    benchmark::DoNotOptimize(decision);
    now += std::chrono::milliseconds(1);
  }
}
BENCHMARK(BM_RestartDecision);

// 100 restart attempts against max_restarts = 3 within 60 s (the seed's check).
void BM_MaxRestartCheck100(benchmark::State& state) {
  for (auto _ : state) {
    supervisor::RestartIntensity intensity(3, 60s);
    auto now = std::chrono::steady_clock::time_point{};
    int allowed = 0;
    for (int i = 0; i < 100; ++i) {
      allowed += intensity.try_add(now) ? 1 : 0;
      now += 1s;
    }
    benchmark::DoNotOptimize(allowed);
  }
}
BENCHMARK(BM_MaxRestartCheck100);

void BM_Backoff10(benchmark::State& state) {
  const auto backoff = supervisor::BackoffStrategy::exponential().with_jitter(0.1);
  for (auto _ : state) {
    rt::Duration total{0};
    for (std::uint32_t i = 0; i < 10; ++i) total += backoff.delay(i, 0.3);
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_Backoff10);

supervisor::SupervisionHandle root_handle() {
  supervisor::SupervisionHandle root;
  root.id = root.path = "root";
  root.type = supervisor::ChildType::supervisor;
  return root;
}

// A root supervisor with `children` running workers c0, c1, ...
void fill_tree(supervisor::SupervisionTree& tree, int children) {
  tree.add(root_handle());
  for (int i = 0; i < children; ++i) {
    supervisor::SupervisionHandle h;
    h.id = "c" + std::to_string(i);
    h.path = "root/" + h.id;
    h.parent_path = "root";
    h.state = supervisor::SupervisionState::running;
    tree.add(h);
  }
}

void BM_TreeJson100(benchmark::State& state) {
  supervisor::SupervisionTree tree;
  fill_tree(tree, 100);
  for (auto _ : state) benchmark::DoNotOptimize(tree.to_json());
}
BENCHMARK(BM_TreeJson100)->Unit(benchmark::kMicrosecond);

void BM_Ancestors20(benchmark::State& state) {
  supervisor::SupervisionTree tree;
  std::string parent;
  for (int depth = 0; depth <= 20; ++depth) {
    supervisor::SupervisionHandle h;
    h.id = "s" + std::to_string(depth);
    h.path = parent.empty() ? h.id : parent + "/" + h.id;
    h.parent_path = parent;
    tree.add(h);
    parent = h.path;
  }
  for (auto _ : state) benchmark::DoNotOptimize(tree.ancestors(parent));
}
BENCHMARK(BM_Ancestors20);

// The seed's "add component to supervision": one handle into a tree that
// already holds a supervisor and its children (a fresh tree every 10,000).
void BM_AddToSupervision(benchmark::State& state) {
  constexpr int kPerTree = 10'000;
  std::vector<supervisor::SupervisionHandle> handles(kPerTree);
  for (int i = 0; i < kPerTree; ++i) {
    handles[i].id = "component-" + std::to_string(i);
    handles[i].path = "root/" + handles[i].id;
    handles[i].parent_path = "root";
  }
  const supervisor::SupervisionHandle root = root_handle();
  auto tree = std::make_unique<supervisor::SupervisionTree>();
  tree->add(root);
  int next = 0;
  for (auto _ : state) {
    if (next == kPerTree) {
      state.PauseTiming();
      tree = std::make_unique<supervisor::SupervisionTree>();
      tree->add(root);
      next = 0;
      state.ResumeTiming();
    }
    tree->add(handles[next++]);
  }
}
BENCHMARK(BM_AddToSupervision);

// The seed's "get supervision handle": a copy of one child's handle out of
// a tree of 100 children (a shared lock and one hash probe).
void BM_GetSupervisionHandle(benchmark::State& state) {
  supervisor::SupervisionTree tree;
  fill_tree(tree, 100);
  for (auto _ : state) benchmark::DoNotOptimize(tree.handle("root/c42"));
}
BENCHMARK(BM_GetSupervisionHandle);

// Bytes per supervision handle as kept in the tree (the node, its strings,
// the index entry): heap bytes in use (glibc's mallinfo2) over 100,000
// handles, which unlike RSS does not depend on what earlier benchmarks freed.
void BM_SupervisionHandleBytes(benchmark::State& state) {
  const int count = bench::sized(100'000);
  double per_handle = 0;
  for (auto _ : state) {
    supervisor::SupervisionTree tree;
    tree.add(root_handle());
    const std::size_t before = mallinfo2().uordblks;
    for (int i = 0; i < count; ++i) {
      supervisor::SupervisionHandle h;
      h.id = "component-" + std::to_string(i);
      h.path = "root/" + h.id;
      h.parent_path = "root";
      tree.add(std::move(h));
    }
    per_handle = static_cast<double>(mallinfo2().uordblks - before) / count;
    benchmark::DoNotOptimize(tree.size());
  }
  state.counters["bytes_per_handle"] = per_handle;
  state.counters["sizeof_handle"] = sizeof(supervisor::SupervisionHandle);
}
BENCHMARK(BM_SupervisionHandleBytes)->Iterations(1)->Unit(benchmark::kMillisecond);

struct Crash {};
struct Started {};

class Crasher final : public rt::Actor {
 public:
  explicit Crasher(rt::Address observer) : observer_(observer) {}
  void on_start(rt::ActorContext& ctx) override { (void)ctx.send(observer_, Started{}); }
  bool on_message(rt::ActorContext&, rt::Message& m) override {
    if (m.is<Crash>()) throw std::runtime_error("crash");
    return false;
  }

 private:
  rt::Address observer_;
};

// Crash to ready: a native child throws, its supervisor respawns a fresh
// instance behind the same address, the instance reports from on_start.
void BM_CrashToReadyNative(benchmark::State& state) {
  rt::ActorSystem system({.workers = 2});
  rt::ScopedActor me(system);
  supervisor::SupervisorSpec spec;
  spec.name = "bench";
  spec.config = supervisor::SupervisorConfig::one_for_one()
                    .with_max_restarts(1'000'000)
                    .with_time_window(1ns)  // never reached: measures restarts only
                    .with_backoff(supervisor::BackoffStrategy::immediate());
  const rt::Address observer = me.address();
  spec.children.push_back(
      supervisor::ChildSpec::permanent("crasher", [observer](const supervisor::ChildStartInfo&) {
        return supervisor::StartResult::start(std::make_unique<Crasher>(observer));
      }));
  auto root = supervisor::start_supervisor(system, std::move(spec));
  if (!root || !me.receive_as<Started>(10s)) {
    state.SkipWithError("supervisor did not start");
    return;
  }
  const rt::Address child = (*supervisor::SupervisorRef(system, *root).which_children())[0].address;
  for (auto _ : state) {
    (void)me.send(child, Crash{});
    if (!me.receive_as<Started>(10s)) state.SkipWithError("no restart");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CrashToReadyNative)->UseRealTime()->Unit(benchmark::kMicrosecond);

struct Drive {
  rt::Address child;
  int rounds;
  rt::Address report_to;
};
struct Done {};

// The same restart, driven by an actor so no thread has to be woken: the
// driver crashes the child, the fresh instance reports from on_start.
void BM_CrashToReadyNativeInSystem(benchmark::State& state) {
  rt::ActorSystem system({.workers = static_cast<std::size_t>(state.range(0))});
  rt::ScopedActor me(system);
  struct DriverState {
    rt::Address child;
    rt::Address report_to;
    int left = 0;
  };
  auto st = std::make_shared<DriverState>();
  auto driver = *system.spawn(rt::Behavior{[st](rt::ActorContext& ctx, const Drive& d) {
                                             st->child = d.child;
                                             st->report_to = d.report_to;
                                             st->left = d.rounds;
                                             (void)ctx.send(d.child, Crash{});
                                           },
                                           [st](rt::ActorContext& ctx, const Started&) {
                                             if (st->left == 0) return;  // the first start
                                             if (--st->left == 0) {
                                               (void)ctx.send(st->report_to, Done{});
                                             } else {
                                               (void)ctx.send(st->child, Crash{});
                                             }
                                           }});
  supervisor::SupervisorSpec spec;
  spec.name = "bench";
  spec.config = supervisor::SupervisorConfig::one_for_one()
                    .with_max_restarts(1'000'000)
                    .with_time_window(1ns)
                    .with_backoff(supervisor::BackoffStrategy::immediate());
  spec.children.push_back(
      supervisor::ChildSpec::permanent("crasher", [driver](const supervisor::ChildStartInfo&) {
        return supervisor::StartResult::start(std::make_unique<Crasher>(driver));
      }));
  auto root = supervisor::start_supervisor(system, std::move(spec));
  if (!root) {
    state.SkipWithError("supervisor did not start");
    return;
  }
  const rt::Address child = (*supervisor::SupervisorRef(system, *root).which_children())[0].address;
  const int kRounds = bench::sized(1000);
  const auto began = std::chrono::steady_clock::now();
  for (auto _ : state) {
    (void)me.send(driver, Drive{child, kRounds, me.address()});
    if (!me.receive_as<Done>(60s)) state.SkipWithError("restarts did not finish");
  }
  const std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - began;
  state.counters["restart_us"] =
      spent.count() / (static_cast<double>(state.iterations()) * kRounds);
}
BENCHMARK(BM_CrashToReadyNativeInSystem)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
