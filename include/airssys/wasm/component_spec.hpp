// Everything needed to run a wasm component and restart it: the module, the
// engine, limits, capabilities, init config and the supervision settings
// its supervisor applies.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airssys/rt/message.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/backoff_strategy.hpp"
#include "airssys/supervisor/restart_policy.hpp"
#include "airssys/supervisor/shutdown_policy.hpp"
#include "airssys/wasm/capabilities.hpp"
#include "airssys/wasm/component_limits.hpp"
#include "airssys/wasm/component_state.hpp"
#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/health_settings.hpp"
#include "airssys/wasm/wasm_module.hpp"

namespace airssys::wasm {

// Receives the guest's airssys.log lines (level 0 debug .. 3 error).
using ComponentLogger =
    std::function<void(const std::string& component, int level, std::string_view text)>;
// Told of every change of a component's health (from its worker thread).
using HealthObserver = std::function<void(const std::string& component, ComponentHealth before,
                                          ComponentHealth now, const std::string& detail)>;

struct ComponentSpec {
  std::string name;  // registered name and child id; stays across restarts
  WasmModulePtr module;
  EngineKind engine = EngineKind::interp;
  ComponentLimits limits;
  Capabilities capabilities;
  rt::Bytes config;  // passed to airssys_init of every fresh instance
  // WASI preview 1 (capability "wasi"): the arguments after argv[0], which
  // is the component's name, and the environment ("KEY=value") every fresh
  // instance gets from args_get / environ_get. At most kMaxWasiStrings of
  // each and kMaxWasiBytes of each together (with their NULs); no NULs in
  // them.
  std::vector<std::string> args;
  std::vector<std::string> env;
  static constexpr std::size_t kMaxWasiStrings = 1024;
  static constexpr std::size_t kMaxWasiBytes = 64 * 1024;

  supervisor::RestartPolicy restart = supervisor::RestartPolicy::permanent;
  supervisor::ShutdownPolicy shutdown = supervisor::ShutdownPolicy::after(std::chrono::seconds(5));
  // OTP's significant child (supervisor::ChildSpec::significant): only for
  // transient and temporary components.
  bool significant = false;
  rt::Duration startup_timeout = std::chrono::seconds(10);
  std::size_t stash_capacity = 1024;
  std::optional<supervisor::BackoffStrategy> backoff;  // overrides the supervisor's
  ComponentLogger logger;                              // stderr when empty
  // Guest log lines below this level (0 debug .. 3 error) are dropped
  // before they count against the log budget (limits.log_rate).
  int log_level = 0;
  HealthSettings health;
  HealthObserver on_health_change;

  static ComponentSpec of(std::string name, WasmModulePtr module) {
    ComponentSpec s;
    s.name = std::move(name);
    s.module = std::move(module);
    return s;
  }
  ComponentSpec& with_engine(EngineKind e) {
    engine = e;
    return *this;
  }
  ComponentSpec& with_limits(ComponentLimits l) {
    limits = l;
    return *this;
  }
  ComponentSpec& with_capabilities(Capabilities c) {
    capabilities = std::move(c);
    return *this;
  }
  ComponentSpec& with_config(std::string_view text) {
    config.assign(text.begin(), text.end());
    return *this;
  }
  ComponentSpec& with_restart(supervisor::RestartPolicy r) {
    restart = r;
    return *this;
  }
  ComponentSpec& with_shutdown(supervisor::ShutdownPolicy s) {
    shutdown = s;
    return *this;
  }
  ComponentSpec& with_startup_timeout(rt::Duration t) {
    startup_timeout = t;
    return *this;
  }
  ComponentSpec& with_backoff(supervisor::BackoffStrategy b) {
    backoff = b;
    return *this;
  }

  // A clear error for a spec that cannot run: no name, no module, limits out
  // of range, or a module importing what the capabilities do not grant.
  Result<void> validate() const;
};

}  // namespace airssys::wasm
