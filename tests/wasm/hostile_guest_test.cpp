// Hostile guests: each is contained with a precise outcome (a status, or an
// exit reason for the guest alone) while the host and the other components
// carry on. Runaways, recursion, memory bombs, init that never returns and
// shutdown that never returns are in component_engine_test and
// component_supervision_test; this file covers what a guest can do to the
// host through its imports and to other components through messages.
#include <cstring>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

// One call of the hostile guest (tests/wasm/guests/hostile.wat): which
// import, an address and four i32 arguments, raw.
enum Op : std::uint8_t { kSend, kSendName, kRequest, kReply, kLookup, kLog, kExit, kSendAfter };

std::string call(Op op, std::uint64_t to, std::uint32_t a, std::uint32_t b, std::uint32_t c = 0,
                 std::uint32_t d = 0) {
  std::string p(32, '\0');
  p[0] = static_cast<char>(op);
  std::memcpy(p.data() + 8, &to, 8);
  const std::uint32_t args[4] = {a, b, c, d};
  std::memcpy(p.data() + 16, args, 16);
  return p;
}

std::int64_t result_of(const std::string& reply) {
  std::int64_t r = 0;
  if (reply.size() == 8) std::memcpy(&r, reply.data(), 8);
  return r;
}

class HostileGuest : public ComponentTest {
 protected:
  ComponentSpec hostile(const std::string& name) {
    auto s = spec(name, "hostile");
    s.capabilities = Capabilities::all();
    return s;
  }
};

constexpr std::uint32_t kPage = 65536;

TEST_P(HostileGuest, PointersOutsideMemoryStopOnlyThatGuestWithAbiViolation) {
  struct Case {
    std::string payload;
    const char* reason;
  };
  const std::uint64_t somewhere = 1;
  const Case cases[] = {
      {call(kSend, somewhere, kPage - 2, 8), "abi_violation: send: buffer outside memory"},
      {call(kSend, somewhere, 0xffff'fff0U, 16), "abi_violation: send: buffer outside memory"},
      {call(kSendName, 0, kPage + 100, 4, 0, 4), "abi_violation: send_name: buffer outside memory"},
      {call(kSendName, 0, 0, 4, kPage, 1), "abi_violation: send_name: buffer outside memory"},
      {call(kRequest, somewhere, 0xffff'ffffU, 1, 100),
       "abi_violation: request: buffer outside memory"},
      {call(kReply, 0, kPage - 1, 2), "abi_violation: reply: buffer outside memory"},
      {call(kLookup, 0, kPage * 3, 5), "abi_violation: lookup: buffer outside memory"},
      {call(kLog, 0, 1, kPage - 10, 11), "abi_violation: log: buffer outside memory"},
      {call(kExit, 0, 3, 0x8000'0000U, 4), "abi_violation: exit: buffer outside memory"},
      {call(kSendAfter, somewhere, 10, kPage, 1),
       "abi_violation: send_after: buffer outside memory"},
  };
  const auto bystander = start(spec("bystander", "counter"));
  int n = 0;
  for (const auto& c : cases) {
    const std::string name = "hostile" + std::to_string(n++);
    const auto a = start(hostile(name));
    const auto reason = exit_reason_of(a, c.payload);
    EXPECT_EQ(reason.kind(), rt::ExitKind::error) << name;
    EXPECT_EQ(reason.detail(), c.reason) << name;
    EXPECT_EQ(status(name)->state(), ComponentState::failed) << name;
    // The host and the other components carry on.
    EXPECT_EQ(ask(bystander, "inc"), std::to_string(n) + "/1") << name;
  }
}

TEST_P(HostileGuest, BadNamesAddressesAndSizesAreStatusesNotCrashes) {
  auto s = hostile("h");
  s.limits.max_message_size = 100;
  const auto a = start(s);
  const std::uint64_t nobody = 0xdead'beef'0000'0001ULL;
  // Too large for max_message_size (inside memory): -3.
  EXPECT_EQ(result_of(ask(a, call(kSend, a.value(), 0, 200))), -3);
  EXPECT_EQ(result_of(ask(a, call(kSendName, 0, 0, 1, 0, 101))), -3);
  // An address nothing lives at: -1; a name nobody has: -4.
  EXPECT_EQ(result_of(ask(a, call(kSend, nobody, 0, 4))), -1);
  EXPECT_EQ(result_of(ask(a, call(kSendName, 0, 0, 6, 0, 4))), -4);  // six zero bytes
  // A name longer than any registered name can be: -7 for send_name, 0
  // (not found) for lookup.
  EXPECT_EQ(result_of(ask(a, call(kSendName, 0, 0, 300, 0, 4))), -7);
  EXPECT_EQ(result_of(ask(a, call(kLookup, 0, 0, 300))), 0);
  // A request to nobody still gets an id; its failure arrives later through
  // airssys_handle_reply.
  EXPECT_GT(result_of(ask(a, call(kRequest, nobody, 0, 4, 10))), 0);
  // A timer to nobody is accepted and becomes a dead letter when it fires.
  EXPECT_EQ(result_of(ask(a, call(kSendAfter, nobody, 0, 0, 4))), 0);
  EXPECT_TRUE(rt_events_->await_dead_letter(rt::Address::from_value(nobody),
                                            rt::DeadLetterReason::no_such_actor));
  EXPECT_EQ(status("h")->state(), ComponentState::ready);
  EXPECT_EQ(status("h")->instances(), 1u);
}

TEST_P(HostileGuest, AMessageAboveTheLimitIsRefusedAndTheComponentLives) {
  auto s = spec("echo", "echo");
  s.limits.max_message_size = 1024;
  const auto a = start(s);
  auto r = me_.request<rt::Bytes>(a, rt::Bytes(4 << 20, 'x'), kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::resource_exhausted);
  EXPECT_NE(r.error().message.find("max_message_size"), std::string::npos) << r.error().message;
  EXPECT_EQ(ask(a, "still here"), "still here");
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileGuest, ::testing::ValuesIn(engines()), engine_name);

// A send flood into another component, on one worker so the receiver
// cannot drain while the flood runs: its bounded mailbox takes exactly its
// capacity, every other send returns AIRSSYS_MAILBOX_FULL to the flooder
// and is a dead letter with an event; nothing is lost without a trace.
class SendFlood : public ComponentTest {
 protected:
  SendFlood() : ComponentTest(/*workers=*/1) {}
};

TEST_P(SendFlood, ABoundedMailboxRefusesTheRestAndEveryMessageIsAccountedFor) {
  auto to_sink = Capabilities::parse({"send:sink"});
  ASSERT_TRUE(to_sink.ok());
  auto sink = spec("sink", "flooder");
  sink.capabilities = *to_sink;
  sink.limits.mailbox_capacity = 100;
  const auto sink_address = start(sink);
  auto flooder = spec("flooder", "flooder");
  flooder.capabilities = *to_sink;
  const auto f = start(flooder);
  ASSERT_NE(status("sink"), nullptr);
  ASSERT_TRUE(status("sink")->wait_for(ComponentState::ready, 1, kWait));

  EXPECT_EQ(ask(f, "flood:1000"), "100/900/0");
  // The refusals were recorded as the flooder sent (before it replied).
  EXPECT_EQ(rt_events_->count_dead_letters(sink_address, rt::DeadLetterReason::mailbox_full), 900u);
  // The sink handles the 100 it accepted, and then takes messages again.
  // (A request while the 100 still wait may itself be refused: ask until
  // it is accepted; each refusal is immediate.)
  std::string answer;
  for (int attempt = 0; attempt < 1'000'000; ++attempt) {
    auto r = me_.request<rt::Bytes>(sink_address, bytes("get"), kWait);
    if (r.ok()) {
      answer = text(*r);
      break;
    }
    ASSERT_EQ(r.error().code, ErrorCode::resource_exhausted) << r.error().describe();
  }
  EXPECT_EQ(answer, "100");
  EXPECT_EQ(status("sink")->state(), ComponentState::ready);
  EXPECT_EQ(status("flooder")->state(), ComponentState::ready);
}

INSTANTIATE_TEST_SUITE_P(Engines, SendFlood, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
