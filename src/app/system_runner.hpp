// A running system built from a SystemConfig: the actor system, the
// component registry, the supervision tree of supervisors and components
// (pools included), and the event log; the component states the events
// decide; and which modules of a config run on the aot engine.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "airssys/app/system_config.hpp"
#include "airssys/cluster/cluster_node.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "event_log.hpp"
#include "line_writer.hpp"

namespace airssys::app {

// One module file the config runs on the aot engine: every loaded copy of
// it (one per component naming it) and the first component that does.
struct AotModuleUse {
  std::filesystem::path path;
  std::vector<wasm::WasmModulePtr> modules;
  const ComponentDecl* first = nullptr;
};

// The modules of `config` that run on the aot engine (a component's own
// engine, else `engine_override`, else the system's), in config order.
std::vector<AotModuleUse> aot_modules(const SystemConfig& config,
                                      std::optional<wasm::EngineKind> engine_override);

// What the supervisors report that a component's own status cannot see:
// a child stopped by a kill (brutal_kill, or past its shutdown timeout)
// never runs its stop path, so its state is set to `killed` here. Every
// event then goes on to `next`.
class ComponentStateSink final : public supervisor::SupervisionEventSink {
 public:
  ComponentStateSink(const wasm::ComponentRegistry& registry,
                     std::shared_ptr<supervisor::SupervisionEventSink> next)
      : registry_(registry), next_(std::move(next)) {}
  void on_event(const supervisor::SupervisionEvent& e) override;
  // Why the supervisor at `path` stopped, once it has: what a monitor set
  // after its end cannot say (it says noproc).
  std::optional<rt::ExitReason> stop_reason(const std::string& path) const;

 private:
  const wasm::ComponentRegistry& registry_;
  std::shared_ptr<supervisor::SupervisionEventSink> next_;
  mutable std::mutex mutex_;
  std::map<std::string, rt::ExitReason> stopped_;  // supervisors' paths
};

// A pool instance just started.
struct PoolInstance {
  std::string id;
  rt::Address address;
};

class SystemRunner {
 public:
  SystemRunner(const SystemConfig& config, std::shared_ptr<EventLog> events,
               std::optional<wasm::EngineKind> engine_override);
  ~SystemRunner();

  // Guest log lines below `level` (0 debug .. 3 error) are dropped (before
  // the log budget counts them); the rest go to stderr as "[component]
  // level: text", through a writer thread that never blocks a worker.
  void set_guest_log_level(int level) { log_level_ = level; }

  // Joins the cluster when the config has [cluster] (before anything
  // registers a name), starts the root supervisor and waits until every
  // component is Ready, then starts each pool's `initial` instances.
  Result<rt::Address> start();
  // Stops the tree (reverse order, each within its shutdown timeout), all
  // of it within [system] shutdown_timeout: what still runs then is killed
  // (supervisors, then components, whose state becomes `killed`; killed()
  // names them) and the result is a timeout error saying so. First kills
  // the aot engine's C compiles in this process and refuses new ones
  // (wasm::cancel_aot_compiles): stopping is for good.
  Result<rt::ExitReason> stop();
  const std::vector<std::string>& killed() const { return killed_; }

  rt::ActorSystem& system() { return *system_; }
  // This node of the cluster; null without [cluster].
  cluster::ClusterNode* cluster() { return cluster_.get(); }
  wasm::ComponentRegistry& registry() { return registry_; }
  const std::shared_ptr<supervisor::SupervisionTree>& tree() const { return tree_; }
  const SystemConfig& config() const { return config_; }
  EventLog& events() { return *events_; }
  rt::Address root() const { return root_; }
  // Why the root supervisor stopped, once it has.
  std::optional<rt::ExitReason> root_stop_reason() const {
    return state_sink_->stop_reason(config_.root().name);
  }

  // The supervisor a component (or supervisor, or pool instance) is a
  // child of, and its address.
  std::string parent_of(const std::string& name) const;
  std::optional<rt::Address> supervisor_address(const std::string& name) const;
  // Components in config order, each pool's instances in place of its
  // template; deleted ones left out.
  std::vector<std::string> component_names() const;
  bool is_permanent(const std::string& component) const;

  // Pools by supervisor name, in config order; null for a name that is not one.
  std::vector<std::string> pool_names() const;
  std::shared_ptr<wasm::ComponentPool> pool(const std::string& supervisor) const;
  // One more instance of a pool (its airssys_init bytes `config`, else the
  // template's). Errors: name_not_found (no such pool), resource_exhausted
  // (at its max), or what the supervisor said.
  Result<PoolInstance> start_pool_instance(const std::string& pool,
                                           std::optional<rt::Bytes> config = std::nullopt);
  // Stops an instance of a pool for good, named by its child id or its
  // address as the tree shows it ("<index.generation>"). Returns its id;
  // name_not_found when the pool has no such instance.
  Result<std::string> stop_pool_instance(const std::string& pool, const std::string& instance);
  // Removes a stopped component from its supervisor (OTP's delete_child)
  // and from the registry. name_not_found when there is no such component,
  // invalid_argument when it is running or a pool instance.
  Result<void> delete_component(const std::string& name);

 private:
  Result<supervisor::SupervisorSpec> build(const SupervisorDecl& decl);

  const SystemConfig& config_;
  std::shared_ptr<EventLog> events_;
  wasm::EngineKind engine_;
  std::unique_ptr<rt::ActorSystem> system_;
  std::unique_ptr<cluster::ClusterNode> cluster_;
  wasm::ComponentRegistry registry_;
  std::unique_ptr<wasm::ComponentSpawner> spawner_;
  std::shared_ptr<supervisor::SupervisionTree> tree_;
  // Guest log lines to standard error; shared with the loggers, which a
  // worker still in a guest may call after this runner is gone.
  std::shared_ptr<LineWriter> guest_log_;
  rt::Address root_;
  std::shared_ptr<ComponentStateSink> state_sink_;
  std::map<std::string, std::shared_ptr<wasm::ComponentPool>> pools_;
  // One pool start at a time: its size checked and the start made together.
  std::mutex pool_starts_;
  std::vector<std::string> killed_;
  int log_level_ = 1;
};

}  // namespace airssys::app
