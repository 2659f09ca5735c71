// Components on each engine: real guests answering, and every way a guest
// can fail ending in its precise exit reason while the host carries on.
#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using ComponentEngine = ComponentTest;

TEST_P(ComponentEngine, EchoAnswersWithItsPayload) {
  const auto a = start(spec("echo", "echo"));
  EXPECT_EQ(ask(a, "hello"), "hello");
  EXPECT_EQ(ask(a, ""), "");
  const std::string big(60000, 'x');
  EXPECT_EQ(ask(a, big), big);  // grows the guest's inbox past its first page
  EXPECT_EQ(status("echo")->state(), ComponentState::ready);
  EXPECT_EQ(status("echo")->messages_handled(), 3u);
  EXPECT_GT(status("echo")->fuel_used(), 0u);
}

TEST_P(ComponentEngine, HandWrittenWatGuestAnswers) {
  const auto a = start(spec("wat", "wat_echo"));
  EXPECT_EQ(ask(a, "from wat"), "from wat");
}

TEST_P(ComponentEngine, StateLivesInTheInstance) {
  auto s = spec("counter", "counter");
  s.with_config("40");
  const auto a = start(s);
  EXPECT_EQ(ask(a, "inc"), "41/1");
  EXPECT_EQ(ask(a, "inc"), "42/1");
  EXPECT_EQ(ask(a, "get"), "42/1");
}

TEST_P(ComponentEngine, PlainMessageRepliesGoBackToTheSender) {
  const auto a = start(spec("echo", "echo"));
  ASSERT_TRUE(me_.send(a, bytes("one-way")).ok());
  auto back = me_.receive_as<rt::Bytes>(kWait);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(text(*back), "one-way");
}

TEST_P(ComponentEngine, TrapsEndInTheirPreciseExitReasons) {
  struct Case {
    const char* trigger;
    const char* reason;
  };
  const Case cases[] = {
      {"trap", "trap:unreachable"},
      {"oob", "trap:out_of_bounds"},
      {"div0", "trap:divide_by_zero"},
      {"return-error", "handler_failed: airssys_handle returned 5"},
      {"bad-pointer", "abi_violation: reply: buffer outside memory"},
      {"exit-error", "exit: gave up"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string name = "crasher" + std::to_string(n++);
    const auto a = start(spec(name, "crasher"));
    EXPECT_EQ(ask(a, "hello"), "ok");
    const auto reason = exit_reason_of(a, c.trigger);
    EXPECT_EQ(reason.kind(), rt::ExitKind::error) << c.trigger;
    EXPECT_EQ(reason.detail(), c.reason) << c.trigger;
    EXPECT_EQ(status(name)->state(), ComponentState::failed);
    EXPECT_EQ(status(name)->last_failure(), c.reason);
  }
}

TEST_P(ComponentEngine, VoluntaryNormalExitIsNormal) {
  const auto a = start(spec("crasher", "crasher"));
  EXPECT_EQ(exit_reason_of(a, "exit-normal"), rt::ExitReason::normal());
  EXPECT_EQ(status("crasher")->state(), ComponentState::terminated);
}

TEST_P(ComponentEngine, RunawayLoopIsStoppedByFuel) {
  auto s = spec("spinner", "spinner");
  s.limits.fuel_per_message = 2'000'000;
  const auto a = start(s);
  EXPECT_EQ(ask(a, "work"), "ok");  // a bounded loop fits in its fuel
  EXPECT_EQ(exit_reason_of(a, "spin").detail(), "fuel_exhausted");
}

TEST_P(ComponentEngine, UnmeteredRunawayIsStoppedByTheDeadline) {
  auto s = spec("spinner", "spinner");
  s.limits.fuel_per_message = 0;
  s.limits.call_deadline = 50ms;
  const auto a = start(s);
  EXPECT_EQ(exit_reason_of(a, "spin").detail(), "deadline");
}

TEST_P(ComponentEngine, MemoryGrowthStopsAtTheMemoryLimit) {
  auto s = spec("hog", "memory_hog");
  s.limits.memory_limit = 4 * 65536;
  const auto a = start(s);
  EXPECT_EQ(ask(a, "small"), "2");  // one page more is fine
  EXPECT_EQ(exit_reason_of(a, "grow").detail(), "memory_limit");
}

TEST_P(ComponentEngine, DeepRecursionIsAStackOverflow) {
  auto s = spec("deep", "stack_overflow");
  s.limits.stack_limit = 200;
  const auto a = start(s);
  EXPECT_EQ(ask(a, "recurse:100"), "100");
  EXPECT_EQ(exit_reason_of(a, "recurse").detail(), "stack_overflow");
}

TEST_P(ComponentEngine, ALeafFunctionIsNotCountedAgainstTheStackLimit) {
  // airssys_handle (one frame) calls $count, which calls nothing.
  auto s = spec("leafy", "wat_echo");
  s.limits.stack_limit = 1;
  const auto a = start(s);
  EXPECT_EQ(ask(a, "hi"), "hi");
}

TEST_P(ComponentEngine, FailingInitNamesTheReturnCode) {
  auto s = spec("crasher", "crasher");
  s.with_config("fail-init");
  // The component may be gone before a monitor could be placed: its status
  // keeps the reason.
  ASSERT_TRUE(spawner_.spawn_component(s).ok());
  ASSERT_TRUE(status("crasher")->wait_for(ComponentState::failed, 1, kWait));
  EXPECT_EQ(status("crasher")->last_failure(), "init_failed: airssys_init returned 7");
}

TEST_P(ComponentEngine, InitThatNeverReturnsHitsTheStartupTimeout) {
  auto s = spec("spinner", "spinner");
  s.with_config("spin-in-init");
  s.limits.fuel_per_message = 0;
  s.startup_timeout = 50ms;
  ASSERT_TRUE(spawner_.spawn_component(s).ok());
  ASSERT_TRUE(status("spinner")->wait_for(ComponentState::failed, 1, kWait));
  EXPECT_EQ(status("spinner")->last_failure(), "startup_timeout");
}

TEST_P(ComponentEngine, OversizedRequestIsRefusedAndTheComponentLives) {
  auto s = spec("echo", "echo");
  s.limits.max_message_size = 1024;
  const auto a = start(s);
  auto r = me_.request<rt::Bytes>(a, rt::Bytes(2048, 'x'), kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::resource_exhausted);
  EXPECT_NE(r.error().message.find("max_message_size"), std::string::npos);
  EXPECT_EQ(ask(a, "still here"), "still here");
}

TEST_P(ComponentEngine, PingPongBetweenTwoComponents) {
  auto pong = spec("pong", "pong");
  pong.capabilities = Capabilities::all();
  auto ping = spec("ping", "ping");
  auto caps = Capabilities::parse({"send:pong", "send:*"});
  ASSERT_TRUE(caps.ok());
  ping.capabilities = *caps;
  start(pong);
  const auto p = start(ping);
  ASSERT_TRUE(me_.send(p, bytes("go:100")).ok());
  auto done = me_.receive_as<rt::Bytes>(kWait);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(text(*done), "done:100");
  EXPECT_EQ(status("pong")->messages_handled(), 100u);
}

// In C (requester) and AssemblyScript (as_asker, through the SDK's request
// and lookup).
TEST_P(ComponentEngine, RequestAndLookupFromAGuest) {
  start(spec("counter", "counter"));
  int count = 0;
  for (const char* guest : {"requester", "as_asker"}) {
    auto r = spec(guest, guest);
    r.capabilities = Capabilities::all();
    const auto a = start(r);
    ASSERT_TRUE(me_.send(a, bytes("ask:counter")).ok()) << guest;
    auto answer = me_.receive_as<rt::Bytes>(kWait);
    ASSERT_TRUE(answer.ok()) << guest;
    EXPECT_EQ(text(*answer), std::to_string(++count) + "/1") << guest;
    EXPECT_EQ(ask(a, "ask:nobody"), "not-found") << guest;
  }
}

TEST_P(ComponentEngine, SendToANameOutsideTheGrantsIsRefusedAtTheCall) {
  ASSERT_TRUE(system_.register_name("pong", me_.address()).ok());
  auto granted = spec("granted", "name_sender");
  auto to_pong = Capabilities::parse({"send:pong"});
  ASSERT_TRUE(to_pong.ok());
  granted.capabilities = *to_pong;
  auto refused = spec("refused", "name_sender");
  auto elsewhere = Capabilities::parse({"send:elsewhere"});
  ASSERT_TRUE(elsewhere.ok());
  refused.capabilities = *elsewhere;

  const auto g = start(granted);
  const auto r = start(refused);
  ASSERT_TRUE(me_.send(g, bytes("through")).ok());
  auto arrived = me_.receive_as<rt::Bytes>(kWait);
  ASSERT_TRUE(arrived.ok());
  EXPECT_EQ(text(*arrived), "through");
  // send_name returns not-granted; the guest's handler then returns 1.
  EXPECT_EQ(exit_reason_of(r, "blocked").detail(), "handler_failed: airssys_handle returned 1");
  EXPECT_EQ(me_.queued(), 0u);  // nothing got through
  EXPECT_EQ(status("granted")->state(), ComponentState::ready);
}

TEST_P(ComponentEngine, UngrantedImportFailsTheSpawnWithAClearError) {
  auto s = spec("sender", "ungranted_send");
  auto a = spawner_.spawn_component(s);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("component \"sender\""), std::string::npos);
  EXPECT_NE(a.error().message.find("airssys.send"), std::string::npos) << a.error().message;
  EXPECT_FALSE(registry_.lookup("sender").has_value());
}

TEST_P(ComponentEngine, HealthIsAskedOfTheGuest) {
  const auto a = start(spec("crasher", "crasher"));
  // On aot the first instance may still be compiling; a check is asked of
  // a Ready component.
  ASSERT_TRUE(status("crasher")->wait_for(ComponentState::ready, 1, kWait));
  auto h = me_.request<ComponentHealth>(a, CheckHealth{}, kWait);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(*h, ComponentHealth::healthy);
}

TEST_P(ComponentEngine, AssemblyScriptComponentAnswersAndFailsCleanly) {
  auto s = spec("as", "as_counter");
  s.with_config("10");
  const auto a = start(s);
  EXPECT_EQ(ask(a, "inc"), "11/1");
  EXPECT_EQ(ask(a, "inc"), "12/1");
  const auto reason = exit_reason_of(a, "crash");
  EXPECT_EQ(reason.kind(), rt::ExitKind::error);
  EXPECT_EQ(reason.detail().rfind("exit: crash requested at ", 0), 0u) << reason.detail();
}

INSTANTIATE_TEST_SUITE_P(Engines, ComponentEngine, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
