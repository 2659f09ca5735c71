#include "airssys/wasm/component_registry.hpp"

#include <mutex>

namespace airssys::wasm {

Result<void> ComponentRegistry::add(const std::shared_ptr<ComponentStatus>& status) {
  std::unique_lock lock(mutex_);
  const std::string& name = status->name();
  auto [it, inserted] = entries_.try_emplace(name, status);
  if (!inserted) {
    return Error{ErrorCode::name_taken, "a component named \"" + it->first + "\" exists already"};
  }
  return {};
}

bool ComponentRegistry::remove(std::string_view name) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::optional<rt::Address> ComponentRegistry::lookup(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second->address();
}

std::shared_ptr<ComponentStatus> ComponentRegistry::status(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<std::string> ComponentRegistry::names() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, status] : entries_) out.push_back(name);
  return out;
}

std::size_t ComponentRegistry::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace airssys::wasm
