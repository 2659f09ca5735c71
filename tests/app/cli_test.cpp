// The airssys program end to end: the real binary, real configs, real
// guests; its events, exit codes, signals and admin endpoint.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "app_support.hpp"
#include "http_probe.hpp"

namespace airssys::app::test {
namespace {

using nlohmann::json;

// ingest ticks every `period` ms and sends each reading to "audit", a flaky
// component failing every `every` messages.
std::string pipeline(const std::string& period, const std::string& every,
                     const std::string& root_extra = "", const std::string& audit_extra = "") {
  return "[system]\nname = \"t\"\nworkers = 2\n\n[[supervisor]]\nname = \"root\"\n" + root_extra +
         "\n[[component]]\nname = \"ingest\"\nmodule = \"" + example_module("ingest") +
         "\"\nconfig = \"" + period + "\"\ncapabilities = [\"send:audit\", \"send:parse\"]\n" +
         "\n[[component]]\nname = \"audit\"\nmodule = \"" + example_module("flaky") +
         "\"\nconfig = \"" + every + "\"\n" + audit_extra;
}

std::vector<json> events_in(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

// A system of one echo component.
std::string echo_system(const std::string& before = "") {
  return before + "[[component]]\nname = \"echo\"\nmodule = \"" + guest("echo") + "\"\n";
}

TEST(Cli, HelpExplainsEveryCommand) {
  auto r = run_program({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* cmd : {"run", "check", "tree", "send", "pool", "delete", "inspect", "compile"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
  auto pool_help = run_program({"pool", "--help"});
  EXPECT_EQ(pool_help.code, 0);
  for (const char* sub : {"start", "stop", "list"}) {
    EXPECT_NE(pool_help.out.find(sub), std::string::npos) << sub << ": " << pool_help.out;
  }
  auto pool_start_help = run_program({"pool", "start", "--help"});
  EXPECT_NE(pool_start_help.out.find("--config"), std::string::npos) << pool_start_help.out;
  EXPECT_NE(run_program({"delete", "--help"}).out.find("stopped component"), std::string::npos);
  // A pool command without what it needs is a usage error.
  EXPECT_NE(run_program({"pool"}).code, 0);
  EXPECT_NE(run_program({"pool", "stop", "--http", "127.0.0.1:1", "workers"}).code, 0);
  auto run_help = run_program({"run", "--help"});
  EXPECT_NE(run_help.out.find("--for"), std::string::npos);
  EXPECT_NE(run_help.out.find("--events"), std::string::npos);
}

TEST(Cli, CheckNamesEachErrorWithItsPositionAndExitsOne) {
  TempDir dir;
  const auto file = dir.write("bad.toml", pipeline("100", "3", "colour = \"red\"\n"));
  auto r = run_program({"check", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(file + ":7:1: unknown key 'colour' in [[supervisor]] 'root'"),
            std::string::npos)
      << r.err;
}

// Each config reads well but `run` would refuse it; `check` reports it with
// its position, and `run` refuses it before anything starts.
TEST(Cli, CheckRefusesWhatRunWouldAndRunStartsNothingOfIt) {
  const std::string module = "module = \"" + guest("echo") + "\"\n";
  auto component = [&](const std::string& name, const std::string& extra) {
    return "[[component]]\nname = \"" + name + "\"\n" + module + extra;
  };
  struct Case {
    std::string text;
    std::string error;  // "line:column: ..." as check and run say it
  };
  std::vector<Case> cases;
  for (const char* name : {"/a", "a/b", "a/", "x/y/z"}) {
    cases.push_back({component("ok", "") + component(name, ""),
                     "4:1: component \"" + std::string(name) + "\": child '" + name +
                         "': an id must not contain '/'"});
    cases.push_back({"[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"" +
                         std::string(name) + "\"\nparent = \"root\"\n" + component("ok", ""),
                     "3:1: supervisor '" + std::string(name) + "'"});
  }
  for (const char* t : {"0ms", "0s"}) {
    cases.push_back(
        {component("ok", "") + component("b", "startup_timeout = \"" + std::string(t) + "\"\n"),
         "4:1: component \"b\": child 'b': startup timeout must be positive"});
  }
  for (const char* size : {"4097MiB", "5GiB", "4096GiB"}) {
    cases.push_back({component("b", "memory_limit = \"" + std::string(size) + "\"\n"),
                     "1:1: [[component]] 'b': memory_limit must be at most 4GiB"});
  }
  for (const char* http : {"0.0.0.0:0", "[::]:0", "127.0.0.1.invalid:8080"}) {
    cases.push_back({"[system]\nhttp = \"" + std::string(http) + "\"\n" + component("b", ""),
                     "2:8: 'http' in [system]: admin address " + std::string(http) +
                         " is not loopback: set [system] http_token"});
  }
  for (const char* http : {"127.0.0.1:99999", "127.0.0.1:80x", "127.0.0.1:", ":80"}) {
    cases.push_back({"[system]\nhttp = \"" + std::string(http) + "\"\n" + component("b", ""),
                     "2:8: 'http' in [system]: admin address " + std::string(http) + ": "});
  }
  cases.push_back({component("b", "max_timers = 0\n"), "max_timers"});
  // OTP: a significant child is transient or temporary.
  for (const char* restart : {"", "restart = \"permanent\"\n"}) {
    cases.push_back(
        {component("ok", "") + component("b", "significant = true\n" + std::string(restart)),
         "4:1: component \"b\": child 'b': a significant child must be transient or "
         "temporary (as in OTP)"});
  }
  cases.push_back(
      {"[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"s\"\nparent = "
       "\"root\"\nsignificant = true\n" +
           component("ok", "supervisor = \"s\"\n"),
       "3:1: supervisor 's': child 's': a significant child must be transient or "
       "temporary (as in OTP)"});
  cases.push_back({component("b", "timer_bytes = \"8GiB\"\n"), "timer_bytes must be"});
  TempDir dir;
  int k = 0;
  for (const Case& c : cases) {
    const auto file = dir.write("bad" + std::to_string(k++) + ".toml", c.text);
    auto checked = run_program({"check", file});
    EXPECT_EQ(checked.code, 1) << c.text;
    EXPECT_NE(checked.err.find(c.error), std::string::npos) << c.text << "\n" << checked.err;
    auto ran = run_program({"run", file, "--for", "5s"});
    EXPECT_EQ(ran.code, 1) << c.text;
    EXPECT_NE(ran.err.find(c.error), std::string::npos) << c.text << "\n" << ran.err;
    EXPECT_EQ(ran.out.find("\"event\":\"starting\""), std::string::npos) << ran.out;
  }
}

TEST(Cli, AnAotComponentWithoutACCompilerIsRefusedByCheckAndRun) {
  TempDir dir;
  const auto file = dir.write("aot.toml", "[[component]]\nname = \"e\"\nmodule = \"" +
                                              guest("echo") + "\"\nengine = \"aot\"\n");
  for (const char* cc : {"/nonexistent/cc", "false"}) {
    ::setenv("AIRSSYS_CC", cc, 1);
    for (const char* cmd : {"check", "run"}) {
      std::vector<std::string> args{cmd, file};
      if (std::string(cmd) == "run") args.insert(args.end(), {"--for", "5s"});
      auto r = run_program(args);
      EXPECT_EQ(r.code, 1) << cmd << " " << cc;
      EXPECT_NE(r.err.find(file + ":1:1: component \"e\" runs on the aot engine, which needs a C "
                                  "compiler"),
                std::string::npos)
          << cmd << " " << cc << ": " << r.err;
      EXPECT_EQ(r.out.find("\"event\":\"starting\""), std::string::npos) << r.out;
    }
  }
  ::unsetenv("AIRSSYS_CC");
}

TEST(Cli, CheckAcceptsTheExampleSystem) {
  auto r = run_program({"check", std::string(AIRSSYS_EXAMPLE_MODULES) + "/system.toml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (5 components, 2 supervisors)"), std::string::npos) << r.out;
}

TEST(Cli, TreeOfAConfigShowsItsStructure) {
  auto r = run_program({"tree", std::string(AIRSSYS_EXAMPLE_MODULES) + "/system.toml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("pipeline [supervisor]  rest_for_one"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("aggregate  permanent  aggregate.wasm"), std::string::npos) << r.out;
}

TEST(Cli, InspectShowsAModuleOrWhatIsWrongWithIt) {
  auto good = run_program({"inspect", guest("ping")});
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_NE(good.out.find("guest ABI v1"), std::string::npos);
  EXPECT_NE(good.out.find("airssys.send  (needs capability \"send:<name>\")"), std::string::npos)
      << good.out;
  auto bad = run_program({"inspect", guest("missing_handle")});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("missing export airssys_handle"), std::string::npos) << bad.err;
  auto wasi = run_program({"inspect", guest("wasi_command")});
  EXPECT_EQ(wasi.code, 0) << wasi.err;
  EXPECT_NE(wasi.out.find("a WASI command: runs _start to completion"), std::string::npos)
      << wasi.out;
  EXPECT_NE(wasi.out.find("wasi_snapshot_preview1.fd_write  (needs capability \"wasi\")"),
            std::string::npos)
      << wasi.out;
  EXPECT_EQ(good.out.find("a WASI command"), std::string::npos);
}

// A config of WASI components runs as the docs say: a command's output is
// its log, proc_exit(0) ends a transient command normally (not restarted),
// and run ends with everything stopped and exit 0.
TEST(Cli, AWasiCommandRunsToCompletionUnderRun) {
  TempDir dir;
  const auto file =
      dir.write("system.toml",
                "[[supervisor]]\nname = \"root\"\nauto_shutdown = \"all_significant\"\n"
                "[[component]]\nname = \"job\"\nmodule = \"" +
                    guest("wasi_command") +
                    "\"\nrestart = \"transient\"\nsignificant = true\ncapabilities = [\"wasi\"]\n"
                    "args = [\"p\"]\n"
                    "[[component]]\nname = \"fails\"\nmodule = \"" +
                    guest("wasi_command") +
                    "\"\nrestart = \"temporary\"\nsignificant = true\ncapabilities = [\"wasi\"]\n"
                    "args = [\"x7\"]\n");
  // Both end by themselves; the root's auto_shutdown then ends the run.
  auto r = run_program({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("a line from a command"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("exit: proc_exit(7)"), std::string::npos) << r.out;
}

// The error lines of `airssys check` or `run` for a config of one component
// whose module does not load: the line naming the module, then "1 error".
void expect_one_module_error(const Outcome& r, const std::string& says, const std::string& what) {
  EXPECT_EQ(r.code, 1) << what;
  const auto end = r.err.find('\n');
  ASSERT_NE(end, std::string::npos) << what << ": " << r.err;
  EXPECT_TRUE(r.err.substr(0, end).ends_with(says)) << what << ": " << r.err;
  EXPECT_EQ(r.err.substr(end), "\n1 error\n") << what << ": " << r.err;
  EXPECT_EQ(r.out.find("\"event\":\"starting\""), std::string::npos) << what << ": " << r.out;
}

// A Component Model component (its header's layer is 1) is not a core
// module: inspect, check and run say so in one line, and nothing starts.
TEST(Cli, InspectCheckAndRunSayAComponentModelComponentIsNotACoreModule) {
  TempDir dir;
  const std::string component = dir.write("component.wasm", std::string("\0asm\x0d\0\x01\0", 8));
  const std::string says =
      component + ": a Component Model component: airssys runs core modules; see guest-abi.md";
  auto inspected = run_program({"inspect", component});
  EXPECT_EQ(inspected.code, 1);
  EXPECT_EQ(inspected.err, "error: " + says + "\n");
  const auto config =
      dir.write("system.toml", "[[component]]\nname = \"c\"\nmodule = \"" + component + "\"\n");
  expect_one_module_error(run_program({"check", config}), says, "check");
  expect_one_module_error(run_program({"run", config, "--for", "5s"}), says, "run");
}

// A module compiled with -msimd128 that uses SIMD is refused at load,
// whichever engine would run it, with a message that names SIMD.
TEST(Cli, ASimdModuleIsRefusedByNameOnBothEngines) {
  TempDir dir;
  const auto source = dir.write("simd.c", R"(#include <wasm_simd128.h>
#include "airssys.h"
static v128_t sum;
int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  uint8_t out[16];
  for (uint32_t i = 0; i + 16 <= len; i += 16) sum = wasm_i8x16_add(sum, wasm_v128_load(data + i));
  wasm_v128_store(out, sum);
  return airssys_reply(out, sizeof out);
}
)");
  const std::string module = dir.path("simd.wasm");
  const std::string sdk = std::string(AIRSSYS_SOURCE_DIR) + "/sdk/c";
  const std::string compile = std::string(AIRSSYS_CLANG) + " " + AIRSSYS_GUEST_C_FLAGS +
                              " -msimd128 -I " + sdk + " " + sdk + "/airssys.c " + source + " -o " +
                              module;
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
  const std::string says =
      ", which guests may not use (see guest-abi.md, Module shape); with "
      "clang, build without -msimd128";
  auto inspected = run_program({"inspect", module});
  EXPECT_EQ(inspected.code, 1);
  EXPECT_EQ(inspected.err.rfind("error: " + module + ": uses SIMD (", 0), 0u) << inspected.err;
  EXPECT_TRUE(inspected.err.ends_with(says + "\n")) << inspected.err;
  for (const char* engine : {"interp", "aot"}) {
    const auto config =
        dir.write(std::string(engine) + ".toml", "[[component]]\nname = \"s\"\nmodule = \"" +
                                                     module + "\"\nengine = \"" + engine + "\"\n");
    expect_one_module_error(run_program({"check", config}), says, std::string("check ") + engine);
    expect_one_module_error(run_program({"run", config, "--for", "5s"}), says,
                            std::string("run ") + engine);
  }
}

// --events appends, so a restarted program keeps what the runs before it
// wrote; --truncate-events starts the file afresh.
TEST(Cli, EventsAreAppendedUnlessTruncatingIsAskedFor) {
  TempDir dir;
  const auto file = dir.write("system.toml", echo_system());
  const auto events_file = dir.path("events.jsonl");
  auto started = [&] {
    int n = 0;
    for (const auto& e : events_in(events_file)) n += e["event"] == "system_started";
    return n;
  };
  for (int run = 1; run <= 2; ++run) {
    auto r = run_program({"run", file, "--for", "10ms", "--events", events_file});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(started(), run);
  }
  auto r =
      run_program({"run", file, "--for", "10ms", "--events", events_file, "--truncate-events"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(started(), 1);
}

// `airssys run | head`: once the reader is gone the next event cannot be
// written; the program shuts down cleanly (exit 0) instead of dying of
// SIGPIPE (exit 141). audit fails every 3 messages, so events keep coming.
TEST(Cli, AClosedEventsOutputShutsTheSystemDownCleanly) {
  TempDir dir;
  const auto file = dir.write("system.toml", pipeline("10", "3", "max_restarts = 1000\n",
                                                      "backoff = { kind = \"immediate\" }\n"));
  Program p({"run", file, "--events", "-"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.read_until("\"event\":\"restarted\""));
  p.close_stdout();
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
}

// A shutdown that never ends (a guest spinning in airssys_shutdown, with
// shutdown = "infinity" and no fuel limit): a second SIGTERM exits at once,
// saying so.
// A guest that never finishes its airssys_shutdown (unmetered, with an hour
// of call deadline and shutdown = "infinity") cannot hold the process past
// [system] shutdown_timeout: it is killed there and reported so.
TEST(Cli, ShutdownTimeoutBoundsTheWholeShutdown) {
  TempDir dir;
  const auto file =
      dir.write("system.toml",
                "[system]\nshutdown_timeout = \"1s\"\n\n[[component]]\nname = \"spinner\"\n"
                "module = \"" +
                    guest("spinner") +
                    "\"\nconfig = \"spin-on-shutdown\"\nshutdown = \"infinity\"\n"
                    "fuel_per_message = 0\ncall_deadline = \"3600s\"\n\n[[component]]\n"
                    "name = \"echo\"\nmodule = \"" +
                    guest("echo") + "\"\n");
  Program p({"run", file, "--events", "-"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.read_until("\"event\":\"system_started\""));
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.stderr_text().find("did not stop within shutdown_timeout (1000 ms): killed spinner"),
            std::string::npos)
      << p.stderr_text();
  // echo, stopped first (reverse order), ended well; spinner was killed.
  EXPECT_NE(p.stdout_text().find("echo: terminated"), std::string::npos) << p.stdout_text();
  EXPECT_NE(p.stdout_text().find("spinner: killed"), std::string::npos) << p.stdout_text();
}

TEST(Cli, ASecondSignalDuringShutdownExitsAtOnce) {
  TempDir dir;
  const auto file =
      dir.write("system.toml", "[[component]]\nname = \"spinner\"\nmodule = \"" + guest("spinner") +
                                   "\"\nconfig = \"spin-on-shutdown\"\nshutdown = \"infinity\"\n"
                                   "fuel_per_message = 0\ncall_deadline = \"3600s\"\n");
  Program p({"run", file, "--events", "-"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.read_until("\"event\":\"system_started\""));
  ::kill(p.pid(), SIGTERM);
  // The first one is taken: the system is stopping (and never will be done).
  ASSERT_TRUE(p.read_until("\"event\":\"system_stopping\""));
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.stderr_text().find("second SIGTERM during shutdown"), std::string::npos)
      << p.stderr_text();
}

TEST(Cli, RunRestartsWithTheConfiguredDelaysInOrder) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml", pipeline("20", "3", "max_restarts = 50\nwithin = \"60s\"\n",
                              "backoff = { kind = \"linear\", base = \"100ms\", max = \"1s\" }\n"));
  const auto events_file = dir.path("events.jsonl");
  auto r = run_program({"run", file, "--for", "2s", "--events", events_file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("stopped (--for 2s elapsed)"), std::string::npos) << r.out;

  std::vector<json> audit;
  for (const auto& e : events_in(events_file)) {
    if (e.value("child", "") == "audit") audit.push_back(e);
  }
  // failed -> restart_scheduled (attempt n, n * 100 ms) -> restarted, repeated.
  auto next = [&](std::size_t from, const char* event) {
    while (from < audit.size() && audit[from]["event"] != event) ++from;
    return from;
  };
  int attempt = 0;
  for (std::size_t i = next(0, "failed"); i < audit.size(); i = next(i + 1, "failed")) {
    EXPECT_EQ(audit[i]["reason"], "error: trap:unreachable");
    ++attempt;
    const std::size_t scheduled = next(i, "restart_scheduled");
    const std::size_t restarted = next(i, "restarted");
    ASSERT_LT(restarted, audit.size()) << "failure " << attempt << " was not restarted";
    ASSERT_LT(scheduled, restarted) << "restarted before it was scheduled";
    ASSERT_LT(restarted, next(i + 1, "failed")) << "failed again before the restart";
    EXPECT_EQ(audit[scheduled]["attempt"], attempt);
    EXPECT_DOUBLE_EQ(audit[scheduled]["delay_ms"].get<double>(), 100.0 * attempt);
    // A timer never fires early: the fresh instance came after the delay.
    EXPECT_GE(audit[restarted]["restart_latency_ms"].get<double>(), 100.0 * attempt);
    if (attempt == 2) break;
  }
  EXPECT_EQ(attempt, 2) << "expected at least two restarts of audit in 2s";
  const auto all = events_in(events_file);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back()["event"], "system_stopped");
}

TEST(Cli, RootSupervisorGivingUpExitsNonZero) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml",
      pipeline("5", "1",
               "max_restarts = 2\nwithin = \"60s\"\nbackoff = { kind = \"immediate\" }\n"));
  const auto events_file = dir.path("events.jsonl");
  auto r = run_program({"run", file, "--for", "60s", "--events", events_file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("root supervisor 'root' gave up"), std::string::npos) << r.err;
  bool limit = false;
  for (const auto& e : events_in(events_file)) limit = limit || e["event"] == "limit_exceeded";
  EXPECT_TRUE(limit);
}

TEST(Cli, SigtermStopsEverythingInReverseOrder) {
  TempDir dir;
  const auto file = dir.write("system.toml", pipeline("50", "1000"));
  const auto events_file = dir.path("events.jsonl");
  Program p({"run", file, "--events", events_file});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.read_until("running"));
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  std::vector<std::string> stopped;
  std::string cause;
  for (const auto& e : events_in(events_file)) {
    if (e["event"] == "stopped") stopped.push_back(e.value("child", ""));
    if (e["event"] == "system_stopping") cause = e.value("detail", "");
  }
  EXPECT_EQ(stopped, (std::vector<std::string>{"audit", "ingest"}));
  EXPECT_EQ(cause, "SIGTERM");
}

// Two systems never share an admin port (the HTTP library's default,
// SO_REUSEPORT, let the second bind it and take half the requests): the
// second exits 1 saying why, and the first goes on answering.
TEST(Cli, ASecondSystemOnAnAdminAddressInUseIsRefused) {
  TempDir dir;
  const auto file = dir.write("system.toml", echo_system());
  Program first({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(first);
  ASSERT_GT(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  // --for: were the port shared, the second would run and exit 0.
  const auto second = run_program({"run", file, "--http", address, "--for", "20s"});
  EXPECT_EQ(second.code, 1) << second.out << second.err;
  EXPECT_NE(second.err.find("cannot listen on " + address + ": the address is already in use"),
            std::string::npos)
      << second.err;
  httplib::Client http("127.0.0.1", port);
  for (int i = 0; i < 8; ++i) {
    auto tree = http.Get("/tree");
    ASSERT_TRUE(tree);
    EXPECT_EQ(tree->status, 200);
  }
}

// The token is a bearer token as RFC 6750 has it: the scheme in any case;
// a refusal is a 401 that says which scheme to use.
TEST(Cli, AdminTokenIsABearerTokenInAnyCaseAndA401SaysHowToAuthenticate) {
  TempDir dir;
  const auto file = dir.write("system.toml", echo_system("[system]\nhttp_token = \"s3cret\"\n"));
  Program p({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  httplib::Client http("127.0.0.1", port);
  for (const char* header : {"Bearer s3cret", "bearer s3cret", "BEARER  s3cret"}) {
    auto r = http.Post("/components/echo/send", {{"Authorization", header}}, "hi", "text/plain");
    ASSERT_TRUE(r) << header;
    EXPECT_EQ(r->status, 202) << header;
  }
  for (const char* header :
       {"", "Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "Bearers3cret", "Bearer S3CRET"}) {
    httplib::Headers h;
    if (*header != 0) h.emplace("Authorization", header);
    auto r = http.Post("/components/echo/send", h, "hi", "text/plain");
    ASSERT_TRUE(r) << header;
    EXPECT_EQ(r->status, 401) << header;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"airssys\"") << header;
  }
}

TEST(Cli, AdminEndpointServesMetricsAndTreeAndGuardsMutations) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml",
      "[system]\nhttp_token = \"s3cret\"\n" +
          pipeline("10", "3", "max_restarts = 100\n", "backoff = { kind = \"immediate\" }\n")
              .substr(std::string("[system]\n").size()) +
          "\n[[component]]\nname = \"echo\"\nmodule = \"" + guest("echo") + "\"\n");
  Program p({"run", file, "--http", "127.0.0.1:0", "--events", "-"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  ASSERT_TRUE(p.read_until("\"event\":\"restarted\"")) << "audit was never restarted";

  httplib::Client http("127.0.0.1", port);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  static const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$)");
  std::istringstream lines(metrics->body);
  std::string line;
  double audit_restarts = -1;
  while (std::getline(lines, line)) {
    if (line.empty() || line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << "not Prometheus text: " << line;
    const std::string key = "airssys_component_restarts_total{component=\"audit\"} ";
    if (line.rfind(key, 0) == 0) audit_restarts = std::stod(line.substr(key.size()));
  }
  EXPECT_GE(audit_restarts, 1.0);
  EXPECT_NE(metrics->body.find("airssys_component_mailbox_depth{component=\"ingest\"} "),
            std::string::npos);

  auto tree = http.Get("/tree");
  ASSERT_TRUE(tree);
  auto j = json::parse(tree->body, nullptr, false);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[0]["id"], "root");

  auto missing = http.Get("/components/nobody");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto refused = http.Post("/components/ingest/restart", "", "text/plain");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  auto restarted = http.Post("/components/ingest/restart", auth, "", "text/plain");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->status, 200) << restarted->body;
  EXPECT_EQ(json::parse(restarted->body)["instances"], 2);

  // Bad requests get a 4xx and change nothing.
  auto instances = [&] {
    auto r = http.Get("/components/ingest");
    return r ? json::parse(r->body)["instances"].get<int>() : -1;
  };
  const int before = instances();
  auto unknown = http.Post("/components/nobody/restart", auth, "", "text/plain");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto no_action = http.Post("/components/ingest/explode", auth, "", "text/plain");
  ASSERT_TRUE(no_action);
  EXPECT_EQ(no_action->status, 404);
  auto wrong_method = http.Get("/components/ingest/restart");
  ASSERT_TRUE(wrong_method);
  EXPECT_GE(wrong_method->status, 400);
  EXPECT_LT(wrong_method->status, 500);
  auto oversized = http.Post("/components/echo/send", auth, std::string(2 << 20, 'x'),
                             "application/octet-stream");
  ASSERT_TRUE(oversized);
  EXPECT_EQ(oversized->status, 413);
  EXPECT_EQ(instances(), before);
  EXPECT_EQ(json::parse(http.Get("/components/echo")->body)["state"], "ready");

  const std::string address = "127.0.0.1:" + std::to_string(port);
  auto refused_send = run_program({"send", "--http", address, "audit", "hello", "--reply"});
  // Without the token the program is refused; the error says so.
  EXPECT_EQ(refused_send.code, 1);
  EXPECT_NE(refused_send.err.find("401"), std::string::npos) << refused_send.err;
  ::setenv("AIRSSYS_HTTP_TOKEN", "s3cret", 1);
  auto sent = run_program({"send", "--http", address, "echo", "hello", "--reply"});
  ::unsetenv("AIRSSYS_HTTP_TOKEN");
  EXPECT_EQ(sent.code, 0) << sent.err;
  EXPECT_EQ(sent.out, "hello\n");

  auto live_tree = run_program({"tree", "--http", address});
  EXPECT_EQ(live_tree.code, 0) << live_tree.err;
  EXPECT_NE(live_tree.out.find("root [supervisor]  running"), std::string::npos) << live_tree.out;
  EXPECT_NE(live_tree.out.find("audit  running"), std::string::npos) << live_tree.out;

  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
}

// What `curl -X POST http://HOST:PORT/components/NAME/stop` sends: no
// Content-Length and no body. The action is taken (the HTTP library before
// answered 400 with an empty body).
TEST(Cli, AdminActionsNeedNoBody) {
  TempDir dir;
  const auto file = dir.write("system.toml", echo_system());
  Program p({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  for (const std::string action : {"stop", "start", "restart"}) {
    RawClient curl(port);
    ASSERT_TRUE(curl.send("POST /components/echo/" + action +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"));
    const auto a = curl.read_answer();
    EXPECT_EQ(a.status, 200) << action << ": " << a.bytes;
    EXPECT_EQ(json::parse(a.body, nullptr, false)["name"], "echo") << a.body;
  }
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
}

// Actions wait for supervisors and components on workers of their own: a
// stop that never ends (a shutdown spinning for ever) holds up no GET and
// no other action. The program is killed at the end.
TEST(Cli, AnActionWaitingOnASlowComponentHoldsUpNoOtherRequest) {
  TempDir dir;
  const auto file =
      dir.write("system.toml", "[[component]]\nname = \"spinner\"\nmodule = \"" + guest("spinner") +
                                   "\"\nconfig = \"spin-on-shutdown\"\nshutdown = \"infinity\"\n"
                                   "fuel_per_message = 0\ncall_deadline = \"3600s\"\n"
                                   "\n[[component]]\nname = \"echo\"\nmodule = \"" +
                                   guest("echo") + "\"\n");
  Program p({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  RawClient stop(port);
  ASSERT_TRUE(stop.send("POST /components/spinner/stop HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  httplib::Client http("127.0.0.1", port);
  auto state = [&] {
    auto r = http.Get("/components/spinner");
    return r ? json::parse(r->body, nullptr, false).value("state", "") : "";
  };
  // Stopping: its supervisor waits for the shutdown, which never ends.
  ASSERT_TRUE(eventually([&] { return state() == "stopping"; }));
  for (int i = 0; i < 5; ++i) {
    for (const char* path : {"/tree", "/components", "/metrics", "/readyz"}) {
      auto r = http.Get(path);
      ASSERT_TRUE(r) << path;
      EXPECT_LT(r->status, 600) << path;
      EXPECT_FALSE(r->body.empty()) << path;
    }
    auto echoed = http.Post("/components/echo/send?reply=true", "hi", "text/plain");
    ASSERT_TRUE(echoed);
    EXPECT_EQ(echoed->status, 200);
    EXPECT_EQ(echoed->body, "hi");
  }
  EXPECT_EQ(state(), "stopping");
}

TEST(Cli, AdminEndpointBeyondLoopbackNeedsAToken) {
  TempDir dir;
  const auto file = dir.write("system.toml", echo_system());
  // Loopback is what the host resolves to, not how it is spelt: a name that
  // starts with "127." is a name like any other (this one resolves to
  // nothing: .invalid is reserved for that).
  for (const char* address : {"0.0.0.0:0", "127.0.0.1.invalid:0"}) {
    auto r = run_program({"run", file, "--http", address, "--for", "1s"});
    EXPECT_EQ(r.code, 1) << address;
    EXPECT_NE(r.err.find("is not loopback"), std::string::npos) << address << ": " << r.err;
    EXPECT_NE(r.err.find("http_token"), std::string::npos) << r.err;
  }
}

// A pool "workers" of counters (w-1, w-2 at start, at most 3) and echo.
std::string pool_system(const std::string& before = "") {
  return before +
         "[[supervisor]]\nname = \"root\"\n\n[[supervisor]]\nname = \"workers\"\n"
         "parent = \"root\"\nstrategy = \"simple_one_for_one\"\n\n[[component]]\n"
         "name = \"w\"\nmodule = \"" +
         guest("counter") + "\"\nsupervisor = \"workers\"\ninitial = 2\nmax = 3\n\n" +
         echo_system();
}

TEST(Cli, PoolsGrowAndShrinkThroughTheAdminEndpointAndTheCli) {
  TempDir dir;
  const auto file = dir.write("system.toml", pool_system());
  Program p({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  httplib::Client http("127.0.0.1", port);

  auto pools = http.Get("/pools");
  ASSERT_TRUE(pools);
  EXPECT_EQ(pools->status, 200);
  auto list = json::parse(pools->body, nullptr, false);
  ASSERT_TRUE(list.is_array()) << pools->body;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["pool"], "workers");
  EXPECT_EQ(list[0]["component"], "w");
  EXPECT_EQ(list[0]["size"], 2);
  EXPECT_EQ(list[0]["max"], 3);
  auto tree = http.Get("/tree");
  ASSERT_TRUE(tree);
  EXPECT_NE(tree->body.find("\"root/workers/w-2\""), std::string::npos) << tree->body;

  auto started = http.Post("/pools/workers/start", "", "application/json");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 201) << started->body;
  auto one = json::parse(started->body, nullptr, false);
  EXPECT_EQ(one["id"], "w-3") << started->body;
  EXPECT_EQ(one["size"], 3) << started->body;
  EXPECT_EQ(json::parse(http.Get("/components/w-3")->body)["state"], "ready");

  auto full = http.Post("/pools/workers/start", "", "application/json");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 409);
  EXPECT_EQ(json::parse(full->body, nullptr, false)["error"],
            "pool 'workers' is at its size limit (max 3)");
  auto full_cli = run_program({"pool", "start", "--http", address, "workers"});
  EXPECT_EQ(full_cli.code, 1);
  EXPECT_NE(full_cli.err.find("409 pool 'workers' is at its size limit (max 3)"), std::string::npos)
      << full_cli.err;

  // Unknown pools, and bodies that say nothing usable: refused, nothing changes.
  for (const char* path : {"/pools/nope/start", "/pools/w/start", "/pools/root/stop"}) {
    auto r = http.Post(path, "{\"child\": \"w-1\"}", "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_TRUE(json::parse(r->body, nullptr, false).contains("error")) << r->body;
  }
  auto missing = run_program({"pool", "stop", "--http", address, "nope", "w-1"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("404 no pool named 'nope'"), std::string::npos) << missing.err;
  for (const std::string body : {"x", "[]", "[1]", "\"w-1\"", "{\"config\": 5}",
                                 "{\"count\": \"2\"}", "{\"config\": null}"}) {
    auto r = http.Post("/pools/workers/start", body, "application/json");
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body << ": " << r->body;
  }
  for (const std::string body : {"", "{}", "x", "[\"w-1\"]", "{\"child\": 1}",
                                 "{\"child\": \"w-1\", \"address\": \"<1.1>\"}",
                                 "{\"id\": \"w-1\"}", "{\"child\": [\"w-1\"]}"}) {
    auto r = http.Post("/pools/workers/stop", body, "application/json");
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body << ": " << r->body;
  }
  auto no_child = http.Post("/pools/workers/stop", "{\"child\": \"w-9\"}", "application/json");
  ASSERT_TRUE(no_child);
  EXPECT_EQ(no_child->status, 404);
  EXPECT_EQ(json::parse(http.Get("/pools/workers")->body)["size"], 3);

  // The CLI: stop one by id, start one with a config of its own, list.
  auto stopped = run_program({"pool", "stop", "--http", address, "workers", "w-3"});
  EXPECT_EQ(stopped.code, 0) << stopped.err;
  EXPECT_EQ(json::parse(stopped.out, nullptr, false)["stopped"], "w-3") << stopped.out;
  EXPECT_EQ(http.Get("/components/w-3")->status, 404);
  auto again = run_program({"pool", "start", "--http", address, "workers", "--config", "41"});
  EXPECT_EQ(again.code, 0) << again.err;
  const auto fresh = json::parse(again.out, nullptr, false);
  EXPECT_EQ(fresh["id"], "w-4") << again.out;
  auto asked = http.Post("/components/w-4/send?reply=true", "inc", "text/plain");
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->body, "42/1");
  // By address, as the tree shows it.
  auto by_address = http.Post("/pools/workers/stop", json{{"address", fresh["address"]}}.dump(),
                              "application/json");
  ASSERT_TRUE(by_address);
  EXPECT_EQ(by_address->status, 200) << by_address->body;
  EXPECT_EQ(json::parse(by_address->body)["stopped"], "w-4");
  auto listed = run_program({"pool", "list", "--http", address});
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find("workers  w  2/3"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("  w-1  "), std::string::npos) << listed.out;

  // /metrics: the pool's size and limit, its instances as components.
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("airssys_pool_instances{pool=\"workers\"} 2\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("airssys_pool_max_instances{pool=\"workers\"} 3\n"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("airssys_component_state{component=\"w-1\",state=\"ready\"} 1"),
            std::string::npos);
  EXPECT_EQ(metrics->body.find("component=\"w-3\""), std::string::npos);
  static const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$)");
  std::istringstream lines(metrics->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << "not Prometheus text: " << line;
  }

  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("  w-1: terminated"), std::string::npos) << p.stdout_text();

  auto config_tree = run_program({"tree", file});
  EXPECT_EQ(config_tree.code, 0) << config_tree.err;
  EXPECT_NE(config_tree.out.find("workers [supervisor]  simple_one_for_one"), std::string::npos)
      << config_tree.out;
  EXPECT_NE(config_tree.out.find("w  permanent  counter.wasm  pool initial=2 max=3"),
            std::string::npos)
      << config_tree.out;
}

TEST(Cli, DeleteRemovesAStoppedComponentAndRefusesARunningOne) {
  TempDir dir;
  const auto file = dir.write("system.toml", pool_system());
  Program p({"run", file, "--http", "127.0.0.1:0"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  httplib::Client http("127.0.0.1", port);

  auto running = http.Post("/components/echo/delete", "", "text/plain");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, 409);
  EXPECT_NE(json::parse(running->body)["error"].get<std::string>().find("'echo' is running"),
            std::string::npos)
      << running->body;
  auto instance = http.Post("/components/w-1/delete", "", "text/plain");
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->status, 409) << instance->body;
  for (const char* name : {"nobody", "w", "workers"}) {
    auto r = http.Post("/components/" + std::string(name) + "/delete", "", "text/plain");
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->status, 404) << name << ": " << r->body;
  }
  auto unknown = run_program({"delete", "--http", address, "nobody"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("404 no component named 'nobody'"), std::string::npos) << unknown.err;

  ASSERT_EQ(http.Post("/components/echo/stop", "", "text/plain")->status, 200);
  auto deleted = run_program({"delete", "--http", address, "echo"});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_EQ(json::parse(deleted.out, nullptr, false)["deleted"], "echo") << deleted.out;
  EXPECT_EQ(http.Get("/components/echo")->status, 404);
  EXPECT_EQ(http.Post("/components/echo/start", "", "text/plain")->status, 404);
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;  // a deleted component is not a missing one

  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
}

// The summary says what the events say: a child the supervisor killed
// (brutal_kill) is killed, not ready.
TEST(Cli, TheRunSummaryAgreesWithTheEventsAboutKills) {
  TempDir dir;
  const auto file =
      dir.write("system.toml", "[[component]]\nname = \"brutal\"\nmodule = \"" + guest("echo") +
                                   "\"\nshutdown = \"brutal_kill\"\n\n" + echo_system());
  const auto events_file = dir.path("events.jsonl");
  auto r = run_program({"run", file, "--for", "100ms", "--events", events_file});
  EXPECT_EQ(r.code, 0) << r.err;
  std::map<std::string, std::string> stopped;  // child -> reason of its "stopped" event
  for (const auto& e : events_in(events_file)) {
    if (e["event"] == "stopped") stopped[e.value("child", "")] = e.value("reason", "");
  }
  EXPECT_EQ(stopped["brutal"], "killed");
  EXPECT_EQ(stopped["echo"], "shutdown");
  EXPECT_NE(r.out.find("  brutal: killed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  echo: terminated"), std::string::npos) << r.out;
}

// A significant transient job ending with AIRSSYS_EXIT_SHUTDOWN ends its
// supervisor (auto_shutdown) and, the root, the system: exit 0. A job
// failing is restarted instead.
TEST(Cli, ASignificantJobEndingTheOtpWayEndsTheSystem) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml",
      "[[supervisor]]\nname = \"root\"\nauto_shutdown = \"any_significant\"\n"
      "backoff = { kind = \"immediate\" }\n\n[[component]]\nname = \"job\"\n"
      "module = \"" +
          guest("as_job") + "\"\nrestart = \"transient\"\nsignificant = true\n\n" + echo_system());
  Program p({"run", file, "--http", "127.0.0.1:0", "--events", "-"});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(run_program({"send", "--http", address, "job", "fail"}).code, 0);
  ASSERT_TRUE(p.read_until("\"event\":\"restarted\""));
  EXPECT_EQ(run_program({"send", "--http", address, "job", "work", "--reply"}).out, "1\n");
  EXPECT_EQ(run_program({"send", "--http", address, "job", "done"}).code, 0);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("\"reason\":\"shutdown: job done after 1 steps\""),
            std::string::npos)
      << p.stdout_text();
  EXPECT_NE(p.stdout_text().find("stopped (root supervisor 'root' ended: shutdown"),
            std::string::npos)
      << p.stdout_text();
  EXPECT_NE(p.stdout_text().find("  job: terminated, 1 restarts"), std::string::npos)
      << p.stdout_text();
}

TEST(Cli, CompileBuildsTheAotObject) {
  auto r = run_program({"compile", guest("echo")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(".so"), std::string::npos) << r.out;
}

// SIGTERM while several children wait out a long backoff: the pending
// restarts are cancelled, what runs stops in reverse order, and run exits
// 0 long before its shutdown_timeout.
TEST(Cli, SigtermWithRestartsPendingExitsZeroAndStopsEverythingOnce) {
  TempDir dir;
  std::string config =
      "[system]\nshutdown_timeout = \"60s\"\n\n[[supervisor]]\nname = \"root\"\n"
      "max_restarts = 100\nbackoff = { kind = \"linear\", base = \"30s\", max = \"30s\" }\n";
  const std::vector<std::string> names{"a", "b", "c", "d", "e"};
  for (const auto& n : names) {
    config += "\n[[component]]\nname = \"" + n + "\"\nmodule = \"" + guest("crasher") + "\"\n";
  }
  const auto file = dir.write("system.toml", config);
  const auto events_file = dir.path("events.jsonl");
  Program p({"run", file, "--http", "127.0.0.1:0", "--events", events_file});
  const int port = serving_port(p);
  ASSERT_GT(port, 0);
  httplib::Client http("127.0.0.1", port);
  for (const char* n : {"b", "c", "e"}) {
    auto r = http.Post(std::string("/components/") + n + "/send", "trap", "text/plain");
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(r->status, 202) << n;
  }
  // All three are waiting out their 30 s: the admin endpoint says so.
  int seen = 0;
  for (int polls = 0; polls < 10000 && seen < 3; ++polls) {
    auto tree = http.Get("/tree");
    ASSERT_TRUE(tree);
    seen = 0;
    for (std::size_t at = 0; (at = tree->body.find("scheduling_restart", at)) != std::string::npos;
         ++at) {
      ++seen;
    }
  }
  ASSERT_EQ(seen, 3);
  const auto t0 = std::chrono::steady_clock::now();
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  std::map<std::string, int> stopped;
  std::vector<std::string> stopping;
  for (const auto& e : events_in(events_file)) {
    if (e["event"] == "stopped") ++stopped[e.value("child", "")];
    if (e["event"] == "stopping") stopping.push_back(e.value("child", ""));
    EXPECT_NE(e["event"], "restarted") << e.dump();
  }
  for (const auto& n : names) EXPECT_EQ(stopped[n], 1) << n;
  EXPECT_EQ(stopping, (std::vector<std::string>{"d", "a"}));
  EXPECT_EQ(p.stderr_text().find("did not stop"), std::string::npos) << p.stderr_text();
}

}  // namespace
}  // namespace airssys::app::test
