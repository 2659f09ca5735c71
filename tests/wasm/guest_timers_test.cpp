// A component's timers belong to the instance that armed them: they are
// cancelled when it ends (a successor at the same address never gets them),
// cancel_timer cancels one, and the timers pending at once are bounded in
// number and bytes. With them, message_kind and the reply rule that keeps
// two components from bouncing a message for ever. Both engines; the
// system's clock is a ManualClock, so a timer fires exactly when the test
// moves time past it.
#include "component/guest_timers.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "component_fixture.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::SupervisorConfig;

// init arms a 1 s timer "t" to itself; every "t" counts a tick and arms the
// next; "c" traps; anything else is answered with the ticks (8 bytes).
constexpr const char* kTicker = R"((module
  (import "airssys" "send_after" (func $send_after (param i64 i32 i32 i32) (result i32)))
  (import "airssys" "self" (func $self (result i64)))
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ticks (mut i64) (i64.const 0))
  (data (i32.const 16) "t")
  (func $arm (drop (call $send_after (call $self) (i32.const 1000) (i32.const 16) (i32.const 1))))
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_init") (param i32 i32) (result i32) (call $arm) (i32.const 0))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (if (i32.eq (i32.load8_u (local.get 1)) (i32.const 116))
      (then (global.set $ticks (i64.add (global.get $ticks) (i64.const 1)))
            (call $arm)
            (return (i32.const 0))))
    (if (i32.eq (i32.load8_u (local.get 1)) (i32.const 99)) (then unreachable))
    (i64.store (i32.const 32) (global.get $ticks))
    (drop (call $reply (i32.const 32) (i32.const 8)))
    (i32.const 0)))
)";

// Commands by first byte:
//   s  start_timer(self, 1 s, "t"), answers the id (8 bytes)
//   x  cancel_timer(the last id), answers the status (4 bytes)
//   a  arms 1 s timers to itself carrying <message length> zero bytes until
//      one is refused; answers [armed, the refusing status] (2 x 4 bytes)
//   t  a tick (counted); a message starting with a zero byte is ignored
//   q  answers the ticks (8 bytes)
//   o  send_after(the address in its config, 1 s, "late"), then traps
//   z  send_after(self, 1 ms, "m")
//   m  notes message_kind() and what reply() says
//   k  answers [the noted kind, message_kind() now, the noted reply status,
//      message_kind() in init] (4 x 4 bytes)
constexpr const char* kTimerOps = R"((module
  (import "airssys" "send_after" (func $send_after (param i64 i32 i32 i32) (result i32)))
  (import "airssys" "start_timer" (func $start_timer (param i64 i32 i32 i32) (result i64)))
  (import "airssys" "cancel_timer" (func $cancel_timer (param i64) (result i32)))
  (import "airssys" "message_kind" (func $kind (result i32)))
  (import "airssys" "self" (func $self (result i64)))
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $ticks (mut i64) (i64.const 0))
  (global $id (mut i64) (i64.const 0))
  (global $observer (mut i64) (i64.const 0))
  (global $noted_kind (mut i32) (i32.const 99))
  (global $noted_reply (mut i32) (i32.const 99))
  (global $init_kind (mut i32) (i32.const 99))
  (data (i32.const 16) "tlatem")
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_init") (param i32 i32) (result i32)
    (global.set $init_kind (call $kind))
    (if (i32.eq (local.get 1) (i32.const 8))
      (then (global.set $observer (i64.load (local.get 0)))))
    (i32.const 0))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (local $c i32) (local $n i32) (local $r i64)
    (if (i32.eqz (local.get 2)) (then (return (i32.const 0))))
    (local.set $c (i32.load8_u (local.get 1)))
    (if (i32.eq (local.get $c) (i32.const 115))  ;; s
      (then (global.set $id (call $start_timer (call $self) (i32.const 1000) (i32.const 16)
                                               (i32.const 1)))
            (i64.store (i32.const 32) (global.get $id))
            (drop (call $reply (i32.const 32) (i32.const 8)))))
    (if (i32.eq (local.get $c) (i32.const 120))  ;; x
      (then (i32.store (i32.const 32) (call $cancel_timer (global.get $id)))
            (drop (call $reply (i32.const 32) (i32.const 4)))))
    (if (i32.eq (local.get $c) (i32.const 97))  ;; a
      (then
        (block $refused
          (loop $more
            (local.set $r (call $start_timer (call $self) (i32.const 1000) (i32.const 65536)
                                             (local.get 2)))
            (br_if $refused (i64.lt_s (local.get $r) (i64.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $more)))
        (i32.store (i32.const 32) (local.get $n))
        (i32.store (i32.const 36) (i32.wrap_i64 (local.get $r)))
        (drop (call $reply (i32.const 32) (i32.const 8)))))
    (if (i32.eq (local.get $c) (i32.const 116))  ;; t
      (then (global.set $ticks (i64.add (global.get $ticks) (i64.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 113))  ;; q
      (then (i64.store (i32.const 32) (global.get $ticks))
            (drop (call $reply (i32.const 32) (i32.const 8)))))
    (if (i32.eq (local.get $c) (i32.const 111))  ;; o
      (then (drop (call $send_after (global.get $observer) (i32.const 1000) (i32.const 17)
                                    (i32.const 4)))
            unreachable))
    (if (i32.eq (local.get $c) (i32.const 122))  ;; z
      (then (drop (call $send_after (call $self) (i32.const 1) (i32.const 21) (i32.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 109))  ;; m
      (then (global.set $noted_kind (call $kind))
            (global.set $noted_reply (call $reply (i32.const 21) (i32.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 107))  ;; k
      (then (i32.store (i32.const 32) (global.get $noted_kind))
            (i32.store (i32.const 36) (call $kind))
            (i32.store (i32.const 40) (global.get $noted_reply))
            (i32.store (i32.const 44) (global.get $init_kind))
            (drop (call $reply (i32.const 32) (i32.const 16)))))
    (i32.const 0)))
)";

// Answers every message with itself (reply); "g" also sends "p" to the
// component named "b". When reply refuses, it tells the address in its
// config [message_kind(), reply's status] (2 x 4 bytes).
constexpr const char* kBouncer = R"((module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (import "airssys" "send_name" (func $send_name (param i32 i32 i32 i32) (result i32)))
  (import "airssys" "send" (func $send (param i64 i32 i32) (result i32)))
  (import "airssys" "message_kind" (func $kind (result i32)))
  (memory (export "memory") 1)
  (global $observer (mut i64) (i64.const 0))
  (data (i32.const 16) "bp")
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_init") (param i32 i32) (result i32)
    (if (i32.eq (local.get 1) (i32.const 8))
      (then (global.set $observer (i64.load (local.get 0)))))
    (i32.const 0))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (local $k i32) (local $r i32)
    (local.set $k (call $kind))
    (local.set $r (call $reply (local.get 1) (local.get 2)))
    (if (i32.eq (i32.load8_u (local.get 1)) (i32.const 103))
      (then (drop (call $send_name (i32.const 16) (i32.const 1) (i32.const 17) (i32.const 1)))))
    (if (i32.ne (local.get $r) (i32.const 0))
      (then (i32.store (i32.const 32) (local.get $k))
            (i32.store (i32.const 36) (local.get $r))
            (drop (call $send (global.get $observer) (i32.const 32) (i32.const 8)))))
    (i32.const 0)))
)";

std::vector<std::int32_t> words(const std::string& answer) {
  std::vector<std::int32_t> out(answer.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), answer.data(), out.size() * 4);
  return out;
}

std::int64_t number(const std::string& answer) {
  std::int64_t v = -1;
  if (answer.size() == 8) std::memcpy(&v, answer.data(), 8);
  return v;
}

std::string address_bytes(rt::Address a) {
  const std::uint64_t v = a.value();
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

class GuestTimerTest : public ComponentTest {
 protected:
  ComponentSpec from_wat(const std::string& name, const char* wat) {
    auto s = ComponentSpec::of(name, module_from_wat(wat, name)).with_engine(GetParam());
    s.logger = [](const std::string&, int, std::string_view) {};
    return s;
  }
};

TEST_P(GuestTimerTest, TimersOfACrashedInstanceNeverReachItsSuccessor) {
  supervise("root", immediate(SupervisorConfig::one_for_one().with_max_restarts(100)),
            {from_wat("ticker", kTicker)});
  const auto address = registry_.lookup("ticker");
  ASSERT_TRUE(address);
  ASSERT_TRUE(status("ticker")->wait_for(ComponentState::ready, 1, kWait));
  // Each instance arms a timer in its init; three crash before it fires.
  for (std::uint64_t k = 1; k <= 3; ++k) {
    ASSERT_TRUE(me_.send(*address, bytes("c")).ok());
    ASSERT_TRUE(status("ticker")->wait_for(ComponentState::ready, k + 1, kWait)) << k;
  }
  // One period: only the fourth instance's timer is pending, so one tick,
  // and one more a period later (not one per instance that ever armed).
  clock_->advance(1s);
  EXPECT_EQ(number(ask(*address, "q")), 1);
  clock_->advance(1s);
  EXPECT_EQ(number(ask(*address, "q")), 2);
}

TEST_P(GuestTimerTest, ATimerThatFiresAsItsInstanceCrashesIsNotHandledByTheNext) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {from_wat("ticker", kTicker)});
  const auto address = registry_.lookup("ticker");
  ASSERT_TRUE(address);
  ASSERT_TRUE(status("ticker")->wait_for(ComponentState::ready, 1, kWait));
  // The crash is queued before the tick, which fires while the first
  // instance handles it or has just ended: the next never counts it. (Its
  // own timer, armed at its init half a second or more after the first's,
  // is not due yet.)
  clock_->advance(500ms);
  ASSERT_TRUE(me_.send(*address, bytes("c")).ok());
  clock_->advance(500ms);
  ASSERT_TRUE(status("ticker")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(number(ask(*address, "q")), 0);
}

TEST_P(GuestTimerTest, CancelTimerCancelsAPendingTimerOnce) {
  const auto a = start(from_wat("ops", kTimerOps));
  EXPECT_GT(number(ask(a, "s")), 0);
  EXPECT_EQ(words(ask(a, "x")), std::vector<std::int32_t>{0});
  EXPECT_EQ(words(ask(a, "x")), std::vector<std::int32_t>{-10});  // AIRSSYS_NO_SUCH_TIMER
  clock_->advance(2s);
  EXPECT_EQ(number(ask(a, "q")), 0);
  // One that fired cannot be cancelled; its tick arrives.
  const std::int64_t first = number(ask(a, "s"));
  clock_->advance(1s);
  EXPECT_EQ(words(ask(a, "x")), std::vector<std::int32_t>{-10});
  EXPECT_EQ(number(ask(a, "q")), 1);
  // Ids are not reused within an instance.
  EXPECT_GT(number(ask(a, "s")), first);
}

TEST_P(GuestTimerTest, PendingTimersAreBoundedInNumberAndBytes) {
  struct Case {
    std::uint32_t max_timers;
    std::size_t timer_bytes;
    std::size_t payload;
  };
  std::vector<Case> cases;
  for (std::uint32_t n : {1U, 7U, 250U}) cases.push_back({n, std::size_t{16} << 20, 1});
  for (std::size_t size : {std::size_t{3}, std::size_t{1000}, std::size_t{65536}}) {
    cases.push_back({100'000, 10 * size + size / 2, size});
  }
  int k = 0;
  for (const Case& c : cases) {
    auto s = from_wat("ops" + std::to_string(k++), kTimerOps);
    s.limits.max_timers = c.max_timers;
    s.limits.timer_bytes = c.timer_bytes;
    const auto a = start(s);
    std::string arm(c.payload, '\0');
    arm[0] = 'a';
    const auto expected =
        static_cast<std::int32_t>(std::min<std::size_t>(c.max_timers, c.timer_bytes / c.payload));
    EXPECT_EQ(words(ask(a, arm)), (std::vector<std::int32_t>{expected, -9}))
        << c.max_timers << " timers, " << c.timer_bytes << " bytes, " << c.payload << " each";
    // Once they have fired the budget is free again.
    clock_->advance(1s);
    EXPECT_EQ(words(ask(a, arm)), (std::vector<std::int32_t>{expected, -9}));
  }
}

TEST_P(GuestTimerTest, ATimerToAnotherActorIsCancelledWithItsInstance) {
  auto s = from_wat("ops", kTimerOps);
  s.capabilities = Capabilities::parse({"send:*"}).value();
  s.config = bytes(address_bytes(me_.address()));
  s.restart = supervisor::RestartPolicy::temporary;
  const auto a = start(s);
  EXPECT_EQ(exit_reason_of(a, "o").detail(), "trap:unreachable");
  clock_->advance(2s);  // fires every due timer before it returns
  EXPECT_EQ(me_.queued(), 0U);
}

TEST_P(GuestTimerTest, MessageKindTellsRequestsPlainMessagesAnswersAndTimers) {
  const auto a = start(from_wat("ops", kTimerOps));
  // [noted kind, kind of this request, noted reply status, kind in init]
  EXPECT_EQ(words(ask(a, "k")), (std::vector<std::int32_t>{99, 1, 99, -5}));
  ASSERT_TRUE(system_.send(a, bytes("m")).ok());  // from no actor
  EXPECT_EQ(words(ask(a, "k")), (std::vector<std::int32_t>{2, 1, -5, -5}));
  ASSERT_TRUE(me_.send(a, bytes("m")).ok());  // from an actor: answered
  EXPECT_EQ(words(ask(a, "k")), (std::vector<std::int32_t>{0, 1, 0, -5}));
  ASSERT_TRUE(me_.receive(kWait));  // the answer
  ASSERT_TRUE(me_.send(a, bytes("z")).ok());
  EXPECT_EQ(words(ask(a, "k")), (std::vector<std::int32_t>{0, 1, 0, -5}));
  clock_->advance(1ms);  // its own timer, which reply does not answer
  EXPECT_EQ(words(ask(a, "k")), (std::vector<std::int32_t>{3, 1, -5, -5}));
}

TEST_P(GuestTimerTest, TwoComponentsCannotBounceAMessageForEver) {
  std::vector<ComponentSpec> specs;
  for (const char* name : {"a", "b"}) {
    auto s = from_wat(name, kBouncer);
    s.capabilities = Capabilities::parse({"send:*"}).value();
    s.config = bytes(address_bytes(me_.address()));
    specs.push_back(s);
  }
  const auto a = start(specs[0]);
  (void)start(specs[1]);
  ASSERT_TRUE(me_.send(a, bytes("g")).ok());
  // a answers "g" (to this actor) and sends "p" to b; b answers a; a's
  // answer to b's answer is refused (-5) and it says so here.
  auto told = me_.receive_if(
      [](const rt::Message& m) { return m.is<rt::Bytes>() && m.as<rt::Bytes>().size() == 8; },
      kWait);
  ASSERT_TRUE(told) << "a kept bouncing";
  EXPECT_EQ(words(text(told->as<rt::Bytes>())), (std::vector<std::int32_t>{2, -5}));
}

INSTANTIATE_TEST_SUITE_P(Engines, GuestTimerTest, ::testing::ValuesIn(engines()), engine_name);

// --- the bookkeeping alone ---------------------------------------------------

TEST(GuestTimers, CountsPendingTimersUntilTheirInstantPasses) {
  using TP = detail::GuestTimers::TimePoint;
  const TP t0{};
  for (std::uint32_t max : {1U, 2U, 17U}) {
    detail::GuestTimers timers(max, 1 << 20);
    std::vector<std::uint64_t> handles;
    for (std::uint32_t i = 0; i < max; ++i) {
      handles.push_back(timers.add(t0 + std::chrono::seconds(i + 1), 10, t0));
      ASSERT_NE(handles.back(), 0U);
      timers.armed(handles.back(), 100 + i);
    }
    EXPECT_EQ(timers.add(t0 + 100s, 10, t0), 0U) << max;
    EXPECT_EQ(timers.bytes(), std::size_t{10} * max);
    // The first one's instant passes: room for one more.
    EXPECT_NE(timers.add(t0 + 100s, 10, t0 + 1s), 0U);
    EXPECT_EQ(timers.count(), max);
    // A cancel gives back the runtime's id once.
    if (max > 1) {
      EXPECT_EQ(timers.cancel(handles[1]), rt::TimerId{101});
      EXPECT_EQ(timers.cancel(handles[1]), std::nullopt);
    }
    const auto ids = timers.take_all();
    EXPECT_EQ(ids.size(), max > 1 ? max - 1 : max);
    EXPECT_EQ(timers.count(), 0U);
    EXPECT_EQ(timers.bytes(), 0U);
  }
}

TEST(GuestTimers, BytesAreBoundedWithoutOverflow) {
  const detail::GuestTimers::TimePoint t0{};
  detail::GuestTimers timers(1000, 100);
  EXPECT_NE(timers.add(t0 + 1s, 60, t0), 0U);
  EXPECT_EQ(timers.add(t0 + 1s, 41, t0), 0U);
  EXPECT_NE(timers.add(t0 + 1s, 40, t0), 0U);
  EXPECT_EQ(timers.add(t0 + 1s, SIZE_MAX, t0), 0U);
  EXPECT_EQ(timers.bytes(), 100U);
}

}  // namespace
}  // namespace airssys::wasm::test
