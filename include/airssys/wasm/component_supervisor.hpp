// Supervision trees of wasm components, on the supervision engine: a
// supervisor spec whose children are components (and, through
// supervisor::supervisor_child, nested supervisors).
#pragma once

#include <string>
#include <vector>

#include "airssys/rt/result.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/supervisor/supervisor_config.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/component_spec.hpp"

namespace airssys::wasm {

class ComponentSupervisor {
 public:
  explicit ComponentSupervisor(ComponentSpawner& spawner) : spawner_(spawner) {}

  // The spec of a supervisor over `components`, started in order.
  Result<supervisor::SupervisorSpec> spec(std::string name, supervisor::SupervisorConfig config,
                                          const std::vector<ComponentSpec>& components);
  // Starts it as a root supervisor and waits until every component is Ready.
  Result<rt::Address> start(std::string name, supervisor::SupervisorConfig config,
                            const std::vector<ComponentSpec>& components);

 private:
  ComponentSpawner& spawner_;
};

}  // namespace airssys::wasm
