// Links, monitors, trap_exit and exit signals, with Erlang's semantics.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "test_support.hpp"

namespace airssys::rt {
namespace {

using test::kWait;
using test::SameReason;

// How a test makes an actor exit.
enum class How { stop_normal, stop_shutdown, stop_error, throw_error, killed };

struct Die {
  How how = How::stop_normal;
};
struct LinkTo {
  Address other;
};
struct UnlinkFrom {
  Address other;
};
struct MonitorOf {
  Address other;
};
struct Ref {
  MonitorRef ref = 0;
};
struct DemonitorRef {
  MonitorRef ref = 0;
};
struct ExitTarget {
  Address target;
  ExitReason reason;
};
struct SetTrap {
  bool on = false;
};
struct Ping {};
struct Mark {
  int n = 0;
};
// What an actor reports to the observer about the signals it received.
struct Trapped {
  Address by;
  ExitMessage exit;
};
struct Seen {
  Address by;
  DownMessage down;
};

// A native actor doing what the test tells it, reporting trapped exits and
// DownMessages to `observer`.
class Probe final : public Actor {
 public:
  Probe(Address observer, bool trap) : observer_(observer), trap_(trap) {}

  void on_start(ActorContext& ctx) override { ctx.set_trap_exit(trap_); }

  bool on_message(ActorContext& ctx, Message& msg) override {
    if (msg.is<Die>()) {
      switch (msg.as<Die>().how) {
        case How::stop_normal: ctx.stop(); break;
        case How::stop_shutdown: ctx.stop(ExitReason::shutdown()); break;
        case How::stop_error: ctx.stop(ExitReason::error("boom")); break;
        case How::throw_error: throw std::runtime_error("boom");
        case How::killed: (void)ctx.exit(ctx.self(), ExitReason::kill()); break;
      }
    } else if (msg.is<LinkTo>()) {
      ctx.link(msg.as<LinkTo>().other);
      (void)ctx.reply(true);
    } else if (msg.is<UnlinkFrom>()) {
      ctx.unlink(msg.as<UnlinkFrom>().other);
      (void)ctx.reply(true);
    } else if (msg.is<MonitorOf>()) {
      (void)ctx.reply(Ref{ctx.monitor(msg.as<MonitorOf>().other)});
    } else if (msg.is<DemonitorRef>()) {
      ctx.demonitor(msg.as<DemonitorRef>().ref);
      (void)ctx.reply(true);
    } else if (msg.is<ExitTarget>()) {
      const auto& e = msg.as<ExitTarget>();
      (void)ctx.reply(ctx.exit(e.target, e.reason).ok());
    } else if (msg.is<SetTrap>()) {
      ctx.set_trap_exit(msg.as<SetTrap>().on);
      (void)ctx.reply(ctx.trap_exit());
    } else if (msg.is<ExitMessage>()) {
      (void)ctx.send(observer_, Trapped{ctx.self(), msg.as<ExitMessage>()});
    } else if (msg.is<DownMessage>()) {
      (void)ctx.send(observer_, Seen{ctx.self(), msg.as<DownMessage>()});
    } else if (msg.is<Ping>()) {
      (void)ctx.reply(true);
    } else if (msg.is<Mark>()) {
      (void)ctx.send(observer_, msg.as<Mark>());
    } else {
      return false;
    }
    return true;
  }

 private:
  Address observer_;
  bool trap_;
};

// The same for a Behavior spawned with SpawnOptions::trap_exit.
Behavior TrappingBehavior(Address observer) {
  return Behavior{[](ActorContext& ctx, const LinkTo& l) {
                    ctx.link(l.other);
                    (void)ctx.reply(true);
                  },
                  [](ActorContext& ctx, const UnlinkFrom& u) {
                    ctx.unlink(u.other);
                    (void)ctx.reply(true);
                  },
                  [observer](ActorContext& ctx, const ExitMessage& e) {
                    (void)ctx.send(observer, Trapped{ctx.self(), e});
                  },
                  [](ActorContext& ctx, const Ping&) { (void)ctx.reply(true); },
                  [observer](ActorContext& ctx, const Mark& m) { (void)ctx.send(observer, m); }};
}

class LinksAndMonitors : public ::testing::Test {
 protected:
  Address SpawnProbe(bool trap) {
    return *system.spawn(std::make_unique<Probe>(me.address(), trap));
  }
  Address SpawnTrappingBehavior() {
    return *system.spawn(TrappingBehavior(me.address()), test::TrapExit());
  }
  // `from` links itself to `to` (and has done so when this returns).
  void Link(Address from, Address to) {
    ASSERT_TRUE(me.request<bool>(from, LinkTo{to}, kWait).ok());
  }
  void MakeExit(Address a, How how) {
    if (how == How::killed) {
      ASSERT_TRUE(system.exit(a, ExitReason::kill()).ok());
    } else {
      ASSERT_TRUE(me.send(a, Die{how}).ok());
    }
  }
  // `a` is alive and was never ended by a signal meant to be ignored: it
  // answers, and when it is then killed (a trapping actor would take a
  // shutdown signal as a message) its monitor reports that, not an earlier
  // reason.
  void ExpectSurvived(Address a, MonitorRef watch) {
    EXPECT_TRUE(me.request<bool>(a, Ping{}, kWait).ok()) << "it does not answer any more";
    ASSERT_TRUE(system.exit(a, ExitReason::kill()).ok()) << "it had exited";
    auto down = me.await_down(watch, kWait);
    ASSERT_TRUE(down.ok());
    EXPECT_TRUE(SameReason(down->reason, ExitReason::killed()));
  }
  // The next Trapped or Mark report, whichever comes first.
  MessagePtr NextReport() {
    return me.receive_if([](const Message& m) { return m.is<Trapped>() || m.is<Mark>(); }, kWait);
  }

  std::shared_ptr<test::EventLog> events = std::make_shared<test::EventLog>();
  ActorSystem system{{.workers = 2, .events = events}};
  ScopedActor me{system};
};

// --- the exit-reason matrix ---------------------------------------------------------

struct ExitCase {
  const char* name;
  How how;
  ExitReason expected;
};

void PrintTo(const ExitCase& c, std::ostream* os) {
  *os << c.name;
}

class LinkPropagation : public LinksAndMonitors, public ::testing::WithParamInterface<ExitCase> {};

TEST_P(LinkPropagation, ANonTrappingLinkedActorExitsWithTheSameReasonUnlessNormal) {
  const ExitCase& c = GetParam();
  const Address dying = SpawnProbe(false);
  const Address linked = SpawnProbe(false);
  Link(linked, dying);
  const MonitorRef watch_dying = me.monitor(dying);
  const MonitorRef watch_linked = me.monitor(linked);
  MakeExit(dying, c.how);

  auto down = me.await_down(watch_dying, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(SameReason(down->reason, c.expected));
  if (c.expected.kind() == ExitKind::normal) {
    ExpectSurvived(linked, watch_linked);
  } else {
    auto linked_down = me.await_down(watch_linked, kWait);
    ASSERT_TRUE(linked_down.ok()) << "the linked actor survived";
    EXPECT_TRUE(SameReason(linked_down->reason, c.expected));
  }
}

TEST_P(LinkPropagation, ATrappingLinkedActorGetsAnExitMessageAndSurvives) {
  const ExitCase& c = GetParam();
  const Address dying = SpawnProbe(false);
  const Address trapper = SpawnTrappingBehavior();
  Link(trapper, dying);
  me.link(dying);  // a ScopedActor traps exits too
  const MonitorRef watch_trapper = me.monitor(trapper);
  MakeExit(dying, c.how);

  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok()) << "the trapping actor got no ExitMessage";
  EXPECT_EQ(trapped->by, trapper);
  EXPECT_EQ(trapped->exit.from, dying);
  EXPECT_TRUE(SameReason(trapped->exit.reason, c.expected));
  EXPECT_TRUE(trapped->exit.from_link);
  EXPECT_FALSE(trapped->exit.address_kept);

  auto own = me.receive_as<ExitMessage>(kWait);
  ASSERT_TRUE(own.ok()) << "the linked ScopedActor got no ExitMessage";
  EXPECT_EQ(own->from, dying);
  EXPECT_TRUE(SameReason(own->reason, c.expected));
  EXPECT_TRUE(own->from_link);

  ExpectSurvived(trapper, watch_trapper);
}

TEST_P(LinkPropagation, ASpawnLinkedParentFollowsItsChild) {
  const ExitCase& c = GetParam();
  struct SpawnChild {};
  const Address observer = me.address();
  const Address parent = *system.spawn(Behavior{
      [observer](ActorContext& ctx, const SpawnChild&) {
        auto child = ctx.spawn(std::make_unique<Probe>(observer, false), test::LinkToSpawner());
        (void)ctx.reply(child.value_or(Address::none()));
      },
      [](ActorContext& ctx, const Ping&) { (void)ctx.reply(true); }});
  auto child = me.request<Address>(parent, SpawnChild{}, kWait);
  ASSERT_TRUE(child.ok() && *child) << "spawn with link failed";
  const MonitorRef watch_parent = me.monitor(parent);
  const MonitorRef watch_child = me.monitor(*child);
  MakeExit(*child, c.how);

  auto down = me.await_down(watch_child, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(SameReason(down->reason, c.expected));
  if (c.expected.kind() == ExitKind::normal) {
    ExpectSurvived(parent, watch_parent);
  } else {
    auto parent_down = me.await_down(watch_parent, kWait);
    ASSERT_TRUE(parent_down.ok()) << "the parent survived";
    EXPECT_TRUE(SameReason(parent_down->reason, c.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, LinkPropagation,
    ::testing::Values(ExitCase{"normal", How::stop_normal, ExitReason::normal()},
                      ExitCase{"shutdown", How::stop_shutdown, ExitReason::shutdown()},
                      ExitCase{"error", How::stop_error, ExitReason::error("boom")},
                      ExitCase{"thrown_error", How::throw_error, ExitReason::error("boom")},
                      ExitCase{"killed", How::killed, ExitReason::killed()}),
    [](const ::testing::TestParamInfo<ExitCase>& info) { return std::string(info.param.name); });

// --- exit signals -------------------------------------------------------------------

using ExitSignal = LinksAndMonitors;

TEST_F(ExitSignal, KillEndsEvenATrappingActorAndLinkedActorsSeeKilled) {
  const Address target = SpawnProbe(true);
  const Address trapper = SpawnTrappingBehavior();
  const Address plain = SpawnProbe(false);
  Link(trapper, target);
  Link(plain, target);
  const MonitorRef watch_target = me.monitor(target);
  const MonitorRef watch_plain = me.monitor(plain);
  ASSERT_TRUE(system.exit(target, ExitReason::kill()).ok());

  auto down = me.await_down(watch_target, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::killed()) << down->reason.to_string();
  EXPECT_EQ(down->actor, target);
  // `killed`, unlike the `kill` signal, is an ordinary abnormal reason.
  auto plain_down = me.await_down(watch_plain, kWait);
  ASSERT_TRUE(plain_down.ok());
  EXPECT_EQ(plain_down->reason, ExitReason::killed()) << plain_down->reason.to_string();
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->exit.from, target);
  EXPECT_EQ(trapped->exit.reason, ExitReason::killed()) << trapped->exit.reason.to_string();
}

TEST_F(ExitSignal, KillOvertakesQueuedMessagesAndRunsNoStopHook) {
  struct Hold {};
  struct Count {};
  auto entered = std::make_shared<test::Counter>();
  auto gate = std::make_shared<test::Gate>();
  auto counted = std::make_shared<test::Counter>();
  auto stopped = std::make_shared<test::Counter>();
  Behavior behavior{[entered, gate](ActorContext&, const Hold&) {
                      entered->add();
                      (void)gate->wait();
                    },
                    [counted](ActorContext&, const Count&) { counted->add(); }};
  behavior.on_stop([stopped](ActorContext&, const ExitReason&) { stopped->add(); });
  const Address target = *system.spawn(std::move(behavior));
  const MonitorRef watch = me.monitor(target);
  ASSERT_TRUE(system.send(target, Hold{}).ok());
  ASSERT_TRUE(entered->wait_for_at_least(1));
  constexpr int kQueued = 100;
  for (int i = 0; i < kQueued; ++i) ASSERT_TRUE(system.send(target, Count{}).ok());
  ASSERT_TRUE(system.exit(target, ExitReason::kill()).ok());
  gate->open();

  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::killed()) << down->reason.to_string();
  EXPECT_EQ(counted->value(), 0) << "messages queued before the kill were handled";
  EXPECT_EQ(stopped->value(), 0) << "a killed actor ran its stop hook";
  EXPECT_TRUE(
      events->wait_count(test::DeadLetterTo(target, DeadLetterReason::queued_at_exit), kQueued));
}

TEST_F(ExitSignal, ExitNormalIsIgnoredByANonTrappingActor) {
  const Address plain = SpawnProbe(false);
  const MonitorRef watch = me.monitor(plain);
  ASSERT_TRUE(system.exit(plain, ExitReason::normal()).ok());
  ExpectSurvived(plain, watch);
}

TEST_F(ExitSignal, ExitNormalReachesATrappingActorAsAMessage) {
  const Address trapper = SpawnProbe(true);
  const MonitorRef watch = me.monitor(trapper);
  ASSERT_TRUE(system.exit(trapper, ExitReason::normal()).ok());
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->by, trapper);
  EXPECT_EQ(trapped->exit.reason, ExitReason::normal()) << trapped->exit.reason.to_string();
  EXPECT_FALSE(trapped->exit.from_link);
  EXPECT_FALSE(trapped->exit.from) << "exit() from outside any actor has no sender";
  ExpectSurvived(trapper, watch);
}

TEST_F(ExitSignal, ExitFromAnActorNamesItAsTheSender) {
  const Address sender = SpawnProbe(false);
  const Address trapper = SpawnProbe(true);
  const MonitorRef watch = me.monitor(trapper);
  auto sent = me.request<bool>(sender, ExitTarget{trapper, ExitReason::error("go away")}, kWait);
  ASSERT_TRUE(sent.ok() && *sent);
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->exit.from, sender);
  EXPECT_TRUE(SameReason(trapped->exit.reason, ExitReason::error("go away")));
  EXPECT_FALSE(trapped->exit.from_link);
  ExpectSurvived(trapper, watch);
}

TEST_F(ExitSignal, AnAbnormalExitSignalEndsANonTrappingActorWithItsReason) {
  for (const ExitReason& reason : {ExitReason::shutdown("asked"), ExitReason::error("told to")}) {
    const Address plain = SpawnProbe(false);
    const MonitorRef watch = me.monitor(plain);
    ASSERT_TRUE(system.exit(plain, reason).ok());
    auto down = me.await_down(watch, kWait);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down->reason, reason) << down->reason.to_string();
  }
}

TEST_F(ExitSignal, AnExitSignalToADeadAddressFailsNoSuchActor) {
  const Address gone = SpawnProbe(false);
  const MonitorRef watch = me.monitor(gone);
  MakeExit(gone, How::stop_normal);
  ASSERT_TRUE(me.await_down(watch, kWait).ok());
  EXPECT_TRUE(test::FailsWith(system.exit(gone, ExitReason::shutdown()), ErrorCode::no_such_actor));
  EXPECT_TRUE(test::FailsWith(system.exit(gone, ExitReason::kill()), ErrorCode::no_such_actor));
}

// --- monitors -------------------------------------------------------------------------

using Monitor = LinksAndMonitors;

TEST_F(Monitor, EachMonitorGetsADownWithItsRefTheActorAndTheReason) {
  const Address target = SpawnProbe(false);
  const MonitorRef first = me.monitor(target);
  const MonitorRef second = me.monitor(target);
  EXPECT_NE(first, second);
  MakeExit(target, How::stop_error);
  for (MonitorRef ref : {second, first}) {
    auto down = me.await_down(ref, kWait);
    ASSERT_TRUE(down.ok()) << "no DownMessage for ref " << ref;
    EXPECT_EQ(down->ref, ref);
    EXPECT_EQ(down->actor, target);
    EXPECT_TRUE(SameReason(down->reason, ExitReason::error("boom")));
  }
}

TEST_F(Monitor, AnActorsMonitorDeliversADownMessageToIt) {
  const Address watcher = SpawnProbe(false);
  const Address target = SpawnProbe(false);
  auto ref = me.request<Ref>(watcher, MonitorOf{target}, kWait);
  ASSERT_TRUE(ref.ok());
  MakeExit(target, How::stop_shutdown);
  auto seen = me.receive_as<Seen>(kWait);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->by, watcher);
  EXPECT_EQ(seen->down.ref, ref->ref);
  EXPECT_EQ(seen->down.actor, target);
  EXPECT_EQ(seen->down.reason, ExitReason::shutdown()) << seen->down.reason.to_string();
}

TEST_F(Monitor, MonitoringADeadAddressGivesADownWithNoproc) {
  const Address gone = SpawnProbe(false);
  const MonitorRef watch = me.monitor(gone);
  MakeExit(gone, How::stop_normal);
  ASSERT_TRUE(me.await_down(watch, kWait).ok());

  const MonitorRef late = me.monitor(gone);
  auto down = me.await_down(late, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::noproc()) << down->reason.to_string();
  EXPECT_EQ(down->actor, gone);

  const Address watcher = SpawnProbe(false);
  auto ref = me.request<Ref>(watcher, MonitorOf{gone}, kWait);
  ASSERT_TRUE(ref.ok());
  auto seen = me.receive_as<Seen>(kWait);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->down.ref, ref->ref);
  EXPECT_EQ(seen->down.actor, gone);
  EXPECT_EQ(seen->down.reason, ExitReason::noproc()) << seen->down.reason.to_string();
}

TEST_F(Monitor, DemonitorDropsTheDownMessage) {
  const Address watcher = SpawnProbe(false);
  const Address target = SpawnProbe(false);
  auto dropped = me.request<Ref>(watcher, MonitorOf{target}, kWait);
  auto kept = me.request<Ref>(watcher, MonitorOf{target}, kWait);
  ASSERT_TRUE(dropped.ok() && kept.ok());
  ASSERT_TRUE(me.request<bool>(watcher, DemonitorRef{dropped->ref}, kWait).ok());
  MakeExit(target, How::stop_error);

  // The kept monitor fires; the dropped one must not have fired before it
  // nor before a marker sent through the watcher afterwards.
  auto seen = me.receive_as<Seen>(kWait);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->down.ref, kept->ref);
  ASSERT_TRUE(me.send(watcher, Mark{1}).ok());
  MessagePtr next =
      me.receive_if([](const Message& m) { return m.is<Seen>() || m.is<Mark>(); }, kWait);
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->is<Mark>()) << "a DownMessage arrived for a demonitored ref";
}

TEST_F(Monitor, AMonitorIsOneWay) {
  const Address watcher = SpawnProbe(false);
  const Address target = SpawnProbe(false);
  const MonitorRef watch_target = me.monitor(target);
  const MonitorRef watch_watcher = me.monitor(watcher);
  ASSERT_TRUE(me.request<Ref>(watcher, MonitorOf{target}, kWait).ok());
  MakeExit(watcher, How::stop_error);
  ASSERT_TRUE(me.await_down(watch_watcher, kWait).ok());
  ExpectSurvived(target, watch_target);
}

// --- links ----------------------------------------------------------------------------

using Linking = LinksAndMonitors;

TEST_F(Linking, LinkingToADeadAddressGivesATrappingActorNoproc) {
  const Address gone = SpawnProbe(false);
  const MonitorRef watch = me.monitor(gone);
  MakeExit(gone, How::stop_normal);
  ASSERT_TRUE(me.await_down(watch, kWait).ok());

  const Address trapper = SpawnTrappingBehavior();
  const MonitorRef watch_trapper = me.monitor(trapper);
  Link(trapper, gone);
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->exit.from, gone);
  EXPECT_EQ(trapped->exit.reason, ExitReason::noproc()) << trapped->exit.reason.to_string();
  ExpectSurvived(trapper, watch_trapper);

  // The ScopedActor's link gets the same answer.
  me.link(gone);
  auto own = me.receive_as<ExitMessage>(kWait);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->from, gone);
  EXPECT_EQ(own->reason, ExitReason::noproc()) << own->reason.to_string();
}

TEST_F(Linking, LinkingToADeadAddressEndsANonTrappingActorWithNoproc) {
  const Address gone = SpawnProbe(false);
  const MonitorRef watch = me.monitor(gone);
  MakeExit(gone, How::stop_normal);
  ASSERT_TRUE(me.await_down(watch, kWait).ok());

  const Address plain = SpawnProbe(false);
  const MonitorRef watch_plain = me.monitor(plain);
  Link(plain, gone);
  auto down = me.await_down(watch_plain, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::noproc()) << down->reason.to_string();
}

TEST_F(Linking, LinksWorkInBothDirections) {
  const Address caller = SpawnProbe(false);
  const Address callee = SpawnProbe(false);
  Link(caller, callee);
  const MonitorRef watch_callee = me.monitor(callee);
  MakeExit(caller, How::stop_error);  // the side that called link() fails
  auto down = me.await_down(watch_callee, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(SameReason(down->reason, ExitReason::error("boom")));
}

TEST_F(Linking, UnlinkStopsPropagationToANonTrappingActor) {
  const Address plain = SpawnProbe(false);
  const Address target = SpawnProbe(false);
  Link(plain, target);
  ASSERT_TRUE(me.request<bool>(plain, UnlinkFrom{target}, kWait).ok());
  const MonitorRef watch_plain = me.monitor(plain);
  const MonitorRef watch_target = me.monitor(target);
  MakeExit(target, How::stop_error);
  ASSERT_TRUE(me.await_down(watch_target, kWait).ok());
  ExpectSurvived(plain, watch_plain);
}

TEST_F(Linking, UnlinkStopsExitMessagesToATrappingActor) {
  const Address trapper = SpawnTrappingBehavior();
  const Address target = SpawnProbe(false);
  Link(trapper, target);
  ASSERT_TRUE(me.request<bool>(trapper, UnlinkFrom{target}, kWait).ok());
  const MonitorRef watch_target = me.monitor(target);
  MakeExit(target, How::stop_error);
  ASSERT_TRUE(me.await_down(watch_target, kWait).ok());
  ASSERT_TRUE(me.send(trapper, Mark{1}).ok());
  MessagePtr next = NextReport();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->is<Mark>()) << "an exit signal came through a removed link";
}

TEST_F(Linking, AChainOfLinksPropagatesTheSameReason) {
  const Address a = SpawnProbe(false);
  const Address b = SpawnProbe(false);
  const Address c = SpawnProbe(false);
  Link(a, b);
  Link(b, c);
  const MonitorRef watch_a = me.monitor(a);
  const MonitorRef watch_b = me.monitor(b);
  const MonitorRef watch_c = me.monitor(c);
  ASSERT_TRUE(me.send(c, Die{How::throw_error}).ok());
  for (MonitorRef watch : {watch_c, watch_b, watch_a}) {
    auto down = me.await_down(watch, kWait);
    ASSERT_TRUE(down.ok());
    EXPECT_TRUE(SameReason(down->reason, ExitReason::error("boom")));
  }
}

// Fails before it handles anything.
class FailsInStart final : public Actor {
 public:
  void on_start(ActorContext&) override { throw std::runtime_error("cannot start"); }
  bool on_message(ActorContext&, Message&) override { return false; }
};

struct SpawnFailing {};
struct Spawned {
  Address child;
  MonitorRef ref = 0;
};

TEST_F(Linking, SpawnMonitorSeesTheRealReasonOfAChildFailingInOnStart) {
  const Address observer = me.address();
  const Address parent =
      *system.spawn(Behavior{[](ActorContext& ctx, const SpawnFailing&) {
                               auto spawned = ctx.spawn_monitor(std::make_unique<FailsInStart>());
                               if (spawned.ok()) {
                                 (void)ctx.reply(Spawned{spawned->first, spawned->second});
                               } else {
                                 (void)ctx.reply(Spawned{});
                               }
                             },
                             [observer](ActorContext& ctx, const DownMessage& d) {
                               (void)ctx.send(observer, Seen{ctx.self(), d});
                             }});
  auto spawned = me.request<Spawned>(parent, SpawnFailing{}, kWait);
  ASSERT_TRUE(spawned.ok() && spawned->child) << "spawn_monitor failed";
  auto seen = me.receive_as<Seen>(kWait);
  ASSERT_TRUE(seen.ok()) << "the parent's monitor never fired";
  EXPECT_EQ(seen->down.ref, spawned->ref);
  EXPECT_EQ(seen->down.actor, spawned->child);
  EXPECT_TRUE(SameReason(seen->down.reason, ExitReason::error("cannot start")))
      << "the monitor saw noproc instead of the real reason";
}

TEST_F(Linking, SpawnLinkSeesAChildFailingInOnStart) {
  const Address observer = me.address();
  const Address parent = *system.spawn(
      Behavior{[](ActorContext& ctx, const SpawnFailing&) {
                 auto child = ctx.spawn(std::make_unique<FailsInStart>(), test::LinkToSpawner());
                 (void)ctx.reply(Spawned{child.value_or(Address::none()), 0});
               },
               [observer](ActorContext& ctx, const ExitMessage& e) {
                 (void)ctx.send(observer, Trapped{ctx.self(), e});
               }},
      test::TrapExit());
  auto spawned = me.request<Spawned>(parent, SpawnFailing{}, kWait);
  ASSERT_TRUE(spawned.ok() && spawned->child);
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->exit.from, spawned->child);
  EXPECT_TRUE(SameReason(trapped->exit.reason, ExitReason::error("cannot start")));
  EXPECT_TRUE(trapped->exit.from_link);
}

TEST_F(Linking, AScopedActorGoingOutOfScopeExitsNormally) {
  const Address trapper = SpawnTrappingBehavior();
  const Address plain = SpawnProbe(false);
  const MonitorRef watch_plain = me.monitor(plain);
  Address scoped_address;
  MonitorRef watch_scoped = 0;
  {
    ScopedActor scoped(system);
    scoped_address = scoped.address();
    watch_scoped = me.monitor(scoped_address);
    scoped.link(trapper);
    scoped.link(plain);
    // Both links are in place once each side has answered a later request.
    ASSERT_TRUE(scoped.request<bool>(trapper, Ping{}, kWait).ok());
    ASSERT_TRUE(scoped.request<bool>(plain, Ping{}, kWait).ok());
  }
  auto down = me.await_down(watch_scoped, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::normal()) << down->reason.to_string();
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok());
  EXPECT_EQ(trapped->exit.from, scoped_address);
  EXPECT_EQ(trapped->exit.reason, ExitReason::normal()) << trapped->exit.reason.to_string();
  ExpectSurvived(plain, watch_plain);
}

TEST_F(Linking, TrapExitCanBeSwitchedWhileRunning) {
  const Address actor = SpawnProbe(false);
  const MonitorRef watch = me.monitor(actor);
  auto on = me.request<bool>(actor, SetTrap{true}, kWait);
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(*on);
  const Address first = SpawnProbe(false);
  Link(actor, first);
  MakeExit(first, How::stop_error);
  auto trapped = me.receive_as<Trapped>(kWait);
  ASSERT_TRUE(trapped.ok()) << "trap_exit switched on did not trap";
  EXPECT_EQ(trapped->exit.from, first);

  auto off = me.request<bool>(actor, SetTrap{false}, kWait);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(*off);
  const Address second = SpawnProbe(false);
  Link(actor, second);
  MakeExit(second, How::stop_error);
  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(SameReason(down->reason, ExitReason::error("boom")));
}

}  // namespace
}  // namespace airssys::rt
