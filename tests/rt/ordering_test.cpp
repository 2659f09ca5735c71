// Delivery order under concurrent senders, and fairness between actors
// sharing workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "test_support.hpp"

namespace airssys::rt {
namespace {

using test::kWait;

struct Seq {
  int sender = 0;
  int n = 0;
};
struct GetLog {};
struct SeqLog {
  std::vector<Seq> items;
};

// Records every Seq in arrival order; answers GetLog with the record.
class SeqRecorder final : public Actor {
 public:
  bool on_message(ActorContext& ctx, Message& msg) override {
    if (msg.is<Seq>()) {
      log_.items.push_back(msg.as<Seq>());
      return true;
    }
    if (msg.is<GetLog>()) {
      (void)ctx.reply(log_);
      return true;
    }
    return false;
  }

 private:
  SeqLog log_;
};

// Every sender's messages arrived, all of them, in the order it sent them.
void ExpectPerSenderFifo(const SeqLog& log, int senders, int per_sender) {
  std::vector<int> next(static_cast<std::size_t>(senders), 0);
  for (const Seq& s : log.items) {
    ASSERT_GE(s.sender, 0);
    ASSERT_LT(s.sender, senders);
    int& expected = next[static_cast<std::size_t>(s.sender)];
    ASSERT_EQ(s.n, expected) << "sender " << s.sender << " out of order";
    ++expected;
  }
  EXPECT_EQ(log.items.size(), static_cast<std::size_t>(senders) * per_sender);
  for (int s = 0; s < senders; ++s) {
    EXPECT_EQ(next[static_cast<std::size_t>(s)], per_sender) << "sender " << s;
  }
}

// Sends `count` Seqs to `target` in chunks, re-queueing itself between
// chunks so that many sending actors interleave; tells `done_to` at the end.
struct SendSeqs {
  Address target;
  Address done_to;
  int sender = 0;
  int next = 0;
  int count = 0;
};
struct SenderDone {
  int sender = 0;
};

Behavior ChunkedSender() {
  return Behavior{[](ActorContext& ctx, const SendSeqs& job) {
    constexpr int kChunk = 64;
    const int end = std::min(job.count, job.next + kChunk);
    for (int i = job.next; i < end; ++i) {
      if (!ctx.send(job.target, Seq{job.sender, i}).ok()) return;
    }
    if (end < job.count) {
      SendSeqs rest = job;
      rest.next = end;
      (void)ctx.send(ctx.self(), rest);
    } else {
      (void)ctx.send(job.done_to, SenderDone{job.sender});
    }
  }};
}

TEST(Ordering, ConcurrentThreadSendersKeepPerSenderOrder) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address target = *system.spawn_actor<SeqRecorder>();
  constexpr int kSenders = 8;
  constexpr int kPerSender = 20'000;

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> failed_sends{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerSender; ++i) {
        if (!system.send(target, Seq{s, i}).ok()) failed_sends.fetch_add(1);
      }
    });
  }
  while (ready.load() < kSenders) std::this_thread::yield();
  go.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed_sends.load(), 0);

  // Sent after every thread finished, so handled after all of their messages.
  auto log = me.request<SeqLog>(target, GetLog{}, kWait);
  ASSERT_TRUE(log.ok()) << test::Describe(log);
  ExpectPerSenderFifo(*log, kSenders, kPerSender);
}

TEST(Ordering, ConcurrentThreadAndActorSendersKeepPerSenderOrder) {
  ActorSystem system({.workers = 2, .messages_per_turn = 16});
  ScopedActor me(system);
  const Address target = *system.spawn_actor<SeqRecorder>();
  constexpr int kThreadSenders = 4;
  constexpr int kActorSenders = 4;
  constexpr int kPerSender = 10'000;

  // Actor senders 0..3, thread senders 4..7, all running at once.
  for (int s = 0; s < kActorSenders; ++s) {
    const Address sender = *system.spawn(ChunkedSender());
    ASSERT_TRUE(system.send(sender, SendSeqs{target, me.address(), s, 0, kPerSender}).ok());
  }
  std::vector<std::thread> threads;
  for (int s = kActorSenders; s < kActorSenders + kThreadSenders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) (void)system.send(target, Seq{s, i});
    });
  }
  for (auto& t : threads) t.join();
  for (int s = 0; s < kActorSenders; ++s) {
    ASSERT_TRUE(me.receive_as<SenderDone>(kWait).ok()) << "an actor sender did not finish";
  }

  auto log = me.request<SeqLog>(target, GetLog{}, kWait);
  ASSERT_TRUE(log.ok()) << test::Describe(log);
  ExpectPerSenderFifo(*log, kActorSenders + kThreadSenders, kPerSender);
}

TEST(Ordering, ActorToScopedActorKeepsOrder) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  constexpr int kCount = 2'000;
  struct Burst {
    Address to;
  };
  const Address sender = *system.spawn(Behavior{[](ActorContext& ctx, const Burst& b) {
    for (int i = 0; i < kCount; ++i) (void)ctx.send(b.to, Seq{0, i});
  }});
  ASSERT_TRUE(me.send(sender, Burst{me.address()}).ok());
  for (int i = 0; i < kCount; ++i) {
    auto got = me.receive_as<Seq>(kWait);
    ASSERT_TRUE(got.ok()) << "message " << i << " missing";
    ASSERT_EQ(got->n, i);
  }
}

// --- fairness -------------------------------------------------------------------

struct Tick {};
struct Poke {};
struct Hold {
  std::shared_ptr<test::Counter> entered;
  std::shared_ptr<test::Gate> gate;
};
struct GetCount {};

// Counts Ticks in a counter the test can read while it runs.
Behavior TickCounter(std::shared_ptr<std::atomic<int>> handled) {
  return Behavior{
      [handled](ActorContext&, const Tick&) { handled->fetch_add(1); },
      [handled](ActorContext& ctx, const GetCount&) { (void)ctx.reply(handled->load()); }};
}

// On Poke, reports how many Ticks the flooded actor had handled by then.
Behavior PokeReporter(std::shared_ptr<std::atomic<int>> flood_handled, Address observer) {
  return Behavior{[flood_handled, observer](ActorContext& ctx, const Poke&) {
    (void)ctx.send(observer, flood_handled->load());
  }};
}

TEST(Fairness, AFloodFromOutsideDoesNotStarveAnotherActor) {
  constexpr std::size_t kBudget = 8;
  constexpr int kFlood = 10'000;
  ActorSystem system({.workers = 1, .messages_per_turn = kBudget});
  ScopedActor me(system);
  auto handled = std::make_shared<std::atomic<int>>(0);
  const Address flooded = *system.spawn(TickCounter(handled));
  const Address other = *system.spawn(PokeReporter(handled, me.address()));
  const Address blocker = *system.spawn(Behavior{[](ActorContext&, const Hold& h) {
    h.entered->add();
    (void)h.gate->wait();
  }});

  // Occupy the only worker so the whole flood is queued before it is handled,
  // and the poke is queued behind it.
  auto entered = std::make_shared<test::Counter>();
  auto gate = std::make_shared<test::Gate>();
  ASSERT_TRUE(system.send(blocker, Hold{entered, gate}).ok());
  ASSERT_TRUE(entered->wait_for_at_least(1));
  for (int i = 0; i < kFlood; ++i) ASSERT_TRUE(system.send(flooded, Tick{}).ok());
  ASSERT_TRUE(system.send(other, Poke{}).ok());
  gate->open();

  auto seen = me.receive_as<int>(kWait);
  ASSERT_TRUE(seen.ok()) << "the poked actor never ran";
  EXPECT_LT(*seen, kFlood) << "the poked actor waited for the whole flood";
  // It was runnable when the flooded actor's turn began, so it runs after one turn.
  EXPECT_LE(*seen, static_cast<int>(kBudget));
  // Nothing of the flood was lost.
  EXPECT_EQ(me.request<int>(flooded, GetCount{}, kWait).value_or(-1), kFlood);
}

TEST(Fairness, AFloodFromAnActorDoesNotStarveAnotherActor) {
  constexpr std::size_t kBudget = 8;
  constexpr int kFlood = 10'000;
  ActorSystem system({.workers = 1, .messages_per_turn = kBudget});
  ScopedActor me(system);
  auto handled = std::make_shared<std::atomic<int>>(0);
  const Address flooded = *system.spawn(TickCounter(handled));
  const Address other = *system.spawn(PokeReporter(handled, me.address()));
  struct Flood {};
  // Floods from a worker thread, then pokes, in one handler.
  const Address flooder = *system.spawn(Behavior{[flooded, other](ActorContext& ctx, const Flood&) {
    for (int i = 0; i < kFlood; ++i) (void)ctx.send(flooded, Tick{});
    (void)ctx.send(other, Poke{});
  }});
  ASSERT_TRUE(system.send(flooder, Flood{}).ok());

  auto seen = me.receive_as<int>(kWait);
  ASSERT_TRUE(seen.ok()) << "the poked actor never ran";
  EXPECT_LT(*seen, kFlood) << "the poked actor waited for the whole flood";
  EXPECT_LE(*seen, static_cast<int>(kBudget));
  EXPECT_EQ(me.request<int>(flooded, GetCount{}, kWait).value_or(-1), kFlood);
}

TEST(Fairness, AnActorThatAlwaysHasWorkDoesNotStarveOthers) {
  ActorSystem system({.workers = 1, .messages_per_turn = 4});
  ScopedActor me(system);
  struct Spin {};
  // Sends itself a message for every message it handles: never idle.
  const Address spinner = *system.spawn(
      Behavior{[](ActorContext& ctx, const Spin&) { (void)ctx.send(ctx.self(), Spin{}); }});
  const Address echo =
      *system.spawn(Behavior{[](ActorContext& ctx, const int& n) { (void)ctx.reply(n); }});
  ASSERT_TRUE(system.send(spinner, Spin{}).ok());

  for (int i = 0; i < 20; ++i) {
    auto answer = me.request<int>(echo, i, kWait);
    ASSERT_TRUE(answer.ok()) << test::Describe(answer);
    EXPECT_EQ(*answer, i);
  }

  // The spinner was running all along, and can still be stopped.
  const MonitorRef watch = me.monitor(spinner);
  ASSERT_TRUE(system.exit(spinner, ExitReason::kill()).ok());
  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::killed());
}

}  // namespace
}  // namespace airssys::rt
