// Starts components: alone (spawn_component), under an existing supervisor
// (spawn_supervised_component), as child specs for supervision trees
// (child_spec, used by ComponentSupervisor), or as the template of a pool
// (pool_child_spec: the one child spec of a simple_one_for_one supervisor).
// Every start validates the spec and registers the component's status in
// the registry.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/child_spec.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spec.hpp"

namespace airssys::wasm {

// The instances of one pool: children of a simple_one_for_one supervisor,
// all started from one component spec. Each instance is a component of its
// own, registered under its child id ("<component>-<n>"), with a status of
// its own. An instance's registration ends when it has left the tree: at
// the pool's next start, or at once through forget().
class ComponentPool {
 public:
  // At most this many instances, checked when one starts (the hard bound
  // whoever asks for a start).
  ComponentPool(std::string component, std::size_t max)
      : component_(std::move(component)), max_(max) {}

  const std::string& component() const { return component_; }
  std::size_t max() const { return max_; }
  // Instances registered now, in start order.
  std::vector<std::string> instances() const;
  std::size_t size() const;
  // Ends the registration of an instance that has been stopped for good.
  void forget(const std::string& instance);

 private:
  friend class ComponentSpawner;
  std::string component_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::vector<std::string> order_;
  std::map<std::string, std::shared_ptr<ComponentStatus>> statuses_;
  ComponentRegistry* registry_ = nullptr;
};

// What a pool's start_child arguments may carry (std::any of this type):
// the bytes for airssys_init of that instance instead of the spec's config.
struct PoolStartArgs {
  rt::Bytes config;
};

class ComponentSpawner {
 public:
  ComponentSpawner(rt::ActorSystem& system, ComponentRegistry& registry)
      : system_(system), registry_(registry) {}

  // One unsupervised instance, registered under spec.name; when it exits,
  // it stays down.
  Result<rt::Address> spawn_component(const ComponentSpec& spec);
  // Adds the component to a running supervisor and waits until it is Ready.
  Result<rt::Address> spawn_supervised_component(supervisor::SupervisorRef& supervisor,
                                                 const ComponentSpec& spec);
  // Everything child_spec and a supervisor would refuse in `spec`, without
  // registering or starting anything (`airssys check` runs it).
  static Result<void> check(const ComponentSpec& spec);
  // A child spec whose every start creates a fresh instance of the component
  // (validated now; the error names the component).
  Result<supervisor::ChildSpec> child_spec(const ComponentSpec& spec);
  // The template of a pool of `pool->max()` instances at most (validated
  // now; nothing is registered until an instance starts). Every start of a
  // new child id is a new component; a restart keeps its status.
  Result<supervisor::ChildSpec> pool_child_spec(const ComponentSpec& spec,
                                                const std::shared_ptr<ComponentPool>& pool);

  rt::ActorSystem& system() const { return system_; }
  ComponentRegistry& registry() const { return registry_; }

 private:
  // Adds the status of an already validated spec to the registry.
  std::shared_ptr<ComponentStatus> register_status(const ComponentSpec& spec, Result<void>& error);

  rt::ActorSystem& system_;
  ComponentRegistry& registry_;
};

}  // namespace airssys::wasm
