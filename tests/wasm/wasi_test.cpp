// WASI preview 1 on both engines: what each function answers a component
// (wasi_probe.wat reaches them one at a time), commands run to completion
// (wasi_command.wat), and what the loader refuses: a WASI import that is not
// granted, unknown, or of the wrong signature, generated over the whole
// preview.
#include <gtest/gtest.h>

#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "airssys/supervisor/supervisor.hpp"
#include "component_fixture.hpp"
#include "guest_abi.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {
namespace {

using supervisor::RestartPolicy;
using supervisor::SupervisorConfig;

std::uint32_t u32_at(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}

std::string with_u32(char op, std::uint32_t v) {
  std::string s(1, op);
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

class Wasi : public ComponentTest {
 protected:
  // Compiled before the test's clock starts: a first aot compile of a large
  // guest on a loaded machine can take longer than a reply's wait.
  void SetUp() override {
    for (const char* name : {"wasi_probe", "wasi_command", "counter"}) {
      ASSERT_TRUE(precompile(*module(name), GetParam()).ok()) << name;
    }
  }
  struct Line {
    std::string component;
    int level;
    std::string text;
  };
  ComponentSpec wasi_spec(const std::string& name, const std::string& guest_name) {
    auto s = spec(name, guest_name);
    s.capabilities = *Capabilities::parse({"wasi"});
    s.logger = [this](const std::string& component, int level, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back({component, level, std::string(text)});
    };
    return s;
  }
  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // A command that loops until its call deadline, spawned.
  rt::Address spinning_command(rt::Duration deadline) {
    auto s = wasi_spec("spin", "wasi_command");
    s.args = {"l"};
    s.limits.fuel_per_message = 0;
    s.limits.call_deadline = deadline;
    auto a = spawner_.spawn_component(s);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : rt::Address::none();
  }
  // The errno of a probe's answer (its first 4 bytes).
  std::uint32_t errno_of(rt::Address a, std::string_view op) {
    const std::string r = ask(a, op);
    EXPECT_GE(r.size(), 4u) << r;
    return r.size() >= 4 ? u32_at(r, 0) : 0xFFFFFFFF;
  }

  std::mutex mutex_;
  std::vector<Line> lines_;
};

TEST_P(Wasi, StandardOutputAndErrorAreLinesOfTheComponentsLog) {
  const auto a = start(wasi_spec("talker", "wasi_probe"));
  // A line may come in pieces and several in one write; nwritten is all.
  std::string r = ask(a, "ohello, ");
  ASSERT_EQ(r.size(), 8u) << r;
  EXPECT_EQ(u32_at(r, 0), 0u);
  EXPECT_EQ(u32_at(r, 4), 7u);
  EXPECT_TRUE(lines().empty()) << "a line is written when it ends";
  r = ask(a, "oworld\nsecond\nthird");
  EXPECT_EQ(u32_at(r, 4), 18u);
  r = ask(a, "eto stderr\n");
  EXPECT_EQ(u32_at(r, 0), 0u);
  auto got = lines();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].component, "talker");
  EXPECT_EQ(got[0].text, "hello, world");
  EXPECT_EQ(got[0].level, 1);  // info
  EXPECT_EQ(got[1].text, "second");
  EXPECT_EQ(got[2].text, "to stderr");
  EXPECT_EQ(got[2].level, 2);  // warn
  // The line begun is written when the instance ends.
  EXPECT_EQ(exit_reason_of(a, std::string("x\0", 2)), rt::ExitReason::normal());
  got = lines();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].text, "third");
}

// Lines longer than 4 KiB are cut into lines of 4 KiB; what a guest writes
// is made safe as log text is.
TEST_P(Wasi, LongAndHostileOutputIsCutAndMadeSafe) {
  const auto a = start(wasi_spec("talker", "wasi_probe"));
  for (const std::size_t n : {4095u, 4096u, 4097u, 10000u}) {
    SCOPED_TRACE(n);
    const std::size_t before = lines().size();
    const std::string r = ask(a, "o" + std::string(n, 'x') + "\n");
    EXPECT_EQ(u32_at(r, 4), n + 1);
    const auto got = lines();
    const std::size_t expected = n / 4096 + 1 - (n % 4096 == 0 ? 1 : 0);
    ASSERT_EQ(got.size() - before, expected);
    std::size_t total = 0;
    for (std::size_t i = before; i < got.size(); ++i) {
      EXPECT_LE(got[i].text.size(), 4096u);
      total += got[i].text.size();
    }
    EXPECT_EQ(total, n);
  }
  (void)ask(a, std::string("o\x1b[2J\r[other] error: forged\n"));
  EXPECT_EQ(lines().back().text.find('\x1b'), std::string::npos) << lines().back().text;
  EXPECT_EQ(lines().back().text.find('\r'), std::string::npos);
}

// A flood to standard output is held to the log budget like log lines, and
// fd_write never fails for it (Rust's println! would panic).
TEST_P(Wasi, AFloodToStandardOutputIsBoundedLikeTheLog) {
  auto s = wasi_spec("flooder", "wasi_probe");
  s.limits.log_rate = 1;
  s.limits.log_burst = 50;
  const auto a = start(s);
  const std::string r = ask(a, with_u32('f', 20000));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(u32_at(r, 0), 0u);
  std::size_t flood = 0;
  for (const auto& l : lines()) flood += l.text == "flood line";
  EXPECT_GE(flood, 50u);
  EXPECT_LE(flood, 60u);
  EXPECT_GE(status("flooder")->log_lines_dropped(), 20000u - 60u);
}

TEST_P(Wasi, ArgsAndEnvironComeFromTheConfig) {
  auto s = wasi_spec("reader", "wasi_probe");
  s.args = {"--verbose", "", "two words"};
  s.env = {"RUST_LOG=info", "EMPTY=", "X=a=b"};
  const auto a = start(s);
  std::string r = ask(a, "a");
  ASSERT_GE(r.size(), 12u);
  EXPECT_EQ(u32_at(r, 0), 0u);
  EXPECT_EQ(u32_at(r, 4), 4u);  // argv[0] is the component's name
  const std::string argv("reader\0--verbose\0\0two words\0", 28);
  EXPECT_EQ(u32_at(r, 8), argv.size());
  EXPECT_EQ(r.substr(12), argv);
  r = ask(a, "v");
  const std::string env("RUST_LOG=info\0EMPTY=\0X=a=b\0", 27);
  EXPECT_EQ(u32_at(r, 4), 3u);
  EXPECT_EQ(r.substr(12), env);

  // None at all: argv is the name alone, environ empty.
  const auto b = start(wasi_spec("bare", "wasi_probe"));
  r = ask(b, "v");
  EXPECT_EQ(u32_at(r, 4), 0u);
  EXPECT_EQ(u32_at(r, 8), 0u);
  r = ask(b, "a");
  EXPECT_EQ(r.substr(12), std::string("bare\0", 5));
}

TEST_P(Wasi, ArgsAndEnvironBeyondTheirBoundsAreRefusedBeforeAnythingRuns) {
  auto over_count = wasi_spec("many", "wasi_probe");
  over_count.args.assign(ComponentSpec::kMaxWasiStrings + 1, "a");
  auto over_bytes = wasi_spec("big", "wasi_probe");
  over_bytes.env = {"A=" + std::string(ComponentSpec::kMaxWasiBytes, 'v')};
  auto nul = wasi_spec("nul", "wasi_probe");
  nul.args = {std::string("a\0b", 3)};
  auto not_var = wasi_spec("novar", "wasi_probe");
  not_var.env = {"JUSTANAME"};
  auto no_name = wasi_spec("noname", "wasi_probe");
  no_name.env = {"=value"};
  for (const auto& [s, what] :
       std::vector<std::pair<ComponentSpec, std::string>>{{over_count, "1025 entries"},
                                                          {over_bytes, "bytes together"},
                                                          {nul, "NUL"},
                                                          {not_var, "NAME=value"},
                                                          {no_name, "NAME=value"}}) {
    SCOPED_TRACE(s.name);
    auto r = spawner_.spawn_component(s);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    EXPECT_EQ(registry_.status(s.name), nullptr);
  }
  // At the bound exactly: runs.
  auto at_bound = wasi_spec("edge", "wasi_probe");
  at_bound.env = {"A=" + std::string(ComponentSpec::kMaxWasiBytes - 3, 'v')};
  const auto a = start(at_bound);
  EXPECT_EQ(u32_at(ask(a, "v"), 8), ComponentSpec::kMaxWasiBytes);
}

// A process with no files: standard input is at its end, standard streams
// are character devices that cannot seek, there are no preopened
// directories, and file and socket calls answer ENOTCAPABLE.
TEST_P(Wasi, FilesAndSocketsGetTheirDocumentedErrors) {
  const auto a = start(wasi_spec("probe", "wasi_probe"));
  EXPECT_EQ(errno_of(a, "P/etc/passwd"), 76u);  // ENOTCAPABLE
  EXPECT_EQ(errno_of(a, "S"), 76u);
  EXPECT_EQ(errno_of(a, "R"), 8u);   // EBADF: no preopens
  EXPECT_EQ(errno_of(a, "K"), 70u);  // ESPIPE
  EXPECT_EQ(errno_of(a, "W"), 8u);   // fd 5: EBADF
  std::string r = ask(a, "I");
  EXPECT_EQ(u32_at(r, 0), 0u);
  EXPECT_EQ(u32_at(r, 4), 0u);  // nread 0: end of input
  r = ask(a, "F");
  ASSERT_EQ(r.size(), 28u);
  EXPECT_EQ(u32_at(r, 0), 0u);
  EXPECT_EQ(static_cast<unsigned char>(r[4]), 2u);  // character device
  EXPECT_NE(u32_at(r, 12) & (1u << 6), 0u);         // fd_write right
}

TEST_P(Wasi, ClocksAndRandomAnswer) {
  const auto a = start(wasi_spec("probe", "wasi_probe"));
  const auto wall = [&](char id) {
    const std::string r = ask(a, std::string("c") + id);
    EXPECT_EQ(r.size(), 12u);
    EXPECT_EQ(u32_at(r, 0), 0u);
    std::uint64_t v = 0;
    std::memcpy(&v, r.data() + 4, 8);
    return v;
  };
  const std::uint64_t real = wall('\0');
  const auto now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  EXPECT_LE(real, now);
  EXPECT_GT(real, now - 60'000'000'000ULL);
  const std::uint64_t m1 = wall('\1');
  const std::uint64_t m2 = wall('\1');
  EXPECT_LE(m1, m2);
  EXPECT_EQ(errno_of(a, std::string("c\x02", 2)), 58u);  // CPU time: ENOTSUP
  EXPECT_EQ(errno_of(a, std::string("c\x09", 2)), 28u);  // EINVAL
  const std::string r1 = ask(a, "r");
  const std::string r2 = ask(a, "r");
  ASSERT_EQ(r1.size(), 36u);
  EXPECT_EQ(u32_at(r1, 0), 0u);
  EXPECT_NE(r1.substr(4), r2.substr(4));
  EXPECT_NE(r1.substr(4), std::string(32, '\0'));
}

TEST_P(Wasi, ABufferOutsideMemoryStopsTheGuestNamingTheCall) {
  const auto a = start(wasi_spec("probe", "wasi_probe"));
  const rt::ExitReason reason = exit_reason_of(a, "B");
  EXPECT_EQ(reason.kind(), rt::ExitKind::error);
  EXPECT_NE(reason.to_string().find("wasi_snapshot_preview1.fd_write: buffer outside memory"),
            std::string::npos)
      << reason.to_string();
}

// proc_exit(0) of a transient child is a normal exit (not restarted);
// proc_exit(3) a failure naming the code, restarted as a fresh instance.
TEST_P(Wasi, ProcExitIsTheComponentsExit) {
  supervise("root", immediate(SupervisorConfig::one_for_one()),
            {wasi_spec("ends", "wasi_probe").with_restart(RestartPolicy::transient),
             wasi_spec("fails", "wasi_probe").with_restart(RestartPolicy::transient)});
  ASSERT_TRUE(me_.send(*registry_.lookup("ends"), bytes(std::string("x\0", 2))).ok());
  auto exited = events_->await(Kind::child_exited, "ends");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->reason, rt::ExitReason::normal()) << exited->reason.to_string();
  ASSERT_TRUE(events_->await(Kind::restart_denied, "ends"));
  EXPECT_EQ(status("ends")->state(), ComponentState::terminated);

  ASSERT_TRUE(me_.send(*registry_.lookup("fails"), bytes("x\3")).ok());
  auto failed = events_->await(Kind::child_exited, "fails");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->reason.kind(), rt::ExitKind::error);
  EXPECT_NE(failed->reason.to_string().find("exit: proc_exit(3)"), std::string::npos)
      << failed->reason.to_string();
  ASSERT_TRUE(status("fails")->wait_for(ComponentState::ready, 2, kWait));
  EXPECT_EQ(u32_at(ask("fails", "a"), 4), 1u);  // a fresh instance answers
  EXPECT_EQ(status("ends")->instances(), 1u);
}

// proc_exit's codes are a process's: those the exit import gives a meaning
// (AIRSSYS_EXIT_SHUTDOWN) are plain failures through proc_exit.
TEST_P(Wasi, ProcExitCodesHaveNoNamedMeanings) {
  const auto a = start(wasi_spec("probe", "wasi_probe"));
  const rt::ExitReason reason = exit_reason_of(a, with_u32('X', detail::kExitShutdown));
  EXPECT_EQ(reason.kind(), rt::ExitKind::error) << reason.to_string();
  EXPECT_NE(reason.to_string().find("proc_exit(" + std::to_string(detail::kExitShutdown) + ")"),
            std::string::npos);
}

// A command (exports _start) runs once it is Ready, to its end: returning
// or proc_exit(0) is a normal exit, proc_exit(n) or a trap a failure. A
// transient command that fails is restarted and runs again.
TEST_P(Wasi, ACommandRunsToCompletionAndItsExitIsTheComponents) {
  struct Case {
    std::string arg;
    bool normal;
    std::string detail;
  };
  int n = 0;
  for (const Case& c : {Case{"", true, ""}, Case{"p", true, ""}, Case{"x0", true, ""},
                        Case{"x4", false, "exit: proc_exit(4)"}, Case{"t", false, "unreachable"}}) {
    SCOPED_TRACE(c.arg);
    // Under a supervisor, whose events say how it ended however soon.
    const std::string name = "cmd" + std::to_string(++n);
    auto s = wasi_spec(name, "wasi_command").with_restart(RestartPolicy::temporary);
    if (!c.arg.empty()) s.args = {c.arg};
    supervise("sup-" + name, immediate(SupervisorConfig::one_for_one()), {s});
    ASSERT_TRUE(events_->await(Kind::child_started, name));
    auto exited = events_->await(Kind::child_exited, name);
    ASSERT_TRUE(exited);
    EXPECT_EQ(exited->reason.kind() == rt::ExitKind::normal, c.normal)
        << exited->reason.to_string();
    if (!c.detail.empty()) {
      EXPECT_NE(exited->reason.to_string().find(c.detail), std::string::npos)
          << exited->reason.to_string();
    }
  }
  bool printed = false;
  for (const auto& l : lines()) printed = printed || l.text == "a line from a command";
  EXPECT_TRUE(printed);
}

TEST_P(Wasi, ATransientCommandIsRestartedUntilItSucceedsOrGivesUp) {
  auto s = wasi_spec("job", "wasi_command").with_restart(RestartPolicy::transient);
  s.args = {"x5"};
  supervise("root", immediate(SupervisorConfig::one_for_one().with_max_restarts(2)), {s});
  // Fails every time: two restarts, then the supervisor gives up.
  ASSERT_TRUE(events_->await(Kind::restart_limit_exceeded, "job"));
  EXPECT_EQ(status("job")->instances(), 3u);
  EXPECT_EQ(events_->count(Kind::child_exited, "job"), 3u);
}

// A command that never ends is stopped by its call deadline.
TEST_P(Wasi, ACommandThatNeverEndsIsStoppedByItsDeadline) {
  const rt::Address a = spinning_command(std::chrono::milliseconds(200));
  auto down = me_.await_down(me_.monitor(a), kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_NE(down->reason.to_string().find("deadline"), std::string::npos)
      << down->reason.to_string();
}

// A message to a command is a dead letter, never taken by nobody.
TEST_P(Wasi, AMessageToACommandIsADeadLetter) {
  ASSERT_TRUE(precompile(*module("wasi_command"), GetParam()).ok());  // Ready at its spawn
  const rt::Address a = spinning_command(std::chrono::milliseconds(300));
  const auto watch = me_.monitor(a);
  ASSERT_TRUE(me_.send(a, bytes("hello")).ok());
  ASSERT_TRUE(me_.await_down(watch, kWait).ok());
  // Before its run began (unhandled) or while it ran (queued at its exit).
  EXPECT_EQ(rt_events_->count_dead_letters(a, rt::DeadLetterReason::unhandled) +
                rt_events_->count_dead_letters(a, rt::DeadLetterReason::queued_at_exit),
            1u);
}

// A guest looping on a host call that does work for it (random bytes, a
// flood of output lines, long iovec walks) pays for that work in fuel: it
// meets its fuel budget, or with unlimited fuel its deadline, as if it did
// the work itself; one call does bounded work (a write takes at most 1 MiB,
// random_get at most 1 MiB, 1,024 iovecs).
TEST_P(Wasi, HostWorkIsChargedToTheGuestsFuel) {
  const std::string loops = R"((module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 16))
  (func $iovecs (local $i i32)
    ;; 1,024 iovecs at 65536, each the first page, full of newlines
    (memory.fill (i32.const 0) (i32.const 10) (i32.const 65536))
    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (i32.const 1024)))
      (i32.store (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
      (i32.store (i32.add (i32.const 65540) (i32.mul (local.get $i) (i32.const 8)))
                 (i32.const 65536))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l))))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32) (local $op i32)
    (local.set $op (i32.load8_u (local.get 1)))
    (call $iovecs)
    (loop $for_ever
      (if (i32.eq (local.get $op) (i32.const 0x72))
        (then (drop (call $random (i32.const 0) (i32.const 65536)))))
      (if (i32.eq (local.get $op) (i32.const 0x77))
        (then (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 1024)
                                 (i32.const 131068)))))
      (if (i32.eq (local.get $op) (i32.const 0x69))
        (then (drop (call $read (i32.const 0) (i32.const 65536) (i32.const 1024)
                                (i32.const 131068)))))
      (br $for_ever))
    (i32.const 0)))
)";
  const WasmModulePtr looper = module_from_wat(loops, "looper");
  ASSERT_TRUE(looper);
  ASSERT_TRUE(precompile(*looper, GetParam()).ok());
  int n = 0;
  for (const char* op : {"r", "w", "i"}) {
    for (const bool metered : {true, false}) {
      SCOPED_TRACE(std::string(op) + (metered ? " metered" : " unmetered"));
      auto s = ComponentSpec::of("looper" + std::to_string(n++), looper)
                   .with_engine(GetParam())
                   .with_capabilities(*Capabilities::parse({"wasi"}));
      s.logger = [](const std::string&, int, std::string_view) {};
      s.limits.log_rate = 0;  // every line written: the cost is the host's
      if (!metered) {
        s.limits.fuel_per_message = 0;
        s.limits.call_deadline = std::chrono::milliseconds(300);
      }
      const auto began = std::chrono::steady_clock::now();
      const rt::ExitReason reason = exit_reason_of(start(s), op);
      EXPECT_NE(reason.to_string().find(metered ? "fuel_exhausted" : "deadline"), std::string::npos)
          << reason.to_string();
      // Bounded calls: the end comes soon after the budget or the deadline.
      EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
    }
  }
}

// What a guest began to print is written however its instance ends but by
// a kill: a handler returning an error, a stop.
TEST_P(Wasi, ALineBegunIsWrittenWhenTheInstanceEnds) {
  const auto a = start(wasi_spec("talker", "wasi_probe"));
  (void)ask(a, "obegun, then a failure");
  const rt::ExitReason reason = exit_reason_of(a, "?");  // an unknown op: returns 1
  EXPECT_NE(reason.to_string().find("airssys_handle returned 1"), std::string::npos);
  ASSERT_FALSE(lines().empty());
  EXPECT_EQ(lines().back().text, "begun, then a failure");

  const auto b = start(wasi_spec("stopped", "wasi_probe"));
  (void)ask(b, "ebegun, then a stop");
  auto watch = me_.monitor(b);
  ASSERT_TRUE(system_.exit(b, rt::ExitReason::error("stopped from outside")).ok());
  ASSERT_TRUE(me_.await_down(watch, kWait).ok());
  EXPECT_EQ(lines().back().text, "begun, then a stop");
}

INSTANTIATE_TEST_SUITE_P(Engines, Wasi, ::testing::ValuesIn(engines()), engine_name);

// --- what the loader refuses, over the whole preview ------------------------

std::string wat_type(char c) {
  return c == 'I' ? "i64" : "i32";
}

// A reactor importing `field` of wasi_snapshot_preview1 with `params` ->
// `results` (shape letters).
std::string wasi_importer(const std::string& field, const std::string& params,
                          const std::string& results) {
  std::string sig;
  for (const char c : params) sig += " (param " + wat_type(c) + ")";
  for (const char c : results) sig += " (result " + wat_type(c) + ")";
  return R"((module
  (import "wasi_snapshot_preview1" ")" +
         field + R"(" (func)" + sig + R"())
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32) (i32.const 0)))
)";
}

// A guest that calls any WASI function (record byte 0: its index in the
// preview) with raw arguments (record bytes 8 + 8 * j, i32 ones cut from
// them) and replies the errno as 8 bytes: generated from the host's table.
WasmModulePtr wasi_caller() {
  std::string imports;
  std::string dispatch;
  for (std::size_t i = detail::kFirstWasiImport; i < detail::kHostImportCount; ++i) {
    const auto& f = detail::kHostImports[i];
    const std::size_t k = i - detail::kFirstWasiImport;
    std::string sig;
    std::string args;
    for (std::size_t j = 0; j < f.params.size(); ++j) {
      sig += " (param " + wat_type(f.params[j]) + ")";
      const std::string load = "(i64.load offset=" + std::to_string(8 + 8 * j) + " (local.get $p))";
      args += f.params[j] == 'I' ? " " + load : " (i32.wrap_i64 " + load + ")";
    }
    for (const char c : f.results) sig += " (result " + wat_type(c) + ")";
    imports += "(import \"wasi_snapshot_preview1\" \"" + std::string(f.name) + "\" (func $f" +
               std::to_string(k) + sig + "))\n";
    const std::string call = "(call $f" + std::to_string(k) + args + ")";
    dispatch += "(if (i32.eq (local.get $op) (i32.const " + std::to_string(k) + ")) (then " +
                (f.results.empty() ? call : "(local.set $r " + call + ")") + " (br $done)))\n";
  }
  return module_from_wat(R"((module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
)" + imports + R"(
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param $from i64) (param $p i32) (param $len i32) (result i32)
    (local $op i32) (local $r i32)
    (local.set $op (i32.load8_u (local.get $p)))
    (block $done
)" + dispatch + R"(    )
    (i64.store (i32.const 512) (i64.extend_i32_u (local.get $r)))
    (drop (call $reply (i32.const 512) (i32.const 8)))
    (i32.const 0)))
)",
                         "wasi_caller");
}

// Every WASI function with generated arguments, pointers and lengths at
// and around the memory's bounds included: each call answers a documented
// errno, or stops that guest alone (a buffer outside memory, proc_exit);
// the host and a bystander carry on.
TEST_P(Wasi, EveryFunctionWithGeneratedArgumentsAnswersOrStopsOnlyItsGuest) {
  const WasmModulePtr caller = wasi_caller();
  ASSERT_TRUE(caller);
  const auto bystander = start(spec("bystander", "counter"));
  constexpr std::uint64_t kMem = 65536;
  const std::uint64_t edges[] = {0,          1,          4,          8,          24,   1024,
                                 kMem - 64,  kMem - 8,   kMem - 4,   kMem - 1,   kMem, kMem + 1,
                                 0x7fffffff, 0xfffffff0, 0xffffffff, 1ULL << 32, ~0ULL};
  std::mt19937_64 random(18);
  const std::set<std::int64_t> errnos = {0, 8, 28, 29, 52, 58, 70, 76};
  int generation = 0;
  auto fresh = [&] {
    auto s = ComponentSpec::of("caller" + std::to_string(generation++), caller)
                 .with_engine(GetParam())
                 .with_capabilities(*Capabilities::parse({"wasi"}));
    s.logger = [](const std::string&, int, std::string_view) {};
    const rt::Address at = start(s);
    return std::make_pair(at, me_.monitor(at));
  };
  auto [a, watch] = fresh();
  std::size_t answered = 0;
  std::size_t stopped = 0;
  for (std::size_t i = detail::kFirstWasiImport; i < detail::kHostImportCount; ++i) {
    const auto& f = detail::kHostImports[i];
    for (int round = 0; round < 24; ++round) {
      std::string record(8 + 8 * detail::kMaxImportParams, '\0');
      record[0] = static_cast<char>(i - detail::kFirstWasiImport);
      for (std::size_t j = 0; j < f.params.size(); ++j) {
        // Mostly edges (small lengths with them), now and then anything.
        std::uint64_t v = random() % 4 == 0 ? random() : edges[random() % std::size(edges)];
        if (j > 0 && random() % 3 == 0) v = random() % 64;
        std::memcpy(record.data() + 8 + 8 * j, &v, 8);
      }
      SCOPED_TRACE(std::string(f.name) + " round " + std::to_string(round));
      auto r = me_.request<rt::Bytes>(a, rt::Bytes(record.begin(), record.end()), kWait);
      if (r.ok()) {
        ASSERT_EQ(r->size(), 8u);
        std::int64_t e = 0;
        std::memcpy(&e, r->data(), 8);
        EXPECT_TRUE(errnos.count(e) == 1) << e;
        ++answered;
        continue;
      }
      // It stopped: for a reason of its own, named.
      auto down = me_.await_down(watch, kWait);
      ASSERT_TRUE(down.ok()) << r.error().describe();
      const std::string why = down->reason.to_string();
      EXPECT_TRUE(down->reason == rt::ExitReason::normal() ||
                  why.find("wasi_snapshot_preview1." + std::string(f.name) +
                           ": buffer outside memory") != std::string::npos ||
                  why.find("exit: proc_exit(") != std::string::npos)
          << why;
      ++stopped;
      std::tie(a, watch) = fresh();
    }
  }
  EXPECT_GT(answered, 300u);
  EXPECT_GT(stopped, 50u);
  EXPECT_EQ(ask(bystander, "inc"), "1/1");
}

TEST(WasiLoad, EveryPreviewFunctionLinksAndNeedsTheWasiGrant) {
  for (std::size_t i = detail::kFirstWasiImport; i < detail::kHostImportCount; ++i) {
    const auto& f = detail::kHostImports[i];
    SCOPED_TRACE(std::string(f.name));
    const auto binary = wat_to_wasm(
        wasi_importer(std::string(f.name), std::string(f.params), std::string(f.results)), "w");
    ASSERT_TRUE(binary.ok());
    auto m = WasmModule::load(*binary, "w.wasm");
    ASSERT_TRUE(m.ok()) << m.error().describe();
    auto refused = (*m)->check_capabilities(*Capabilities::parse({"lookup", "send:*"}));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("imports wasi_snapshot_preview1." + std::string(f.name) +
                                           ", which needs capability \"wasi\""),
              std::string::npos)
        << refused.error().message;
    EXPECT_TRUE((*m)->check_capabilities(*Capabilities::parse({"wasi"})).ok());
  }
}

// Every function with each of its parameters' types flipped, one dropped,
// one added, and its result changed: refused naming the import and both
// signatures.
TEST(WasiLoad, AWrongSignatureIsRefusedNamingTheImport) {
  for (std::size_t i = detail::kFirstWasiImport; i < detail::kHostImportCount; ++i) {
    const auto& f = detail::kHostImports[i];
    const std::string params(f.params);
    const std::string results(f.results);
    std::vector<std::pair<std::string, std::string>> wrong;
    for (std::size_t p = 0; p < params.size(); ++p) {
      std::string flipped = params;
      flipped[p] = flipped[p] == 'I' ? 'i' : 'I';
      wrong.emplace_back(flipped, results);
    }
    if (!params.empty()) wrong.emplace_back(params.substr(1), results);
    wrong.emplace_back(params + "i", results);
    wrong.emplace_back(params, results.empty() ? "i" : "");
    for (const auto& [p, r] : wrong) {
      SCOPED_TRACE(std::string(f.name) + " " + p + "->" + r);
      const auto binary = wat_to_wasm(wasi_importer(std::string(f.name), p, r), "w");
      ASSERT_TRUE(binary.ok());
      auto m = WasmModule::load(*binary, "w.wasm");
      ASSERT_FALSE(m.ok());
      EXPECT_NE(m.error().message.find("import wasi_snapshot_preview1." + std::string(f.name) +
                                       " has signature"),
                std::string::npos)
          << m.error().message;
      EXPECT_NE(m.error().message.find("WASI preview 1 says"), std::string::npos);
    }
  }
}

TEST(WasiLoad, AnUnknownWasiFunctionIsRefusedNamingIt) {
  for (const std::string name :
       {"fd_write2", "path_open_at", "sock_open", "thread_spawn", "", "FD_WRITE", "send"}) {
    SCOPED_TRACE(name);
    const auto binary = wat_to_wasm(wasi_importer(name, "i", "i"), "w");
    ASSERT_TRUE(binary.ok());
    auto m = WasmModule::load(*binary, "w.wasm");
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("import wasi_snapshot_preview1." + name +
                                     " is not a WASI preview 1 function"),
              std::string::npos)
        << m.error().message;
  }
  // Other versions of WASI are other modules, not provided.
  const auto binary = wat_to_wasm(
      R"((module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
         (memory (export "memory") 1)
         (func (export "airssys_abi_version") (result i32) (i32.const 1))
         (func (export "airssys_alloc") (param i32) (result i32) (i32.const 0))
         (func (export "airssys_handle") (param i64 i32 i32) (result i32) (i32.const 0))))",
      "w");
  ASSERT_TRUE(binary.ok());
  auto m = WasmModule::load(*binary, "w.wasm");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("import wasi_unstable.fd_write"), std::string::npos);
}

// A function imported twice (any module) is one host function on both
// engines.
TEST(WasiLoad, AFunctionImportedTwiceRunsOnBothEngines) {
  const std::string wat = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $w1 (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w2 (param i32 i32 i32 i32) (result i32)))
  (import "airssys" "reply" (func $r1 (param i32 i32) (result i32)))
  (import "airssys" "reply" (func $r2 (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "twice\n")
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (i32.store (i32.const 100) (i32.const 200)) (i32.store (i32.const 104) (i32.const 6))
    (drop (call $w1 (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 108)))
    (drop (call $w2 (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 108)))
    (drop (call $r2 (i32.const 200) (i32.const 5)))
    (i32.const 0)))
)";
  for (const EngineKind engine : engines()) {
    SCOPED_TRACE(to_string(engine));
    const WasmModulePtr m = module_from_wat(wat, "twice");
    ASSERT_TRUE(m);
    ASSERT_TRUE(precompile(*m, engine).ok());
    rt::ActorSystem system;
    ComponentRegistry registry;
    ComponentSpawner spawner(system, registry);
    rt::ScopedActor me(system);
    std::mutex mutex;
    std::vector<std::string> got;
    auto s = ComponentSpec::of("twice", m)
                 .with_engine(engine)
                 .with_capabilities(*Capabilities::parse({"wasi"}));
    s.logger = [&](const std::string&, int, std::string_view text) {
      std::lock_guard lock(mutex);
      got.emplace_back(text);
    };
    auto a = spawner.spawn_component(s);
    ASSERT_TRUE(a.ok());
    auto r = me.request<rt::Bytes>(*a, bytes("go"), kWait);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(text(*r), "twice");
    std::lock_guard lock(mutex);
    EXPECT_EQ(got, (std::vector<std::string>{"twice", "twice"}));
  }
}

TEST(WasiLoad, ACommandIsOneThingOrTheOther) {
  const auto load = [](const std::string& exports) {
    const auto binary = wat_to_wasm("(module (memory (export \"memory\") 1) " + exports + ")", "c");
    EXPECT_TRUE(binary.ok());
    return WasmModule::load(*binary, "c.wasm");
  };
  auto command = load("(func (export \"_start\"))");
  ASSERT_TRUE(command.ok()) << command.error().describe();
  EXPECT_TRUE((*command)->is_command());
  auto both = load("(func (export \"_start\")) (func (export \"_initialize\"))");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("both _start"), std::string::npos);
  auto mixed = load(
      "(func (export \"_start\")) (func (export \"airssys_handle\") (param i64 i32 i32) (result "
      "i32) (i32.const 0))");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("airssys_handle"), std::string::npos);
  auto shaped = load("(func (export \"_start\") (param i32))");
  ASSERT_FALSE(shaped.ok());
  EXPECT_NE(shaped.error().message.find("_start must take and return nothing"), std::string::npos);
}

}  // namespace
}  // namespace airssys::wasm::test
