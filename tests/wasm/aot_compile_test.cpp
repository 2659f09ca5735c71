// Where a component's first aot compile runs and what bounds it: on the
// compile threads, never on a worker; within the component's startup
// timeout (a compile still running then fails the start, saying so, and is
// killed unless another component waits for it); stopped with the
// component, its supervisor or the system. The C compiler is a script that
// says it runs through one FIFO and, to finish, runs the real cc once the
// test writes to another (or never finishes).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../process_probe.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "guest_path.hpp"

namespace airssys::wasm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using airssys::test::EnvVar;
using airssys::test::live_members;
using airssys::test::read_fifo;
using airssys::test::wait_gone;

constexpr auto kWait = 30s;  // an upper bound for what should take milliseconds

class AotCompileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "airssys-compile-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    cache_.emplace("AIRSSYS_AOT_CACHE", (dir_ / "cache").string());
    ASSERT_TRUE(airssys::test::make_fifo(dir_ / "started"));
    ASSERT_TRUE(airssys::test::make_fifo(dir_ / "go"));
  }
  void TearDown() override {
    cc_.reset();
    cache_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // AIRSSYS_CC: answers --version; a compile writes its pid to `started`,
  // then runs `then`.
  void use_compiler(const std::string& then) {
    const fs::path script = airssys::test::write_script(
        dir_ / "cc", "if [ \"$1\" = --version ]; then echo 'test cc 1.0'; exit 0; fi\necho $$ > '" +
                         (dir_ / "started").string() + "'\n" + then);
    cc_.emplace("AIRSSYS_CC", script.string());
  }
  // A compile that never ends.
  void hanging_compiler() { use_compiler("exec sleep 1000\n"); }
  // A compile that runs the real cc once the test calls let_compile_finish().
  void gated_compiler() {
    use_compiler("read go < '" + (dir_ / "go").string() + "'\nexec cc \"$@\"\n");
  }
  bool let_compile_finish() { return airssys::test::write_fifo(dir_ / "go", "go\n"); }

  // Waits for the compiler to start; its pid (= its process group), or 0.
  int compiler_started() {
    const auto text = read_fifo(dir_ / "started", kWait);
    return text && !text->empty() ? std::stoi(*text) : 0;
  }

  // Each test its own module: the compiled form is kept per module.
  WasmModulePtr echo_module() {
    auto m = WasmModule::load_file(test::guest("echo"));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().describe());
    return m.ok() ? *m : nullptr;
  }

  static ComponentSpec aot_echo(const std::string& name, WasmModulePtr module,
                                rt::Duration startup_timeout) {
    auto spec = ComponentSpec::of(name, std::move(module))
                    .with_engine(EngineKind::aot)
                    .with_startup_timeout(startup_timeout);
    spec.logger = [](const std::string&, int, std::string_view) {};
    return spec;
  }

  // The compiler and everything of its group are gone.
  static void expect_compiler_gone(int pgid) {
    EXPECT_TRUE(wait_gone(pgid, 10s)) << "the compiler " << pgid << " still runs";
    EXPECT_EQ(live_members(pgid), std::vector<int>{});
  }

  fs::path dir_;
  std::optional<EnvVar> cache_;
  std::optional<EnvVar> cc_;
};

TEST_F(AotCompileTest, StartupTimeoutFailsAStartWhoseCompileIsTooSlowAndKillsTheCompiler) {
  hanging_compiler();
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  ComponentSupervisor supervisors(spawner);
  const auto began = std::chrono::steady_clock::now();
  Result<rt::Address> root = rt::Address::none();
  std::thread starting([&] {
    root = supervisors.start("root", supervisor::SupervisorConfig::one_for_one(),
                             {aot_echo("slow", echo_module(), 1s)});
  });
  const int pgid = compiler_started();
  starting.join();
  ASSERT_GT(pgid, 0) << "the compiler never ran";
  ASSERT_FALSE(root.ok()) << "started although its compile never ends";
  const std::string& why = root.error().message;
  EXPECT_NE(why.find("failed to start child 'slow': error: startup_timeout: the aot compile of " +
                     test::guest("echo") + " was too slow"),
            std::string::npos)
      << why;
  // The startup timeout, not the compile's own time limit (120 s).
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);
  expect_compiler_gone(pgid);
}

TEST_F(AotCompileTest, ACompileHoldsNoWorkerAndStoppingTheSystemKillsItAtOnce) {
  hanging_compiler();
  rt::ActorSystemConfig one_worker;
  one_worker.workers = 1;
  rt::ActorSystem system(one_worker);
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  auto component = spawner.spawn_component(aot_echo("compiling", echo_module(), 10min));
  ASSERT_TRUE(component.ok()) << component.error().describe();
  const int pgid = compiler_started();
  ASSERT_GT(pgid, 0) << "the compiler never ran";

  // The only worker is free while the compile runs: another actor answers.
  auto other = system.spawn(
      rt::Behavior{[](rt::ActorContext& ctx, const int& n) { (void)ctx.reply(n + 1); }});
  ASSERT_TRUE(other.ok());
  auto answer = system.request<int>(*other, 41, kWait);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(*answer, 42);
  EXPECT_EQ(registry.status("compiling")->state(), ComponentState::creating);

  const auto stopping = std::chrono::steady_clock::now();
  const rt::ShutdownReport report = system.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  EXPECT_TRUE(report.clean());
  expect_compiler_gone(pgid);
}

TEST_F(AotCompileTest, StoppingTheComponentWhileItsModuleCompilesKillsTheCompiler) {
  hanging_compiler();
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  auto component = spawner.spawn_component(aot_echo("compiling", echo_module(), 10min));
  ASSERT_TRUE(component.ok()) << component.error().describe();
  const int pgid = compiler_started();
  ASSERT_GT(pgid, 0) << "the compiler never ran";
  ASSERT_TRUE(system.exit(*component, rt::ExitReason::shutdown()).ok());
  EXPECT_TRUE(registry.status("compiling")->wait_for(ComponentState::terminated, 1, kWait));
  expect_compiler_gone(pgid);
}

TEST_F(AotCompileTest, StoppingTheSupervisorWhileAChildsModuleCompilesIsPrompt) {
  hanging_compiler();
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  ComponentSupervisor supervisors(spawner);
  Result<rt::Address> root = rt::Address::none();
  std::thread starting([&] {
    root = supervisors.start("root", supervisor::SupervisorConfig::one_for_one(),
                             {aot_echo("compiling", echo_module(), 10min)});
  });
  const int pgid = compiler_started();
  auto address = system.whereis("root");
  if (pgid <= 0 || !address) {
    starting.join();
    FAIL() << "the compiler never ran, or there is no supervisor";
  }
  const auto stopping = std::chrono::steady_clock::now();
  auto stopped = supervisor::SupervisorRef(system, *address).stop();
  starting.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  EXPECT_TRUE(stopped.ok()) << stopped.error().describe();
  EXPECT_FALSE(root.ok());
  expect_compiler_gone(pgid);
}

TEST_F(AotCompileTest, ACompileAnotherComponentWaitsForOutlivesATimedOutStart) {
  gated_compiler();
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  const WasmModulePtr module = echo_module();
  auto patient = spawner.spawn_component(aot_echo("patient", module, 10min));
  ASSERT_TRUE(patient.ok()) << patient.error().describe();
  const int pgid = compiler_started();
  ASSERT_GT(pgid, 0) << "the compiler never ran";
  // A second component of the same module joins the compile that runs.
  auto hasty = spawner.spawn_component(aot_echo("hasty", module, 1s));
  ASSERT_TRUE(hasty.ok()) << hasty.error().describe();
  auto hasty_status = registry.status("hasty");
  ASSERT_TRUE(hasty_status->wait_for(ComponentState::failed, 1, kWait));
  EXPECT_EQ(hasty_status->last_failure(),
            "startup_timeout: the aot compile of " + test::guest("echo") +
                " was too slow (still running when the startup timeout passed)");
  // "patient" still waits for it: the compiler was not killed.
  EXPECT_EQ(::kill(pgid, 0), 0) << "the compile was killed although a component waits for it";

  // A request made while the module compiles waits for the instance: a
  // relay asks "patient" and says so before the compile may finish.
  const rt::Address to = *patient;
  const rt::Address back = me.address();
  auto relay = system.spawn(rt::Behavior{[to, back](rt::ActorContext& ctx,
                                                    const std::string& text) {
    ctx.request<rt::Bytes>(
        to, rt::Bytes(text.begin(), text.end()), kWait,
        [back](rt::ActorContext& c, const rt::Bytes& r) {
          (void)c.send(back, "reply: " + std::string(r.begin(), r.end()));
        },
        [back](rt::ActorContext& c, const Error& e) { (void)c.send(back, "error: " + e.message); });
    (void)ctx.send(back, std::string("asked"));
  }});
  ASSERT_TRUE(relay.ok());
  ASSERT_TRUE(me.send(*relay, std::string("hi")).ok());
  auto asked = me.receive_as<std::string>(kWait);
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(*asked, "asked");
  EXPECT_EQ(registry.status("patient")->state(), ComponentState::creating);
  ASSERT_TRUE(let_compile_finish());
  auto reply = me.receive_as<std::string>(kWait);
  ASSERT_TRUE(reply.ok()) << reply.error().describe();
  EXPECT_EQ(*reply, "reply: hi");
  EXPECT_EQ(registry.status("patient")->state(), ComponentState::ready);
  expect_compiler_gone(pgid);  // it finished
}

}  // namespace
}  // namespace airssys::wasm
