// The Rust SDK on wasm32-wasi with std (tests/wasm/rust_guests/wasi), on
// both engines: a WASI reactor whose _initialize runs on every fresh
// instance, println! lines reach the component's log, std::time reads the
// host's clocks, and a panic is its exit reason, with a fresh instance
// after it.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::SupervisorConfig;

struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;

  bool has(const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& t : lines) {
      if (t == text) return true;
    }
    return false;
  }
};

class RustWasiGuest : public ComponentTest {
 protected:
  // Compiled before the test's clock starts: a first aot compile of a large
  // guest on a loaded machine can take longer than a reply's wait.
  void SetUp() override {
    for (const char* name : {"rust_wasi"}) {
      ASSERT_TRUE(precompile(*module(name), GetParam()).ok()) << name;
    }
  }
  ComponentSpec wasi(const std::string& name) {
    auto s = spec(name, "rust_wasi");
    s.capabilities = Capabilities::parse({"wasi"}).value();
    auto log = log_;
    s.logger = [log](const std::string&, int, std::string_view text) {
      std::lock_guard lock(log->mutex);
      log->lines.emplace_back(text);
    };
    return s;
  }

  std::shared_ptr<LogLines> log_ = std::make_shared<LogLines>();
};

TEST(RustWasiGuestModule, IsAReactorInOnePageThatImportsWasi) {
  auto m = module("rust_wasi");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->initial_pages(), 1u);
  EXPECT_TRUE(m->exports_function("_initialize"));
  for (const char* e : {"airssys_alloc", "airssys_init", "airssys_handle"}) {
    EXPECT_TRUE(m->exports_function(e)) << e;
  }
  bool fd_write = false;
  for (const auto& i : m->imports()) {
    fd_write |= i.module == "wasi_snapshot_preview1" && i.name == "fd_write";
  }
  EXPECT_TRUE(fd_write);
}

TEST_P(RustWasiGuest, PrintsReadsTheClocksAndPanicsIntoAFreshInstance) {
  supervise("root", immediate(SupervisorConfig::one_for_one()), {wasi("w")});
  const auto w = *registry_.lookup("w");
  EXPECT_TRUE(log_->has("rust_wasi starting"));  // println! in init, after _initialize

  EXPECT_EQ(ask(w, "print:hello from wasi"), "printed");
  EXPECT_TRUE(log_->has("hello from wasi"));

  // "<seconds since the epoch> <ns since init>": SystemTime is the host's
  // wall clock, Instant a monotonic clock.
  std::istringstream first(ask(w, "time"));
  std::int64_t epoch = 0;
  std::int64_t since_init = -1;
  first >> epoch >> since_init;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(std::abs(now - epoch), 60) << epoch;
  EXPECT_GE(since_init, 0);
  std::istringstream second(ask(w, "time"));
  std::int64_t epoch2 = 0;
  std::int64_t since_init2 = -1;
  second >> epoch2 >> since_init2;
  EXPECT_GE(since_init2, since_init);

  EXPECT_EQ(ask(w, "inc"), "1/1");
  EXPECT_EQ(ask(w, "inc"), "2/1");
  EXPECT_EQ(ask(w, "pages"), "1");

  ASSERT_TRUE(me_.send(w, bytes("panic")).ok());
  auto panicked = events_->await(Kind::child_exited, "w");
  ASSERT_TRUE(panicked);
  EXPECT_TRUE(std::regex_match(
      panicked->reason.detail(),
      std::regex(
          "exit: panicked at 'asked to panic after 2 messages', wasi/src/lib\\.rs:[0-9]+:[0-9]+")))
      << panicked->reason.detail();
  ASSERT_TRUE(status("w")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(ask(w, "get"), "0/1");
  EXPECT_EQ(ask(w, "hello"), "hello");
}

INSTANTIATE_TEST_SUITE_P(Engines, RustWasiGuest, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
