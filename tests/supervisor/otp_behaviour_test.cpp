// OTP supervisor behaviour with native children: restart matrix, strategies,
// intensity and escalation, backoff on a manual clock, shutdown policies,
// failed starts, significant children, dynamic children, admin operations.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "airssys/supervisor/supervision_tree.hpp"
#include "supervision_fixture.hpp"

namespace airssys::supervisor {
namespace {

using namespace testing;
using rt::Address;
using rt::ExitKind;
using rt::ExitReason;

struct System {
  std::shared_ptr<rt::ManualClock> clock = std::make_shared<rt::ManualClock>();
  std::shared_ptr<EventLog> events = std::make_shared<EventLog>();
  rt::ActorSystem system{{.workers = 2, .clock = clock}};
  rt::ScopedActor me{system};

  Address start(std::string name, SupervisorConfig config, std::vector<ChildSpec> children) {
    auto sup =
        start_supervisor(system, spec_of(std::move(name), config, std::move(children), events));
    EXPECT_TRUE(sup.ok()) << sup.error().describe();
    return sup.ok() ? *sup : Address{};
  }
  Address child(Address sup, std::size_t i) {
    return (*SupervisorRef(system, sup).which_children())[i].address;
  }
  std::string next_lifecycle() {
    auto m =
        me.receive_if([](const rt::Message& x) { return x.is<Started>() || x.is<Stopped>(); }, 10s);
    if (!m) return "nothing";
    return m->is<Started>() ? "start " + m->as<Started>().id : "stop " + m->as<Stopped>().id;
  }
};

SupervisorConfig immediate(SupervisorConfig c) {
  return c.with_backoff(BackoffStrategy::immediate());
}

// --- restart type x exit reason (OTP's matrix) -------------------------------

struct MatrixCase {
  RestartPolicy policy;
  ExitReason reason;
  bool restarted;
};

class RestartMatrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(RestartMatrix, RestartsExactlyAsOtp) {
  const MatrixCase c = GetParam();
  System s;
  const Address sup = s.start("root", immediate(SupervisorConfig::one_for_one()),
                              {worker("w", s.me.address(), c.policy)});
  ASSERT_EQ(s.next_lifecycle(), "start w");
  const Address w = s.child(sup, 0);
  const rt::MonitorRef watch = s.me.monitor(w);
  if (c.reason.kind() == ExitKind::killed) {
    ASSERT_TRUE(s.system.exit(w, ExitReason::kill()).ok());
  } else if (c.reason.kind() == ExitKind::error) {
    ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  } else {
    ASSERT_TRUE(s.me.send(w, ExitWith{c.reason}).ok());
  }
  SupervisorRef ref(s.system, sup);
  if (c.restarted) {
    ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w"));
    EXPECT_EQ(*s.me.request<int>(w, Count{}, 10s), 1);  // fresh, same address
  } else {
    ASSERT_TRUE(s.events->await(SupervisionEventKind::restart_denied, "w"));
    auto children = ref.which_children();
    if (c.policy == RestartPolicy::temporary) {
      EXPECT_TRUE(children->empty());  // removed
    } else {
      ASSERT_EQ(children->size(), 1u);
      EXPECT_EQ((*children)[0].state, SupervisionState::stopped);
      EXPECT_FALSE((*children)[0].address);
    }
    // The address is released with the reason the child exited with.
    auto down = s.me.await_down(watch, 10s);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down->reason.kind(), c.reason.kind());
    if (c.reason.kind() != ExitKind::error) {
      EXPECT_EQ(down->reason, c.reason);
    }
    EXPECT_FALSE(s.system.is_alive(w));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Otp, RestartMatrix,
    ::testing::Values(MatrixCase{RestartPolicy::permanent, ExitReason::normal(), true},
                      MatrixCase{RestartPolicy::permanent, ExitReason::shutdown(), true},
                      MatrixCase{RestartPolicy::permanent, ExitReason::error("x"), true},
                      MatrixCase{RestartPolicy::permanent, ExitReason::killed(), true},
                      MatrixCase{RestartPolicy::transient, ExitReason::normal(), false},
                      MatrixCase{RestartPolicy::transient, ExitReason::shutdown("done"), false},
                      MatrixCase{RestartPolicy::transient, ExitReason::error("x"), true},
                      MatrixCase{RestartPolicy::transient, ExitReason::killed(), true},
                      MatrixCase{RestartPolicy::temporary, ExitReason::normal(), false},
                      MatrixCase{RestartPolicy::temporary, ExitReason::error("x"), false},
                      MatrixCase{RestartPolicy::temporary, ExitReason::killed(), false}),
    [](const ::testing::TestParamInfo<MatrixCase>& info) {
      return std::string(to_string(info.param.policy)) + "_" +
             rt::to_string(info.param.reason.kind()) + "_" + std::to_string(info.index);
    });

// --- strategies -----------------------------------------------------------------

TEST(Strategies, RestForOneRestartsTheFailedChildAndThoseStartedAfterIt) {
  System s;
  const Address sup = s.start("root", immediate(SupervisorConfig::rest_for_one()),
                              {worker("a", s.me.address()), worker("b", s.me.address()),
                               worker("c", s.me.address()), worker("d", s.me.address())});
  for (const char* id : {"a", "b", "c", "d"})
    ASSERT_EQ(s.next_lifecycle(), std::string("start ") + id);
  const Address a = s.child(sup, 0), b = s.child(sup, 1);
  ASSERT_EQ(*s.me.request<int>(a, Count{}, 10s), 1);
  ASSERT_TRUE(s.me.send(b, Crash{}).ok());
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) order.push_back(s.next_lifecycle());
  EXPECT_EQ(order, (std::vector<std::string>{"stop b", "stop d", "stop c", "start b", "start c",
                                             "start d"}));
  EXPECT_EQ(*s.me.request<int>(a, Count{}, 10s), 2);  // untouched
  EXPECT_EQ(*s.me.request<int>(b, Count{}, 10s), 1);  // fresh, same address
}

// --- intensity and escalation -----------------------------------------------------

TEST(Intensity, RestartsSpreadBeyondTheWindowDoNotAddUp) {
  System s;
  const Address sup = s.start(
      "root", immediate(SupervisorConfig::one_for_one().with_max_restarts(2).with_time_window(10s)),
      {worker("w", s.me.address())});
  ASSERT_EQ(s.next_lifecycle(), "start w");
  const Address w = s.child(sup, 0);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(s.me.send(w, Crash{}).ok());
    ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w", i)) << i;
    s.clock->advance(6s);  // at most two restarts in any 10 s
  }
  EXPECT_TRUE(s.system.is_alive(sup));
  // The last restart was 6 s ago: one more fits in the window, the next
  // would be the third within 10 s.
  const rt::MonitorRef watch = s.me.monitor(sup);
  ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w", 6));
  ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  auto down = s.me.await_down(watch, 10s);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::shutdown("reached_max_restart_intensity"));
}

TEST(Intensity, ZeroMaxRestartsGivesUpAtTheFirstFailure) {
  System s;
  const Address sup = s.start("root", SupervisorConfig::one_for_one().with_max_restarts(0),
                              {worker("w", s.me.address())});
  ASSERT_EQ(s.next_lifecycle(), "start w");
  const rt::MonitorRef watch = s.me.monitor(sup);
  ASSERT_TRUE(s.me.send(s.child(sup, 0), Crash{}).ok());
  EXPECT_EQ(s.me.await_down(watch, 10s)->reason,
            ExitReason::shutdown("reached_max_restart_intensity"));
  EXPECT_EQ(s.events->kinds_for("w").back(), SupervisionEventKind::child_stopped);
}

TEST(Intensity, EscalatesThroughThreeLevels) {
  System s;
  auto once = immediate(SupervisorConfig::one_for_one().with_max_restarts(1).with_time_window(1h));
  SupervisorSpec inner = spec_of("inner", once, {worker("w", s.me.address())});
  SupervisorSpec middle = spec_of("middle", once, {supervisor_child("inner", inner)});
  const Address top = s.start("top", once, {supervisor_child("middle", middle)});
  ASSERT_EQ(s.next_lifecycle(), "start w");
  const rt::MonitorRef watch_top = s.me.monitor(top);
  SupervisorRef top_ref(s.system, top);
  auto find_w = [&]() -> Address {
    const Address middle_addr = (*top_ref.which_children())[0].address;
    const Address inner_addr = (*SupervisorRef(s.system, middle_addr).which_children())[0].address;
    return (*SupervisorRef(s.system, inner_addr).which_children())[0].address;
  };
  int restarts_seen = 0;
  for (int i = 0; i < 12; ++i) {
    const Address w = find_w();
    if (!w) break;
    ASSERT_TRUE(s.me.send(w, Crash{}).ok());
    // Wait until w runs again or the top gave up.
    auto m = s.me.receive_if(
        [&](const rt::Message& x) {
          return x.is<Started>() ||
                 (x.kind == rt::MessageKind::down && x.as<rt::DownMessage>().ref == watch_top);
        },
        10s);
    ASSERT_TRUE(m);
    if (m->is<rt::DownMessage>()) {
      EXPECT_EQ(m->as<rt::DownMessage>().reason,
                ExitReason::shutdown("reached_max_restart_intensity"));
      break;
    }
    ++restarts_seen;
  }
  EXPECT_FALSE(s.system.is_alive(top));
  // Each supervisor allows one restart per incarnation: inner restarts w,
  // then middle restarts inner, then top restarts middle, each level once
  // per incarnation of its parent: w comes back exactly 7 times before the
  // eighth crash makes the top give up.
  EXPECT_EQ(restarts_seen, 7);
  EXPECT_TRUE(s.events->await(SupervisionEventKind::escalated, ""));
}

// --- backoff on a manual clock ------------------------------------------------------

TEST(Backoff, ExponentialDelaysAreWaitedOutAndMessagesAreStashed) {
  System s;
  auto config =
      SupervisorConfig::one_for_one().with_max_restarts(10).with_time_window(1h).with_backoff(
          BackoffStrategy::exponential(100ms, 2.0, 1s));
  const Address sup = s.start("root", config, {worker("w", s.me.address())});
  ASSERT_EQ(s.next_lifecycle(), "start w");
  const Address w = s.child(sup, 0);
  SupervisorRef ref(s.system, sup);
  const std::vector<rt::Duration> expected = {100ms, 200ms, 400ms, 800ms, 1s, 1s};
  for (std::size_t attempt = 0; attempt < expected.size(); ++attempt) {
    ASSERT_TRUE(s.me.send(w, Crash{}).ok());
    auto scheduled = s.events->await(SupervisionEventKind::restart_scheduled, "w",
                                     static_cast<int>(attempt) + 1);
    ASSERT_TRUE(scheduled);
    EXPECT_EQ(scheduled->delay, expected[attempt]) << "attempt " << attempt;
    EXPECT_EQ(scheduled->attempt, attempt + 1);
    EXPECT_EQ(ref.handle("w")->state, SupervisionState::scheduling_restart);
    // Sent while backing off: kept for the fresh instance.
    ASSERT_TRUE(s.me.send(w, Count{}).ok());
    s.clock->advance(expected[attempt] - 1ms);
    // The supervisor answers in order: had the timer fired, the restart
    // would be under way and the state no longer scheduling_restart.
    EXPECT_EQ(ref.handle("w")->state, SupervisionState::scheduling_restart);
    s.clock->advance(1ms);
    ASSERT_TRUE(
        s.events->await(SupervisionEventKind::child_restarted, "w", static_cast<int>(attempt) + 1));
    // The stashed Count reached the fresh instance first: it answers 2.
    EXPECT_EQ(*s.me.request<int>(w, Count{}, 10s), 2);
    (void)s.me.receive_as<int>(10s);  // the stashed Count's reply
  }
}

TEST(Backoff, AChildThatRanLongEnoughStartsFromTheFirstDelayAgain) {
  System s;
  auto config =
      SupervisorConfig::one_for_one().with_max_restarts(10).with_time_window(1s).with_backoff(
          BackoffStrategy::linear(100ms, 10s).with_reset_after(30s));
  const Address sup = s.start("root", config, {worker("w", s.me.address())});
  const Address w = s.child(sup, 0);
  for (int i = 1; i <= 2; ++i) {
    ASSERT_TRUE(s.me.send(w, Crash{}).ok());
    auto ev = s.events->await(SupervisionEventKind::restart_scheduled, "w", i);
    EXPECT_EQ(ev->delay, 100ms * i);
    s.clock->advance(ev->delay);
    ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w", i));
  }
  s.clock->advance(31s);
  ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  auto ev = s.events->await(SupervisionEventKind::restart_scheduled, "w", 3);
  EXPECT_EQ(ev->delay, 100ms);
  EXPECT_EQ(ev->attempt, 1u);
}

TEST(Backoff, StashOverflowBecomesDeadLetters) {
  System s;
  auto spec = worker("w", s.me.address()).with_stash_capacity(2);
  auto config = SupervisorConfig::one_for_one().with_backoff(BackoffStrategy::linear(1s));
  const Address sup = s.start("root", config, {spec});
  const Address w = s.child(sup, 0);
  ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  ASSERT_TRUE(s.events->await(SupervisionEventKind::restart_scheduled, "w"));
  const auto before = s.system.stats().dead_letters;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.me.send(w, Count{}).ok());
  s.clock->advance(1s);
  ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w"));
  // Two were kept and handled, three were dead letters.
  EXPECT_EQ(*s.me.request<int>(w, Count{}, 10s), 3);
  EXPECT_EQ(s.system.stats().dead_letters - before, 3u);
}

// --- shutdown policies, start failures, timeouts -------------------------------------

TEST(Shutdown, AChildIgnoringShutdownIsKilledAfterItsTimeout) {
  System s;
  ChildSpec stubborn =
      ChildSpec::permanent("stubborn", [obs = s.me.address()](const ChildStartInfo&) {
        return StartResult::start(std::make_unique<Worker>("stubborn", obs, true));
      });
  stubborn.with_shutdown_timeout(5s);
  const Address sup = s.start("root", SupervisorConfig::one_for_one(), {stubborn});
  ASSERT_EQ(s.next_lifecycle(), "start stubborn");
  const Address child = s.child(sup, 0);
  const rt::MonitorRef watch = s.me.monitor(child);
  SupervisorRef ref(s.system, sup);
  std::thread terminator([&] { EXPECT_TRUE(ref.terminate_child("stubborn").ok()); });
  ASSERT_TRUE(s.events->await(SupervisionEventKind::child_stopping, "stubborn"));
  s.clock->advance(4s);
  // Not killed yet: a killed child would be parked and could not answer.
  EXPECT_EQ(*s.me.request<int>(child, Count{}, 10s), 1);
  s.clock->advance(1s);
  terminator.join();
  EXPECT_EQ(s.me.await_down(watch, 10s)->reason, ExitReason::killed());
  EXPECT_EQ(s.events->await(SupervisionEventKind::child_stopped, "stubborn")->reason,
            ExitReason::killed());
  EXPECT_EQ(ref.handle("stubborn")->state, SupervisionState::stopped);
}

TEST(Shutdown, BrutalKillDoesNotWaitAndInfinityWaits) {
  System s;
  auto stubborn = [obs = s.me.address()](const std::string& id) {
    return ChildSpec::permanent(id, [id, obs](const ChildStartInfo&) {
      return StartResult::start(std::make_unique<Worker>(id, obs, true));
    });
  };
  ChildSpec brutal = stubborn("brutal");
  brutal.with_shutdown(ShutdownPolicy::brutal_kill());
  const Address sup = s.start("root", SupervisorConfig::one_for_one(), {brutal});
  ASSERT_EQ(s.next_lifecycle(), "start brutal");
  const rt::MonitorRef watch = s.me.monitor(s.child(sup, 0));
  // No clock advance needed: the kill is immediate.
  ASSERT_TRUE(SupervisorRef(s.system, sup).terminate_child("brutal").ok());
  EXPECT_EQ(s.me.await_down(watch, 10s)->reason, ExitReason::killed());
}

TEST(Starts, IgnoreLeavesTheChildStoppedAndFailedInitialStartFailsTheSupervisor) {
  System s;
  ChildSpec ignoring =
      ChildSpec::permanent("ignoring", [](const ChildStartInfo&) { return StartResult::ignore(); });
  const Address sup =
      s.start("root", SupervisorConfig::one_for_one(), {worker("a", s.me.address()), ignoring});
  auto children = SupervisorRef(s.system, sup).which_children();
  ASSERT_EQ(children->size(), 2u);
  EXPECT_EQ((*children)[1].state, SupervisionState::stopped);
  EXPECT_FALSE((*children)[1].address);
  ASSERT_EQ(s.next_lifecycle(), "start a");

  ChildSpec broken = ChildSpec::permanent(
      "broken", [](const ChildStartInfo&) { return StartResult::failed("no database"); });
  auto failed = start_supervisor(
      s.system, spec_of("other", SupervisorConfig::one_for_one(),
                        {worker("x", s.me.address()), worker("y", s.me.address()), broken}));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("broken"), std::string::npos);
  EXPECT_NE(failed.error().message.find("no database"), std::string::npos);
  EXPECT_EQ(s.next_lifecycle(), "start x");
  EXPECT_EQ(s.next_lifecycle(), "start y");
  EXPECT_EQ(s.next_lifecycle(), "stop y");
  EXPECT_EQ(s.next_lifecycle(), "stop x");
}

TEST(Starts, ANeverReadyChildFailsByStartupTimeoutAndCountsAsAFailure) {
  System s;
  ChildSpec slow = ChildSpec::permanent("slow", [obs = s.me.address()](const ChildStartInfo&) {
    return StartResult::start(std::make_unique<NeverReady>("slow", obs));
  });
  slow.with_startup_timeout(2s);
  std::thread starter([&] {
    auto r = start_supervisor(s.system,
                              spec_of("root", SupervisorConfig::one_for_one(), {slow}, s.events));
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("startup_timeout"), std::string::npos);
    }
  });
  ASSERT_TRUE(s.events->await(SupervisionEventKind::child_starting, "slow"));
  s.clock->advance(2s);
  starter.join();
  EXPECT_EQ(s.events->await(SupervisionEventKind::start_failed, "slow")->reason,
            ExitReason::error("startup_timeout"));
}

TEST(Starts, AChildCrashingWhileBeingRestartedIsRetriedUntilIntensityRunsOut) {
  System s;
  auto starts = std::make_shared<std::atomic<int>>(0);
  struct FailsInStart final : rt::Actor {
    void on_start(rt::ActorContext&) override { throw std::runtime_error("cannot start"); }
    bool on_message(rt::ActorContext&, rt::Message&) override { return false; }
  };
  ChildSpec flaky =
      ChildSpec::permanent("flaky", [starts, obs = s.me.address()](const ChildStartInfo&) {
        // First start works; restarts 1 and 2 fail in on_start; then it works again.
        const int n = (*starts)++;
        if (n == 1 || n == 2) return StartResult::start(std::make_unique<FailsInStart>());
        return StartResult::start(std::make_unique<Worker>("flaky", obs));
      });
  const Address sup = s.start(
      "root", immediate(SupervisorConfig::one_for_one().with_max_restarts(5).with_time_window(1h)),
      {flaky});
  ASSERT_EQ(s.next_lifecycle(), "start flaky");
  ASSERT_TRUE(s.me.send(s.child(sup, 0), Crash{}).ok());
  ASSERT_EQ(s.next_lifecycle(), "stop flaky");
  ASSERT_EQ(s.next_lifecycle(), "start flaky");
  EXPECT_EQ(starts->load(), 4);
  EXPECT_TRUE(s.events->await(SupervisionEventKind::start_failed, "flaky", 2));
  EXPECT_EQ(SupervisorRef(s.system, sup).handle("flaky")->state, SupervisionState::running);
}

// --- significant children ------------------------------------------------------------

TEST(Significant, AnySignificantShutsTheSupervisorDown) {
  System s;
  auto sig = worker("sig", s.me.address(), RestartPolicy::transient).as_significant();
  const Address sup = s.start(
      "root", SupervisorConfig::one_for_one().with_auto_shutdown(AutoShutdown::any_significant),
      {worker("other", s.me.address()), sig});
  const rt::MonitorRef watch = s.me.monitor(sup);
  ASSERT_TRUE(s.me.send(s.child(sup, 1), ExitWith{ExitReason::normal()}).ok());
  EXPECT_EQ(s.me.await_down(watch, 10s)->reason, ExitReason::shutdown("auto_shutdown"));
}

TEST(Significant, AllSignificantWaitsForTheLastOne) {
  System s;
  const Address sup = s.start(
      "root", SupervisorConfig::one_for_one().with_auto_shutdown(AutoShutdown::all_significant),
      {worker("a", s.me.address(), RestartPolicy::temporary).as_significant(),
       worker("b", s.me.address(), RestartPolicy::temporary).as_significant()});
  const Address a = s.child(sup, 0), b = s.child(sup, 1);
  const rt::MonitorRef watch = s.me.monitor(sup);
  ASSERT_TRUE(s.me.send(a, ExitWith{ExitReason::normal()}).ok());
  ASSERT_TRUE(s.events->await(SupervisionEventKind::restart_denied, "a"));
  EXPECT_TRUE(SupervisorRef(s.system, sup).which_children().ok());  // still up
  ASSERT_TRUE(s.me.send(b, ExitWith{ExitReason::normal()}).ok());
  EXPECT_EQ(s.me.await_down(watch, 10s)->reason, ExitReason::shutdown("auto_shutdown"));
}

TEST(Significant, NeverIgnoresThem) {
  System s;
  const Address sup =
      s.start("root", SupervisorConfig::one_for_one(),
              {worker("a", s.me.address(), RestartPolicy::temporary).as_significant()});
  ASSERT_TRUE(s.me.send(s.child(sup, 0), ExitWith{ExitReason::normal()}).ok());
  ASSERT_TRUE(s.events->await(SupervisionEventKind::restart_denied, "a"));
  EXPECT_TRUE(SupervisorRef(s.system, sup).which_children().ok());
  EXPECT_TRUE(s.system.is_alive(sup));
}

// --- dynamic children and admin operations ----------------------------------------------

TEST(Dynamic, TenThousandChildrenStartAndStop) {
  System s;
  struct Idle final : rt::Actor {
    bool on_message(rt::ActorContext& ctx, rt::Message& m) override {
      if (!m.is<Count>()) return false;
      (void)ctx.reply(1);
      return true;
    }
  };
  ChildSpec templ = ChildSpec::permanent(
      "dyn", [](const ChildStartInfo&) { return StartResult::start(std::make_unique<Idle>()); });
  const Address sup = s.start("pool", SupervisorConfig::simple_one_for_one(), {templ});
  SupervisorRef ref(s.system, sup);
  constexpr int kChildren = 10'000;
  std::vector<Address> kids;
  for (int i = 0; i < kChildren; ++i) {
    auto a = ref.start_child(std::any(i));
    ASSERT_TRUE(a.ok()) << a.error().describe();
    kids.push_back(*a);
  }
  auto counts = ref.count_children();
  EXPECT_EQ(counts->active, static_cast<std::size_t>(kChildren));
  EXPECT_EQ(counts->workers, static_cast<std::size_t>(kChildren));
  EXPECT_EQ(*s.me.request<int>(kids[kChildren / 2], Count{}, 10s), 1);
  for (const Address a : kids) ASSERT_TRUE(ref.terminate_child(a).ok());
  EXPECT_EQ(ref.count_children()->active, 0u);
  EXPECT_TRUE(ref.which_children()->empty());
  EXPECT_FALSE(s.system.is_alive(kids.front()));
}

TEST(Admin, TerminateRestartDeleteAndStartChildBehaveAsOtp) {
  System s;
  const Address sup =
      s.start("root", immediate(SupervisorConfig::one_for_one()), {worker("a", s.me.address())});
  ASSERT_EQ(s.next_lifecycle(), "start a");
  SupervisorRef ref(s.system, sup);
  EXPECT_EQ(ref.restart_child("a").error().code, ErrorCode::invalid_argument);  // running
  EXPECT_EQ(ref.delete_child("a").error().code, ErrorCode::invalid_argument);   // running
  EXPECT_EQ(ref.terminate_child("nope").error().code, ErrorCode::name_not_found);
  ASSERT_TRUE(ref.terminate_child("a").ok());
  ASSERT_EQ(s.next_lifecycle(), "stop a");
  EXPECT_EQ(ref.handle("a")->state, SupervisionState::stopped);
  auto again = ref.restart_child("a");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(s.next_lifecycle(), "start a");
  EXPECT_EQ(*s.me.request<int>(*again, Count{}, 10s), 1);
  ASSERT_TRUE(ref.terminate_child("a").ok());
  ASSERT_EQ(s.next_lifecycle(), "stop a");
  ASSERT_TRUE(ref.delete_child("a").ok());
  EXPECT_TRUE(ref.which_children()->empty());
  auto added = ref.start_child(worker("b", s.me.address()));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(s.next_lifecycle(), "start b");
  EXPECT_EQ(ref.start_child(worker("b", s.me.address())).error().code, ErrorCode::name_taken);
  EXPECT_EQ(ref.count_children()->active, 1u);
}

// --- validation and tree ---------------------------------------------------------------

TEST(Validation, NonsenseIsRejectedWithAClearMessage) {
  auto msg = [](SupervisorSpec spec) { return spec.validate().error().message; };
  auto noop = worker("w", Address{});
  EXPECT_NE(msg(spec_of("s", SupervisorConfig{}.with_time_window(rt::Duration::zero()), {noop}))
                .find("time_window"),
            std::string::npos);
  EXPECT_NE(msg(spec_of("s", SupervisorConfig{}.with_time_window(-1s), {noop})).find("negative"),
            std::string::npos);
  EXPECT_NE(msg(spec_of("s", SupervisorConfig{}.with_backoff(BackoffStrategy::exponential(1s, 0.5)),
                        {noop}))
                .find("factor"),
            std::string::npos);
  EXPECT_NE(
      msg(spec_of("s", SupervisorConfig{}.with_backoff(BackoffStrategy::linear(1s).with_jitter(2)),
                  {noop}))
          .find("jitter"),
      std::string::npos);
  EXPECT_NE(msg(spec_of("s", SupervisorConfig{}, {noop, noop})).find("duplicate"),
            std::string::npos);
  EXPECT_NE(msg(spec_of("s", SupervisorConfig{}, {worker("p", Address{}).as_significant()}))
                .find("significant"),
            std::string::npos);
  EXPECT_NE(
      msg(spec_of("s", SupervisorConfig::simple_one_for_one(), {noop, worker("v", Address{})}))
          .find("exactly one"),
      std::string::npos);
  EXPECT_TRUE(
      spec_of("s", SupervisorConfig{}.with_max_restarts(0).with_time_window(rt::Duration::zero()),
              {noop})
          .validate()
          .ok());
}

TEST(Tree, QueriesJsonAndPrintReflectTheRunningTree) {
  System s;
  SupervisorSpec leaf =
      spec_of("leaf", immediate(SupervisorConfig::one_for_one()), {worker("w", s.me.address())});
  SupervisorSpec mid =
      spec_of("mid", SupervisorConfig::one_for_one(), {supervisor_child("leaf", leaf)});
  auto tree = std::make_shared<SupervisionTree>();
  SupervisorSpec top = spec_of("top", immediate(SupervisorConfig::one_for_one()),
                               {supervisor_child("mid", mid)}, s.events);
  top.tree = tree;
  auto root = start_supervisor(s.system, top);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(tree->ancestors("top/mid/leaf/w"),
            (std::vector<std::string>{"top/mid/leaf", "top/mid", "top"}));
  EXPECT_EQ(tree->parent("top/mid/leaf"), "top/mid");
  EXPECT_EQ(tree->children("top/mid"), (std::vector<std::string>{"top/mid/leaf"}));
  const Address w = tree->handle("top/mid/leaf/w")->address;
  ASSERT_TRUE(s.me.send(w, Crash{}).ok());
  ASSERT_TRUE(s.events->await(SupervisionEventKind::child_restarted, "w"));
  auto json = nlohmann::json::parse(tree->to_json());
  const auto& wj = json[0]["children"][0]["children"][0]["children"][0];
  EXPECT_EQ(wj["id"], "w");
  EXPECT_EQ(wj["state"], "running");
  EXPECT_EQ(wj["restarts"], 1);
  EXPECT_EQ(wj["last_exit"], "error: crash requested");
  std::ostringstream printed;
  tree->print(printed);
  EXPECT_NE(printed.str().find("leaf [supervisor]"), std::string::npos);
  EXPECT_NE(printed.str().find("restarts=1"), std::string::npos);
  EXPECT_EQ(s.events->kinds_for("w"),
            (std::vector<SupervisionEventKind>{
                SupervisionEventKind::child_starting, SupervisionEventKind::child_started,
                SupervisionEventKind::child_exited, SupervisionEventKind::restart_scheduled,
                SupervisionEventKind::child_starting, SupervisionEventKind::child_restarted}));
}

}  // namespace
}  // namespace airssys::supervisor
