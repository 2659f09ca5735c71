// A supervisor stays responsive while its children fail: one child's
// backoff never holds up its siblings, thousands of simultaneous crashes
// come back after one backoff, a stop with restarts pending ends at once,
// and a group restart racing crashes neither wedges nor loses its names.
// Real wasm guests; time only moves when the test advances the clock.
#include <atomic>
#include <thread>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::BackoffStrategy;
using supervisor::RestartPolicy;
using supervisor::ShutdownPolicy;
using supervisor::SupervisionState;
using supervisor::SupervisorConfig;
using supervisor::SupervisorRef;

using ResponsiveSupervision = ComponentTest;

SupervisorConfig lenient(SupervisorConfig c) {
  return c.with_max_restarts(1'000'000).with_time_window(1h);
}

TEST_P(ResponsiveSupervision, AFastSiblingIsRestartedAfterItsOwnBackoffWhateverTheSlowOneWaits) {
  const rt::Address sup =
      supervise("root", lenient(SupervisorConfig::one_for_one()),
                {spec("slow", "counter").with_backoff(BackoffStrategy::linear(3s, 3s)),
                 spec("fast", "counter").with_backoff(BackoffStrategy::linear(50ms, 50ms))});
  const auto t0 = clock_->now();
  ASSERT_TRUE(me_.send(*registry_.lookup("slow"), bytes("crash")).ok());
  auto slow_scheduled = events_->await(Kind::restart_scheduled, "slow");
  ASSERT_TRUE(slow_scheduled);
  EXPECT_EQ(slow_scheduled->delay, rt::Duration(3s));

  clock_->advance(350ms);
  ASSERT_TRUE(me_.send(*registry_.lookup("fast"), bytes("crash")).ok());
  auto exited = events_->await(Kind::child_exited, "fast");
  ASSERT_TRUE(exited);
  // Reported when it happened, not when the slow child's wait ended.
  EXPECT_EQ(exited->at, t0 + 350ms);
  auto fast_scheduled = events_->await(Kind::restart_scheduled, "fast");
  ASSERT_TRUE(fast_scheduled);
  EXPECT_EQ(fast_scheduled->delay, rt::Duration(50ms));

  clock_->advance(50ms);
  auto restarted = events_->await(Kind::child_restarted, "fast");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->at, t0 + 400ms);
  EXPECT_EQ(ask("fast", "get"), "0/1");
  // The slow one is still waiting, and the supervisor answers about it.
  SupervisorRef ref(system_, sup);
  auto slow = ref.handle("slow");
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(slow->state, SupervisionState::scheduling_restart);
  EXPECT_EQ(status("slow")->instances(), 1u);

  clock_->advance(3s - 400ms);
  auto slow_restarted = events_->await(Kind::child_restarted, "slow");
  ASSERT_TRUE(slow_restarted);
  EXPECT_EQ(slow_restarted->at, t0 + 3s);
  EXPECT_EQ(ask("slow", "get"), "0/1");
}

TEST_P(ResponsiveSupervision, ThousandsOfSimultaneousCrashesAreAllBackAfterOneBackoff) {
  // Generated sizes: the count of children that crash together.
  for (const std::size_t n : {std::size_t{3}, std::size_t{400}, std::size_t{5000}}) {
    if (n == 5000 && GetParam() != EngineKind::aot) continue;  // 5,000 interp instances: RSS
    const std::string prefix = "w" + std::to_string(n) + "-";
    std::vector<ComponentSpec> specs;
    for (std::size_t i = 0; i < n; ++i)
      specs.push_back(spec(prefix + std::to_string(i), "counter"));
    // The default backoff: exponential from 100 ms.
    const rt::Address sup =
        supervise("root" + std::to_string(n), lenient(SupervisorConfig::one_for_one()), specs);
    ASSERT_FALSE(sup.is_none());
    const std::size_t scheduled_before = events_->count(Kind::restart_scheduled);
    const std::size_t restarted_before = events_->count(Kind::child_restarted);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(me_.send(*registry_.lookup(prefix + std::to_string(i)), bytes("crash")).ok());
    }
    ASSERT_TRUE(events_->await_count(Kind::restart_scheduled, scheduled_before + n, 60s)) << n;
    // Every child is waiting out its own 100 ms; the supervisor answers.
    SupervisorRef ref(system_, sup);
    auto children = ref.which_children();
    ASSERT_TRUE(children.ok());
    ASSERT_EQ(children->size(), n);
    for (const auto& c : *children) {
      ASSERT_EQ(c.state, SupervisionState::scheduling_restart) << c.id;
      ASSERT_TRUE(c.address.is_none()) << c.id;
    }
    clock_->advance(100ms);
    ASSERT_TRUE(events_->await_count(Kind::child_restarted, restarted_before + n, 60s))
        << events_->count(Kind::child_restarted) - restarted_before << " of " << n;
    EXPECT_EQ(ask(prefix + "0", "get"), "0/1");
    EXPECT_EQ(ask(prefix + std::to_string(n - 1), "get"), "0/1");
    ASSERT_TRUE(ref.stop().ok());
  }
}

TEST_P(ResponsiveSupervision, AStopWithRestartsPendingCancelsThemAndStopsTheRestInReverse) {
  const rt::Address sup = supervise(
      "root",
      lenient(SupervisorConfig::one_for_one()).with_backoff(BackoffStrategy::linear(10s, 10s)),
      {spec("a", "counter"), spec("b", "counter"), spec("c", "counter"), spec("d", "counter"),
       spec("e", "counter")});
  for (const char* n : {"b", "c", "e"}) {
    ASSERT_TRUE(me_.send(*registry_.lookup(n), bytes("crash")).ok());
    ASSERT_TRUE(events_->await(Kind::restart_scheduled, n)) << n;
  }
  // b's address waits, parked, for its restart; the stop lets it go.
  const rt::MonitorRef b_ref = me_.monitor(*registry_.lookup("b"));
  auto stopped = SupervisorRef(system_, sup, kWait).stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
  EXPECT_EQ(stopped->kind(), rt::ExitKind::shutdown);
  // Each child was stopped once; none was restarted.
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    EXPECT_EQ(events_->count(Kind::child_stopped, n), 1u) << n;
    EXPECT_EQ(events_->count(Kind::child_restarted, n), 0u) << n;
  }
  // What ran was asked to stop, in reverse start order; what waited was not.
  ASSERT_TRUE(events_->await(Kind::child_stopping, "a"));
  ASSERT_TRUE(events_->await(Kind::child_stopping, "d"));
  for (const char* n : {"b", "c", "e"}) EXPECT_EQ(events_->count(Kind::child_stopping, n), 0u);
  // One at a time: d had stopped before a was asked to.
  EXPECT_LT(events_->position(Kind::child_stopped, "d"),
            events_->position(Kind::child_stopping, "a"));
  auto b_down = me_.await_down(b_ref, kWait);
  ASSERT_TRUE(b_down.ok());
  EXPECT_EQ(b_down->reason.kind(), rt::ExitKind::error);  // how its last instance ended
}

TEST_P(ResponsiveSupervision, GroupStopsAreEventsAndABrutalKillIsReportedKilled) {
  supervise("root", immediate(lenient(SupervisorConfig::one_for_all())),
            {spec("k", "counter").with_shutdown(ShutdownPolicy::brutal_kill()),
             spec("g", "counter"), spec("c", "crasher")});
  ASSERT_TRUE(me_.send(*registry_.lookup("c"), bytes("trap")).ok());
  ASSERT_TRUE(status("c")->wait_for(ComponentState::ready, 2, kWait));
  ASSERT_TRUE(status("k")->wait_for(ComponentState::ready, 2, kWait));
  auto k = events_->await(Kind::child_stopped, "k");
  auto g = events_->await(Kind::child_stopped, "g");
  ASSERT_TRUE(k && g);
  EXPECT_EQ(k->reason.kind(), rt::ExitKind::killed);
  EXPECT_EQ(g->reason.kind(), rt::ExitKind::shutdown);
  // Reverse start order, one at a time: g had stopped before k was asked to.
  EXPECT_LT(events_->position(Kind::child_stopped, "g"),
            events_->position(Kind::child_stopping, "k"));
  EXPECT_EQ(events_->count(Kind::child_stopped, "c"), 0u);  // it crashed, nobody stopped it
}

TEST_P(ResponsiveSupervision, AOneForAllGroupWithABrutalKillUnderLoadNeitherWedgesNorLosesNames) {
  supervise(
      "root", immediate(lenient(SupervisorConfig::one_for_all())),
      {spec("k", "counter").with_shutdown(ShutdownPolicy::brutal_kill()), spec("c", "crasher")});
  // A stream of messages by name.
  std::atomic<bool> run{true};
  std::thread stream([&] {
    rt::ScopedActor sender(system_);
    while (run.load()) {
      // One request at a time keeps the stream steady, not a flood; both
      // children crash again as soon as they are back, so crashes keep
      // arriving while the group is being stopped and started.
      if (auto k = system_.whereis("k")) {
        (void)sender.request<rt::Bytes>(*k, bytes("inc"), 1s);
        (void)sender.send(*k, bytes("crash"));
      }
      if (auto c = system_.whereis("c")) (void)sender.send(*c, bytes("trap"));
    }
  });
  const bool restarted_often = events_->await(Kind::child_restarted, "c", 200, 60s).has_value();
  run = false;
  stream.join();
  ASSERT_TRUE(restarted_often);
  // Both names still lead to a live component that answers (traps still
  // queued may restart the group a few more times: a full stash or an
  // exit meanwhile is an answer too, a wedged group never answers).
  auto k = system_.whereis("k");
  auto c = system_.whereis("c");
  ASSERT_TRUE(k && c);
  EXPECT_EQ(k, registry_.lookup("k"));
  EXPECT_EQ(c, registry_.lookup("c"));
  const auto settled = [&](rt::Address to, std::string_view payload) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      auto r = me_.request<rt::Bytes>(to, bytes(payload), kWait);
      if (r.ok()) return text(*r);
      if (r.error().code != ErrorCode::resource_exhausted &&
          r.error().code != ErrorCode::actor_exited) {
        return "error: " + r.error().describe();
      }
    }
    return std::string("error: never settled");
  };
  EXPECT_EQ(settled(*c, "hello"), "ok");
  EXPECT_EQ(settled(*k, "get").rfind("error", 0), std::string::npos);
  EXPECT_EQ(events_->count(Kind::start_failed), 0u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ResponsiveSupervision, ::testing::ValuesIn(engines()),
                         engine_name);

}  // namespace
}  // namespace airssys::wasm::test
