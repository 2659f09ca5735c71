// Wasm components under the supervision engine: crashes end in fresh
// instances at the same address, strategies restart the right siblings,
// limits escalate, and messages are stashed or dead-lettered, never lost.
#include <algorithm>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::RestartPolicy;
using supervisor::SupervisorConfig;

using ComponentSupervision = ComponentTest;

TEST_P(ComponentSupervision, CrashedComponentAnswersAsAFreshInstanceAtTheSameAddress) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {spec("counter", "counter")});
  const auto before = registry_.lookup("counter");
  ASSERT_TRUE(before && !before->is_none());
  EXPECT_EQ(ask("counter", "inc"), "1/1");
  EXPECT_EQ(ask("counter", "inc"), "2/1");

  ASSERT_TRUE(me_.send(*before, bytes("crash")).ok());
  ASSERT_TRUE(events_->await(Kind::child_restarted, "counter"));
  ASSERT_TRUE(status("counter")->wait_for(ComponentState::ready, 2, kWait));

  EXPECT_EQ(registry_.lookup("counter"), before);
  EXPECT_EQ(system_.whereis("counter"), before);
  // Count 0 and one init: the new instance shares nothing with the old one.
  EXPECT_EQ(ask(*before, "get"), "0/1");
  EXPECT_EQ(status("counter")->instances(), 2u);
  auto exited = events_->await(Kind::child_exited, "counter");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->reason.detail(), "trap:unreachable");
}

TEST_P(ComponentSupervision, TheMessageBeingHandledAtTheCrashIsADeadLetter) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {spec("counter", "counter")});
  const auto a = *registry_.lookup("counter");
  auto r = me_.request<rt::Bytes>(a, bytes("crash"), kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::actor_exited);
  EXPECT_TRUE(rt_events_->await_dead_letter(a, rt::DeadLetterReason::crashed_in_handler));
}

TEST_P(ComponentSupervision, MessagesSentDuringBackoffAreDeliveredAfterTheRestart) {
  auto config = SupervisorConfig::one_for_one();
  config.backoff = supervisor::BackoffStrategy::exponential(1s, 2.0, 30s);
  supervise("root", config, {spec("counter", "counter")});
  const auto a = *registry_.lookup("counter");
  EXPECT_EQ(ask(a, "inc"), "1/1");

  ASSERT_TRUE(me_.send(a, bytes("crash")).ok());
  auto scheduled = events_->await(Kind::restart_scheduled, "counter");
  ASSERT_TRUE(scheduled);
  EXPECT_EQ(scheduled->delay, rt::Duration(1s));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me_.send(a, bytes("inc")).ok());
  EXPECT_EQ(status("counter")->instances(), 1u);  // still backing off: the clock has not moved

  clock_->advance(1s);
  std::vector<std::string> answers;
  for (int i = 0; i < 3; ++i) {
    auto m = me_.receive_as<rt::Bytes>(kWait);
    ASSERT_TRUE(m.ok()) << i;
    answers.push_back(text(*m));
  }
  EXPECT_EQ(answers, (std::vector<std::string>{"1/1", "2/1", "3/1"}));
  EXPECT_EQ(status("counter")->instances(), 2u);
}

TEST_P(ComponentSupervision, OneForAllRestartsEveryWasmChild) {
  supervise("root", immediate(SupervisorConfig::one_for_all()),
            {spec("a", "counter"), spec("b", "counter"), spec("c", "counter")});
  for (const char* n : {"a", "b", "c"}) EXPECT_EQ(ask(n, "inc"), "1/1");
  ASSERT_TRUE(me_.send(*registry_.lookup("b"), bytes("crash")).ok());
  for (const char* n : {"a", "b", "c"}) {
    ASSERT_TRUE(status(n)->wait_for(ComponentState::ready, 2, kWait)) << n;
    EXPECT_EQ(ask(n, "get"), "0/1") << n;
  }
}

TEST_P(ComponentSupervision, RestForOneRestartsTheCrashedChildAndThoseAfterIt) {
  supervise("root", immediate(SupervisorConfig::rest_for_one()),
            {spec("a", "counter"), spec("b", "counter"), spec("c", "counter")});
  for (const char* n : {"a", "b", "c"}) EXPECT_EQ(ask(n, "inc"), "1/1");
  ASSERT_TRUE(me_.send(*registry_.lookup("b"), bytes("crash")).ok());
  for (const char* n : {"b", "c"}) {
    ASSERT_TRUE(status(n)->wait_for(ComponentState::ready, 2, kWait)) << n;
    EXPECT_EQ(ask(n, "get"), "0/1") << n;
  }
  EXPECT_EQ(ask("a", "get"), "1/1");
  EXPECT_EQ(status("a")->instances(), 1u);
}

TEST_P(ComponentSupervision, RestartLimitEscalatesToTheParent) {
  ASSERT_TRUE(supervise_nested({spec("crasher", "crasher")}));

  const auto a = *registry_.lookup("crasher");
  ASSERT_TRUE(me_.send(a, bytes("trap")).ok());
  ASSERT_TRUE(status("crasher")->wait_for(ComponentState::ready, 2, kWait));
  ASSERT_TRUE(me_.send(a, bytes("trap")).ok());  // second restart in the window: too many

  ASSERT_TRUE(events_->await(Kind::restart_limit_exceeded, "crasher"));
  ASSERT_TRUE(events_->await(Kind::escalated, ""));
  ASSERT_TRUE(events_->await(Kind::child_restarted, "inner"));
  // The root restarted the inner supervisor, which started a fresh crasher.
  ASSERT_TRUE(status("crasher")->wait_for(ComponentState::ready, 3, kWait));
  EXPECT_EQ(ask(*registry_.lookup("crasher"), "hello"), "ok");
}

TEST_P(ComponentSupervision, TransientNormalExitIsNotRestarted) {
  supervise("root", immediate(SupervisorConfig::one_for_one()),
            {spec("crasher", "crasher").with_restart(RestartPolicy::transient)});
  ASSERT_TRUE(me_.send(*registry_.lookup("crasher"), bytes("exit-normal")).ok());
  auto denied = events_->await(Kind::restart_denied, "crasher");
  ASSERT_TRUE(denied);
  EXPECT_EQ(status("crasher")->state(), ComponentState::terminated);
  EXPECT_EQ(status("crasher")->instances(), 1u);
}

TEST_P(ComponentSupervision, TransientAbnormalExitIsRestarted) {
  supervise("root", immediate(SupervisorConfig::one_for_one()),
            {spec("crasher", "crasher").with_restart(RestartPolicy::transient)});
  ASSERT_TRUE(me_.send(*registry_.lookup("crasher"), bytes("exit-error")).ok());
  ASSERT_TRUE(events_->await(Kind::child_restarted, "crasher"));
  ASSERT_TRUE(status("crasher")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask("crasher", "hello"), "ok");
}

TEST_P(ComponentSupervision, TemporaryIsNeverRestarted) {
  supervise("root", immediate(SupervisorConfig::one_for_one()),
            {spec("crasher", "crasher").with_restart(RestartPolicy::temporary)});
  const auto a = *registry_.lookup("crasher");
  const auto ref = me_.monitor(a);  // fires when the supervisor gives the address up
  ASSERT_TRUE(me_.send(a, bytes("trap")).ok());
  ASSERT_TRUE(events_->await(Kind::restart_denied, "crasher"));
  auto down = me_.await_down(ref, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason.detail(), "trap:unreachable");
  EXPECT_EQ(status("crasher")->state(), ComponentState::failed);
  auto r = me_.request<rt::Bytes>(a, bytes("hello"), kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::no_such_actor);
}

TEST_P(ComponentSupervision, RunawayGuestIsStoppedAndTheRestCarriesOn) {
  auto spinner = spec("spinner", "spinner");
  spinner.limits.fuel_per_message = 5'000'000;
  supervise("root", immediate(SupervisorConfig::one_for_one()), {spinner, spec("echo", "echo")});
  ASSERT_TRUE(me_.send(*registry_.lookup("spinner"), bytes("spin")).ok());
  EXPECT_EQ(ask("echo", "meanwhile"), "meanwhile");
  auto exited = events_->await(Kind::child_exited, "spinner");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->reason.detail(), "fuel_exhausted");
  ASSERT_TRUE(status("spinner")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask("spinner", "hello"), "ok");
  EXPECT_EQ(ask("echo", "after"), "after");
  EXPECT_EQ(status("echo")->instances(), 1u);
}

TEST_P(ComponentSupervision, FailedInitialInitFailsTheSupervisorStart) {
  auto s = supervisors_.spec("root", immediate(SupervisorConfig::one_for_one()),
                             {spec("crasher", "crasher").with_config("fail-init")});
  ASSERT_TRUE(s.ok());
  auto started = supervisor::start_supervisor(system_, std::move(*s));
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("init_failed: airssys_init returned 7"), std::string::npos)
      << started.error().message;
}

TEST_P(ComponentSupervision, ShutdownCallsTheGuestAndAShutdownThatSpinsIsCutOff) {
  auto polite = spec("polite", "spinner");
  auto stubborn = spec("stubborn", "spinner").with_config("spin-on-shutdown");
  stubborn.limits.fuel_per_message = 0;
  stubborn.shutdown = supervisor::ShutdownPolicy::after(100ms);
  const auto root =
      supervise("root", immediate(SupervisorConfig::one_for_one()), {polite, stubborn});
  supervisor::SupervisorRef ref(system_, root);
  auto stopped = ref.stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
  EXPECT_EQ(stopped->kind(), rt::ExitKind::shutdown);
  EXPECT_EQ(status("polite")->state(), ComponentState::terminated);
  EXPECT_EQ(status("stubborn")->state(), ComponentState::failed);
  EXPECT_EQ(status("stubborn")->last_failure(), "shutdown_failed: deadline");
}

TEST_P(ComponentSupervision, SpawnSupervisedComponentJoinsARunningSupervisor) {
  const auto root = supervise("root", immediate(SupervisorConfig::one_for_one()), {});
  supervisor::SupervisorRef ref(system_, root);
  auto a = spawner_.spawn_supervised_component(ref, spec("late", "counter"));
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_EQ(ask(*a, "inc"), "1/1");
  ASSERT_TRUE(me_.send(*a, bytes("crash")).ok());
  ASSERT_TRUE(status("late")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(*a, "get"), "0/1");
  auto dup = spawner_.spawn_supervised_component(ref, spec("late", "counter"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::name_taken);
}

TEST_P(ComponentSupervision, AssemblyScriptComponentRestartsFresh) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {spec("as", "as_counter")});
  const auto a = *registry_.lookup("as");
  EXPECT_EQ(ask(a, "inc"), "1/1");
  ASSERT_TRUE(me_.send(a, bytes("crash")).ok());
  ASSERT_TRUE(status("as")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(a, "get"), "0/1");
}

// AIRSSYS_EXIT_SHUTDOWN ends a transient component the OTP way: exit
// reason shutdown, not restarted. An exit with any other nonzero code is a
// failure it is restarted after. In C (crasher) and AssemblyScript (as_job).
TEST_P(ComponentSupervision, ATransientComponentExitingWithShutdownIsNotRestarted) {
  struct Guest {
    std::string module;
    std::string shutdown;  // the message that makes it exit with shutdown
    std::string detail;    // the exit reason's text
    std::string error;     // the message that makes it exit with an error
  };
  for (const Guest& g : {Guest{"crasher", "exit-shutdown", "done", "exit-error"},
                         Guest{"as_job", "done", "job done after 0 steps", "fail"}}) {
    SCOPED_TRACE(g.module);
    const std::string ends = g.module + "-ends";
    const std::string fails = g.module + "-fails";
    supervise("sup-" + g.module, immediate(SupervisorConfig::one_for_one()),
              {spec(ends, g.module).with_restart(RestartPolicy::transient),
               spec(fails, g.module).with_restart(RestartPolicy::transient)});

    ASSERT_TRUE(me_.send(*registry_.lookup(ends), bytes(g.shutdown)).ok());
    auto exited = events_->await(Kind::child_exited, ends);
    ASSERT_TRUE(exited);
    EXPECT_EQ(exited->reason, rt::ExitReason::shutdown(g.detail)) << exited->reason.to_string();
    ASSERT_TRUE(events_->await(Kind::restart_denied, ends));
    EXPECT_EQ(status(ends)->state(), ComponentState::terminated);
    EXPECT_EQ(status(ends)->last_failure(), "");

    ASSERT_TRUE(me_.send(*registry_.lookup(fails), bytes(g.error)).ok());
    auto failed = events_->await(Kind::child_exited, fails);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->reason.kind(), rt::ExitKind::error) << failed->reason.to_string();
    ASSERT_TRUE(events_->await(Kind::child_restarted, fails));
    ASSERT_TRUE(status(fails)->wait_for(ComponentState::ready, 2, kWait));
    // The one that ended was never started again.
    EXPECT_EQ(status(ends)->instances(), 1u);
    const auto kinds = events_->kinds_for(ends);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::child_restarted), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ComponentSupervision, ::testing::ValuesIn(engines()),
                         engine_name);

}  // namespace
}  // namespace airssys::wasm::test
