// Timers: send_after and cancel_timer, from outside and from inside actors.
// Time is a ManualClock; "did not fire" is proved by order: a marker sent
// after advance() arrives before anything the timer would have delivered.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "test_support.hpp"

namespace airssys::rt {
namespace {

using namespace std::chrono_literals;
using test::kWait;

struct Mark {
  int n = 0;
};

class Timer : public ::testing::Test {
 protected:
  // The n of the next Mark `me` receives (-1 if none arrives).
  int NextMark() {
    auto m = me.receive_as<Mark>(kWait);
    return m.ok() ? m->n : -1;
  }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<test::EventLog> events = std::make_shared<test::EventLog>();
  ActorSystem system{{.workers = 2, .clock = clock, .events = events}};
  ScopedActor me{system};
};

TEST_F(Timer, SendAfterFiresOnlyOnceTheDelayHasPassed) {
  const TimerId id = system.send_after(10s, me.address(), Mark{1});
  EXPECT_NE(id, TimerId{0});
  clock->advance(9s);
  // Whatever the timer delivered during advance() would be queued first.
  ASSERT_TRUE(system.send(me.address(), Mark{0}).ok());
  EXPECT_EQ(NextMark(), 0) << "the timer fired before its delay";
  EXPECT_EQ(me.queued(), 0u);
  clock->advance(1s);
  EXPECT_EQ(NextMark(), 1);
}

TEST_F(Timer, TimersFireOneByOneInDeadlineOrder) {
  system.send_after(3s, me.address(), Mark{3});
  system.send_after(1s, me.address(), Mark{1});
  system.send_after(2s, me.address(), Mark{2});
  for (int step = 1; step <= 3; ++step) {
    clock->advance(1s);
    ASSERT_TRUE(system.send(me.address(), Mark{100 + step}).ok());
    EXPECT_EQ(NextMark(), step) << "after " << step << "s";
    EXPECT_EQ(NextMark(), 100 + step) << "a later timer fired early";
  }
}

TEST_F(Timer, TimerIdsAreDistinctAndNeverZero) {
  std::set<TimerId> ids;
  for (int i = 0; i < 100; ++i) {
    const TimerId id = system.send_after(1h, me.address(), Mark{i});
    EXPECT_NE(id, TimerId{0});
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST_F(Timer, ACancelledTimerNeverFires) {
  const TimerId cancelled = system.send_after(5s, me.address(), Mark{1});
  const TimerId kept = system.send_after(5s, me.address(), Mark{2});
  EXPECT_TRUE(system.cancel_timer(cancelled));
  EXPECT_FALSE(system.cancel_timer(cancelled)) << "cancelled twice";
  clock->advance(6s);
  ASSERT_TRUE(system.send(me.address(), Mark{3}).ok());
  EXPECT_EQ(NextMark(), 2);
  EXPECT_EQ(NextMark(), 3) << "the cancelled timer fired";
  EXPECT_EQ(me.queued(), 0u);
  EXPECT_FALSE(system.cancel_timer(kept)) << "a timer that fired was still cancellable";
}

TEST_F(Timer, CancellingAnUnknownTimerReturnsFalse) {
  EXPECT_FALSE(system.cancel_timer(TimerId{0}));
  EXPECT_FALSE(system.cancel_timer(TimerId{987'654'321}));
}

TEST_F(Timer, TheIdOfACancelledTimerDoesNotCancelTheTimerArmedAfterIt) {
  const TimerId old_id = system.send_after(5s, me.address(), Mark{1});
  ASSERT_TRUE(system.cancel_timer(old_id));
  // The next timer may reuse the cancelled one's storage; the old id must
  // not name it.
  const TimerId new_id = system.send_after(5s, me.address(), Mark{2});
  EXPECT_NE(new_id, old_id);
  EXPECT_FALSE(system.cancel_timer(old_id));
  clock->advance(5s);
  EXPECT_EQ(NextMark(), 2) << "the stale id cancelled its successor";
  EXPECT_FALSE(system.cancel_timer(new_id)) << "a timer that fired was still cancellable";
}

TEST_F(Timer, TimersWithTheSameDeadlineFireInTheOrderTheyWereSet) {
  const TimerId first = system.send_after(2s, me.address(), Mark{0});
  ASSERT_TRUE(system.cancel_timer(first));  // frees storage for a later one
  for (int i = 1; i <= 50; ++i) system.send_after(2s, me.address(), Mark{i});
  clock->advance(2s);
  for (int i = 1; i <= 50; ++i) EXPECT_EQ(NextMark(), i);
}

TEST_F(Timer, SendAtFiresAtItsInstantAndAPastInstantAtOnce) {
  const auto start = clock->now();
  system.send_at(start + 3s, me.address(), Mark{1});
  clock->advance(2s);
  ASSERT_TRUE(system.send(me.address(), Mark{0}).ok());
  EXPECT_EQ(NextMark(), 0) << "the timer fired before its instant";
  clock->advance(1s);
  EXPECT_EQ(NextMark(), 1);
  system.send_at(start, me.address(), Mark{2});
  EXPECT_EQ(NextMark(), 2) << "an instant already past did not fire at once";
}

TEST_F(Timer, TimersForOneInstantArmedBetweenOthersKeepTheirOrder) {
  // Timers for the same instant armed in a row share one entry; armed with
  // others between them they do not, and must still fire in arming order.
  const auto at = clock->now() + 2s;
  for (int i = 0; i < 6; ++i) {
    system.send_at(at, me.address(), Mark{i});
    system.send_at(at + 1s, me.address(), Mark{100 + i});
  }
  clock->advance(2s);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(NextMark(), i);
  ASSERT_TRUE(system.send(me.address(), Mark{-5}).ok());
  EXPECT_EQ(NextMark(), -5) << "a later timer fired early";
  clock->advance(1s);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(NextMark(), 100 + i);
}

TEST_F(Timer, AnInstantWhoseTimersWereAllCancelledDeliversNothing) {
  const auto at = clock->now() + 1s;
  std::vector<TimerId> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(system.send_at(at, me.address(), Mark{i}));
  system.send_at(at + 1s, me.address(), Mark{1000});
  for (TimerId id : ids) EXPECT_TRUE(system.cancel_timer(id));
  clock->advance(1s);
  ASSERT_TRUE(system.send(me.address(), Mark{-1}).ok());
  EXPECT_EQ(NextMark(), -1) << "a cancelled timer fired";
  clock->advance(1s);
  EXPECT_EQ(NextMark(), 1000);
  EXPECT_EQ(me.queued(), 0u);
}

struct Arm {
  Duration delay;
  int n = 0;
};
struct Disarm {};
struct Armed {
  TimerId id = 0;
};
struct Disarmed {
  bool cancelled = false;
};

// Sets a timer to itself on Arm, cancels it on Disarm, and forwards every
// Mark it gets (from the timer or from the test) to `observer`.
Behavior SelfTimer(Address observer) {
  auto pending = std::make_shared<TimerId>(0);
  return Behavior{[pending](ActorContext& ctx, const Arm& a) {
                    *pending = ctx.send_after(a.delay, ctx.self(), Mark{a.n});
                    (void)ctx.reply(Armed{*pending});
                  },
                  [pending](ActorContext& ctx, const Disarm&) {
                    (void)ctx.reply(Disarmed{ctx.cancel_timer(*pending)});
                  },
                  [observer](ActorContext& ctx, const Mark& m) { (void)ctx.send(observer, m); }};
}

TEST_F(Timer, AnActorsOwnTimerFiresAfterTheDelay) {
  const Address actor = *system.spawn(SelfTimer(me.address()));
  auto armed = me.request<Armed>(actor, Arm{5s, 1}, kWait);
  ASSERT_TRUE(armed.ok()) << test::Describe(armed);
  EXPECT_NE(armed->id, TimerId{0});
  clock->advance(4s);
  // Probe through the actor: a fired timer's Mark would be ahead of it.
  ASSERT_TRUE(me.send(actor, Mark{0}).ok());
  EXPECT_EQ(NextMark(), 0) << "the timer fired before its delay";
  clock->advance(1s);
  EXPECT_EQ(NextMark(), 1);
}

TEST_F(Timer, AnActorCanCancelItsTimer) {
  const Address actor = *system.spawn(SelfTimer(me.address()));
  ASSERT_TRUE(me.request<Armed>(actor, Arm{5s, 1}, kWait).ok());
  auto disarmed = me.request<Disarmed>(actor, Disarm{}, kWait);
  ASSERT_TRUE(disarmed.ok()) << test::Describe(disarmed);
  EXPECT_TRUE(disarmed->cancelled);
  clock->advance(10s);
  ASSERT_TRUE(me.send(actor, Mark{0}).ok());
  EXPECT_EQ(NextMark(), 0);
  EXPECT_EQ(me.queued(), 0u) << "the cancelled timer fired";

  // Once a timer has fired it can no longer be cancelled.
  ASSERT_TRUE(me.request<Armed>(actor, Arm{1s, 2}, kWait).ok());
  clock->advance(1s);
  EXPECT_EQ(NextMark(), 2);
  auto late = me.request<Disarmed>(actor, Disarm{}, kWait);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->cancelled);
}

TEST_F(Timer, ATimerForAnExitedActorBecomesADeadLetterWhenItFires) {
  const Address gone = *system.spawn(SelfTimer(me.address()));
  const MonitorRef watch = me.monitor(gone);
  system.send_after(1s, gone, Mark{1});
  ASSERT_TRUE(system.exit(gone, ExitReason::kill()).ok());
  ASSERT_TRUE(me.await_down(watch, kWait).ok());
  EXPECT_EQ(events->count(test::DeadLetterTo(gone, DeadLetterReason::no_such_actor)), 0u);
  clock->advance(1s);
  ASSERT_TRUE(events->wait_count(test::DeadLetterTo(gone, DeadLetterReason::no_such_actor), 1));
  const auto all = events->events();
  for (const SystemEvent& e : all) {
    if (e.kind == EventKind::dead_letter && e.dead_letter.to == gone) {
      EXPECT_EQ(e.dead_letter.type, type_id<Mark>());
    }
  }
}

TEST(RealTimeTimer, FiresWithTheSteadyClockAndCancelsToo) {
  ActorSystem system({.workers = 1});
  ScopedActor me(system);
  const TimerId far = system.send_after(1h, me.address(), Mark{2});
  system.send_after(1ms, me.address(), Mark{1});
  auto m = me.receive_as<Mark>(kWait);
  ASSERT_TRUE(m.ok()) << "a 1ms timer did not fire";
  EXPECT_EQ(m->n, 1);
  EXPECT_TRUE(system.cancel_timer(far));
}

}  // namespace
}  // namespace airssys::rt
