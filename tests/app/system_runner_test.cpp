// A system built from a config, driven through SystemRunner: pools start
// their initial instances and stay within their size, stopped components
// can be deleted, and a child the supervisor killed is reported killed.
#include "system_runner.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "app_support.hpp"

namespace airssys::app::test {
namespace {

using namespace std::chrono_literals;
using supervisor::SupervisionEvent;
using supervisor::SupervisionEventKind;

// Keeps every event it is given.
class Recorder final : public supervisor::SupervisionEventSink {
 public:
  void on_event(const SupervisionEvent& e) override { kinds.push_back(e.kind); }
  std::vector<SupervisionEventKind> kinds;
};

SupervisionEvent event(SupervisionEventKind kind, const std::string& child, rt::ExitReason reason) {
  SupervisionEvent e;
  e.kind = kind;
  e.child = child;
  e.reason = std::move(reason);
  return e;
}

// The event contract, as a unit: child_stopped (or child_exited) with a
// `killed` reason sets the component's state to killed; any other reason
// leaves the state to the component; every event goes on.
TEST(ComponentStateSink, AChildStoppedByAKillIsKilled) {
  wasm::ComponentRegistry registry;
  for (const char* n : {"brutal", "timed_out", "graceful", "crashed"}) {
    auto s = std::make_shared<wasm::ComponentStatus>(n);
    s->set_state(wasm::ComponentState::ready);
    ASSERT_TRUE(registry.add(s));
  }
  auto next = std::make_shared<Recorder>();
  ComponentStateSink sink(registry, next);
  sink.on_event(event(SupervisionEventKind::child_stopped, "brutal", rt::ExitReason::killed()));
  sink.on_event(event(SupervisionEventKind::child_exited, "timed_out", rt::ExitReason::killed()));
  sink.on_event(event(SupervisionEventKind::child_stopped, "graceful", rt::ExitReason::shutdown()));
  sink.on_event(event(SupervisionEventKind::child_exited, "crashed",
                      rt::ExitReason::error("trap:unreachable")));
  // A child that is no component (a supervisor) or is unknown: nothing to set.
  sink.on_event(event(SupervisionEventKind::child_stopped, "inner", rt::ExitReason::killed()));
  EXPECT_EQ(registry.status("brutal")->state(), wasm::ComponentState::killed);
  EXPECT_EQ(registry.status("timed_out")->state(), wasm::ComponentState::killed);
  EXPECT_EQ(registry.status("graceful")->state(), wasm::ComponentState::ready);
  EXPECT_EQ(registry.status("crashed")->state(), wasm::ComponentState::ready);
  EXPECT_EQ(next->kinds.size(), 5u);
}

// A config loaded and a runner over it, started.
class Running {
 public:
  explicit Running(const std::string& text) {
    const auto file = dir_.write("system.toml", text);
    auto loaded = load_system_config(file);
    EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].describe());
    if (!loaded.ok()) return;
    config_ = std::make_unique<SystemConfig>(std::move(*loaded.config));
    events_ = std::tmpfile();
    runner_ = std::make_unique<SystemRunner>(*config_, std::make_shared<EventLog>(events_),
                                             wasm::EngineKind::interp);
    started_ = runner_->start();
    EXPECT_TRUE(started_) << (started_ ? "" : started_.error().describe());
  }
  ~Running() {
    if (runner_) (void)runner_->stop();
    runner_.reset();
    if (events_ != nullptr) std::fclose(events_);
  }
  SystemRunner& operator*() { return *runner_; }
  SystemRunner* operator->() { return runner_.get(); }
  bool ok() const { return runner_ && started_; }

  std::string ask(const std::string& component, const std::string& text) {
    auto status = runner_->registry().status(component);
    if (!status) return "no component " + component;
    rt::ScopedActor me(runner_->system());
    auto r = me.request<rt::Bytes>(status->address(), rt::Bytes(text.begin(), text.end()), 10s);
    return r ? std::string(r->begin(), r->end()) : "error: " + r.error().describe();
  }

 private:
  TempDir dir_;
  std::unique_ptr<SystemConfig> config_;
  std::FILE* events_ = nullptr;
  std::unique_ptr<SystemRunner> runner_;
  Result<rt::Address> started_ = Error{};
};

std::string pool_config(const std::string& extra) {
  return "[[supervisor]]\nname = \"root\"\n\n[[supervisor]]\nname = \"workers\"\nparent = "
         "\"root\"\nstrategy = \"simple_one_for_one\"\n\n[[component]]\nname = \"w\"\nmodule = \"" +
         guest("counter") + "\"\nsupervisor = \"workers\"\nconfig = \"10\"\n" + extra;
}

TEST(SystemRunner, APoolStartsItsInitialInstancesAndStaysWithinItsMax) {
  Running r(pool_config("initial = 2\nmax = 3\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pool_names(), std::vector<std::string>{"workers"});
  EXPECT_EQ(r->component_names(), (std::vector<std::string>{"w-1", "w-2"}));
  EXPECT_EQ(r->parent_of("w-1"), "workers");
  // Each instance is a component of its own, from the template's config.
  EXPECT_EQ(r.ask("w-1", "inc"), "11/1");
  EXPECT_EQ(r.ask("w-1", "inc"), "12/1");
  EXPECT_EQ(r.ask("w-2", "get"), "10/1");

  auto third = r->start_pool_instance("workers", rt::Bytes{'4', '1'});
  ASSERT_TRUE(third) << third.error().describe();
  EXPECT_EQ(third->id, "w-3");
  EXPECT_EQ(r->registry().status("w-3")->address(), third->address);
  EXPECT_EQ(r.ask("w-3", "inc"), "42/1");  // its own config
  auto full = r->start_pool_instance("workers");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::resource_exhausted);
  EXPECT_EQ(full.error().message, "pool 'workers' is at its size limit (max 3)");

  auto stopped = r->stop_pool_instance("workers", "w-2");
  ASSERT_TRUE(stopped) << stopped.error().describe();
  EXPECT_EQ(*stopped, "w-2");
  EXPECT_FALSE(r->registry().status("w-2"));
  EXPECT_EQ(r->component_names(), (std::vector<std::string>{"w-1", "w-3"}));
  // Room again; by address as well as by id.
  auto fourth = r->start_pool_instance("workers");
  ASSERT_TRUE(fourth) << fourth.error().describe();
  EXPECT_EQ(fourth->id, "w-4");
  auto by_address = r->stop_pool_instance("workers", fourth->address.to_string());
  ASSERT_TRUE(by_address) << by_address.error().describe();
  EXPECT_EQ(*by_address, "w-4");

  for (const char* who : {"w-2", "w-9", "", "<0.0>", "w"}) {
    auto missing = r->stop_pool_instance("workers", who);
    ASSERT_FALSE(missing) << who;
    EXPECT_EQ(missing.error().code, ErrorCode::name_not_found) << who;
  }
  for (const char* pool : {"nope", "root", "w", ""}) {
    auto no_pool = r->start_pool_instance(pool);
    ASSERT_FALSE(no_pool) << pool;
    EXPECT_EQ(no_pool.error().code, ErrorCode::name_not_found) << pool;
    EXPECT_EQ(no_pool.error().message, "no pool named '" + std::string(pool) + "'");
  }
}

// A crashed instance is restarted as itself: same id, same status, counted.
TEST(SystemRunner, APoolInstanceThatCrashesIsRestartedUnderItsOwnName) {
  Running r(pool_config("initial = 1\nbackoff = { kind = \"immediate\" }\n"));
  ASSERT_TRUE(r.ok());
  auto status = r->registry().status("w-1");
  ASSERT_TRUE(status);
  rt::ScopedActor me(r->system());
  ASSERT_TRUE(me.send(status->address(), rt::Bytes{'c', 'r', 'a', 's', 'h'}));
  ASSERT_TRUE(status->wait_for(wasm::ComponentState::ready, 2, 10s));
  EXPECT_EQ(r->registry().status("w-1"), status);
  EXPECT_EQ(r->component_names(), std::vector<std::string>{"w-1"});
  EXPECT_EQ(r.ask("w-1", "get"), "10/1");
}

TEST(SystemRunner, DeleteRemovesAStoppedComponentOnly) {
  Running r(
      "[[component]]\nname = \"a\"\nmodule = \"" + guest("echo") +
      "\"\n[[component]]\nname = \"b\"\nmodule = \"" + guest("echo") + "\"\n" +
      "[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"workers\"\nparent = "
      "\"root\"\nstrategy = \"simple_one_for_one\"\n[[component]]\nname = \"w\"\nmodule = \"" +
      guest("echo") + "\"\nsupervisor = \"workers\"\ninitial = 1\n");
  ASSERT_TRUE(r.ok());
  auto running = r->delete_component("a");
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(running.error().message.find("child 'a' is running"), std::string::npos)
      << running.error().message;

  supervisor::SupervisorRef root(r->system(), r->root());
  ASSERT_TRUE(root.terminate_child("a"));
  ASSERT_TRUE(r->delete_component("a"));
  EXPECT_FALSE(r->registry().status("a"));
  EXPECT_EQ(r->component_names(), (std::vector<std::string>{"b", "w-1"}));
  EXPECT_FALSE(root.restart_child("a"));  // gone from its supervisor too

  for (const char* name : {"a", "nobody", "root", "workers", "w"}) {
    auto missing = r->delete_component(name);
    ASSERT_FALSE(missing) << name;
    EXPECT_EQ(missing.error().code, ErrorCode::name_not_found) << name;
  }
  auto instance = r->delete_component("w-1");
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(
      instance.error().message,
      "'w-1' is an instance of pool 'workers': stop it with the pool's stop, which removes it");
}

// The supervisor's report of a kill is what the state says: a
// brutal_killed component never runs its stop path, yet is killed. (One
// with a shutdown timeout ends by its own call deadline, the same length,
// as `failed: shutdown_failed: deadline`, see ComponentSupervision.)
TEST(SystemRunner, AComponentBrutalKilledOnStopIsKilled) {
  Running r("[[component]]\nname = \"brutal\"\nmodule = \"" + guest("echo") +
            "\"\nshutdown = \"brutal_kill\"\n\n[[component]]\nname = \"polite\"\nmodule = \"" +
            guest("echo") + "\"\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry().status("brutal")->state(), wasm::ComponentState::ready);
  auto stopped = r->stop();
  ASSERT_TRUE(stopped) << stopped.error().describe();
  EXPECT_TRUE(r->killed().empty());  // within shutdown_timeout: its supervisor killed it
  EXPECT_EQ(r->registry().status("brutal")->state(), wasm::ComponentState::killed);
  EXPECT_EQ(r->registry().status("polite")->state(), wasm::ComponentState::terminated);
}

// A child supervisor's `shutdown` is how its parent stops it: by default
// (infinity) it stops its children first, and they end well; brutal_kill
// takes it and its children down at once, no airssys_shutdown run.
TEST(SystemRunner, ASupervisorsShutdownKeyDecidesHowItsParentStopsIt) {
  for (const std::string shutdown : {"", "shutdown = \"brutal_kill\"\n"}) {
    SCOPED_TRACE(shutdown);
    Running r(
        "[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"inner\"\nparent = "
        "\"root\"\n" +
        shutdown + "[[component]]\nname = \"a\"\nmodule = \"" + guest("echo") +
        "\"\nsupervisor = \"inner\"\n[[component]]\nname = \"b\"\nmodule = \"" + guest("echo") +
        "\"\n");
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->stop());
    const auto a = r->registry().status("a")->state();
    if (shutdown.empty()) {
      EXPECT_EQ(a, wasm::ComponentState::terminated);
    } else {
      EXPECT_NE(a, wasm::ComponentState::terminated);
      EXPECT_NE(a, wasm::ComponentState::ready);
    }
    EXPECT_EQ(r->registry().status("b")->state(), wasm::ComponentState::terminated);
  }
}

}  // namespace
}  // namespace airssys::app::test
