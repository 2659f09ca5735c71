// A whole system as a config file describes it (TOML, docs/config.md):
// system settings, supervisors forming a tree, and components. Loading
// checks everything that can be checked without running: syntax, keys,
// types, units, references, cycles, duplicate names, and every module (ABI,
// capabilities). Each error names the file, line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "airssys/cluster/cluster_config.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/supervisor/backoff_strategy.hpp"
#include "airssys/supervisor/restart_policy.hpp"
#include "airssys/supervisor/shutdown_policy.hpp"
#include "airssys/supervisor/supervisor_config.hpp"
#include "airssys/wasm/capabilities.hpp"
#include "airssys/wasm/component_limits.hpp"
#include "airssys/wasm/component_spec.hpp"
#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/health_settings.hpp"
#include "airssys/wasm/module_limits.hpp"
#include "airssys/wasm/wasm_module.hpp"

namespace airssys::app {

struct SourcePosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

struct ConfigError {
  std::string file;
  SourcePosition at;
  std::string message;
  // "file:line:column: message"
  std::string describe() const;
};

struct SystemSettings {
  std::string name = "airssys";
  std::size_t workers = 0;  // 0 = one per core
  wasm::EngineKind engine = wasm::EngineKind::interp;
  std::string http;        // "host:port"; empty = no admin endpoint
  std::string http_token;  // bearer token for mutating requests (required beyond loopback)
  rt::Duration shutdown_timeout = std::chrono::seconds(10);
  // What every module of the system may declare ([module_limits]).
  wasm::ModuleLimits module_limits;
};

struct SupervisorDecl {
  std::string name;
  std::string parent;  // empty: the root
  supervisor::SupervisorConfig config;
  supervisor::RestartPolicy restart = supervisor::RestartPolicy::permanent;
  // How its parent stops it; infinity: it stops its own children first.
  supervisor::ShutdownPolicy shutdown = supervisor::ShutdownPolicy::infinity();
  bool significant = false;
  SourcePosition at;

  // simple_one_for_one: a pool of instances of its one [[component]].
  bool is_pool() const { return config.strategy == supervisor::Strategy::simple_one_for_one; }
};

// The size of a pool (a component under a simple_one_for_one supervisor).
struct PoolSize {
  // The most `max` may be: a pool's instances are bounded before any starts.
  static constexpr std::size_t kHardMax = 10'000;
  static constexpr std::size_t kDefaultMax = 100;
  std::size_t initial = 0;  // instances started with the system
  std::size_t max = kDefaultMax;
};

struct ComponentDecl {
  std::string name;
  std::filesystem::path module_path;  // resolved against the config file's folder
  wasm::WasmModulePtr module;         // loaded and checked
  std::string supervisor;             // empty: the root
  std::optional<wasm::EngineKind> engine;
  supervisor::RestartPolicy restart = supervisor::RestartPolicy::permanent;
  supervisor::ShutdownPolicy shutdown = supervisor::ShutdownPolicy::after(std::chrono::seconds(5));
  bool significant = false;
  // Set when its supervisor is simple_one_for_one: the component is the
  // template of that pool's instances.
  std::optional<PoolSize> pool;
  rt::Duration startup_timeout = std::chrono::seconds(10);
  std::optional<supervisor::BackoffStrategy> backoff;
  std::size_t stash_capacity = 1024;
  wasm::ComponentLimits limits;
  wasm::Capabilities capabilities;
  std::vector<std::string> capability_names;
  std::string config;             // bytes for airssys_init
  std::vector<std::string> args;  // WASI args after argv[0]
  std::vector<std::string> env;   // WASI environment, "NAME=value"
  wasm::HealthSettings health;
  SourcePosition at;
};

struct SystemConfig {
  std::filesystem::path file;
  SystemSettings system;
  std::vector<SupervisorDecl> supervisors;  // the root first, then in file order
  std::vector<ComponentDecl> components;    // in file order
  // [cluster]: this system is a node of a cluster on NATS (docs/cluster.md);
  // absent, it runs on its own and needs no server.
  std::optional<cluster::ClusterConfig> cluster;

  const SupervisorDecl& root() const { return supervisors.front(); }
  const SupervisorDecl* supervisor(const std::string& name) const;
  // The template of pool `supervisor` (null when it is not a pool).
  const ComponentDecl* pool_template(const std::string& supervisor) const;
};

struct LoadResult {
  std::optional<SystemConfig> config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty() && config.has_value(); }
};

// The component spec `c` describes (no logger, no callbacks), on its own
// engine or else `system_engine`.
wasm::ComponentSpec component_spec_of(const ComponentDecl& c, wasm::EngineKind system_engine);

// A node's name when [cluster] gives none: the host name up to its first dot.
std::string default_node_name();

// Parses and checks `file`: what `run` would refuse, it refuses. With `load_modules` false, module
// files are only checked to exist (for tools that do not need them).
LoadResult load_system_config(const std::filesystem::path& file, bool load_modules = true);

}  // namespace airssys::app
