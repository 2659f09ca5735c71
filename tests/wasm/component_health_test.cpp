// Health checks drive restarts: real guests turn unhealthy, hang, degrade,
// flap or never become ready, and the supervisor acts as configured. Checks
// run on the system's (manual) clock, so each one happens when the test
// moves time and the test waits for it to be recorded.
#include <future>
#include <latch>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::SupervisorConfig;

class ComponentHealthChecks : public ComponentTest {
 protected:
  ComponentSpec moody(const std::string& name, const std::string& config) {
    auto s = spec(name, "moody").with_config(config);
    s.health.interval = 1s;
    s.health.timeout = 100ms;  // wall clock: it bounds a hung health call
    s.health.failures = 3;
    s.limits.fuel_per_message = 0;  // the hung call is stopped by its timeout
    return s;
  }

  // Moves time to the next check and waits until check number `n` is done.
  bool next_check(const std::string& name, std::uint64_t n) {
    clock_->advance(1s);
    auto s = status(name);
    return s->wait_until([&](ComponentState, std::uint64_t) { return s->health_checks() >= n; },
                         kWait);
  }
};

TEST_P(ComponentHealthChecks, AGuestTurningUnhealthyIsRestartedFresh) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {moody("m", "unhealthy-after:2")});
  const auto a = *registry_.lookup("m");
  EXPECT_EQ(status("m")->health(), ComponentHealth::healthy);
  EXPECT_EQ(ask(a, "work"), "1/1");
  EXPECT_EQ(ask(a, "work"), "2/1");
  const auto first = status("m")->health_checks();
  for (std::uint64_t k = 1; k <= 3; ++k) ASSERT_TRUE(next_check("m", first + k)) << k;

  auto exited = events_->await(Kind::child_exited, "m");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->reason.detail().rfind("health_failed: 3 failed checks in a row", 0), 0u)
      << exited->reason.detail();
  ASSERT_TRUE(status("m")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(a, "work"), "1/1");  // a fresh instance at the same address
}

TEST_P(ComponentHealthChecks, AHungHealthCallIsAFailureAndASuccessResetsTheCount) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {moody("m", "")});
  const auto a = *registry_.lookup("m");
  const auto first = status("m")->health_checks();
  EXPECT_EQ(ask(a, "mode:3"), "ok");  // the next health call never returns
  ASSERT_TRUE(next_check("m", first + 1));
  EXPECT_EQ(status("m")->health(), ComponentHealth::unhealthy);
  EXPECT_EQ(status("m")->health_failures(), 1u);
  ASSERT_TRUE(next_check("m", first + 2));
  EXPECT_EQ(status("m")->health_failures(), 2u);

  EXPECT_EQ(ask(a, "mode:0"), "ok");  // still answering: a failed check is not a crash
  ASSERT_TRUE(next_check("m", first + 3));
  EXPECT_EQ(status("m")->health(), ComponentHealth::healthy);
  EXPECT_EQ(status("m")->health_failures(), 0u);
  EXPECT_EQ(status("m")->instances(), 1u);
}

TEST_P(ComponentHealthChecks, AHealthCallStoppedDeepInRecursionLeavesTheStackLimitWhole) {
  // Shared with the callback, which may still run when the test body ends
  // (a check is counted before its callback runs).
  struct Seen {
    std::mutex mutex;
    std::string why;
  };
  auto seen = std::make_shared<Seen>();
  auto s = moody("m", "");
  s.limits.stack_limit = 200;
  s.on_health_change = [seen](const std::string&, ComponentHealth, ComponentHealth,
                              const std::string& failure) {
    std::lock_guard lock(seen->mutex);
    seen->why = failure;
  };
  supervise("root", immediate(SupervisorConfig::one_for_one()), {s});
  const auto a = *registry_.lookup("m");
  const auto first = status("m")->health_checks();
  EXPECT_EQ(ask(a, "mode:4"), "ok");  // the next health call recurses without end
  ASSERT_TRUE(next_check("m", first + 1));
  EXPECT_EQ(status("m")->health(), ComponentHealth::unhealthy);
  // The check was stopped 200 calls deep, with no exits run; the calls
  // after it get the whole limit again.
  EXPECT_EQ(ask(a, "mode:0"), "ok");
  {
    // Answered after the check's turn, so its health-change callback ran.
    std::lock_guard lock(seen->mutex);
    EXPECT_NE(seen->why.find("stack_overflow"), std::string::npos) << seen->why;
  }
  EXPECT_EQ(ask(a, "recurse:150"), "150");
  ASSERT_TRUE(next_check("m", first + 2));
  EXPECT_EQ(status("m")->health(), ComponentHealth::healthy);
  EXPECT_EQ(status("m")->instances(), 1u);
}

TEST_P(ComponentHealthChecks, DegradedIsReportedNotActedOn) {
  struct Seen {
    std::mutex mutex;
    std::vector<std::string> changes;
  };
  auto seen = std::make_shared<Seen>();  // outlives the test body, as the callback may
  auto s = moody("m", "");
  s.on_health_change = [seen](const std::string&, ComponentHealth, ComponentHealth now,
                              const std::string&) {
    std::lock_guard lock(seen->mutex);
    seen->changes.push_back(to_string(now));
  };
  const auto root = supervise("root", immediate(SupervisorConfig::one_for_one()), {s});
  const auto first = status("m")->health_checks();
  EXPECT_EQ(ask("m", "mode:1"), "ok");
  for (std::uint64_t k = 1; k <= 4; ++k) ASSERT_TRUE(next_check("m", first + k));
  EXPECT_EQ(status("m")->health(), ComponentHealth::degraded);
  auto handle = supervisor::SupervisorRef(system_, root).handle("m");
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(handle->health, "degraded");  // the supervision tree shows it too
  EXPECT_EQ(status("m")->state(), ComponentState::ready);
  EXPECT_EQ(status("m")->instances(), 1u);
  std::lock_guard lock(seen->mutex);
  EXPECT_EQ(seen->changes, (std::vector<std::string>{"healthy", "degraded"}));
}

TEST_P(ComponentHealthChecks, MessagesWaitUntilTheFirstCheckPasses) {
  auto s = moody("m", "ready-after:3");
  ASSERT_TRUE(spawner_.spawn_component(s).ok());
  auto st = status("m");
  ASSERT_TRUE(st->wait_until(
      [&](ComponentState, std::uint64_t) { return st->health_checks() >= 1; }, kWait));
  EXPECT_EQ(st->state(), ComponentState::starting);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me_.send(st->address(), bytes("work")).ok());
  ASSERT_TRUE(next_check("m", 2));
  EXPECT_EQ(me_.queued(), 0u);  // still not Ready: nothing answered yet
  ASSERT_TRUE(next_check("m", 3));
  std::vector<std::string> answers;
  for (int i = 0; i < 3; ++i) {
    auto m = me_.receive_as<rt::Bytes>(kWait);
    ASSERT_TRUE(m.ok());
    answers.push_back(text(*m));
  }
  EXPECT_EQ(answers, (std::vector<std::string>{"1/1", "2/1", "3/1"}));
  EXPECT_EQ(st->state(), ComponentState::ready);
}

TEST_P(ComponentHealthChecks, ChecksKeepTheirRateWhenOneRunsLate) {
  ASSERT_TRUE(spawner_.spawn_component(moody("m", "")).ok());
  auto st = status("m");
  auto checks_reach = [&](std::uint64_t n) {
    return st->wait_until([&](ComponentState, std::uint64_t) { return st->health_checks() >= n; },
                          kWait);
  };
  ASSERT_TRUE(checks_reach(1));  // no initial delay: the first runs at once
  // The check due 1 s after start runs half an interval late; the next is
  // still due 2 s after start (plus at most one grid step, 50 ms), not an
  // interval after the late one.
  clock_->advance(1500ms);
  ASSERT_TRUE(checks_reach(2));
  clock_->advance(550ms);
  EXPECT_TRUE(checks_reach(3)) << "the schedule slipped by the late check";
}

TEST_P(ComponentHealthChecks, NeverReadyFailsByTheStartupTimeout) {
  auto s = moody("m", "ready-after:1000");
  s.startup_timeout = 5s;  // on the manual clock
  auto config = immediate(SupervisorConfig::one_for_one());
  auto sup = supervisors_.spec("root", config, {s});
  ASSERT_TRUE(sup.ok());
  auto started = std::async(std::launch::async,
                            [&] { return supervisor::start_supervisor(system_, std::move(*sup)); });
  auto st = status("m");
  ASSERT_TRUE(st->wait_until(
      [&](ComponentState, std::uint64_t) { return st->health_checks() >= 1; }, kWait));
  const auto a = st->address();
  ASSERT_TRUE(me_.send(a, bytes("work")).ok());
  for (int i = 0; i < 5; ++i) clock_->advance(1s);
  auto result = started.get();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("startup_timeout"), std::string::npos)
      << result.error().message;
  // The message that waited is not lost: it is a dead letter, with an event.
  EXPECT_TRUE(rt_events_->await_dead_letter(a, rt::DeadLetterReason::queued_at_exit) ||
              rt_events_->await_dead_letter(a, rt::DeadLetterReason::no_such_actor));
}

TEST_P(ComponentHealthChecks, HealthFailuresBeyondTheIntensityEscalate) {
  auto s = moody("m", "healthy-checks:1");
  s.health.failures = 1;
  ASSERT_TRUE(supervise_nested({s}));

  auto st = status("m");
  // Each instance passes its first check and fails its second.
  ASSERT_TRUE(next_check("m", 2));
  ASSERT_TRUE(st->wait_for(ComponentState::ready, 2, kWait));
  ASSERT_TRUE(next_check("m", 4));
  ASSERT_TRUE(events_->await(Kind::restart_limit_exceeded, "m"));
  ASSERT_TRUE(events_->await(Kind::escalated, ""));
  ASSERT_TRUE(events_->await(Kind::child_restarted, "inner"));
  ASSERT_TRUE(st->wait_for(ComponentState::ready, 3, kWait));
}

struct Hold {
  std::shared_ptr<std::latch> entered;
  std::shared_ptr<std::latch> release;
};

// Stuck detection: with one worker held busy, each check is queued ahead of
// fresh messages, so it finds a backlog; backlogs at every check for
// stuck_after fail the component.
TEST_P(ComponentHealthChecks, AMailboxThatDoesNotDrainIsUnhealthy) {
  auto clock = std::make_shared<rt::ManualClock>();
  rt::ActorSystemConfig config;
  config.workers = 1;
  config.clock = clock;
  rt::ActorSystem system(config);
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);

  auto s = spec("slow", "echo");  // no health export: stuck detection alone
  s.health.interval = 1s;
  s.health.stuck_after = 2s;
  s.health.failures = 1;
  auto a = spawner.spawn_component(s);
  ASSERT_TRUE(a.ok());
  auto st = registry.status("slow");
  ASSERT_TRUE(me.request<rt::Bytes>(*a, bytes("up"), kWait).ok());
  ASSERT_TRUE(st->wait_until(
      [&](ComponentState, std::uint64_t) { return st->health_checks() >= 1; }, kWait));
  auto gate = *system.spawn(rt::Behavior{[](rt::ActorContext&, const Hold& h) {
    h.entered->count_down();
    h.release->wait();
  }});
  const auto ref = me.monitor(*a);
  for (std::uint64_t check = 2; check <= 4; ++check) {
    auto entered = std::make_shared<std::latch>(1);
    auto release = std::make_shared<std::latch>(1);
    ASSERT_TRUE(system.send(gate, Hold{entered, release}).ok());
    entered->wait();     // the only worker is busy
    clock->advance(1s);  // the check is queued first ...
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(me.send(*a, bytes("x")).ok());  // ... then a backlog
    release->count_down();
    ASSERT_TRUE(st->wait_until(
        [&](ComponentState, std::uint64_t) { return st->health_checks() >= check; }, kWait))
        << check;
    if (check < 4) {
      EXPECT_EQ(st->health(), ComponentHealth::healthy) << check;
    }
  }
  auto down = me.await_down(ref, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_NE(down->reason.detail().find("mailbox has not drained for 2000 ms (3 waiting)"),
            std::string::npos)
      << down->reason.detail();
}

INSTANTIATE_TEST_SUITE_P(Engines, ComponentHealthChecks, ::testing::ValuesIn(engines()),
                         engine_name);

}  // namespace
}  // namespace airssys::wasm::test
