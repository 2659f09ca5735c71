// `airssys run` with aot components, end to end: every aot module is
// compiled before any component starts; a failed compile is reported like
// a config error with nothing started; SIGTERM during a compile cancels it
// at once. The C compiler is a script that says it runs through a FIFO and
// then hangs, fails, or runs the real cc once the test lets it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../process_probe.hpp"
#include "app_support.hpp"

namespace airssys::app::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using airssys::test::EnvVar;

constexpr auto kWait = 30s;  // an upper bound for what should take milliseconds

std::vector<std::string> event_names(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j.value("event", ""));
  }
  return out;
}

bool has_component_event(const std::vector<std::string>& events) {
  for (const auto& e : events) {
    if (e == "starting" || e == "started" || e == "start_failed" || e == "supervisor_started") {
      return true;
    }
  }
  return false;
}

class CliAot : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(airssys::test::make_fifo(dir_.path("started")));
    ASSERT_TRUE(airssys::test::make_fifo(dir_.path("go")));
    cache_.emplace("AIRSSYS_AOT_CACHE", dir_.path("cache"));
  }

  // AIRSSYS_CC for the program: answers --version; a compile writes its pid
  // to `started` (when `announce`: a test must read it), then runs `then`.
  void use_compiler(const std::string& then, bool announce = true) {
    const std::string started = "echo $$ > '" + dir_.path("started") + "'\n";
    const auto script = airssys::test::write_script(
        dir_.path("cc"), "if [ \"$1\" = --version ]; then echo 'test cc 1.0'; exit 0; fi\n" +
                             (announce ? started : "") + then);
    cc_.emplace("AIRSSYS_CC", script.string());
  }
  int compiler_started() {
    const auto text = airssys::test::read_fifo(dir_.path("started"), kWait);
    return text && !text->empty() ? std::stoi(*text) : 0;
  }

  // An interp component, then an aot one.
  std::string config() {
    return dir_.write("system.toml",
                      "[system]\nname = \"t\"\nworkers = 2\n\n[[supervisor]]\nname = \"root\"\n\n"
                      "[[component]]\nname = \"plain\"\nmodule = \"" +
                          guest("echo") +
                          "\"\nengine = \"interp\"\n\n[[component]]\nname = "
                          "\"native\"\nmodule = \"" +
                          guest("echo") + "\"\nengine = \"aot\"\n");
  }

  TempDir dir_;
  std::optional<EnvVar> cache_;
  std::optional<EnvVar> cc_;
};

TEST_F(CliAot, SigtermWhileAnAotModuleCompilesExitsAtOnceAndKillsTheCompiler) {
  use_compiler("exec sleep 1000\n");
  const auto file = config();
  const auto events = dir_.path("events.jsonl");
  Program p({"run", file, "--events", events});
  ASSERT_TRUE(p.started());
  const int pgid = compiler_started();
  ASSERT_GT(pgid, 0) << "the compiler never ran";
  const auto stopping = std::chrono::steady_clock::now();
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  EXPECT_NE(p.stderr_text().find("error: SIGTERM while compiling for the aot engine ("),
            std::string::npos)
      << p.stderr_text();
  EXPECT_NE(p.stderr_text().find("echo.wasm"), std::string::npos) << p.stderr_text();
  EXPECT_NE(p.stderr_text().find("nothing was started"), std::string::npos) << p.stderr_text();
  EXPECT_TRUE(airssys::test::wait_gone(pgid, 10s)) << "the compiler still runs";
  EXPECT_EQ(airssys::test::live_members(pgid), std::vector<int>{});
  const auto names = event_names(events);
  EXPECT_FALSE(has_component_event(names)) << read_file(events);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.back(), "system_stopped");
}

TEST_F(CliAot, AFailedAotCompileIsReportedBeforeAnyComponentStarts) {
  use_compiler("echo 'module.c:1:1: error: this compiler refuses'\nexit 1\n", false);
  const auto file = config();
  const auto events = dir_.path("events.jsonl");
  auto r = run_program({"run", file, "--for", "10s", "--events", events});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error: " + file + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": component 'native': " + guest("echo") + ": the C compiler ("),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("failed on the translated module (exit status 1): module.c:1:1: error: "
                       "this compiler refuses"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the system did not start"), std::string::npos) << r.err;
  const auto names = event_names(events);
  EXPECT_FALSE(has_component_event(names)) << read_file(events);
  EXPECT_EQ(names, (std::vector<std::string>{"system_starting", "system_stopped"}));
}

TEST_F(CliAot, RunCompilesEveryAotModuleBeforeStartingAnything) {
  use_compiler("read go < '" + dir_.path("go") + "'\nexec cc \"$@\"\n");
  const auto file = config();
  const auto events = dir_.path("events.jsonl");
  Program p({"run", file, "--events", events});
  ASSERT_TRUE(p.started());
  ASSERT_GT(compiler_started(), 0) << "the compiler never ran";
  // Compiling: not even the interp component, first in the tree, has started.
  EXPECT_FALSE(has_component_event(event_names(events))) << read_file(events);
  ASSERT_TRUE(airssys::test::write_fifo(dir_.path("go"), "go\n"));
  ASSERT_TRUE(p.read_until("running")) << p.stderr_text();
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("native: terminated"), std::string::npos) << p.stdout_text();
}

}  // namespace
}  // namespace airssys::app::test
