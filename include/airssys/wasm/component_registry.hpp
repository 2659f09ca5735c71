// Component name -> address and status. Addresses are stable across
// restarts, so an entry is written once per component, not per restart;
// lookups take a shared lock and one hash probe.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/wasm/component_state.hpp"

namespace airssys::wasm {

class ComponentRegistry {
 public:
  // Fails with name_taken when `name` is registered already.
  Result<void> add(const std::shared_ptr<ComponentStatus>& status);
  bool remove(std::string_view name);

  // The component's current address (none while it has never started).
  std::optional<rt::Address> lookup(std::string_view name) const;
  std::shared_ptr<ComponentStatus> status(std::string_view name) const;
  std::vector<std::string> names() const;
  std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<ComponentStatus>, Hash, std::equal_to<>> entries_;
};

}  // namespace airssys::wasm
