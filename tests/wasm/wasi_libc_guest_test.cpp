// The C SDK on wasi-libc with stdio, on each engine: libc_printf prints with
// printf (WASI preview 1's fd_write; standard output is the component's
// log at info level) and keeps its payload in malloc's heap. Its imports
// are what wasi-libc's stdio needs; the host provides them to components
// granted "wasi".
#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

class WasiLibcGuest : public ComponentTest {
 protected:
  // Compiled before the test's clock starts: a first aot compile of a large
  // guest on a loaded machine can take longer than a reply's wait.
  void SetUp() override {
    for (const char* name : {"libc_printf"}) {
      ASSERT_TRUE(precompile(*module(name), GetParam()).ok()) << name;
    }
  }
  ComponentSpec printing_spec() {
    auto s = spec("printf", "libc_printf");
    auto caps = Capabilities::parse({"wasi"});
    EXPECT_TRUE(caps.ok()) << (caps.ok() ? "" : caps.error().describe());
    if (caps.ok()) s.capabilities = *caps;
    s.logger = [this](const std::string&, int level, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back(std::to_string(level) + " " + std::string(text));
    };
    return s;
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_P(WasiLibcGuest, ImportsWhatStdioNeedsFromWasi) {
  std::set<std::string> wasi;
  for (const auto& imp : module("libc_printf")->imports()) {
    if (imp.module == "wasi_snapshot_preview1") wasi.insert(imp.name);
  }
  // stdio's four, and exit()'s proc_exit.
  EXPECT_EQ(wasi, (std::set<std::string>{"fd_close", "fd_fdstat_get", "fd_seek", "fd_write",
                                         "proc_exit"}));
}

TEST_P(WasiLibcGuest, PrintfGoesToTheLogAndMallocHoldsThePayload) {
  const auto a = start(printing_spec());
  EXPECT_EQ(ask(a, "hello"), "echo: hello");
  const std::string big(300'000, 'z');
  EXPECT_EQ(ask(a, big), "echo: " + big);
  EXPECT_EQ(ask(a, "again"), "echo: again");
  const auto logged = lines();
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 handled 5 bytes: hello"), logged.end());
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 handled 5 bytes: again"), logged.end());
  EXPECT_EQ(status("printf")->state(), ComponentState::ready);
}

TEST_P(WasiLibcGuest, WithoutTheWasiGrantItDoesNotLoad) {
  auto s = spec("printf", "libc_printf");
  EXPECT_FALSE(spawner_.spawn_component(s).ok());
}

// Crashed (abort, a trap) and restarted fresh under a supervisor, like any
// guest: its statics start again; exit(0) of a transient child ends it
// normally, exit(3) is a failure naming the code; what it printed without a
// newline is written when it ends.
TEST_P(WasiLibcGuest, ACrashOrAnExitEndsTheInstanceAndTheNextStartsFresh) {
  auto s = printing_spec().with_restart(supervisor::RestartPolicy::transient);
  supervise("root", immediate(supervisor::SupervisorConfig::one_for_one()), {s});
  const auto a = *registry_.lookup("printf");
  EXPECT_EQ(ask(a, "one"), "echo: one");
  EXPECT_EQ(ask(a, "count"), "count 2");
  ASSERT_TRUE(me_.send(a, bytes("abort")).ok());
  auto crashed = events_->await(Kind::child_exited, "printf");
  ASSERT_TRUE(crashed);
  EXPECT_NE(crashed->reason.to_string().find("unreachable"), std::string::npos)
      << crashed->reason.to_string();
  ASSERT_TRUE(status("printf")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(a, "count"), "count 1");  // a fresh instance

  ASSERT_TRUE(me_.send(a, bytes("exit:3")).ok());
  ASSERT_TRUE(events_->await_count(Kind::child_exited, 2));
  const auto exits = events_->about("printf");
  bool code3 = false;
  for (const auto& e : exits) {
    code3 = code3 || (e.kind == Kind::child_exited &&
                      e.reason.to_string().find("exit: proc_exit(3)") != std::string::npos);
  }
  EXPECT_TRUE(code3);
  ASSERT_TRUE(status("printf")->wait_for(ComponentState::ready, 3, kWait));
  EXPECT_EQ(ask(a, "count"), "count 1");

  ASSERT_TRUE(me_.send(a, bytes("exit:0")).ok());
  ASSERT_TRUE(events_->await(Kind::restart_denied, "printf"));
  EXPECT_EQ(status("printf")->instances(), 3u);
  const auto logged = lines();
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 exiting with 3"), logged.end());
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 exiting with 0"), logged.end());
}

INSTANTIATE_TEST_SUITE_P(Engines, WasiLibcGuest, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
