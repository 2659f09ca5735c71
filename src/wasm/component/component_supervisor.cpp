#include "airssys/wasm/component_supervisor.hpp"

namespace airssys::wasm {

Result<supervisor::SupervisorSpec> ComponentSupervisor::spec(
    std::string name, supervisor::SupervisorConfig config,
    const std::vector<ComponentSpec>& components) {
  supervisor::SupervisorSpec spec;
  spec.name = std::move(name);
  spec.config = config;
  for (const auto& c : components) {
    auto child = spawner_.child_spec(c);
    if (!child) {
      for (const auto& added : spec.children) spawner_.registry().remove(added.id);
      return child.error();
    }
    spec.children.push_back(std::move(*child));
  }
  return spec;
}

Result<rt::Address> ComponentSupervisor::start(std::string name,
                                               supervisor::SupervisorConfig config,
                                               const std::vector<ComponentSpec>& components) {
  auto s = spec(std::move(name), config, components);
  if (!s) return s.error();
  return supervisor::start_supervisor(spawner_.system(), std::move(*s));
}

}  // namespace airssys::wasm
