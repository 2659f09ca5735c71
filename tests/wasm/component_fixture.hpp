// A running actor system with a component registry and spawner, and helpers
// to talk to components from the test thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../supervisor/supervision_fixture.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/events.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/wasm/component_actor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_supervisor.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "guest_path.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {

using namespace std::chrono_literals;
using supervisor::testing::EventLog;
using Kind = supervisor::SupervisionEventKind;

inline constexpr rt::Duration kWait = 10s;

// Engines this build can run; every component test runs on each.
inline std::vector<EngineKind> engines() {
  return {EngineKind::interp, EngineKind::aot};
}

inline std::string engine_name(const ::testing::TestParamInfo<EngineKind>& info) {
  return to_string(info.param);
}

inline WasmModulePtr module(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, WasmModulePtr> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) {
    auto loaded = WasmModule::load_file(guest(name));
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().describe());
    if (loaded.ok()) slot = *loaded;
  }
  return slot;
}

// A module from WebAssembly text, a test's own guest; null, with a test
// failure, when it does not load.
inline WasmModulePtr module_from_wat(const std::string& wat, const std::string& name) {
  const auto binary = wat_to_wasm(wat, name + ".wat");
  EXPECT_TRUE(binary.ok()) << (binary.ok() ? "" : binary.error().message);
  if (!binary.ok()) return nullptr;
  auto loaded = WasmModule::load(*binary, name + ".wasm");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().describe());
  return loaded.ok() ? *loaded : nullptr;
}

inline rt::Bytes bytes(std::string_view s) {
  return rt::Bytes(s.begin(), s.end());
}
inline std::string text(const rt::Bytes& b) {
  return std::string(b.begin(), b.end());
}

// Records rt events (dead letters) so tests can wait for them.
class RtEvents final : public rt::EventSink {
 public:
  void on_event(const rt::SystemEvent& e) override {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    }
    changed_.notify_all();
  }
  std::size_t count_dead_letters(rt::Address to, rt::DeadLetterReason reason) {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) {
      n += e.kind == rt::EventKind::dead_letter && e.actor == to && e.dead_letter.reason == reason;
    }
    return n;
  }
  bool await_dead_letter(rt::Address to, rt::DeadLetterReason reason) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] {
      for (const auto& e : events_) {
        if (e.kind == rt::EventKind::dead_letter && e.actor == to &&
            e.dead_letter.reason == reason) {
          return true;
        }
      }
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<rt::SystemEvent> events_;
};

// Restarts without backoff.
inline supervisor::SupervisorConfig immediate(supervisor::SupervisorConfig c) {
  c.backoff = supervisor::BackoffStrategy::immediate();
  return c;
}

class ComponentTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  explicit ComponentTest(std::size_t workers = 2)
      : system_(config(workers)),
        spawner_(system_, registry_),
        supervisors_(spawner_),
        me_(system_) {}

  rt::ActorSystemConfig config(std::size_t workers) {
    rt::ActorSystemConfig c;
    c.workers = workers;
    c.clock = clock_;
    c.events = rt_events_;
    return c;
  }

  ComponentSpec spec(const std::string& name, const std::string& guest_name) {
    auto s = ComponentSpec::of(name, module(guest_name)).with_engine(GetParam());
    s.logger = [](const std::string&, int, std::string_view) {};
    return s;
  }

  // Request and reply as text.
  std::string ask(rt::Address to, std::string_view payload) {
    auto r = me_.request<rt::Bytes>(to, bytes(payload), kWait);
    return r.ok() ? text(*r) : "error: " + r.error().describe();
  }
  std::string ask(const std::string& name, std::string_view payload) {
    auto a = registry_.lookup(name);
    return a ? ask(*a, payload) : "error: no component " + name;
  }

  // Spawns one unsupervised component and waits until it is Ready.
  rt::Address start(const ComponentSpec& s) {
    auto a = spawner_.spawn_component(s);
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().describe());
    if (!a.ok()) return rt::Address::none();
    return *a;
  }

  // Waits for the component to exit and returns its exit reason.
  rt::ExitReason exit_reason_of(rt::Address a, std::string_view trigger) {
    auto ref = me_.monitor(a);
    EXPECT_TRUE(me_.send(a, bytes(trigger)).ok());
    auto down = me_.await_down(ref, kWait);
    EXPECT_TRUE(down.ok()) << "the component did not exit";
    return down.ok() ? down->reason : rt::ExitReason::normal();
  }

  // A root supervisor over components, with an event log; immediate restarts
  // unless the config says otherwise.
  rt::Address supervise(const std::string& name, supervisor::SupervisorConfig config,
                        const std::vector<ComponentSpec>& components) {
    auto s = supervisors_.spec(name, config, components);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
    if (!s.ok()) return rt::Address::none();
    s->events = events_;
    auto a = supervisor::start_supervisor(system_, std::move(*s));
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().describe());
    return a.ok() ? *a : rt::Address::none();
  }

  // root (one_for_one, immediate) over one supervisor "inner" of
  // `components` with at most one restart: for escalation.
  bool supervise_nested(const std::vector<ComponentSpec>& components) {
    auto inner = supervisors_.spec(
        "inner", immediate(supervisor::SupervisorConfig::one_for_one().with_max_restarts(1)),
        components);
    EXPECT_TRUE(inner.ok());
    if (!inner.ok()) return false;
    supervisor::SupervisorSpec root;
    root.name = "root";
    root.config = immediate(supervisor::SupervisorConfig::one_for_one());
    root.children.push_back(supervisor::supervisor_child("inner", std::move(*inner)));
    root.events = events_;
    return supervisor::start_supervisor(system_, std::move(root)).ok();
  }

  std::shared_ptr<ComponentStatus> status(const std::string& name) {
    return registry_.status(name);
  }

  std::shared_ptr<rt::ManualClock> clock_ = std::make_shared<rt::ManualClock>();
  std::shared_ptr<RtEvents> rt_events_ = std::make_shared<RtEvents>();
  std::shared_ptr<EventLog> events_ = std::make_shared<EventLog>();
  rt::ActorSystem system_;
  ComponentRegistry registry_;
  ComponentSpawner spawner_;
  ComponentSupervisor supervisors_;
  rt::ScopedActor me_;
};

}  // namespace airssys::wasm::test
