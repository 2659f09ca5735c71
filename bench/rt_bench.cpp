// Native actor runtime: ping-pong latency, spawn cost, idle actor size and
// many-to-one throughput. Peers (CAF, Erlang) are measured by the peer suite.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "bench_support.hpp"

using namespace airssys::rt;
using namespace std::chrono_literals;
using airssys::bench::resident_bytes;
using airssys::bench::sized;

namespace {

struct Ping {
  int n;
};
struct Pong {
  int n;
};
struct Start {
  int rounds;
  Address report_to;
  Address peer;
};
struct Done {};

// Registered first: memory freed by other benchmarks stays resident and
// would hide what the actors cost.
// Resident memory per idle actor with one typed handler.
void BM_IdleActorMemory(benchmark::State& state) {
  const auto count = sized(static_cast<std::size_t>(state.range(0)));
  double per_actor = 0;
  for (auto _ : state) {
    ActorSystem system({.workers = 2});
    std::vector<Address> keep;
    keep.reserve(count);
    const long before = resident_bytes();
    for (std::size_t i = 0; i < count; ++i) {
      keep.push_back(*system.spawn(
          Behavior{[](ActorContext& ctx, const Ping&) { (void)ctx.reply(Pong{0}); }}));
    }
    // Let every actor run its (empty) start so it is idle, not queued.
    ScopedActor self(system);
    for (std::size_t i = 0; i < count; i += count / 16 + 1) {
      (void)self.request_message(keep[i], make_message(Ping{0}), 10s);
    }
    per_actor = static_cast<double>(resident_bytes() - before) / static_cast<double>(count);
  }
  state.counters["bytes_per_actor"] = per_actor;
}
BENCHMARK(BM_IdleActorMemory)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

// One iteration = `rounds` round trips between two actors.
void BM_PingPong(benchmark::State& state) {
  const int rounds = sized(10'000);
  ActorSystem system({.workers = static_cast<std::size_t>(state.range(0))});
  auto pong = system.spawn(
      Behavior{[](ActorContext& ctx, const Ping& p) { (void)ctx.send(ctx.sender(), Pong{p.n}); }});
  struct PingState {
    int left = 0;
    Address report_to;
    Address peer;
  };
  auto st = std::make_shared<PingState>();
  auto ping = system.spawn(Behavior{[st](ActorContext& ctx, const Start& s) {
                                      st->left = s.rounds;
                                      st->report_to = s.report_to;
                                      st->peer = s.peer;
                                      (void)ctx.send(s.peer, Ping{s.rounds});
                                    },
                                    [st](ActorContext& ctx, const Pong&) {
                                      if (--st->left == 0) {
                                        (void)ctx.send(st->report_to, Done{});
                                      } else {
                                        (void)ctx.send(st->peer, Ping{st->left});
                                      }
                                    }});
  ScopedActor self(system);
  const auto began = std::chrono::steady_clock::now();
  for (auto _ : state) {
    (void)self.send(*ping, Start{rounds, self.address(), *pong});
    if (!self.receive_as<Done>(60s)) state.SkipWithError("ping-pong did not finish");
  }
  const std::chrono::duration<double, std::nano> spent = std::chrono::steady_clock::now() - began;
  state.counters["round_trip_ns"] =
      spent.count() / (static_cast<double>(state.iterations()) * rounds);
}
BENCHMARK(BM_PingPong)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Spawn from a plain thread; actors stay alive until the system stops.
void BM_Spawn(benchmark::State& state) {
  ActorSystem system({.workers = 2});
  for (auto _ : state) {
    auto a = system.spawn(Behavior{[](ActorContext&, const Ping&) {}});
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Spawn)->UseRealTime();

// A request from a plain thread (ScopedActor) to an actor and its reply:
// the analogue of gen_server:call and CAF's request(...).receive(...).
void BM_RequestReply(benchmark::State& state) {
  ActorSystem system({.workers = 2});
  auto echo =
      system.spawn(Behavior{[](ActorContext& ctx, const Ping& p) { (void)ctx.reply(Pong{p.n}); }});
  ScopedActor self(system);
  for (auto _ : state) {
    auto r = self.request<Pong>(*echo, Ping{1}, 10s);
    if (!r) state.SkipWithError("no reply");
  }
}
BENCHMARK(BM_RequestReply)->UseRealTime();

// N sender threads to one actor; one iteration = every sender sends `per_sender`.
void BM_ManyToOne(benchmark::State& state) {
  const int senders = static_cast<int>(state.range(0));
  const int per_sender = sized(100'000);
  ActorSystem system({.workers = 2});
  auto counted = std::make_shared<std::atomic<long>>(0);
  auto sink = system.spawn(Behavior{[counted](ActorContext& ctx, const Ping& p) {
    counted->fetch_add(1, std::memory_order_relaxed);
    if (p.n < 0) (void)ctx.reply(Done{});
  }});
  ScopedActor self(system);
  long expected = 0;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
      threads.emplace_back([&] {
        for (int i = 0; i < per_sender; ++i) (void)system.send(*sink, Ping{i});
      });
    }
    for (auto& t : threads) t.join();
    expected += static_cast<long>(senders) * per_sender;
    // A request queued behind the flood answers once all of it was handled.
    (void)self.request_message(*sink, make_message(Ping{-1}), 60s);
    ++expected;
  }
  if (counted->load() != expected) state.SkipWithError("messages lost");
  state.SetItemsProcessed(state.iterations() * senders * per_sender);
}
BENCHMARK(BM_ManyToOne)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
