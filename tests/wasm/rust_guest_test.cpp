// Components written with the Rust SDK (sdk/rust), on both engines: a
// #![no_std] guest (rust_echo) reaches every host import through the SDK's
// wrappers, a trap and a panic each end in a fresh instance at the same
// address, a panic's message and location are its exit reason, exits and
// failed handlers are reported as for C guests, and an instance stays in its
// one or two pages of memory. A std guest on wasm32-unknown-unknown
// (rust_std) panics through std's hook the same way. The guests are
// tests/wasm/rust_guests/.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::RestartPolicy;
using supervisor::SupervisorConfig;

// What a component logged, shared with its logger (which may outlive the
// test body on a worker thread).
struct LogLines {
  std::mutex mutex;
  std::vector<std::pair<int, std::string>> lines;

  bool has(int level, const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& [l, t] : lines) {
      if (l == level && t == text) return true;
    }
    return false;
  }
};

class RustGuest : public ComponentTest {
 protected:
  // Compiled before the test's clock starts: a first aot compile of a large
  // guest on a loaded machine can take longer than a reply's wait.
  void SetUp() override {
    for (const char* name : {"rust_echo", "rust_std"}) {
      ASSERT_TRUE(precompile(*module(name), GetParam()).ok()) << name;
    }
  }
  ComponentSpec logged(const std::string& name, const std::string& guest_name) {
    auto s = spec(name, guest_name);
    auto log = log_;
    s.logger = [log](const std::string&, int level, std::string_view text) {
      std::lock_guard lock(log->mutex);
      log->lines.emplace_back(level, std::string(text));
    };
    return s;
  }

  // rust_echo, with the grants its imports need to load.
  ComponentSpec rust_echo(const std::string& name) {
    auto s = logged(name, "rust_echo");
    s.capabilities = Capabilities::parse({"send:*", "request:*", "lookup"}).value();
    return s;
  }

  // Asks until the answer is `want` (something the guest does later, such as
  // handling a timer or a reply), for at most kWait; returns the last answer.
  std::string ask_until(rt::Address to, std::string_view payload, const std::string& want) {
    const auto until = std::chrono::steady_clock::now() + kWait;
    std::string got = ask(to, payload);
    while (got != want && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      got = ask(to, payload);
    }
    return got;
  }

  std::string received() {
    auto m = me_.receive_as<rt::Bytes>(kWait);
    return m.ok() ? text(*m) : "nothing received";
  }

  std::shared_ptr<LogLines> log_ = std::make_shared<LogLines>();
};

// exit: panicked at '<message>', <file>:<line>:<column>
std::regex panic_reason(const std::string& message, const std::string& file) {
  const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  auto quoted = [&](const std::string& s) { return std::regex_replace(s, special, R"(\$&)"); };
  return std::regex("exit: panicked at '" + quoted(message) + "', " + quoted(file) +
                    ":[0-9]+:[0-9]+");
}

TEST(RustGuestModules, EachHasOnePageOfMemoryAndTheExportsOfTheAbi) {
  for (const char* name : {"rust_echo", "rust_std"}) {
    SCOPED_TRACE(name);
    auto m = module(name);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->initial_pages(), 1u);
    EXPECT_EQ(m->abi_version(), 1u);
    for (const char* e : {"airssys_alloc", "airssys_init", "airssys_handle", "airssys_handle_reply",
                          "airssys_health", "airssys_shutdown"}) {
      EXPECT_TRUE(m->exports_function(e)) << e;
    }
  }
  // The no_std guest imports every guest-visible import, and nothing else.
  std::vector<std::string> imports;
  for (const auto& i : module("rust_echo")->imports()) {
    EXPECT_EQ(i.module, "airssys") << i.name;
    imports.push_back(i.name);
  }
  std::sort(imports.begin(), imports.end());
  EXPECT_EQ(imports, (std::vector<std::string>{"cancel_timer", "exit", "log", "lookup",
                                               "message_kind", "now", "reply", "request", "self",
                                               "send", "send_after", "send_name", "start_timer"}));
}

TEST_P(RustGuest, TheNoStdGuestReachesEveryImport) {
  ASSERT_TRUE(system_.register_name("tester", me_.address()).ok());
  const auto peer = start(spec("peer", "echo"));
  auto s = rust_echo("r");
  s.capabilities = Capabilities::parse({"send:*", "request:peer", "lookup"}).value();
  const auto r = start(s);
  ASSERT_FALSE(r.is_none());

  EXPECT_EQ(ask(r, "hello"), "hello");
  EXPECT_EQ(ask(r, "inc"), "1/1");
  EXPECT_EQ(ask(r, "inc"), "2/1");
  EXPECT_EQ(ask(r, "self"), std::to_string(r.value()));
  EXPECT_EQ(ask(r, "now"), "monotonic");

  // message_kind: a request, and a plain message answered with a message.
  EXPECT_EQ(ask(r, "kind"), "1");
  ASSERT_TRUE(me_.send(r, bytes("kind")).ok());
  EXPECT_EQ(received(), "0");

  EXPECT_EQ(ask(r, "lookup:peer"), std::to_string(peer.value()));
  EXPECT_EQ(ask(r, "lookup:nobody"), "none");

  // send (to an address from lookup) and send_name; their failures.
  EXPECT_EQ(ask(r, "send:tester:by address"), "sent");
  EXPECT_EQ(received(), "by address");
  EXPECT_EQ(ask(r, "send_name:tester:by name"), "sent");
  EXPECT_EQ(received(), "by name");
  EXPECT_EQ(ask(r, "send_name:nobody:x"), "error -4");  // NAME_NOT_FOUND

  // request, answered through airssys_handle_reply; one no grant covers.
  EXPECT_EQ(ask(r, "request:peer:question"), "requested");
  EXPECT_EQ(ask_until(r, "last-reply", "ok:question"), "ok:question");
  EXPECT_EQ(ask(r, "request:tester:question"), "error -2");  // NOT_GRANTED

  // Timers to itself: send_after fires when the clock passes it; a
  // start_timer cancelled never does, and cancelling it again fails.
  EXPECT_EQ(ask(r, "after:10"), "armed");
  clock_->advance(10ms);
  EXPECT_EQ(ask_until(r, "ticks", "1"), "1");
  const std::string timer = ask(r, "timer:1000");
  ASSERT_GT(std::stoull(timer), 0u) << timer;
  EXPECT_EQ(ask(r, "cancel:" + timer), "cancelled");
  EXPECT_EQ(ask(r, "cancel:" + timer), "error -10");  // NO_SUCH_TIMER
  clock_->advance(1s);
  EXPECT_EQ(ask(r, "ticks"), "1");

  EXPECT_EQ(ask(r, "log:from rust"), "logged");
  EXPECT_TRUE(log_->has(1, "from rust"));
  EXPECT_EQ(status("r")->instances(), 1u);
}

TEST_P(RustGuest, ATrapAndAPanicEachEndInAFreshInstance) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {rust_echo("r")});
  const auto r = *registry_.lookup("r");
  EXPECT_EQ(ask(r, "inc"), "1/1");
  EXPECT_EQ(ask(r, "inc"), "2/1");

  ASSERT_TRUE(me_.send(r, bytes("trap")).ok());
  auto trapped = events_->await(Kind::child_exited, "r", 1);
  ASSERT_TRUE(trapped);
  EXPECT_EQ(trapped->reason.detail(), "trap:unreachable");
  ASSERT_TRUE(status("r")->wait_for(ComponentState::ready, 2, kWait));
  // Count 0 and one init: the statics of the old instance are gone.
  EXPECT_EQ(ask(r, "get"), "0/1");

  EXPECT_EQ(ask(r, "inc"), "1/1");
  ASSERT_TRUE(me_.send(r, bytes("panic")).ok());
  auto panicked = events_->await(Kind::child_exited, "r", 2);
  ASSERT_TRUE(panicked);
  EXPECT_EQ(panicked->reason.kind(), rt::ExitKind::error);
  EXPECT_TRUE(std::regex_match(panicked->reason.detail(),
                               panic_reason("asked to panic", "echo/src/lib.rs")))
      << panicked->reason.detail();
  ASSERT_TRUE(status("r")->wait_for(ComponentState::ready, 3, kWait));
  EXPECT_EQ(ask(r, "get"), "0/1");
  EXPECT_EQ(registry_.lookup("r"), r);
  EXPECT_EQ(status("r")->instances(), 3u);
}

TEST_P(RustGuest, TheStdGuestsPanicsExitWithTheirFormattedMessages) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {spec("s", "rust_std")});
  const auto s = *registry_.lookup("s");
  EXPECT_EQ(ask(s, "inc"), "1/1");
  EXPECT_EQ(ask(s, "inc"), "2/1");
  EXPECT_EQ(ask(s, "shout"), "SHOUT");

  ASSERT_TRUE(me_.send(s, bytes("panic")).ok());
  auto panicked = events_->await(Kind::child_exited, "s", 1);
  ASSERT_TRUE(panicked);
  EXPECT_TRUE(std::regex_match(panicked->reason.detail(),
                               panic_reason("asked to panic after 2 messages", "std/src/lib.rs")))
      << panicked->reason.detail();
  ASSERT_TRUE(status("s")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(s, "get"), "0/1");

  // A panic inside core's code has the caller's location.
  ASSERT_TRUE(me_.send(s, bytes("unwrap")).ok());
  auto unwrapped = events_->await(Kind::child_exited, "s", 2);
  ASSERT_TRUE(unwrapped);
  EXPECT_TRUE(std::regex_match(
      unwrapped->reason.detail(),
      panic_reason("called `Option::unwrap()` on a `None` value", "std/src/lib.rs")))
      << unwrapped->reason.detail();
  ASSERT_TRUE(status("s")->wait_for(ComponentState::ready, 3, kWait));
  EXPECT_EQ(ask(s, "get"), "0/1");
}

TEST_P(RustGuest, ExitsAndFailuresAreReportedAsForAnyGuest) {
  supervise("root", immediate(SupervisorConfig::one_for_one()),
            {rust_echo("ends").with_restart(RestartPolicy::transient),
             rust_echo("fails").with_restart(RestartPolicy::transient), rust_echo("returns")});

  ASSERT_TRUE(me_.send(*registry_.lookup("ends"), bytes("exit-shutdown")).ok());
  auto ended = events_->await(Kind::child_exited, "ends");
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->reason, rt::ExitReason::shutdown("done")) << ended->reason.to_string();
  ASSERT_TRUE(events_->await(Kind::restart_denied, "ends"));
  EXPECT_EQ(status("ends")->state(), ComponentState::terminated);

  ASSERT_TRUE(me_.send(*registry_.lookup("fails"), bytes("exit-error")).ok());
  auto failed = events_->await(Kind::child_exited, "fails");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->reason.detail(), "exit: gave up");
  ASSERT_TRUE(status("fails")->wait_for(ComponentState::ready, 2, kWait));

  ASSERT_TRUE(me_.send(*registry_.lookup("returns"), bytes("return-error")).ok());
  auto returned = events_->await(Kind::child_exited, "returns");
  ASSERT_TRUE(returned);
  EXPECT_EQ(returned->reason.detail(), "handler_failed: airssys_handle returned 5");
  ASSERT_TRUE(status("returns")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask("returns", "get"), "0/1");

  auto bad = supervisors_.spec("bad", immediate(SupervisorConfig::one_for_one()),
                               {rust_echo("bad-init").with_config("fail-init")});
  ASSERT_TRUE(bad.ok());
  auto started = supervisor::start_supervisor(system_, std::move(*bad));
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("init_failed: airssys_init returned 7"), std::string::npos)
      << started.error().message;
}

TEST_P(RustGuest, HealthAndShutdownReachTheGuest) {
  auto s = rust_echo("r");
  s.health.interval = 1s;
  s.health.timeout = 100ms;
  s.health.failures = 3;
  const auto root = supervise("root", immediate(SupervisorConfig::one_for_one()), {s});
  auto st = status("r");
  const auto first = st->health_checks();
  EXPECT_EQ(ask("r", "degrade"), "degraded");
  clock_->advance(1s);
  ASSERT_TRUE(st->wait_until(
      [&](ComponentState, std::uint64_t) { return st->health_checks() > first; }, kWait));
  EXPECT_EQ(st->health(), ComponentHealth::degraded);

  auto stopped = supervisor::SupervisorRef(system_, root).stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
  EXPECT_EQ(st->state(), ComponentState::terminated);
  EXPECT_TRUE(log_->has(1, "shutting down"));
}

// The no_std guest's inbox grows the memory only for a payload that does not
// fit in its page; std's allocator takes a second page at once.
TEST_P(RustGuest, AnInstanceStaysInItsPages) {
  const auto r = start(rust_echo("r"));
  EXPECT_EQ(ask(r, "pages"), "1");
  std::string payload(30 * 1024, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(ask(r, payload), payload);
  EXPECT_EQ(ask(r, "pages"), "1");
  const std::string big = payload + payload + payload + payload;  // 120 KiB
  EXPECT_EQ(ask(r, big), big);
  EXPECT_EQ(ask(r, "pages"), "3");

  const auto s = start(spec("s", "rust_std"));
  EXPECT_EQ(ask(s, "inc"), "1/1");
  EXPECT_EQ(ask(s, "pages"), "2");
  EXPECT_EQ(ask(s, "keep:16"), "kept 16 KiB");
  EXPECT_EQ(ask(s, "pages"), "2");
}

INSTANTIATE_TEST_SUITE_P(Engines, RustGuest, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
