// `reply` as guest-abi.md states it: a message that came from no actor (the
// CLI's plain send) has no one to answer, and reply says so with -5 (no
// message to reply to), as when there is no message at all. Both engines.
#include <gtest/gtest.h>

#include "component_fixture.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {
namespace {

// Replies to every message, then exits with the negated status reply gave
// (0 for ok, so a normal exit).
WasmModulePtr replier() {
  return module_from_wat(R"((module
  (import "airssys" "exit" (func $exit (param i32 i32 i32)))
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (call $exit (i32.sub (i32.const 0) (call $reply (i32.const 16) (i32.const 2)))
                (i32.const 0) (i32.const 0))
    (i32.const 0)))
)",
                         "replier");
}

class ReplyContract : public ComponentTest {};

TEST_P(ReplyContract, APlainMessageFromNoActorHasNoOneToReplyTo) {
  auto s = ComponentSpec::of("replier", replier()).with_engine(GetParam());
  s.restart = supervisor::RestartPolicy::temporary;
  s.logger = [](const std::string&, int, std::string_view) {};
  const auto a = start(s);
  auto ref = me_.monitor(a);
  ASSERT_TRUE(system_.send(a, bytes("hi")).ok());  // from outside any actor
  auto down = me_.await_down(ref, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason.detail(), "exit: code 5") << down->reason.to_string();
  // From an actor, a plain message gets a message back: status 0.
  s.name = "replier2";
  const auto b = start(s);
  EXPECT_EQ(exit_reason_of(b, "hi"), rt::ExitReason::normal());
}

INSTANTIATE_TEST_SUITE_P(Engines, ReplyContract, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
