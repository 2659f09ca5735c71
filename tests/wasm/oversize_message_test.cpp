// A message larger than its receiver's max_message_size is never handed to
// the guest and never vanishes: it is a too_large dead letter with an
// event, a request's sender gets resource_exhausted, and the component
// carries on. Both engines.
#include <gtest/gtest.h>

#include <string>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

class OversizeMessage : public ComponentTest {};

TEST_P(OversizeMessage, IsATooLargeDeadLetterWithAnEventAndTheComponentCarriesOn) {
  auto s = spec("echo", "echo");
  s.limits.max_message_size = 16;
  const auto a = start(s);
  EXPECT_EQ(ask(a, "within"), "within");
  const std::uint64_t handled = status("echo")->messages_handled();
  const std::string big(100, 'x');
  // A plain message.
  ASSERT_TRUE(me_.send(a, bytes(big)).ok());
  EXPECT_TRUE(rt_events_->await_dead_letter(a, rt::DeadLetterReason::too_large));
  // A request: its sender learns it.
  auto r = me_.request<rt::Bytes>(a, bytes(big), kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::resource_exhausted) << r.error().describe();
  EXPECT_EQ(rt_events_->count_dead_letters(a, rt::DeadLetterReason::too_large), 2u);
  // Exactly at the limit is delivered; the component is still there.
  EXPECT_EQ(ask(a, std::string(16, 'y')), std::string(16, 'y'));
  EXPECT_EQ(status("echo")->messages_handled(), handled + 1);
  EXPECT_EQ(status("echo")->instances(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, OversizeMessage, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
