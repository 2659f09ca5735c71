// Request/reply: blocking requests from plain threads (ScopedActor,
// ActorSystem) and asynchronous requests between actors (ActorContext).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "test_support.hpp"

namespace airssys::rt {
namespace {

using namespace std::chrono_literals;
using test::kAbsent;
using test::kWait;

struct Ask {
  int n = 0;
};
struct Silent {};      // never answered
struct Refuse {};      // answered with reply_error
struct Crash {};       // the handler throws
struct WrongType {};   // answered with a std::string
struct Stray {};       // no handler for it
struct StopSilent {};  // the receiver stops without replying
struct Defer {};       // answered later, on Release
struct Release {};
struct Held {};  // told to the observer when a Defer token is kept

// The receiver every request test talks to. Tells `observer` (if any) when it
// keeps a reply token for later.
Behavior Answerer(Address observer = Address::none()) {
  auto deferred = std::make_shared<std::vector<ActorContext::ReplyToken>>();
  return Behavior{
      [](ActorContext& ctx, const Ask& a) { (void)ctx.reply(a.n * 2); },
      [](ActorContext&, const Silent&) {},
      [](ActorContext& ctx, const Refuse&) {
        (void)ctx.reply_error(Error{ErrorCode::invalid_argument, "refused"});
      },
      [](ActorContext&, const Crash&) -> void { throw std::runtime_error("crashed answering"); },
      [](ActorContext& ctx, const WrongType&) { (void)ctx.reply(std::string("not an int")); },
      [](ActorContext& ctx, const StopSilent&) { ctx.stop(); },
      [deferred, observer](ActorContext& ctx, const Defer&) {
        deferred->push_back(ctx.reply_token());
        if (observer) (void)ctx.send(observer, Held{});
      },
      [deferred](ActorContext& ctx, const Release&) {
        for (const auto& token : *deferred) (void)ctx.reply_to(token, 7);
        deferred->clear();
      }};
}

// The same receiver as an Actor subclass that declines what it does not know.
class AnswererActor final : public Actor {
 public:
  bool on_message(ActorContext& ctx, Message& msg) override {
    if (!msg.is<Ask>()) return false;
    (void)ctx.reply(msg.as<Ask>().n * 2);
    return true;
  }
};

// --- blocking requests -------------------------------------------------------------

TEST(Request, ScopedActorGetsTheTypedReply) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  auto reply = me.request<int>(answerer, Ask{21}, kWait);
  ASSERT_TRUE(reply.ok()) << test::Describe(reply);
  EXPECT_EQ(*reply, 42);

  // The raw form: a reply message from the answerer.
  auto raw = me.request_message(answerer, make_message(Ask{5}), kWait);
  ASSERT_TRUE(raw.ok()) << test::Describe(raw);
  ASSERT_TRUE((*raw)->is<int>());
  EXPECT_EQ((*raw)->as<int>(), 10);
  EXPECT_EQ((*raw)->sender, answerer);
  EXPECT_EQ(me.queued(), 0u) << "the reply was also queued as a message";
}

TEST(Request, ActorSystemGetsTheTypedReply) {
  ActorSystem system({.workers = 2});
  const Address answerer = *system.spawn(Answerer());
  const Address subclass = *system.spawn_actor<AnswererActor>();
  EXPECT_EQ(system.request<int>(answerer, Ask{4}, kWait).value_or(-1), 8);
  EXPECT_EQ(system.request<int>(subclass, Ask{-3}, kWait).value_or(0), -6);
}

TEST(Request, ConcurrentRequestersEachGetTheirOwnReplies) {
  ActorSystem system({.workers = 2});
  const Address answerer = *system.spawn(Answerer());
  constexpr int kThreads = 4;
  constexpr int kRequests = 300;
  std::vector<std::thread> threads;
  std::vector<int> wrong(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ScopedActor me(system);
      for (int i = 0; i < kRequests; ++i) {
        const int n = t * 100'000 + i;
        // Alternate the two blocking APIs.
        auto reply = i % 2 == 0 ? me.request<int>(answerer, Ask{n}, kWait)
                                : system.request<int>(answerer, Ask{n}, kWait);
        if (!reply.ok() || *reply != 2 * n) ++wrong[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[static_cast<std::size_t>(t)], 0);
}

TEST(Request, ReplyErrorReachesTheRequester) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  for (auto reply : {me.request<int>(answerer, Refuse{}, kWait),
                     system.request<int>(answerer, Refuse{}, kWait)}) {
    ASSERT_TRUE(test::FailsWith(reply, ErrorCode::invalid_argument));
    EXPECT_EQ(reply.error().message, "refused");
  }
}

TEST(Request, ARequestNobodyHandlesFailsUnhandled) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address behavior = *system.spawn(Answerer());
  const Address subclass = *system.spawn_actor<AnswererActor>();
  for (Address to : {behavior, subclass}) {
    auto reply = me.request<int>(to, Stray{}, kWait);
    EXPECT_TRUE(test::FailsWith(reply, ErrorCode::unhandled));
    // Declining a message is not a failure: the receiver still answers.
    EXPECT_EQ(me.request<int>(to, Ask{1}, kWait).value_or(-1), 2);
  }
  auto via_system = system.request<int>(subclass, Stray{}, kWait);
  EXPECT_TRUE(test::FailsWith(via_system, ErrorCode::unhandled));
}

TEST(Request, AReplyOfAnotherTypeFailsUnexpectedType) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  auto as_string = me.request<std::string>(answerer, Ask{1}, kWait);
  EXPECT_TRUE(test::FailsWith(as_string, ErrorCode::unexpected_type));
  auto as_int = system.request<int>(answerer, WrongType{}, kWait);
  EXPECT_TRUE(test::FailsWith(as_int, ErrorCode::unexpected_type));
  // The right type still works.
  EXPECT_EQ(me.request<std::string>(answerer, WrongType{}, kWait).value_or(""), "not an int");
}

TEST(Request, AnUnansweredRequestTimesOut) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  auto from_scoped = me.request<int>(answerer, Silent{}, kAbsent);
  EXPECT_TRUE(test::FailsWith(from_scoped, ErrorCode::timeout));
  auto from_system = system.request<int>(answerer, Silent{}, kAbsent);
  EXPECT_TRUE(test::FailsWith(from_system, ErrorCode::timeout));
  // The receiver is fine and the requester can go on.
  EXPECT_EQ(me.request<int>(answerer, Ask{3}, kWait).value_or(-1), 6);
}

TEST(Request, ARequestToADeadAddressFailsNoSuchActor) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address gone = *system.spawn(Answerer());
  const MonitorRef watch = me.monitor(gone);
  ASSERT_TRUE(system.exit(gone, ExitReason::kill()).ok());
  ASSERT_TRUE(me.await_down(watch, kWait).ok());
  for (Address to : {gone, Address::none()}) {
    auto from_scoped = me.request<int>(to, Ask{1}, kWait);
    EXPECT_TRUE(test::FailsWith(from_scoped, ErrorCode::no_such_actor));
    auto from_system = system.request<int>(to, Ask{1}, kWait);
    EXPECT_TRUE(test::FailsWith(from_system, ErrorCode::no_such_actor));
  }
}

TEST(Request, AReceiverCrashingOnTheRequestFailsActorExited) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  const MonitorRef watch = me.monitor(answerer);
  auto reply = me.request<int>(answerer, Crash{}, kWait);
  EXPECT_TRUE(test::FailsWith(reply, ErrorCode::actor_exited));
  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(test::SameReason(down->reason, ExitReason::error("crashed answering")));
}

TEST(Request, AReceiverStoppingWithoutReplyingFailsActorExited) {
  // Erlang's gen_server:call: the caller learns that the server went away.
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  auto reply = me.request<int>(answerer, StopSilent{}, kWait);
  EXPECT_TRUE(test::FailsWith(reply, ErrorCode::actor_exited));
}

TEST(Request, AReplyTokenAnswersTheRequestFromALaterHandler) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  ScopedActor watcher(system);
  const Address answerer = *system.spawn(Answerer(watcher.address()));
  // Releases the deferred reply once the answerer holds the token.
  std::thread releaser([&] {
    if (watcher.receive_as<Held>(kWait).ok()) (void)system.send(answerer, Release{});
  });
  auto reply = me.request<int>(answerer, Defer{}, kWait);
  releaser.join();
  ASSERT_TRUE(reply.ok()) << test::Describe(reply);
  EXPECT_EQ(*reply, 7);
}

TEST(Request, AReplyThatMissedItsTimeoutIsADeadLetterNotALaterReply) {
  auto events = std::make_shared<test::EventLog>();
  ActorSystem system({.workers = 2, .events = events});
  ScopedActor me(system);
  const Address answerer = *system.spawn(Answerer());
  auto missed = me.request<int>(answerer, Defer{}, kAbsent);
  EXPECT_TRUE(test::FailsWith(missed, ErrorCode::timeout));
  // Defer was queued before Release, so Release answers it: too late. The
  // late reply (7) reaches `me` before the answer to the next request.
  ASSERT_TRUE(system.send(answerer, Release{}).ok());
  auto next = me.request<int>(answerer, Ask{1}, kWait);
  ASSERT_TRUE(next.ok()) << test::Describe(next);
  EXPECT_EQ(*next, 2) << "the late reply was taken for the next request's";
  EXPECT_EQ(me.queued(), 0u) << "the late reply was queued as an ordinary message";
  EXPECT_TRUE(
      events->wait_count(test::DeadLetterTo(me.address(), DeadLetterReason::late_reply), 1));
}

// --- asynchronous requests between actors ------------------------------------------

using Payload = std::variant<Ask, Silent, Refuse, Crash, WrongType, Stray, StopSilent, Defer>;
struct AskVia {
  Address peer;
  Payload what;
  Duration timeout = 5s;
};
struct AskMany {
  Address peer;
  int count = 0;
};
struct Issued {};  // the client has made the request
struct Outcome {
  bool ok = false;
  int value = 0;
  ErrorCode code = ErrorCode::internal;
  std::string message;
  Address ran_on;  // the actor the callback ran on
};
struct Mark {
  int n = 0;
};

// Requests what it is told from inside an actor and reports the outcome of
// every callback to `observer`; forwards Marks to it (order probes).
Behavior Client(Address observer) {
  auto on_reply = [observer](ActorContext& c, const int& v) {
    (void)c.send(observer, Outcome{true, v, ErrorCode::internal, {}, c.self()});
  };
  auto on_error = [observer](ActorContext& c, const Error& e) {
    (void)c.send(observer, Outcome{false, 0, e.code, e.message, c.self()});
  };
  return Behavior{[observer, on_reply, on_error](ActorContext& ctx, const AskVia& a) {
                    std::visit(
                        [&](const auto& what) {
                          ctx.request<int>(a.peer, what, a.timeout, on_reply, on_error);
                        },
                        a.what);
                    (void)ctx.send(observer, Issued{});
                  },
                  [observer, on_reply, on_error](ActorContext& ctx, const AskMany& a) {
                    for (int i = 0; i < a.count; ++i) {
                      ctx.request<int>(a.peer, Ask{i}, std::chrono::hours(1), on_reply, on_error);
                    }
                    (void)ctx.send(observer, Issued{});
                  },
                  [observer](ActorContext& ctx, const Mark& m) { (void)ctx.send(observer, m); }};
}

class ActorRequest : public ::testing::Test {
 protected:
  // Sends the request through the client and waits until it is made.
  void Issue(Address peer, Payload what, Duration timeout = 5s) {
    ASSERT_TRUE(me.send(client, AskVia{peer, what, timeout}).ok());
    ASSERT_TRUE(me.receive_as<Issued>(kWait).ok());
  }
  // The next Outcome or Mark from the client, whichever comes first.
  MessagePtr NextReport() {
    return me.receive_if([](const Message& m) { return m.is<Outcome>() || m.is<Mark>(); }, kWait);
  }
  Outcome RequestAndWait(Address peer, Payload what) {
    Issue(peer, what);
    auto outcome = me.receive_as<Outcome>(kWait);
    EXPECT_TRUE(outcome.ok()) << "no callback ran";
    return outcome.ok() ? *outcome : Outcome{};
  }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<test::EventLog> events = std::make_shared<test::EventLog>();
  ActorSystem system{{.workers = 2, .clock = clock, .events = events}};
  ScopedActor me{system};
  Address peer = *system.spawn(Answerer());
  Address client = *system.spawn(Client(me.address()));
};

TEST_F(ActorRequest, OnReplyGetsTheTypedReplyOnTheRequestingActor) {
  const Outcome o = RequestAndWait(peer, Ask{4});
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.value, 8);
  EXPECT_EQ(o.ran_on, client);
}

TEST_F(ActorRequest, ReplyErrorRunsOnErrorWithTheReceiversError) {
  const Outcome o = RequestAndWait(peer, Refuse{});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::invalid_argument));
  EXPECT_EQ(o.message, "refused");
  EXPECT_EQ(o.ran_on, client);
}

TEST_F(ActorRequest, AnUnhandledRequestRunsOnErrorUnhandled) {
  const Outcome o = RequestAndWait(peer, Stray{});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::unhandled));
}

TEST_F(ActorRequest, AReplyOfAnotherTypeRunsOnErrorUnexpectedType) {
  const Outcome o = RequestAndWait(peer, WrongType{});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::unexpected_type));
}

TEST_F(ActorRequest, AReceiverCrashRunsOnErrorActorExited) {
  const Outcome o = RequestAndWait(peer, Crash{});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::actor_exited));
}

TEST_F(ActorRequest, AReceiverStoppingWithoutReplyingRunsOnErrorActorExited) {
  const Outcome o = RequestAndWait(peer, StopSilent{});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::actor_exited));
}

TEST_F(ActorRequest, ADeadAddressRunsOnErrorNoSuchActor) {
  const MonitorRef watch = me.monitor(peer);
  ASSERT_TRUE(system.exit(peer, ExitReason::kill()).ok());
  ASSERT_TRUE(me.await_down(watch, kWait).ok());
  const Outcome o = RequestAndWait(peer, Ask{1});
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(test::IsCode(o.code, ErrorCode::no_such_actor));
  EXPECT_EQ(o.ran_on, client);
}

TEST_F(ActorRequest, TheTimeoutFiresOnlyWhenTheClockPassesIt) {
  Issue(peer, Silent{}, 5s);
  clock->advance(4s);
  // A timeout that fired during advance() would be queued at the client
  // before this marker, and its callback would report before it.
  ASSERT_TRUE(me.send(client, Mark{1}).ok());
  MessagePtr first = NextReport();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->is<Mark>()) << "the request timed out before its deadline";

  clock->advance(1s);
  auto timed_out = me.receive_as<Outcome>(kWait);
  ASSERT_TRUE(timed_out.ok()) << "no timeout after the deadline passed";
  EXPECT_FALSE(timed_out->ok);
  EXPECT_TRUE(test::IsCode(timed_out->code, ErrorCode::timeout));
  EXPECT_EQ(timed_out->ran_on, client);
}

TEST_F(ActorRequest, AReplyAfterTheTimeoutIsALateDeadLetterAndNoSecondCallback) {
  Issue(peer, Defer{}, 5s);
  clock->advance(5s);
  auto timed_out = me.receive_as<Outcome>(kWait);
  ASSERT_TRUE(timed_out.ok());
  EXPECT_TRUE(test::IsCode(timed_out->code, ErrorCode::timeout));

  // The peer answers now (Defer was queued before Release).
  ASSERT_TRUE(system.send(peer, Release{}).ok());
  ASSERT_TRUE(events->wait_count(test::DeadLetterTo(client, DeadLetterReason::late_reply), 1));
  // The late reply was handled before this marker, and ran no callback.
  ASSERT_TRUE(me.send(client, Mark{2}).ok());
  MessagePtr next = NextReport();
  ASSERT_TRUE(next);
  ASSERT_TRUE(next->is<Mark>()) << "a second callback ran for one request";
  EXPECT_EQ(next->as<Mark>().n, 2);
}

TEST_F(ActorRequest, ARequestStillQueuedWhenTheReceiverExitsRunsOnErrorActorExited) {
  struct Hold {
    std::shared_ptr<test::Counter> entered;
    std::shared_ptr<test::Gate> gate;
  };
  const Address busy =
      *system.spawn(Behavior{[](ActorContext&, const Hold& h) {
                               h.entered->add();
                               (void)h.gate->wait();
                             },
                             [](ActorContext& ctx, const Ask& a) { (void)ctx.reply(a.n); }});
  auto entered = std::make_shared<test::Counter>();
  auto gate = std::make_shared<test::Gate>();
  ASSERT_TRUE(system.send(busy, Hold{entered, gate}).ok());
  ASSERT_TRUE(entered->wait_for_at_least(1));
  Issue(busy, Ask{1});  // queued behind Hold
  ASSERT_TRUE(system.exit(busy, ExitReason::kill()).ok());
  gate->open();
  auto o = me.receive_as<Outcome>(kWait);
  ASSERT_TRUE(o.ok()) << "the requester never heard of the request again";
  EXPECT_FALSE(o->ok);
  EXPECT_TRUE(test::IsCode(o->code, ErrorCode::actor_exited));
}

TEST_F(ActorRequest, ManyOutstandingRequestsEachCompleteWithTheirOwnReply) {
  constexpr int kCount = 200;
  ASSERT_TRUE(me.send(client, AskMany{peer, kCount}).ok());
  ASSERT_TRUE(me.receive_as<Issued>(kWait).ok());
  std::vector<int> seen(kCount, 0);
  for (int i = 0; i < kCount; ++i) {
    auto o = me.receive_as<Outcome>(kWait);
    ASSERT_TRUE(o.ok()) << "only " << i << " callbacks ran";
    ASSERT_TRUE(o->ok);
    ASSERT_EQ(o->value % 2, 0);
    ASSERT_GE(o->value, 0);
    ASSERT_LT(o->value, 2 * kCount);
    ++seen[static_cast<std::size_t>(o->value / 2)];
  }
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], 1) << i;
}

TEST_F(ActorRequest, ACallbackThatThrowsEndsTheRequestingActor) {
  struct Go {};
  const Address target = peer;
  const Address requester = *system.spawn(Behavior{[target](ActorContext& ctx, const Go&) {
    ctx.request<int>(
        target, Ask{1}, 5s,
        [](ActorContext&, const int&) -> void { throw std::runtime_error("callback failed"); },
        [](ActorContext&, const Error&) {});
  }});
  const MonitorRef watch = me.monitor(requester);
  ASSERT_TRUE(me.send(requester, Go{}).ok());
  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(test::SameReason(down->reason, ExitReason::error("callback failed")));
}

}  // namespace
}  // namespace airssys::rt
