// What a guest says (its log lines and its exit text) is made safe where it
// enters the host, on both engines: whatever bytes it writes, every output
// gets valid UTF-8 with no control characters, one guest line is one line,
// and a flood of lines is cut to the component's log budget and counted.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "airssys/rt/safe_text.hpp"
#include "component/log_budget.hpp"
#include "component_fixture.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {
namespace {

// Every byte value, then sequences a decoder must refuse or a terminal
// would act on: overlongs, a surrogate, past U+10FFFF, truncated, escape
// sequences, a forged line of another component, bidi overrides.
std::string hostile_text() {
  std::string s;
  for (int b = 0; b < 256; ++b) s += static_cast<char>(b);
  s += "\xC0\xAF\xE0\x80\xAF\xED\xA0\x80\xF4\x90\x80\x80\xE4\xB8";
  s += "\x1b[2J\x1b]0;owned\x07\r\n[payments] error: forged\n";
  s += "\xE2\x80\xAE"
       "gnp.exe\xE2\x80\xA8\xE2\x81\xA6";
  return s;
}

// WebAssembly text's string escapes for `s`.
std::string wat_string(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += '\\';
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

// A guest whose handler logs `text` `lines` times, then exits with
// `exit_code` and `text` as its exit text.
WasmModulePtr talker(const std::string& text, int lines, int exit_code, int level = 3) {
  const std::string len = std::to_string(text.size());
  return module_from_wat(
      R"((module
  (import "airssys" "exit" (func $exit (param i32 i32 i32)))
  (import "airssys" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) ")" +
          wat_string(text) + R"(")
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32) (local $i i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (i32.const )" +
          std::to_string(lines) + R"()))
      (call $log (i32.const )" +
          std::to_string(level) + R"() (i32.const 16) (i32.const )" + len + R"())
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))
    (call $exit (i32.const )" +
          std::to_string(exit_code) + R"() (i32.const 16) (i32.const )" + len + R"())
    (i32.const 0)))
)",
      "talker");
}

class GuestText : public ComponentTest {
 protected:
  struct Line {
    int level;
    std::string text;
  };
  ComponentSpec talking(const std::string& name, WasmModulePtr module) {
    auto s = ComponentSpec::of(name, std::move(module)).with_engine(GetParam());
    s.restart = supervisor::RestartPolicy::temporary;
    s.logger = [this](const std::string&, int level, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back({level, std::string(text)});
    };
    return s;
  }
  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::mutex mutex_;
  std::vector<Line> lines_;
};

TEST_P(GuestText, LogLinesAndExitTextsAreSafeWhateverTheGuestWrites) {
  const std::string raw = hostile_text();
  const auto a = start(talking("talker", talker(raw, 1, 3)));
  const rt::ExitReason reason = exit_reason_of(a, "go");
  // The log line: the guest's text made safe, whole (it fits in 4 KiB),
  // on one line.
  const auto got = lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, rt::safe_text(raw, 4096));
  EXPECT_TRUE(rt::is_safe_text(got[0].text));
  EXPECT_EQ(got[0].text.find('\n'), std::string::npos);
  EXPECT_NE(got[0].text.find("\\x1b[2J"), std::string::npos) << got[0].text;
  EXPECT_NE(got[0].text.find("\\n[payments] error: forged"), std::string::npos);
  // The exit text, in the exit reason and the component's status: cut to
  // 1 KiB, safe.
  const std::string detail = reason.to_string();
  EXPECT_TRUE(rt::is_safe_text(detail)) << detail;
  EXPECT_NE(detail.find("exit: " + rt::safe_text(raw, 1024)), std::string::npos) << detail;
  EXPECT_TRUE(rt::is_safe_text(status("talker")->last_failure()));
}

// 5,000 lines in one message against a budget of 200 and 1 a second: at
// most the burst and what refilled while the guest ran are written; the
// rest are dropped and counted in the status, none of them silently.
TEST_P(GuestText, ALogFloodIsCutToTheBudgetAndCounted) {
  constexpr int kLines = 5000;
  auto spec = talking("flooder", talker("flood line", kLines, 0));
  spec.limits.log_rate = 1;
  spec.limits.log_burst = 200;
  const auto began = std::chrono::steady_clock::now();
  const auto a = start(spec);
  EXPECT_EQ(exit_reason_of(a, "go"), rt::ExitReason::normal());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::uint64_t written = 0;
  std::uint64_t reports = 0;
  for (const auto& line : lines()) {
    if (line.text == "flood line") {
      ++written;
    } else {
      EXPECT_NE(line.text.find("log lines dropped (over log_rate 1/s, log_burst 200)"),
                std::string::npos)
          << line.text;
      ++reports;
    }
  }
  EXPECT_GE(written, 200u);
  EXPECT_LE(written + reports, 200u + static_cast<std::uint64_t>(std::ceil(seconds)) + 1);
  EXPECT_EQ(status("flooder")->log_lines_dropped(), kLines - written);
}

// Debug lines under an error-only log level are dropped before the budget:
// they neither use it up nor count as dropped over it.
TEST_P(GuestText, LinesBelowTheLogLevelCostNoBudget) {
  for (const int lines : {10, 1000}) {
    auto spec = talking("quiet" + std::to_string(lines), talker("debug line", lines, 0, 0));
    spec.limits.log_rate = 1;
    spec.limits.log_burst = 5;
    spec.log_level = 3;
    const auto a = start(spec);
    EXPECT_EQ(exit_reason_of(a, "go"), rt::ExitReason::normal());
    EXPECT_EQ(status(spec.name)->log_lines_dropped(), 0u) << lines;
  }
  EXPECT_TRUE(lines().empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, GuestText, ::testing::ValuesIn(engines()), engine_name);

TEST(LogBudget, AdmitsTheBurstThenTheRateAndCountsTheRest) {
  using namespace std::chrono_literals;
  const auto t0 = detail::LogBudget::Clock::time_point{} + 1h;
  detail::LogBudget budget(10, 3, t0);
  EXPECT_TRUE(budget.admit(t0));
  EXPECT_TRUE(budget.admit(t0));
  EXPECT_TRUE(budget.admit(t0));
  EXPECT_FALSE(budget.admit(t0));
  EXPECT_FALSE(budget.admit(t0 + 50ms));  // half a token
  EXPECT_TRUE(budget.admit(t0 + 100ms));  // one refilled
  EXPECT_FALSE(budget.admit(t0 + 100ms));
  EXPECT_EQ(budget.take_dropped(), 3u);
  EXPECT_EQ(budget.take_dropped(), 0u);
  // Refills stop at the burst however long it was quiet.
  int admitted = 0;
  while (budget.admit(t0 + 1h)) ++admitted;
  EXPECT_EQ(admitted, 3);
  // Rate 0: unlimited.
  detail::LogBudget unlimited(0, 1, t0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(unlimited.admit(t0));
}

}  // namespace
}  // namespace airssys::wasm::test
