// Links, monitors, trap_exit, exit(), handler failures, dead letters, names
// and shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "event_recorder.hpp"

namespace airssys::rt {
namespace {

using namespace std::chrono_literals;

struct ExitWith {
  ExitReason reason;
};
struct LinkTo {
  Address other;
};
struct Ping {};

// Ends with the reason it is told, links on request, forwards trapped exits
// and downs to `observer`, and answers Ping.
class Probe final : public Actor {
 public:
  Probe(Address observer, bool trap) : observer_(observer), trap_(trap) {}
  void on_start(ActorContext& ctx) override { ctx.set_trap_exit(trap_); }
  bool on_message(ActorContext& ctx, Message& m) override {
    if (m.is<ExitWith>()) {
      const ExitReason& r = m.as<ExitWith>().reason;
      if (r.kind() == ExitKind::error) throw std::runtime_error(r.detail());
      ctx.stop(r);
    } else if (m.is<LinkTo>()) {
      ctx.link(m.as<LinkTo>().other);
      (void)ctx.reply(true);
    } else if (m.is<ExitMessage>()) {
      (void)ctx.send(observer_, m.as<ExitMessage>());
    } else if (m.is<Ping>()) {
      (void)ctx.reply(true);
    } else {
      return false;
    }
    return true;
  }

 private:
  Address observer_;
  bool trap_;
};

struct Fixture {
  std::shared_ptr<testing::EventRecorder> events = std::make_shared<testing::EventRecorder>();
  ActorSystem system{{.workers = 2, .events = events}};
  ScopedActor me{system};

  Address probe(bool trap) { return *system.spawn(std::make_unique<Probe>(me.address(), trap)); }
  void link(Address a, Address b) { ASSERT_TRUE(me.request<bool>(a, LinkTo{b}, 10s).ok()); }
};

ExitReason error_reason() {
  return ExitReason::error("boom");
}

class LinkMatrix : public ::testing::TestWithParam<ExitReason> {};

TEST_P(LinkMatrix, NonTrappingLinkedActorFollowsAbnormalExits) {
  Fixture f;
  const Address dying = f.probe(false);
  const Address linked = f.probe(false);
  f.link(linked, dying);
  const MonitorRef watch_linked = f.me.monitor(linked);
  const MonitorRef watch_dying = f.me.monitor(dying);
  ASSERT_TRUE(f.me.send(dying, ExitWith{GetParam()}).ok());
  auto dead = f.me.await_down(watch_dying, 10s);
  ASSERT_TRUE(dead.ok());
  const ExitReason expected = GetParam();
  EXPECT_EQ(dead->reason, expected);
  if (expected.kind() == ExitKind::normal) {
    // Survives: it still answers, and no Down arrives before that answer.
    EXPECT_TRUE(f.me.request<bool>(linked, Ping{}, 10s).ok());
    EXPECT_TRUE(f.system.is_alive(linked));
  } else {
    auto down = f.me.await_down(watch_linked, 10s);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down->reason, expected);
  }
}

TEST_P(LinkMatrix, TrappingLinkedActorReceivesTheExitAsAMessage) {
  Fixture f;
  const Address dying = f.probe(false);
  const Address trapper = f.probe(true);
  f.link(trapper, dying);
  ASSERT_TRUE(f.me.send(dying, ExitWith{GetParam()}).ok());
  auto exit = f.me.receive_as<ExitMessage>(10s);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->from, dying);
  EXPECT_EQ(exit->reason, GetParam());
  EXPECT_TRUE(exit->from_link);
  EXPECT_TRUE(f.me.request<bool>(trapper, Ping{}, 10s).ok());
}

INSTANTIATE_TEST_SUITE_P(Reasons, LinkMatrix,
                         ::testing::Values(ExitReason::normal(), ExitReason::shutdown(),
                                           ExitReason::shutdown("done"), error_reason()),
                         [](const ::testing::TestParamInfo<ExitReason>& info) {
                           std::string name = to_string(info.param.kind());
                           if (!info.param.detail().empty()) name += "_" + info.param.detail();
                           return name;
                         });

TEST(Exits, KillIsUntrappableAndPropagatesAsKilled) {
  Fixture f;
  const Address trapper = f.probe(true);
  const Address linked = f.probe(false);
  f.link(linked, trapper);
  const MonitorRef watch = f.me.monitor(trapper);
  const MonitorRef watch_linked = f.me.monitor(linked);
  ASSERT_TRUE(f.system.exit(trapper, ExitReason::kill()).ok());
  EXPECT_EQ(f.me.await_down(watch, 10s)->reason, ExitReason::killed());
  // `killed` (unlike the kill signal) is an ordinary abnormal reason.
  EXPECT_EQ(f.me.await_down(watch_linked, 10s)->reason, ExitReason::killed());
}

TEST(Exits, ExitNormalIsIgnoredUnlessTrapped) {
  Fixture f;
  const Address plain = f.probe(false);
  const Address trapper = f.probe(true);
  ASSERT_TRUE(f.system.exit(plain, ExitReason::normal()).ok());
  ASSERT_TRUE(f.system.exit(trapper, ExitReason::normal()).ok());
  auto exit = f.me.receive_as<ExitMessage>(10s);
  ASSERT_TRUE(exit.ok());
  EXPECT_FALSE(exit->from_link);
  EXPECT_EQ(exit->reason, ExitReason::normal());
  EXPECT_TRUE(f.me.request<bool>(plain, Ping{}, 10s).ok());
  // exit(shutdown) ends a non-trapping actor.
  const MonitorRef watch = f.me.monitor(plain);
  ASSERT_TRUE(f.system.exit(plain, ExitReason::shutdown()).ok());
  EXPECT_EQ(f.me.await_down(watch, 10s)->reason, ExitReason::shutdown());
}

TEST(Exits, MonitorAndLinkOfADeadAddressAnswerNoproc) {
  Fixture f;
  const Address gone = f.probe(false);
  const MonitorRef first = f.me.monitor(gone);
  ASSERT_TRUE(f.me.send(gone, ExitWith{ExitReason::normal()}).ok());
  ASSERT_TRUE(f.me.await_down(first, 10s).ok());
  const MonitorRef late = f.me.monitor(gone);
  EXPECT_EQ(f.me.await_down(late, 10s)->reason, ExitReason::noproc());
  const Address trapper = f.probe(true);
  f.link(trapper, gone);
  auto exit = f.me.receive_as<ExitMessage>(10s);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->reason, ExitReason::noproc());
  EXPECT_EQ(exit->from, gone);
}

struct Watch {
  Address target;
};
struct Unwatch {};
struct Unlink {
  Address other;
};

TEST(Exits, DemonitorAndUnlinkStopNotifications) {
  Fixture f;
  const Address target = f.probe(false);
  // A watcher that monitors, then demonitors, then reports anything it gets.
  auto watcher = *f.system.spawn(Behavior{
      [](ActorContext& ctx, const Watch& w) {
        const MonitorRef ref = ctx.monitor(w.target);
        ctx.demonitor(ref);
        ctx.link(w.target);
        ctx.unlink(w.target);
        (void)ctx.reply(true);
      },
      [obs = f.me.address()](ActorContext& ctx, const DownMessage& d) { (void)ctx.send(obs, d); },
      [obs = f.me.address()](ActorContext& ctx, const Ping&) { (void)ctx.send(obs, Ping{}); }});
  ASSERT_TRUE(f.me.request<bool>(watcher, Watch{target}, 10s).ok());
  const MonitorRef mine = f.me.monitor(target);
  ASSERT_TRUE(f.me.send(target, ExitWith{error_reason()}).ok());
  ASSERT_TRUE(f.me.await_down(mine, 10s).ok());
  // The watcher is alive (the unlinked error did not reach it) and reports
  // Ping without any DownMessage ahead of it.
  ASSERT_TRUE(f.me.send(watcher, Ping{}).ok());
  auto next =
      f.me.receive_if([](const Message& m) { return m.is<Ping>() || m.is<DownMessage>(); }, 10s);
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->is<Ping>());
}

TEST(Exits, LinkChainsPropagateTheSameReason) {
  Fixture f;
  const Address a = f.probe(false), b = f.probe(false), c = f.probe(false);
  f.link(a, b);
  f.link(b, c);
  const MonitorRef wa = f.me.monitor(a), wb = f.me.monitor(b);
  ASSERT_TRUE(f.me.send(c, ExitWith{error_reason()}).ok());
  EXPECT_EQ(f.me.await_down(wb, 10s)->reason, error_reason());
  EXPECT_EQ(f.me.await_down(wa, 10s)->reason, error_reason());
}

struct FailsInStart final : Actor {
  void on_start(ActorContext&) override { throw std::runtime_error("no start"); }
  bool on_message(ActorContext&, Message&) override { return false; }
};
struct SpawnFailing {};

TEST(Exits, SpawnMonitorSeesTheRealReasonOfAnEarlyFailure) {
  Fixture f;
  auto parent = *f.system.spawn(Behavior{
      [](ActorContext& ctx, const SpawnFailing&) {
        (void)ctx.spawn_monitor(std::make_unique<FailsInStart>());
        (void)ctx.reply(true);
      },
      [obs = f.me.address()](ActorContext& ctx, const DownMessage& d) { (void)ctx.send(obs, d); }});
  ASSERT_TRUE(f.me.request<bool>(parent, SpawnFailing{}, 10s).ok());
  auto down = f.me.receive_as<DownMessage>(10s);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::error("no start"));
}

TEST(Failures, AThrowingHandlerEndsOnlyItsActorAndDeadLettersTheMessage) {
  Fixture f;
  const Address victim = f.probe(false);
  const Address bystander = f.probe(false);
  const MonitorRef watch = f.me.monitor(victim);
  ASSERT_TRUE(f.me.send(victim, ExitWith{error_reason()}).ok());
  auto down = f.me.await_down(watch, 10s);
  EXPECT_EQ(down->reason, error_reason());
  EXPECT_TRUE(f.events->wait_for([&](const auto& events) {
    for (const auto& e : events) {
      if (e.kind == EventKind::dead_letter &&
          e.dead_letter.reason == DeadLetterReason::crashed_in_handler && e.actor == victim) {
        return true;
      }
    }
    return false;
  }));
  EXPECT_TRUE(f.me.request<bool>(bystander, Ping{}, 10s).ok());
}

TEST(Failures, StoppingAbnormallyFromAHandlerFailsItsRequestAndDeadLettersIt) {
  Fixture f;
  auto stopper = f.system.spawn(Behavior{
      [](ActorContext& ctx, const std::string&) { ctx.stop(ExitReason::error("refused")); }});
  ASSERT_TRUE(stopper.ok());
  auto failed = f.me.request<std::string>(*stopper, std::string("fail"), 10s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::actor_exited);
  EXPECT_TRUE(f.events->wait_for([&](const auto& events) {
    for (const auto& e : events) {
      if (e.kind == EventKind::dead_letter && e.actor == *stopper &&
          e.dead_letter.reason == DeadLetterReason::crashed_in_handler) {
        return true;
      }
    }
    return false;
  }));

  // A normal stop after replying: the message was handled, nothing is lost.
  auto polite = f.system.spawn(Behavior{[](ActorContext& ctx, const std::string&) {
    (void)ctx.reply(std::string("bye"));
    ctx.stop();
  }});
  ASSERT_TRUE(polite.ok());
  const MonitorRef watch = f.me.monitor(*polite);
  auto bye = f.me.request<std::string>(*polite, std::string("done"), 10s);
  ASSERT_TRUE(bye.ok());
  EXPECT_EQ(*bye, "bye");
  ASSERT_TRUE(f.me.await_down(watch, 10s).ok());
  for (const auto& e : f.events->events()) {
    EXPECT_FALSE(e.kind == EventKind::dead_letter && e.actor == *polite);
  }
}

TEST(DeadLetters, SendsToDeadAddressesFailVisiblyAndAreReported) {
  Fixture f;
  const Address gone = f.probe(false);
  const MonitorRef watch = f.me.monitor(gone);
  ASSERT_TRUE(f.me.send(gone, ExitWith{ExitReason::normal()}).ok());
  ASSERT_TRUE(f.me.await_down(watch, 10s).ok());
  const auto before = f.system.stats().dead_letters;
  auto sent = f.system.send(gone, Ping{});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::no_such_actor);
  EXPECT_EQ(f.system.stats().dead_letters, before + 1);
  EXPECT_TRUE(f.events->wait_for([&](const auto& events) {
    for (const auto& e : events) {
      if (e.kind == EventKind::dead_letter && e.actor == gone &&
          e.dead_letter.reason == DeadLetterReason::no_such_actor &&
          e.dead_letter.type == type_id<Ping>()) {
        return true;
      }
    }
    return false;
  }));
  // Unhandled messages are dead letters too.
  const Address alive = f.probe(false);
  ASSERT_TRUE(f.system.send(alive, 42).ok());
  EXPECT_TRUE(f.events->wait_for([&](const auto& events) {
    for (const auto& e : events) {
      if (e.kind == EventKind::dead_letter && e.actor == alive &&
          e.dead_letter.reason == DeadLetterReason::unhandled) {
        return true;
      }
    }
    return false;
  }));
}

TEST(Addresses, AStaleAddressNeverReachesTheSlotsNextActor) {
  ActorSystem system({.workers = 1});
  ScopedActor me(system);
  auto first = *system.spawn(std::make_unique<Probe>(me.address(), false));
  const MonitorRef watch = me.monitor(first);
  ASSERT_TRUE(system.exit(first, ExitReason::kill()).ok());
  ASSERT_TRUE(me.await_down(watch, 10s).ok());
  // Spawn until the slot is reused.
  Address reused;
  for (int i = 0; i < 1000 && !reused; ++i) {
    auto a = *system.spawn(std::make_unique<Probe>(me.address(), false));
    if (a.index() == first.index()) reused = a;
  }
  ASSERT_TRUE(reused) << "slot not reused";
  EXPECT_NE(reused.generation(), first.generation());
  EXPECT_FALSE(system.is_alive(first));
  EXPECT_FALSE(system.send(first, Ping{}).ok());
  EXPECT_TRUE(system.is_alive(reused));
  EXPECT_EQ(Address::from_value(reused.value()), reused);
  EXPECT_FALSE(Address::none());
}

TEST(Names, RegisterWhereisUnregisterAndRelease) {
  Fixture f;
  const Address a = f.probe(false);
  ASSERT_TRUE(f.system.register_name("alpha", a).ok());
  EXPECT_EQ(f.system.whereis("alpha"), a);
  auto dup = f.system.register_name("alpha", f.probe(false));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::name_taken);
  EXPECT_TRUE(f.me.request<bool>(a, Ping{}, 10s).ok());
  ASSERT_TRUE(f.me.send(a, Ping{}).ok());
  ASSERT_TRUE(f.system.send("alpha", Ping{}).ok());
  ASSERT_TRUE(f.system.unregister_name("alpha").ok());
  EXPECT_FALSE(f.system.whereis("alpha"));
  EXPECT_EQ(f.system.send("alpha", Ping{}).error().code, ErrorCode::name_not_found);

  // Released with its actor, before the DownMessage arrives.
  auto named = *f.system.spawn(std::make_unique<Probe>(f.me.address(), false), {.name = "beta"});
  EXPECT_EQ(f.system.whereis("beta"), named);
  const MonitorRef watch = f.me.monitor(named);
  ASSERT_TRUE(f.me.send(named, ExitWith{ExitReason::normal()}).ok());
  ASSERT_TRUE(f.me.await_down(watch, 10s).ok());
  EXPECT_FALSE(f.system.whereis("beta"));
  EXPECT_TRUE(f.system.register_name("beta", f.probe(false)).ok());
  // A name taken at spawn fails the spawn.
  auto clash = f.system.spawn(std::make_unique<Probe>(f.me.address(), false), {.name = "beta"});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::name_taken);
}

TEST(Names, ConcurrentRegistrationOfOneNameHasExactlyOneWinner) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  for (int round = 0; round < 50; ++round) {
    std::vector<Address> candidates;
    for (int i = 0; i < 8; ++i) {
      candidates.push_back(*system.spawn(std::make_unique<Probe>(me.address(), false)));
    }
    std::atomic<int> winners{0};
    std::latch start(8);
    std::vector<std::thread> threads;
    const std::string name = "contested-" + std::to_string(round);
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        if (system.register_name(name, candidates[i]).ok()) winners.fetch_add(1);
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
    auto owner = system.whereis(name);
    ASSERT_TRUE(owner);
    EXPECT_NE(std::find(candidates.begin(), candidates.end(), *owner), candidates.end());
  }
}

TEST(Names, RegistrationRacingWithExitNeverLeavesAStaleName) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  for (int round = 0; round < 200; ++round) {
    auto a = *system.spawn(std::make_unique<Probe>(me.address(), false));
    const MonitorRef watch = me.monitor(a);
    const std::string name = "racer-" + std::to_string(round);
    std::thread killer([&] { (void)system.exit(a, ExitReason::kill()); });
    (void)system.register_name(name, a);
    killer.join();
    ASSERT_TRUE(me.await_down(watch, 10s).ok());
    EXPECT_FALSE(system.whereis(name)) << "name outlived its actor in round " << round;
  }
}

struct Block {
  std::shared_ptr<std::latch> entered;
  std::shared_ptr<std::latch> release;
};

TEST(Shutdown, StopsEveryActorRunsStopHooksAndReportsQueuedMessages) {
  auto events = std::make_shared<testing::EventRecorder>();
  auto system = std::make_unique<ActorSystem>(ActorSystemConfig{.workers = 2, .events = events});
  auto stop_hooks = std::make_shared<std::atomic<int>>(0);
  auto entered = std::make_shared<std::latch>(1);
  auto release = std::make_shared<std::latch>(1);
  auto blocker = *system->spawn(Behavior{[](ActorContext&, const Block& b) {
                                  b.entered->count_down();
                                  b.release->wait();
                                }}.on_stop([stop_hooks](ActorContext&, const ExitReason& r) {
    if (r.kind() == ExitKind::shutdown) stop_hooks->fetch_add(1);
  }));
  // Stop hooks run for actors that started (as terminate/2 only runs after
  // init/1), so wait until all ten have.
  auto started = std::make_shared<std::latch>(10);
  for (int i = 0; i < 10; ++i) {
    Behavior idle{[](ActorContext&, const Ping&) {}};
    idle.on_start([started](ActorContext&) { started->count_down(); });
    idle.on_stop([stop_hooks](ActorContext&, const ExitReason& r) {
      if (r.kind() == ExitKind::shutdown) stop_hooks->fetch_add(1);
    });
    ASSERT_TRUE(system->spawn(std::move(idle)).ok());
  }
  started->wait();
  ASSERT_TRUE(system->send(blocker, Block{entered, release}).ok());
  entered->wait();
  // Queued behind the blocked handler: they can only become dead letters.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(system->send(blocker, Ping{}).ok());
  std::thread releaser([&] {
    // Let the handler finish once shutdown has begun (it is waiting for it).
    events->wait_for([](const auto& evs) {
      for (const auto& e : evs) {
        if (e.kind == EventKind::actor_exited) return true;
      }
      return false;
    });
    release->count_down();
  });
  const ShutdownReport report = system->shutdown();
  releaser.join();
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.actors_stopped, 11u);
  EXPECT_EQ(report.undelivered, 5u);
  EXPECT_EQ(stop_hooks->load(), 11);
  EXPECT_EQ(events->count_dead_letters(DeadLetterReason::queued_at_exit), 5u);
  auto late = system->spawn(Behavior{[](ActorContext&, const Ping&) {}});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::system_stopping);
  EXPECT_EQ(system->send(blocker, Ping{}).error().code, ErrorCode::no_such_actor);
  EXPECT_EQ(system->shutdown().actors_stopped, 11u);  // idempotent
  system.reset();
}

TEST(Shutdown, PendingTimersBecomeDeadLetters) {
  auto clock = std::make_shared<ManualClock>();
  auto events = std::make_shared<testing::EventRecorder>();
  ActorSystem system({.workers = 1, .clock = clock, .events = events});
  auto target = *system.spawn(Behavior{[](ActorContext&, const Ping&) {}});
  system.send_after(1h, target, Ping{});
  const ShutdownReport report = system.shutdown();
  EXPECT_EQ(report.undelivered, 1u);
  EXPECT_EQ(events->count_dead_letters(DeadLetterReason::pending_at_shutdown), 1u);
}

TEST(Shutdown, DestroyingASystemWithBusyActorsDoesNotHang) {
  for (int i = 0; i < 20; ++i) {
    ActorSystem system({.workers = 2});
    std::vector<Address> actors;
    for (int j = 0; j < 50; ++j) {
      actors.push_back(*system.spawn(Behavior{[](ActorContext& ctx, const Ping&) {
        (void)ctx.send(ctx.self(), Ping{});  // keeps itself busy for ever
      }}));
      (void)system.send(actors.back(), Ping{});
    }
  }
}

}  // namespace
}  // namespace airssys::rt
