// The aot engine's cache and C compiler: a cache directory anyone else could
// have made or written is refused; damaged, planted or misplaced entries
// are never dlopened but rebuilt; dead builds are cleaned up; the compiler
// runs with an argv (no shell), under its limits, killed with its whole
// process group when over time or cancelled.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../process_probe.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/wasm/aot_compiles.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "guest_path.hpp"

namespace airssys::wasm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using airssys::test::EnvVar;
using airssys::test::live_members;
using airssys::test::read_text;
using airssys::test::write_text;

// "soft hard" of a /proc/<pid>/limits line.
std::string limit(const std::string& limits, const std::string& name) {
  std::istringstream lines(limits);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream values(line.substr(name.size()));
    std::string soft;
    std::string hard;
    values >> soft >> hard;
    return soft + " " + hard;
  }
  return "no " + name;
}

class AotCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* parent = std::getenv("AIRSSYS_AOT_TEST_DIR")) {
      // A death test's process runs the test again: in its parent's
      // directory, which the parent removes.
      dir_ = parent;
    } else {
      std::string tmpl = (fs::path(::testing::TempDir()) / "airssys-aot-test-XXXXXX").string();
      ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      owns_dir_ = true;
    }
    dir_env_.emplace("AIRSSYS_AOT_TEST_DIR", dir_.string());
    cache_ = dir_ / "cache";
    cache_env_.emplace("AIRSSYS_AOT_CACHE", cache_.string());
  }
  void TearDown() override {
    cache_env_.reset();
    dir_env_.reset();
    std::error_code ec;
    if (owns_dir_) fs::remove_all(dir_, ec);
  }

  // A new WasmModule each time: the compiled form is kept per module.
  WasmModulePtr fresh(const std::string& guest_name) {
    auto m = WasmModule::load_file(test::guest(guest_name));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().describe());
    return m.ok() ? *m : nullptr;
  }

  Result<std::string> compile(const std::string& guest_name = "echo") {
    auto m = fresh(guest_name);
    if (!m) return Error{ErrorCode::internal, "no module"};
    return precompile(*m, EngineKind::aot);
  }

  std::string compile_error(const std::string& guest_name = "echo") {
    auto r = compile(guest_name);
    EXPECT_FALSE(r.ok()) << "compiled to " << (r.ok() ? *r : "");
    return r.ok() ? std::string() : r.error().message;
  }

  // A fresh echo on the aot engine answers.
  std::string echo_answer(const std::string& payload) {
    rt::ActorSystem system;
    ComponentRegistry registry;
    ComponentSpawner spawner(system, registry);
    rt::ScopedActor me(system);
    auto spec = ComponentSpec::of("echo", fresh("echo")).with_engine(EngineKind::aot);
    spec.logger = [](const std::string&, int, std::string_view) {};
    auto a = spawner.spawn_component(spec);
    if (!a.ok()) return "error: " + a.error().describe();
    auto r = me.request<rt::Bytes>(*a, rt::Bytes(payload.begin(), payload.end()), 10s);
    return r.ok() ? std::string(r->begin(), r->end()) : "error: " + r.error().describe();
  }

  std::string build_dirs() {
    std::string names;
    for (const auto& e : fs::directory_iterator(cache_)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(".airssys-build.", 0) == 0) names += n + " ";
    }
    return names;
  }

  // An executable shell script in the test's directory.
  fs::path script(const std::string& name, const std::string& body) {
    const fs::path p = dir_ / name;
    write_text(p, "#!/bin/sh\n" + body, fs::perms(0755));
    return p;
  }

  // A compiler that answers --version and runs `body` for a compile.
  fs::path fake_compiler(const std::string& body) {
    return script("fake-cc",
                  "if [ \"$1\" = --version ]; then echo 'fake cc 1.0'; exit 0; fi\n" + body);
  }

  fs::path dir_;
  bool owns_dir_ = false;
  fs::path cache_;
  std::optional<EnvVar> dir_env_;
  std::optional<EnvVar> cache_env_;
};

// --- the cache directory ---------------------------------------------------

TEST_F(AotCacheTest, CreatesMissingDirectoriesPrivateAndEntriesOwnerOnly) {
  const fs::path deep = dir_ / "a" / "b" / "aot";
  EnvVar env("AIRSSYS_AOT_CACHE", deep.string());
  auto path = compile();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  EXPECT_EQ(fs::path(*path).parent_path(), deep);
  for (const fs::path& d : {dir_ / "a", dir_ / "a" / "b", deep}) {
    struct stat st {};
    ASSERT_EQ(::stat(d.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << d;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(fs::path(*path).filename().string().size(), 64u + 3u) << *path;  // SHA-256 hex + .so
}

TEST_F(AotCacheTest, CacheDirThatIsASymlinkIsRefused) {
  const fs::path real = dir_ / "real";
  fs::create_directory(real);
  fs::permissions(real, fs::perms(0700));
  fs::create_directory_symlink(real, cache_);
  const std::string msg = compile_error();
  EXPECT_NE(msg.find(cache_.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("symbolic link"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(real));
}

TEST_F(AotCacheTest, CacheDirOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  fs::create_directory(cache_);
  fs::permissions(cache_, fs::perms(0700));
  ASSERT_EQ(::chown(cache_.c_str(), 4242, static_cast<gid_t>(-1)), 0);
  const std::string msg = compile_error();
  EXPECT_NE(msg.find(cache_.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("owned by uid 4242"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(cache_));
}

TEST_F(AotCacheTest, CacheDirWritableByGroupOrOthersIsRefused) {
  fs::create_directory(cache_);
  for (const auto mode : {0770, 0702}) {
    fs::permissions(cache_, fs::perms(mode));
    const std::string msg = compile_error();
    EXPECT_NE(msg.find(cache_.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("writable by its group or by others"), std::string::npos) << msg;
  }
  EXPECT_TRUE(fs::is_empty(cache_));
}

TEST_F(AotCacheTest, SharedTempFallbackIsCheckedLikeAnyOther) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  EnvVar no_cache("AIRSSYS_AOT_CACHE", std::nullopt);
  EnvVar no_xdg("XDG_CACHE_HOME", std::nullopt);
  EnvVar no_home("HOME", std::nullopt);
  EnvVar tmp("TMPDIR", dir_.string());
  const fs::path fallback = dir_ / ("airssys-aot-" + std::to_string(::geteuid()));
  // Someone else made the predictable name first.
  fs::create_directory(fallback);
  fs::permissions(fallback, fs::perms(0700));
  ASSERT_EQ(::chown(fallback.c_str(), 4242, static_cast<gid_t>(-1)), 0);
  const std::string msg = compile_error();
  EXPECT_NE(msg.find(fallback.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("owned by uid 4242"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(fallback));
}

// --- entries -----------------------------------------------------------------

TEST_F(AotCacheTest, TruncatedEntryIsRebuilt) {
  auto path = compile();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  const auto size = fs::file_size(*path);
  fs::resize_file(*path, size / 2);
  auto again = compile();
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(*again, *path);
  EXPECT_GT(fs::file_size(*path), size / 2);
  EXPECT_EQ(echo_answer("after truncation"), "after truncation");
}

TEST_F(AotCacheTest, EmptyEntryIsRebuilt) {
  auto path = compile();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  fs::resize_file(*path, 0);
  ASSERT_TRUE(compile().ok());
  EXPECT_GT(fs::file_size(*path), 0u);
  EXPECT_EQ(echo_answer("after emptying"), "after emptying");
}

TEST_F(AotCacheTest, EntryWithAlteredBytesIsRebuilt) {
  auto path = compile();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  std::string bytes = read_text(*path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);  // same size
  write_text(*path, bytes, fs::perms(0600));
  ASSERT_TRUE(compile().ok());
  EXPECT_NE(read_text(*path), bytes);
  EXPECT_EQ(echo_answer("after alteration"), "after alteration");
}

TEST_F(AotCacheTest, EntryOfAnotherModuleUnderThisKeyIsRebuilt) {
  auto echo = compile("echo");
  auto counter = compile("counter");
  ASSERT_TRUE(echo.ok() && counter.ok());
  // A valid entry with a valid record, but for another key.
  fs::copy_file(*counter, *echo, fs::copy_options::overwrite_existing);
  EXPECT_EQ(echo_answer("still echo"), "still echo");
}

TEST_F(AotCacheTest, PlantedObjectWithoutRecordIsNeverLoaded) {
  // A shared object whose constructor leaves a marker when it is loaded.
  const fs::path marker = dir_ / "planted-was-loaded";
  const fs::path source = dir_ / "planted.c";
  const fs::path planted = dir_ / "planted.so";
  write_text(source,
             "#include <stdio.h>\n__attribute__((constructor)) static void planted(void) "
             "{ FILE* f = fopen(\"" +
                 marker.string() + "\", \"w\"); if (f) fclose(f); }\n");
  const std::string cc = "cc -shared -fPIC -o '" + planted.string() + "' '" + source.string() + "'";
  ASSERT_EQ(std::system(cc.c_str()), 0);

  auto path = compile();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  // As a plain file of ours in the entry's place, then as a symlink to it.
  fs::copy_file(planted, *path, fs::copy_options::overwrite_existing);
  fs::permissions(*path, fs::perms(0600));
  ASSERT_TRUE(compile().ok());
  EXPECT_FALSE(fs::exists(marker));
  fs::remove(*path);
  fs::create_symlink(planted, *path);
  ASSERT_TRUE(compile().ok());
  EXPECT_FALSE(fs::is_symlink(*path));
  EXPECT_EQ(echo_answer("not planted"), "not planted");
  EXPECT_FALSE(fs::exists(marker));

  // The planted object does leave its marker when loaded: the check is
  // what kept it out.
  void* handle = ::dlopen(planted.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << ::dlerror();
  EXPECT_TRUE(fs::exists(marker));
  ::dlclose(handle);
}

TEST_F(AotCacheTest, BuildDirsOfDeadOrOldBuildsAreRemoved) {
  fs::create_directory(cache_);
  fs::permissions(cache_, fs::perms(0700));
  struct stat ns {};
  ASSERT_EQ(::stat("/proc/self/ns/pid", &ns), 0);
  const std::string prefix = ".airssys-build." + std::to_string(ns.st_ino) + ".";
  // A pid that is certainly dead: a child of ours, reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const fs::path dead = cache_ / (prefix + std::to_string(child) + ".0");
  const fs::path old = cache_ / (prefix + "1.0");  // pid 1 lives, but this is a day old
  const fs::path live = cache_ / (prefix + "1.1");
  const fs::path other_ns = cache_ / ".airssys-build.1.2.3";  // cannot be asked; recent
  for (const auto& d : {dead, old, live, other_ns}) {
    fs::create_directories(d / "sub");
    write_text(d / "sub" / "module.c", "int x;\n");
  }
  const timespec day_ago[2] = {{::time(nullptr) - 86400, 0}, {::time(nullptr) - 86400, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old.c_str(), day_ago, 0), 0);

  ASSERT_TRUE(compile().ok());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other_ns));
}

TEST_F(AotCacheTest, AnotherCompilerBuildsAnotherEntry) {
  auto by_cc = compile();
  ASSERT_TRUE(by_cc.ok()) << by_cc.error().describe();
  // The same cc, but a compiler that says it is another one.
  EnvVar cc("AIRSSYS_CC", fake_compiler("exec cc \"$@\"\n").string());
  auto by_other = compile();
  ASSERT_TRUE(by_other.ok()) << by_other.error().describe();
  EXPECT_NE(*by_other, *by_cc);
  EXPECT_TRUE(fs::exists(*by_cc));
  EXPECT_EQ(echo_answer("built by the other"), "built by the other");
}

// --- the C compiler ----------------------------------------------------------

TEST_F(AotCacheTest, CompilerOverItsTimeLimitIsKilledWithItsWholeGroup) {
  const fs::path leader = dir_ / "leader.pid";
  const fs::path child = dir_ / "child.pid";
  EnvVar cc("AIRSSYS_CC",
            fake_compiler("echo $$ > '" + leader.string() + "'\nsleep 1000 &\necho $! > '" +
                          child.string() + "'\nwait\n")
                .string());
  EnvVar timeout("AIRSSYS_AOT_COMPILE_TIMEOUT", "2s");
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = compile_error();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);
  EXPECT_NE(msg.find("echo"), std::string::npos) << msg;
  EXPECT_NE(msg.find("exceeded its time limit of 2 s"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AIRSSYS_AOT_COMPILE_TIMEOUT"), std::string::npos) << msg;

  ASSERT_TRUE(fs::exists(leader)) << "the fake compiler did not start";
  const int pgid = std::stoi(read_text(leader));
  EXPECT_EQ(::kill(pgid, 0), -1);  // reaped
  EXPECT_EQ(errno, ESRCH);
  // The sleep it started is dead too (perhaps a zombie waiting for init).
  ASSERT_TRUE(fs::exists(child));
  EXPECT_EQ(live_members(pgid), std::vector<int>{});
  EXPECT_EQ(build_dirs(), "");
}

TEST_F(AotCacheTest, CompilerRunsUnderItsLimitsWithNothingInherited) {
  const fs::path report = dir_ / "report";
  EnvVar cc("AIRSSYS_CC", fake_compiler("{ grep -E '^Max (cpu time|file size|address space)' "
                                        "/proc/$$/limits; pwd; echo \"tmp=$TMPDIR\"; "
                                        "ls -l /proc/$$/fd/; } > '" +
                                        report.string() + "'\nexit 3\n")
                              .string());
  EnvVar cpu("AIRSSYS_AOT_COMPILE_CPU", "7s");
  EnvVar memory("AIRSSYS_AOT_COMPILE_MEMORY", "3G");
  EnvVar fsize("AIRSSYS_AOT_COMPILE_FILE_SIZE", "100M");
  // A descriptor without O_CLOEXEC: the compiler must not get it.
  const fs::path probe = dir_ / "inherited-probe";
  write_text(probe, "");
  const int fd = ::open(probe.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const std::string msg = compile_error();
  ::close(fd);
  EXPECT_NE(msg.find("failed on the translated module (exit status 3)"), std::string::npos) << msg;

  const std::string r = read_text(report);
  EXPECT_EQ(limit(r, "Max cpu time"), "7 8") << r;  // SIGXCPU, then SIGKILL a second later
  EXPECT_EQ(limit(r, "Max file size"),
            std::to_string(100ULL << 20) + " " + std::to_string(100ULL << 20))
      << r;
  EXPECT_EQ(limit(r, "Max address space"),
            std::to_string(3ULL << 30) + " " + std::to_string(3ULL << 30))
      << r;
  EXPECT_NE(r.find(cache_.string() + "/.airssys-build."), std::string::npos) << r;
  EXPECT_NE(r.find("tmp=.\n"), std::string::npos) << r;  // the build directory
  EXPECT_EQ(r.find("inherited-probe"), std::string::npos) << r;
  EXPECT_EQ(build_dirs(), "");
}

TEST_F(AotCacheTest, CompilerOverItsFileSizeLimitIsNamed) {
  EnvVar cc("AIRSSYS_CC", fake_compiler("exec head -c 3000000 /dev/zero > module.so\n").string());
  EnvVar fsize("AIRSSYS_AOT_COMPILE_FILE_SIZE", "1M");
  const std::string msg = compile_error();
  EXPECT_NE(msg.find("exceeded its output file size limit of 1 MiB"), std::string::npos) << msg;
  EXPECT_EQ(build_dirs(), "");
}

TEST_F(AotCacheTest, CompilerOutputIsBounded) {
  EnvVar cc("AIRSSYS_CC",
            fake_compiler("head -c 20000000 /dev/zero | tr '\\0' x\nexit 1\n").string());
  const std::string msg = compile_error();
  EXPECT_NE(msg.find("exit status 1"), std::string::npos) << msg.substr(0, 200);
  EXPECT_LT(msg.size(), 10000u);
}

TEST_F(AotCacheTest, CompilerWithShellMetacharactersRunsNoShell) {
  const fs::path marker = dir_ / "shell-ran";
  for (const std::string& cc :
       {"cc; touch " + marker.string(), "cc $(touch " + marker.string() + ")",
        "cc `touch " + marker.string() + "`", "cc|touch " + marker.string()}) {
    EnvVar env("AIRSSYS_CC", cc);
    const std::string msg = compile_error();
    EXPECT_NE(msg.find("AIRSSYS_CC"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not a command line"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(marker)) << cc;
  }
  EnvVar missing("AIRSSYS_CC", (dir_ / "no-such-cc").string());
  EXPECT_NE(compile_error().find("no such executable file"), std::string::npos);
}

TEST_F(AotCacheTest, UnreadableLimitIsAnErrorNamingTheVariable) {
  EnvVar timeout("AIRSSYS_AOT_COMPILE_TIMEOUT", "soon");
  const std::string msg = compile_error();
  EXPECT_NE(msg.find("AIRSSYS_AOT_COMPILE_TIMEOUT='soon'"), std::string::npos) << msg;
}

// cancel_aot_compiles() cannot be undone: it runs in a process of its own.
void cancel_scenario(const fs::path& dir, const fs::path& cache) {
  const auto fail = [](const std::string& why) {
    std::fprintf(stderr, "%s\n", why.c_str());
    std::exit(1);
  };
  const fs::path running = dir / "running";
  if (::mkfifo(running.c_str(), 0600) != 0) fail("mkfifo");
  const fs::path cc = dir / "blocking-cc";
  write_text(cc,
             "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake cc'; exit 0; fi\n"
             "echo $$ > '" +
                 running.string() + "'\nexec sleep 1000\n",
             fs::perms(0755));
  ::setenv("AIRSSYS_CC", cc.c_str(), 1);
  auto m = WasmModule::load_file(test::guest("echo"));
  auto m2 = WasmModule::load_file(test::guest("counter"));
  if (!m.ok() || !m2.ok()) fail("cannot load the guests");
  Result<std::string> result = std::string();
  std::thread compiling([&] {
    result = precompile(**m, EngineKind::aot);
    // If the compiler never ran, the reader below is still waiting.
    const int w = ::open(running.c_str(), O_WRONLY | O_NONBLOCK);
    if (w >= 0) ::close(w);
  });
  // Blocks until the compiler is running and says who it is.
  const std::string pid_text = read_text(running);
  if (pid_text.empty() || pid_text[0] < '1' || pid_text[0] > '9') {
    compiling.join();
    fail("the compiler did not start: " +
         (result.ok() ? std::string("no error") : result.error().describe()));
  }
  const int pgid = std::stoi(pid_text);
  cancel_aot_compiles();
  compiling.join();
  if (result.ok()) fail("the compile was not cancelled");
  if (result.error().code != ErrorCode::system_stopping ||
      result.error().message.find("cancelled") == std::string::npos) {
    fail("unexpected error: " + result.error().describe());
  }
  if (::kill(pgid, 0) == 0 || errno != ESRCH) fail("the compiler is still there");
  if (!live_members(pgid).empty()) fail("its group is still there");
  // Later compiles fail at once, without starting a compiler.
  auto later = precompile(**m2, EngineKind::aot);
  if (later.ok() || later.error().code != ErrorCode::system_stopping) fail("a later compile ran");
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().filename().string().rfind(".airssys-build.", 0) == 0) fail("build dir left");
  }
  std::fprintf(stderr, "cancelled cleanly\n");
  std::exit(0);
}

TEST_F(AotCacheTest, CancelKillsRunningCompilesAndRefusesLaterOnes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(cancel_scenario(dir_, cache_), ::testing::ExitedWithCode(0), "cancelled cleanly");
}

// The process exits while a compile runs (as when an actor system gives up
// on a worker stuck in one): the compiler's subprocesses go too, not only
// the process --pdeathsig reaches. Writes "<group> <subprocess>" to `report`.
// Set in exit_scenario's child, which exits with a compile in flight on
// purpose: what that compile's thread holds at that instant (its libcrypto
// state, for one) is not a leak, and LeakSanitizer's check at exit would
// report it whenever the thread is caught between two allocations.
bool g_exiting_mid_compile = false;

void exit_scenario(const fs::path& dir, const fs::path& report) {
  const fs::path running = dir / "exit-running";
  if (::mkfifo(running.c_str(), 0600) != 0) std::exit(2);
  const fs::path cc = dir / "forking-cc";
  write_text(cc,
             "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake cc'; exit 0; fi\n"
             "sleep 1000 &\necho $$ $! > '" +
                 running.string() + "'\nwait\n",
             fs::perms(0755));
  ::setenv("AIRSSYS_CC", cc.c_str(), 1);
  auto m = WasmModule::load_file(test::guest("echo"));
  if (!m.ok()) std::exit(3);
  std::thread([m = *m] { (void)precompile(*m, EngineKind::aot); }).detach();
  write_text(report, read_text(running));  // blocks until the compiler runs
  g_exiting_mid_compile = true;
  std::exit(0);
}

TEST_F(AotCacheTest, ExitingKillsTheCompilersWholeGroup) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path report = dir_ / "exit-report";
  EXPECT_EXIT(exit_scenario(dir_, report), ::testing::ExitedWithCode(0), "");
  std::istringstream pids(read_text(report));
  int pgid = 0;
  int sleeper = 0;
  pids >> pgid >> sleeper;
  ASSERT_GT(sleeper, 0) << "the compiler did not start";
  // Waits for the subprocess to end (a pidfd is readable once it has).
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, sleeper, 0));
  if (pidfd >= 0) {
    pollfd exited{pidfd, POLLIN, 0};
    EXPECT_EQ(::poll(&exited, 1, 10'000), 1) << "the compiler's subprocess lives on";
    ::close(pidfd);
  }
  EXPECT_EQ(live_members(pgid), std::vector<int>{});
}

}  // namespace
}  // namespace airssys::wasm

// LeakSanitizer asks this before its check at exit (a weak hook of the
// sanitizer runtime; without a sanitizer nothing calls it).
extern "C" int __lsan_is_turned_off() {
  return airssys::wasm::g_exiting_mid_compile ? 1 : 0;
}
