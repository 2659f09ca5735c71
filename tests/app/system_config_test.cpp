// Every class of bad config gets a precise error naming file, line and
// column; a good one loads into the tree it describes.
#include "airssys/app/system_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "app_support.hpp"

namespace airssys::app {
namespace {

using test::guest;
using test::TempDir;

// The single error loading `text` gives, as "line:column: message".
std::string only_error(const std::string& text) {
  TempDir dir;
  const auto file = dir.write("system.toml", text);
  const LoadResult r = load_system_config(file);
  EXPECT_FALSE(r.ok());
  if (r.errors.empty()) return "(no error)";
  EXPECT_EQ(r.errors.size(), 1u) << r.errors[0].describe() << " / " << r.errors.back().describe();
  const auto& e = r.errors.front();
  EXPECT_EQ(e.file, file);
  return std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": " + e.message;
}

std::string component(const std::string& name, const std::string& module,
                      const std::string& extra = "") {
  return "[[component]]\nname = \"" + name + "\"\nmodule = \"" + module + "\"\n" + extra;
}

// Thousands of components of one module file share one loaded module (and
// so one aot library): a config of 5,000 of them starts in seconds.
TEST(SystemConfig, ComponentsOfOneModuleFileShareOneLoadedModule) {
  TempDir dir;
  const std::filesystem::path echo(guest("echo"));
  // Spelt differently, the same file; through a directory that is not
  // there, no file at all.
  const std::string spellings[] = {echo.string(),
                                   (echo.parent_path() / "." / echo.filename()).string()};
  const std::size_t n = 2000;
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text += component("c" + std::to_string(i), spellings[i % 2]);
  }
  text += component("other", guest("counter"));
  const auto file = dir.write("system.toml", text);
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << r.errors.front().describe();
  ASSERT_EQ(r.config->components.size(), n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(r.config->components[i].module, r.config->components[0].module) << i;
  }
  EXPECT_NE(r.config->components[n].module, r.config->components[0].module);
  // A path that only resolves lexically is not taken for the file.
  const auto bad = dir.write(
      "bad.toml",
      component("a", echo.string()) +
          component("b", (echo.parent_path() / "missing" / ".." / echo.filename()).string()));
  const LoadResult refused = load_system_config(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.errors.front().message.find("'b'"), std::string::npos)
      << refused.errors.front().describe();
}

TEST(SystemConfig, AGoodConfigLoadsItsTreeInFileOrder) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml",
      R"(
[system]
name = "shop"
workers = 2
engine = "aot"

[[supervisor]]
name = "root"
strategy = "one_for_all"
max_restarts = 7
within = "30s"

[[supervisor]]
name = "inner"
parent = "root"
strategy = "rest_for_one"
backoff = { kind = "linear", base = "50ms", max = "2s" }

)" +
          component(
              "a", guest("echo"),
              "supervisor = \"inner\"\nmemory_limit = \"2MiB\"\nshutdown = \"brutal_kill\"\n") +
          component("b", guest("counter"), "restart = \"transient\"\nconfig = \"41\"\n"));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].describe());
  const auto& c = *r.config;
  EXPECT_EQ(c.system.name, "shop");
  EXPECT_EQ(c.system.workers, 2u);
  EXPECT_EQ(c.system.engine, wasm::EngineKind::aot);
  ASSERT_EQ(c.supervisors.size(), 2u);
  EXPECT_EQ(c.root().name, "root");
  EXPECT_EQ(c.root().config.strategy, supervisor::Strategy::one_for_all);
  EXPECT_EQ(c.root().config.max_restarts, 7u);
  EXPECT_EQ(c.supervisors[1].config.backoff.kind, supervisor::BackoffStrategy::Kind::linear);
  ASSERT_EQ(c.components.size(), 2u);
  EXPECT_EQ(c.components[0].limits.memory_limit, 2u << 20);
  EXPECT_EQ(c.components[0].shutdown.kind, supervisor::ShutdownPolicy::Kind::brutal_kill);
  EXPECT_EQ(c.components[1].restart, supervisor::RestartPolicy::transient);
  EXPECT_EQ(c.components[1].config, "41");
  ASSERT_TRUE(c.components[1].module);
}

TEST(SystemConfig, WithoutSupervisorsThereIsAnImplicitRoot) {
  TempDir dir;
  const auto file = dir.write("system.toml", component("a", guest("echo")));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->root().name, "root");
}

TEST(SystemConfig, TomlSyntaxError) {
  const auto e = only_error("[system]\nname = \"x\n");
  EXPECT_NE(e.find("TOML syntax error"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("2:", 0), 0u) << e;
}

TEST(SystemConfig, UnknownKeyIsAnError) {
  const auto e = only_error(component("a", guest("echo"), "colour = \"blue\"\n"));
  EXPECT_EQ(e.rfind("4:1: unknown key 'colour' in [[component]] 'a'", 0), 0u) << e;
}

TEST(SystemConfig, UnknownTopLevelTableIsAnError) {
  const auto e = only_error("[sytem]\nname = \"x\"\n" + component("a", guest("echo")));
  EXPECT_NE(e.find("unknown key 'sytem'"), std::string::npos) << e;
}

TEST(SystemConfig, WrongTypeIsAnError) {
  const auto e = only_error(component("a", guest("echo"), "fuel_per_message = \"lots\"\n"));
  EXPECT_EQ(e, "4:20: 'fuel_per_message' in [[component]] 'a' must be an integer, not a string");
}

TEST(SystemConfig, InvalidDurationIsAnError) {
  const auto e = only_error(component("a", guest("echo"), "startup_timeout = \"10 parsecs\"\n"));
  EXPECT_NE(e.find("'10 parsecs' is not a duration"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("4:19:", 0), 0u) << e;
}

TEST(SystemConfig, MissingModuleFileIsAnError) {
  const auto e = only_error(component("a", "/nonexistent/x.wasm"));
  EXPECT_EQ(e, "3:10: [[component]] 'a': /nonexistent/x.wasm: module file not found");
}

TEST(SystemConfig, ModuleLimitsApplyToEveryModuleAndAreChecked) {
  // Nesting of at most 1: echo's code nests deeper, so it is refused at
  // load, at the module's position, naming the limit.
  const auto e = only_error("[module_limits]\nnesting = 1\n" + component("a", guest("echo")));
  EXPECT_EQ(e.rfind("5:10: [[component]] 'a': ", 0), 0u) << e;
  EXPECT_NE(e.find("nesting depth (2) exceeds the limit of 1"), std::string::npos) << e;
  // A limit that is not one, and a key that is not a limit.
  EXPECT_EQ(only_error("[module_limits]\nnesting = 0\n" + component("a", guest("echo"))),
            "1:1: [module_limits]: nesting must be at least 1");
  EXPECT_EQ(only_error("[module_limits]\nnesting = 65537\n" + component("a", guest("echo"))),
            "1:1: [module_limits]: nesting must be at most 65536 (it is 65537)");
  const auto unknown =
      only_error("[module_limits]\nnestling = 3\n" + component("a", guest("echo")));
  EXPECT_NE(unknown.find("unknown key 'nestling' in [module_limits]"), std::string::npos)
      << unknown;
  const auto table = only_error(component("a", guest("echo"), "table_limit = 0\n"));
  EXPECT_NE(table.find("'table_limit'"), std::string::npos) << table;
}

TEST(SystemConfig, ModuleThatIsNotWasmIsAnError) {
  TempDir dir;
  const auto junk = dir.write("junk.wasm", "this is text, not wasm");
  const auto e = only_error(component("a", junk));
  EXPECT_NE(e.find("not a wasm module"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("3:10:", 0), 0u) << e;
}

TEST(SystemConfig, ModuleMissingAnExportIsAnError) {
  const auto e = only_error(component("a", guest("missing_handle")));
  EXPECT_NE(e.find("missing export airssys_handle"), std::string::npos) << e;
}

TEST(SystemConfig, UngrantedImportIsAnError) {
  // ping sends; a request grant is not a send grant.
  const auto e = only_error(component("a", guest("ping"), "capabilities = [\"request:pong\"]\n"));
  EXPECT_NE(e.find("imports airssys.send"), std::string::npos) << e;
  EXPECT_NE(e.find("which needs capability \"send:<name>\" (not granted)"), std::string::npos) << e;
}

TEST(SystemConfig, UnknownCapabilityIsAnError) {
  const auto e = only_error(component("a", guest("echo"), "capabilities = [\"fly\"]\n"));
  EXPECT_NE(e.find("unknown capability \"fly\""), std::string::npos) << e;
}

// A malformed grant is an error at the grant itself, not at the array.
TEST(SystemConfig, AMalformedCapabilityIsAnErrorAtItsPosition) {
  struct Case {
    std::string grants;  // the array's items; the bad one is the last
    const char* at;      // line:column of the bad item
    const char* says;
  };
  const Case cases[] = {
      {"\"send:pong\", \"request\"",
       "4:30:", "capability \"request\" needs a target: \"request:<name>\" or \"request:*\""},
      {"\"send\"", "4:17:", "capability \"send\" needs a target"},
      {"\"lookup\", \"request:\"", "4:27:", "capability \"request:\" names no target"},
      {"\"send:pa*\"", "4:17:", "capability \"send:pa*\" mixes * into a name"},
      {"\"request:*x\"", "4:17:", "mixes * into a name"},
      {"\"request:" + std::string(256, 'x') + "\"",
       "4:17:", "names a target longer than 255 bytes"},
  };
  for (const auto& c : cases) {
    const auto e = only_error(component("a", guest("echo"), "capabilities = [" + c.grants + "]\n"));
    EXPECT_EQ(e.rfind(c.at, 0), 0u) << c.grants << ": " << e;
    EXPECT_NE(e.find("[[component]] 'a': "), std::string::npos) << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.grants << ": " << e;
  }
}

TEST(SystemConfig, SendAndRequestGrantsLoad) {
  TempDir dir;
  const auto file = dir.write("system.toml",
                              component("a", guest("requester"),
                                        "capabilities = [\"send:b\", \"request:b\", \"request:c\", "
                                        "\"lookup\", \"send:*\"]\n"));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].describe());
  const auto& caps = r.config->components[0].capabilities;
  using Reach = wasm::Capabilities::Reach;
  EXPECT_TRUE(caps.may_reach(Reach::request, "b"));
  EXPECT_TRUE(caps.may_reach(Reach::request, "c"));
  EXPECT_FALSE(caps.may_reach(Reach::request, "d"));
  EXPECT_TRUE(caps.may_reach(Reach::send, "d"));  // send:*
  EXPECT_FALSE(caps.may_reach_any(Reach::request));
  EXPECT_TRUE(caps.may_lookup());
}

// WASI: `args` and `env` reach the spec; `wasi` grants the imports.
TEST(SystemConfig, WasiArgsAndEnvReachTheComponentsSpec) {
  TempDir dir;
  const auto file =
      dir.write("system.toml",
                component("w", guest("wasi_probe"),
                          "capabilities = [\"wasi\"]\nargs = [\"--verbose\", \"\u00e9t\u00e9\"]\n"
                          "env = { RUST_LOG = \"info\", EMPTY = \"\", \"a.b\" = \"x=y\" }\n"));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].describe());
  const wasm::ComponentSpec spec =
      component_spec_of(r.config->components[0], wasm::EngineKind::interp);
  EXPECT_EQ(spec.args, (std::vector<std::string>{"--verbose", "\xc3\xa9t\xc3\xa9"}));
  std::vector<std::string> env = spec.env;
  std::sort(env.begin(), env.end());
  EXPECT_EQ(env, (std::vector<std::string>{"EMPTY=", "RUST_LOG=info", "a.b=x=y"}));
  EXPECT_TRUE(spec.capabilities.may_use_wasi());
}

TEST(SystemConfig, BadWasiSettingsAreErrorsAtTheirPosition) {
  struct Case {
    std::string extra;
    const char* at;
    const char* says;
  };
  const std::string wasi = "capabilities = [\"wasi\"]\n";
  const Case cases[] = {
      {wasi + "args = \"--verbose\"\n",
       "5:8:", "'args' in [[component]] 'a' must be an array of strings"},
      {wasi + "args = [\"a\", 3]\n",
       "5:14:", "must be an array of strings, not one with an integer"},
      {wasi + "env = [\"A=b\"]\n", "5:7:", "'env' in [[component]] 'a' must be a table of strings"},
      {wasi + "env = { A = 1 }\n", "5:13:", "'env.A' in [[component]] 'a' must be a string"},
      {wasi + "env = { \"A=B\" = \"c\" }\n",
       "5:9:", "a variable name must be non-empty and contain no '='"},
      {wasi + "env = { \"\" = \"c\" }\n", "5:9:", "a variable name must be non-empty"},
      {"args = [\"a\\u0000b\"]\n" + wasi, "1:1:", "args: entry 0 contains a NUL byte"},
      {"env = { A = \"" + std::string(70000, 'v') + "\" }\n" + wasi,
       "1:1:", "env: more than 65536 bytes together"},
      {"args = [" +
           [] {
             std::string items;
             for (int i = 0; i < 1025; ++i) items += std::string(i ? ", " : "") + "\"x\"";
             return items;
           }() +
           "]\n" + wasi,
       "1:1:", "args: 1025 entries, more than 1024"},
      {"", "3:10:", "imports wasi_snapshot_preview1.fd_write, which needs capability \"wasi\""},
  };
  for (const auto& c : cases) {
    const auto e = only_error(component("a", guest("wasi_probe"), c.extra));
    EXPECT_EQ(e.rfind(c.at, 0), 0u) << c.extra.substr(0, 80) << ": " << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.extra.substr(0, 80) << ": " << e;
  }
}

TEST(SystemConfig, UnknownSupervisorReferenceIsAnError) {
  const auto e = only_error(component("a", guest("echo"), "supervisor = \"nobody\"\n"));
  EXPECT_NE(e.find("component 'a': unknown supervisor 'nobody'"), std::string::npos) << e;
}

TEST(SystemConfig, CycleInSupervisorParentsIsAnError) {
  TempDir dir;
  const auto file = dir.write("system.toml", R"([[supervisor]]
name = "root"

[[supervisor]]
name = "a"
parent = "b"

[[supervisor]]
name = "b"
parent = "a"
)" + component("x", guest("echo")));
  const LoadResult r = load_system_config(file);
  ASSERT_FALSE(r.ok());
  bool found = false;
  for (const auto& e : r.errors) {
    found =
        found || e.message.find("cycle in supervisor parents: a -> b -> a") != std::string::npos;
  }
  EXPECT_TRUE(found) << r.errors[0].describe();
}

TEST(SystemConfig, DuplicateNamesAreAnError) {
  const auto e = only_error(component("a", guest("echo")) + component("a", guest("counter")));
  EXPECT_EQ(e, "4:1: component name 'a' is used already (line 1)");
}

TEST(SystemConfig, TwoRootsAreAnError) {
  const auto e = only_error("[[supervisor]]\nname = \"r1\"\n[[supervisor]]\nname = \"r2\"\n" +
                            component("a", guest("echo")));
  EXPECT_NE(e.find("two root supervisors ('r1' and 'r2')"), std::string::npos) << e;
}

TEST(SystemConfig, HealthSettingsAreReadAndChecked) {
  TempDir dir;
  const auto good = dir.write(
      "good.toml", component("a", guest("crasher"),
                             "health = { interval = \"2s\", timeout = \"300ms\", failures = 5, "
                             "initial_delay = \"1s\" }\n"));
  const LoadResult r = load_system_config(good);
  ASSERT_TRUE(r.ok()) << r.errors[0].describe();
  const auto& h = r.config->components[0].health;
  EXPECT_EQ(h.interval, rt::Duration(std::chrono::seconds(2)));
  EXPECT_EQ(h.timeout, rt::Duration(std::chrono::milliseconds(300)));
  EXPECT_EQ(h.failures, 5u);
  EXPECT_EQ(h.initial_delay, rt::Duration(std::chrono::seconds(1)));

  const auto e =
      only_error(component("a", guest("crasher"), "health = { interval = \"often\" }\n"));
  EXPECT_NE(e.find("'interval' in health of [[component]] 'a': 'often' is not a duration"),
            std::string::npos)
      << e;
  const auto zero = only_error(component("a", guest("crasher"), "health = { failures = 0 }\n"));
  EXPECT_NE(zero.find("'failures' in health of [[component]] 'a' must be between 1 and 1000"),
            std::string::npos)
      << zero;
}

TEST(SystemConfig, EveryErrorIsReportedNotJustTheFirst) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml", component("a", guest("echo"), "colour = 1\n") + component("b", "/nope.wasm"));
  const LoadResult r = load_system_config(file);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_LT(r.errors[0].at.line, r.errors[1].at.line);
}

// A pool: a simple_one_for_one supervisor and its one component, the
// template of its instances, with their number at start and at most.
std::string pool_system(const std::string& component_extra, const std::string& pool_extra = "") {
  return "[[supervisor]]\nname = \"root\"\n\n[[supervisor]]\nname = \"workers\"\nparent = "
         "\"root\"\nstrategy = \"simple_one_for_one\"\n" +
         pool_extra + "\n" +
         component("w", guest("echo"), "supervisor = \"workers\"\n" + component_extra);
}

TEST(SystemConfig, APoolReadsItsInitialAndMaxSizes) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml", pool_system("initial = 2\nmax = 5\n") + component("plain", guest("echo")));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].describe());
  const auto& c = *r.config;
  EXPECT_TRUE(c.supervisors[1].is_pool());
  ASSERT_TRUE(c.components[0].pool);
  EXPECT_EQ(c.components[0].pool->initial, 2u);
  EXPECT_EQ(c.components[0].pool->max, 5u);
  EXPECT_FALSE(c.components[1].pool);
  EXPECT_EQ(c.pool_template("workers"), &c.components[0]);
  EXPECT_EQ(c.pool_template("root"), nullptr);

  const auto defaults = dir.write("defaults.toml", pool_system(""));
  const LoadResult d = load_system_config(defaults);
  ASSERT_TRUE(d.ok()) << (d.errors.empty() ? "" : d.errors[0].describe());
  EXPECT_EQ(d.config->components[0].pool->initial, 0u);
  EXPECT_EQ(d.config->components[0].pool->max, PoolSize::kDefaultMax);
}

// Pool sizes from outside are bounded before anything is allocated; each
// bad value is an error at its position.
TEST(SystemConfig, PoolSizesOutOfBoundsAreErrorsAtTheirPosition) {
  const std::string hard = std::to_string(PoolSize::kHardMax);
  struct Case {
    std::string extra;
    std::string error;
  };
  std::vector<Case> cases;
  for (const std::string& v :
       {std::string("0"), std::string("-1"), std::to_string(PoolSize::kHardMax + 1),
        std::string("9223372036854775807")}) {
    cases.push_back(
        {"max = " + v + "\n", "13:7: 'max' in [[component]] 'w' must be between 1 and " + hard});
  }
  for (const std::string& v : {std::string("-1"), std::to_string(PoolSize::kHardMax + 1)}) {
    cases.push_back({"initial = " + v + "\n",
                     "13:11: 'initial' in [[component]] 'w' must be between 0 and " + hard});
  }
  cases.push_back(
      {"max = \"5\"\n", "13:7: 'max' in [[component]] 'w' must be an integer, not a string"});
  cases.push_back({"max = 3\ninitial = 4\n",
                   "14:11: 'initial' in [[component]] 'w' (4) is more than the pool's 'max' (3)"});
  cases.push_back(
      {"initial = 101\n",
       "13:11: 'initial' in [[component]] 'w' (101) is more than the pool's 'max' (100)"});
  for (const auto& c : cases) EXPECT_EQ(only_error(pool_system(c.extra)), c.error) << c.extra;
}

TEST(SystemConfig, PoolKeysOutsideAPoolAndPoolsOfTheWrongShapeAreErrors) {
  for (const char* key : {"initial", "max"}) {
    EXPECT_EQ(only_error(component("a", guest("echo"), std::string(key) + " = 1\n")),
              "4:" + std::string(std::string(key) == "max" ? "7" : "11") + ": '" + key +
                  "' in [[component]] 'a' is for a pool: the component of a supervisor with "
                  "strategy = \"simple_one_for_one\"");
  }
  EXPECT_EQ(
      only_error(pool_system("") + component("x", guest("echo"), "supervisor = \"workers\"\n")),
      "13:1: supervisor 'workers' is simple_one_for_one: it needs exactly one [[component]] "
      "(the template of its instances), not 2");
  EXPECT_EQ(only_error("[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"p\"\nparent = "
                       "\"root\"\nstrategy = \"simple_one_for_one\"\n" +
                       component("a", guest("echo"))),
            "3:1: supervisor 'p' is simple_one_for_one: it needs exactly one [[component]] (the "
            "template of its instances), not 0");
  EXPECT_EQ(
      only_error(pool_system("") + "[[supervisor]]\nname = \"nested\"\nparent = \"workers\"\n"),
      "13:1: supervisor 'nested' cannot be a child of 'workers': a simple_one_for_one "
      "supervisor starts instances of one [[component]] only");
  // An instance of pool "workers" is named "w-<n>": nothing else may be.
  EXPECT_EQ(only_error(pool_system("") + component("w-2", guest("echo"))),
            "13:1: component name 'w-2' is the name of an instance of pool 'workers' (w-<n>)");
  TempDir dir;
  const auto file = dir.write("ok.toml", pool_system("") + component("w-x", guest("echo")) +
                                             component("w-", guest("echo")));
  EXPECT_TRUE(load_system_config(file).ok());
}

TEST(SystemConfig, SignificanceAutoShutdownAndSupervisorShutdownAreRead) {
  TempDir dir;
  const auto file = dir.write(
      "system.toml",
      "[[supervisor]]\nname = \"root\"\nauto_shutdown = \"any_significant\"\n\n"
      "[[supervisor]]\nname = \"inner\"\nparent = \"root\"\nshutdown = \"250ms\"\n"
      "restart = \"transient\"\nsignificant = true\nauto_shutdown = \"all_significant\"\n\n"
      "[[supervisor]]\nname = \"quick\"\nparent = \"root\"\nshutdown = \"brutal_kill\"\n\n" +
          component("a", guest("echo"),
                    "supervisor = \"inner\"\nrestart = \"temporary\"\nsignificant = true\n") +
          component("b", guest("echo"), "supervisor = \"quick\"\n"));
  const LoadResult r = load_system_config(file);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].describe());
  const auto& c = *r.config;
  EXPECT_EQ(c.root().config.auto_shutdown, supervisor::AutoShutdown::any_significant);
  EXPECT_EQ(c.root().shutdown.kind, supervisor::ShutdownPolicy::Kind::infinity);
  const auto& inner = *c.supervisor("inner");
  EXPECT_EQ(inner.config.auto_shutdown, supervisor::AutoShutdown::all_significant);
  EXPECT_EQ(inner.shutdown.kind, supervisor::ShutdownPolicy::Kind::timeout);
  EXPECT_EQ(inner.shutdown.timeout, std::chrono::milliseconds(250));
  EXPECT_TRUE(inner.significant);
  EXPECT_EQ(c.supervisor("quick")->shutdown.kind, supervisor::ShutdownPolicy::Kind::brutal_kill);
  EXPECT_TRUE(c.components[0].significant);
  EXPECT_FALSE(c.components[1].significant);
  EXPECT_TRUE(component_spec_of(c.components[0], wasm::EngineKind::interp).significant);
}

TEST(SystemConfig, BadSignificanceAutoShutdownAndShutdownValuesAreErrorsAtTheirPosition) {
  const std::string sup = "[[supervisor]]\nname = \"root\"\n";
  EXPECT_EQ(only_error(sup + "auto_shutdown = \"sometimes\"\n" + component("a", guest("echo"))),
            "3:17: 'auto_shutdown' in [[supervisor]] 'root': 'sometimes' is not one of never, "
            "any_significant, all_significant");
  EXPECT_EQ(only_error(sup + "auto_shutdown = 1\n" + component("a", guest("echo"))),
            "3:17: 'auto_shutdown' in [[supervisor]] 'root' must be a string, not an integer");
  for (const char* bad : {"soon", "5", "-1s", "brutal", ""}) {
    EXPECT_EQ(only_error(sup + "shutdown = \"" + bad + "\"\n" + component("a", guest("echo"))),
              "3:12: 'shutdown' in [[supervisor]] 'root': '" + std::string(bad) +
                  "' is not \"brutal_kill\", \"infinity\" or a duration")
        << bad;
    // The same words as a component's shutdown: one parser for both.
    EXPECT_EQ(
        only_error(component("a", guest("echo"), "shutdown = \"" + std::string(bad) + "\"\n")),
        "4:12: 'shutdown' in [[component]] 'a': '" + std::string(bad) +
            "' is not \"brutal_kill\", \"infinity\" or a duration")
        << bad;
  }
  for (const char* bad : {"1", "\"yes\"", "[]"}) {
    const std::string value = bad;
    const std::string type = value == "1" ? "an integer" : value == "[]" ? "an array" : "a string";
    EXPECT_EQ(only_error(component("a", guest("echo"), "significant = " + value + "\n")),
              "4:15: 'significant' in [[component]] 'a' must be true or false, not " + type);
    EXPECT_EQ(only_error(sup + "significant = " + value + "\n" + component("a", guest("echo"))),
              "3:15: 'significant' in [[supervisor]] 'root' must be true or false, not " + type);
  }
}

// OTP: a significant child must be transient or temporary. A permanent one
// is refused as run would refuse it (the check_as_run pass), at its table.
TEST(SystemConfig, ASignificantPermanentChildIsAnError) {
  EXPECT_EQ(only_error(component("ok", guest("echo")) +
                       component("a", guest("echo"), "significant = true\n")),
            "4:1: component \"a\": child 'a': a significant child must be transient or temporary "
            "(as in OTP)");
  EXPECT_EQ(
      only_error(component("a", guest("echo"), "significant = true\nrestart = \"permanent\"\n")),
      "1:1: component \"a\": child 'a': a significant child must be transient or temporary "
      "(as in OTP)");
  EXPECT_EQ(only_error("[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"s\"\nparent = "
                       "\"root\"\nsignificant = true\n" +
                       component("a", guest("echo"), "supervisor = \"s\"\n")),
            "3:1: supervisor 's': child 's': a significant child must be transient or temporary "
            "(as in OTP)");
  for (const char* restart : {"transient", "temporary"}) {
    TempDir dir;
    const auto file = dir.write(
        "ok.toml", component("a", guest("echo"),
                             "significant = true\nrestart = \"" + std::string(restart) + "\"\n"));
    EXPECT_TRUE(load_system_config(file).ok()) << restart;
  }
}

TEST(SystemConfig, NewKeysAreKnownAndOthersStillUnknown) {
  EXPECT_EQ(only_error("[[supervisor]]\nname = \"root\"\npool_size = 3\n" +
                       component("a", guest("echo"))),
            "3:1: unknown key 'pool_size' in [[supervisor]] 'root' (known: name, parent, strategy, "
            "max_restarts, within, backoff, restart, shutdown, significant, auto_shutdown)");
}

}  // namespace
}  // namespace airssys::app

namespace airssys::app {
namespace {

using test::guest;
using test::TempDir;

std::optional<SystemConfig> loads(const std::string& text) {
  TempDir dir;
  auto r = load_system_config(dir.write("system.toml", text));
  if (!r.ok()) {
    ADD_FAILURE() << r.errors.front().message;
    return std::nullopt;
  }
  return std::move(r.config);
}

TEST(SystemConfigCluster, WithoutAClusterTableTheSystemRunsAlone) {
  auto c = loads(component("echo", guest("echo")));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->cluster);
}

TEST(SystemConfigCluster, EveryKeyIsRead) {
  TempDir dir;
  const auto creds = dir.write("node.creds", "-----BEGIN NATS USER JWT-----\n");
  auto c = loads(
      "[system]\nname = \"shop\"\n[cluster]\nurls = [\"nats://10.0.0.1:4222\", "
      "\"tls://10.0.0.2:4222\"]\nnode = \"edge-1\"\nlabels = [\"gpu\", \"eu\"]\n"
      "credentials = \"" +
      creds +
      "\"\nheartbeat = \"200ms\"\nmissed_heartbeats = 4\nconnect_timeout = "
      "\"2s\"\nmax_proxies = 50\n" +
      component("echo", guest("echo")));
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->cluster);
  const auto& k = *c->cluster;
  EXPECT_EQ(k.urls.size(), 2U);
  EXPECT_EQ(k.name, "shop") << "the cluster is named after the system by default";
  EXPECT_EQ(k.node, "edge-1");
  EXPECT_EQ(k.labels, (std::vector<std::string>{"gpu", "eu"}));
  EXPECT_EQ(k.credentials, creds);
  EXPECT_EQ(k.heartbeat, std::chrono::milliseconds(200));
  EXPECT_EQ(k.missed_heartbeats, 4U);
  EXPECT_EQ(k.connect_timeout, std::chrono::seconds(2));
  EXPECT_EQ(k.max_proxies, 50U);
}

TEST(SystemConfigCluster, BadValuesAreNamedWithTheirPlace) {
  const std::string echo = component("echo", guest("echo"));
  EXPECT_NE(only_error("[cluster]\nnode = \"a\"\n" + echo).find("needs 'urls'"), std::string::npos);
  EXPECT_NE(only_error("[cluster]\nurls = [\"http://x:1\"]\nnode = \"a\"\n" + echo).find("urls"),
            std::string::npos);
  EXPECT_NE(only_error("[cluster]\nurls = [\"nats://x:1\"]\nnode = \"a.b\"\n" + echo).find("node"),
            std::string::npos);
  EXPECT_NE(only_error("[cluster]\nurls = [\"nats://x:1\"]\nnode = \"a\"\nbogus = 1\n" + echo)
                .find("unknown key 'bogus' in [cluster]"),
            std::string::npos);
  EXPECT_NE(only_error("[cluster]\nurls = [\"nats://x:1\"]\nnode = \"a\"\ncredentials = "
                       "\"/nonexistent/x.creds\"\n" +
                       echo)
                .find("no such file"),
            std::string::npos);
  EXPECT_NE(
      only_error("[cluster]\nurls = [\"nats://x:1\"]\nnode = \"a\"\nheartbeat = \"1ms\"\n" + echo)
          .find("heartbeat"),
      std::string::npos);
  EXPECT_NE(only_error("[cluster]\nurls = [\"nats://x:1\"]\nnode = \"a\"\ntls = { ca = "
                       "\"/nonexistent/ca.pem\" }\n" +
                       echo)
                .find("no such file"),
            std::string::npos);
  // A cluster name that cannot be a subject token, from [system] name.
  EXPECT_NE(only_error("[system]\nname = \"my shop\"\n[cluster]\nurls = [\"nats://x:1\"]\nnode = "
                       "\"a\"\n" +
                       echo)
                .find("name"),
            std::string::npos);
}

}  // namespace
}  // namespace airssys::app
