// Delivery, ordering, fairness, request/reply and timers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "event_recorder.hpp"

namespace airssys::rt {
namespace {

using namespace std::chrono_literals;

struct Seq {
  int sender;
  int n;
};
struct Report {
  std::vector<std::pair<int, int>> seen;
};
struct GetReport {};

// Records every Seq it gets, in arrival order.
Behavior recorder() {
  auto seen = std::make_shared<std::vector<std::pair<int, int>>>();
  return Behavior{[seen](ActorContext&, const Seq& s) { seen->emplace_back(s.sender, s.n); },
                  [seen](ActorContext& ctx, const GetReport&) { (void)ctx.reply(Report{*seen}); }};
}

void expect_per_sender_order(const Report& r, int senders, int per_sender) {
  std::map<int, int> next;
  for (auto [sender, n] : r.seen) {
    ASSERT_EQ(n, next[sender]) << "sender " << sender << " out of order";
    ++next[sender];
  }
  ASSERT_EQ(next.size(), static_cast<std::size_t>(senders));
  for (auto [sender, count] : next) EXPECT_EQ(count, per_sender) << "sender " << sender;
}

TEST(Messaging, ManyThreadsToOneActorKeepPerSenderOrder) {
  ActorSystem system({.workers = 2});
  auto target = *system.spawn(recorder());
  constexpr int kSenders = 8, kPerSender = 20'000;
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) ASSERT_TRUE(system.send(target, Seq{s, i}).ok());
    });
  }
  for (auto& t : threads) t.join();
  auto report = system.request<Report>(target, GetReport{}, 30s);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  expect_per_sender_order(*report, kSenders, kPerSender);
}

struct Go {
  Address target;
  int id;
  int count;
};

TEST(Messaging, ManyActorsToOneActorKeepPerSenderOrder) {
  ActorSystem system({.workers = 2, .messages_per_turn = 8});
  auto target = *system.spawn(recorder());
  constexpr int kSenders = 16, kPerSender = 5'000;
  ScopedActor me(system);
  for (int s = 0; s < kSenders; ++s) {
    auto sender = *system.spawn(Behavior{[](ActorContext& ctx, const Go& go) {
      for (int i = 0; i < go.count; ++i) (void)ctx.send(go.target, Seq{go.id, i});
      (void)ctx.reply(true);
    }});
    ASSERT_TRUE(me.send(sender, Go{target, s, kPerSender}).ok());
  }
  for (int s = 0; s < kSenders; ++s) ASSERT_TRUE(me.receive_as<bool>(30s).ok());
  // Every sender finished sending before it replied, so everything is queued.
  auto report = me.request<Report>(target, GetReport{}, 30s);
  ASSERT_TRUE(report.ok());
  expect_per_sender_order(*report, kSenders, kPerSender);
}

struct Tick {};
struct Poke {};

struct Hold {
  std::shared_ptr<std::latch> entered;
  std::shared_ptr<std::latch> release;
};

TEST(Messaging, MailboxDepthCountsWhatWaits) {
  ActorSystem system({.workers = 1});
  ScopedActor me(system);
  auto gate = *system.spawn(Behavior{[](ActorContext&, const Hold& h) {
    h.entered->count_down();
    h.release->wait();
  }});
  auto entered = std::make_shared<std::latch>(1);
  auto release = std::make_shared<std::latch>(1);
  ASSERT_TRUE(system.send(gate, Hold{entered, release}).ok());
  entered->wait();  // the gate is busy: what comes next waits
  EXPECT_EQ(system.mailbox_depth(gate), 0u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(system.send(gate, Tick{}).ok());
  EXPECT_EQ(system.mailbox_depth(gate), 5u);
  release->count_down();
  // A request queued behind the ticks is answered (unhandled) after them.
  auto answered = me.request<bool>(gate, Poke{}, 10s);
  ASSERT_FALSE(answered.ok());
  EXPECT_EQ(answered.error().code, ErrorCode::unhandled);
  EXPECT_EQ(system.mailbox_depth(gate), 0u);
  EXPECT_FALSE(system.mailbox_depth(Address(999999, 7)).has_value());
}

TEST(Messaging, AFloodedActorDoesNotStarveOthers) {
  // One worker: fairness must come from the per-turn budget alone.
  constexpr std::size_t kBudget = 16;
  ActorSystem system({.workers = 1, .messages_per_turn = kBudget});
  auto handled_by_flooded = std::make_shared<std::atomic<int>>(0);
  auto seen_when_poked = std::make_shared<std::atomic<int>>(-1);
  ScopedActor me(system);
  const Address observer = me.address();
  auto gate = *system.spawn(Behavior{[](ActorContext&, const Hold& h) {
    h.entered->count_down();
    h.release->wait();
  }});
  auto flooded = *system.spawn(Behavior{
      [handled_by_flooded](ActorContext&, const Tick&) { handled_by_flooded->fetch_add(1); }});
  auto other = *system.spawn(
      Behavior{[handled_by_flooded, seen_when_poked, observer](ActorContext& ctx, const Poke&) {
        seen_when_poked->store(handled_by_flooded->load());
        (void)ctx.send(observer, true);
      }});
  // Occupy the only worker so the whole flood is queued before anything runs.
  auto entered = std::make_shared<std::latch>(1);
  auto release = std::make_shared<std::latch>(1);
  ASSERT_TRUE(system.send(gate, Hold{entered, release}).ok());
  entered->wait();
  constexpr int kFlood = 20'000;
  for (int i = 0; i < kFlood; ++i) ASSERT_TRUE(system.send(flooded, Tick{}).ok());
  ASSERT_TRUE(system.send(other, Poke{}).ok());
  release->count_down();
  ASSERT_TRUE(me.receive_as<bool>(30s).ok());
  // `other` ran after one turn of the flooded actor, not after the flood.
  EXPECT_GE(seen_when_poked->load(), 1);
  EXPECT_LE(seen_when_poked->load(), static_cast<int>(2 * kBudget));
}

struct Ask {
  int n;
};
struct Never {};
struct Fail {};
struct Boom {};

Behavior answering() {
  return Behavior{[](ActorContext& ctx, const Ask& a) { (void)ctx.reply(a.n * 2); },
                  [](ActorContext&, const Never&) {},
                  [](ActorContext& ctx, const Fail&) {
                    (void)ctx.reply_error(Error{ErrorCode::invalid_argument, "refused"});
                  },
                  [](ActorContext&, const Boom&) -> void { throw std::runtime_error("boom"); }};
}

TEST(Requests, BlockingRequestsFromPlainThreads) {
  ActorSystem system({.workers = 2});
  auto target = *system.spawn(answering());
  EXPECT_EQ(*system.request<int>(target, Ask{21}, 10s), 42);

  auto refused = system.request<int>(target, Fail{}, 10s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(refused.error().message, "refused");

  auto unhandled = system.request<int>(target, std::string("what?"), 10s);
  ASSERT_FALSE(unhandled.ok());
  EXPECT_EQ(unhandled.error().code, ErrorCode::unhandled);

  auto wrong_type = system.request<std::string>(target, Ask{1}, 10s);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code, ErrorCode::unexpected_type);

  auto silent = system.request<int>(target, Never{}, 50ms);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, ErrorCode::timeout);

  auto crashed = system.request<int>(target, Boom{}, 10s);
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.error().code, ErrorCode::actor_exited);

  auto dead = system.request<int>(target, Ask{1}, 10s);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().code, ErrorCode::no_such_actor);
}

struct Outcome {
  bool ok;
  int value;
  ErrorCode code;
};
struct AskPeer {
  Address peer;
  std::variant<Ask, Never, Fail> what;
};

// Asks `peer` from inside an actor and reports what the callbacks saw.
Behavior asker(Address observer, Duration timeout) {
  return Behavior{[observer, timeout](ActorContext& ctx, const AskPeer& a) {
    auto on_reply = [observer](ActorContext& c, const int& v) {
      (void)c.send(observer, Outcome{true, v, ErrorCode::internal});
    };
    auto on_error = [observer](ActorContext& c, const Error& e) {
      (void)c.send(observer, Outcome{false, 0, e.code});
    };
    std::visit([&](auto w) { ctx.request<int>(a.peer, w, timeout, on_reply, on_error); }, a.what);
  }};
}

TEST(Requests, AsynchronousRequestsBetweenActors) {
  auto clock = std::make_shared<ManualClock>();
  ActorSystem system({.workers = 2, .clock = clock});
  ScopedActor me(system);
  auto peer = *system.spawn(answering());
  auto client = *system.spawn(asker(me.address(), 5s));

  ASSERT_TRUE(me.send(client, AskPeer{peer, Ask{4}}).ok());
  auto got = me.receive_as<Outcome>(10s);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->ok);
  EXPECT_EQ(got->value, 8);

  ASSERT_TRUE(me.send(client, AskPeer{peer, Fail{}}).ok());
  got = me.receive_as<Outcome>(10s);
  EXPECT_FALSE(got->ok);
  EXPECT_EQ(got->code, ErrorCode::invalid_argument);

  // No reply: the timeout fires only when the clock passes it.
  ASSERT_TRUE(me.send(client, AskPeer{peer, Never{}}).ok());
  // Once the peer answered a later request, the Never request was delivered
  // and its timer is set (the client's request precedes it in time).
  ASSERT_TRUE(me.send(client, AskPeer{peer, Ask{1}}).ok());
  got = me.receive_as<Outcome>(10s);
  ASSERT_TRUE(got->ok);
  clock->advance(4s);
  // A timeout due now would be queued at the client before this request, so
  // its outcome would arrive first.
  ASSERT_TRUE(me.send(client, AskPeer{peer, Ask{2}}).ok());
  got = me.receive_as<Outcome>(10s);
  ASSERT_TRUE(got->ok);
  EXPECT_EQ(got->value, 4);
  clock->advance(2s);
  got = me.receive_as<Outcome>(10s);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->ok);
  EXPECT_EQ(got->code, ErrorCode::timeout);

  // A dead peer: the error callback runs with no_such_actor.
  ASSERT_TRUE(system.exit(peer, ExitReason::kill()).ok());
  auto watch = me.monitor(peer);
  ASSERT_TRUE(me.await_down(watch, 10s).ok());
  ASSERT_TRUE(me.send(client, AskPeer{peer, Ask{1}}).ok());
  got = me.receive_as<Outcome>(10s);
  EXPECT_FALSE(got->ok);
  EXPECT_EQ(got->code, ErrorCode::no_such_actor);
}

struct Mark {
  int n;
};

TEST(Timers, SendAfterFiresWhenTheClockPassesTheDelay) {
  auto clock = std::make_shared<ManualClock>();
  ActorSystem system({.workers = 2, .clock = clock});
  ScopedActor me(system);
  system.send_after(10s, me.address(), Mark{1});
  clock->advance(9s);
  // Anything the timer delivered would be queued before this marker.
  ASSERT_TRUE(system.send(me.address(), Mark{0}).ok());
  EXPECT_EQ(me.receive_as<Mark>(10s)->n, 0);
  EXPECT_EQ(me.queued(), 0u);
  clock->advance(1s);
  EXPECT_EQ(me.receive_as<Mark>(10s)->n, 1);
}

TEST(Timers, CancelledTimersNeverFire) {
  auto clock = std::make_shared<ManualClock>();
  ActorSystem system({.workers = 2, .clock = clock});
  ScopedActor me(system);
  const TimerId cancelled = system.send_after(5s, me.address(), Mark{1});
  const TimerId fired = system.send_after(5s, me.address(), Mark{2});
  EXPECT_TRUE(system.cancel_timer(cancelled));
  EXPECT_FALSE(system.cancel_timer(cancelled));
  clock->advance(5s);
  ASSERT_TRUE(system.send(me.address(), Mark{3}).ok());
  EXPECT_EQ(me.receive_as<Mark>(10s)->n, 2);
  EXPECT_EQ(me.receive_as<Mark>(10s)->n, 3);
  EXPECT_EQ(me.queued(), 0u);
  EXPECT_FALSE(system.cancel_timer(fired));  // already fired
}

TEST(Timers, RealClockTimersFireWithoutOccupyingWorkers) {
  ActorSystem system({.workers = 1});
  ScopedActor me(system);
  for (int i = 0; i < 100; ++i)
    system.send_after(std::chrono::milliseconds(i % 10), me.address(), Mark{i});
  // The single worker stays free for other work meanwhile.
  auto echo =
      *system.spawn(Behavior{[](ActorContext& ctx, const Ask& a) { (void)ctx.reply(a.n); }});
  EXPECT_EQ(*me.request<int>(echo, Ask{7}, 10s), 7);
  int got = 0;
  while (got < 100 && me.receive_as<Mark>(10s).ok()) ++got;
  EXPECT_EQ(got, 100);
}

}  // namespace
}  // namespace airssys::rt
