// Starts components: alone (spawn_component), under an existing supervisor
// (spawn_supervised_component), or as child specs for supervision trees
// (child_spec, used by ComponentSupervisor). Every start validates the spec
// and registers the component's status in the registry.
#pragma once

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/child_spec.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spec.hpp"

namespace airssys::wasm {

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

  rt::ActorSystem& system() const { return system_; }
  ComponentRegistry& registry() const { return registry_; }

 private:
  // Adds the status of an already validated spec to the registry.
  std::shared_ptr<ComponentStatus> register_status(const ComponentSpec& spec, Result<void>& error);

  rt::ActorSystem& system_;
  ComponentRegistry& registry_;
};

}  // namespace airssys::wasm
