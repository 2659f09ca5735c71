#include "name_registry.hpp"

#include <algorithm>
#include <mutex>

namespace airssys::rt::detail {

Result<void> NameRegistry::add(std::string name, Address a,
                               const std::function<bool(Address)>& is_alive, bool local) {
  if (name.empty()) return Error{ErrorCode::invalid_argument, "an actor name must not be empty"};
  std::unique_lock lock(mutex_);
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    return Error{ErrorCode::name_taken,
                 "name '" + name + "' is already registered to " + it->second.address.to_string()};
  }
  if (!is_alive(a)) {
    return Error{ErrorCode::no_such_actor,
                 "cannot register '" + name + "': actor " + a.to_string() + " is not alive"};
  }
  by_actor_[a].push_back(name);
  by_name_.emplace(std::move(name), Holder{a, local});
  return {};
}

Result<bool> NameRegistry::remove(std::string_view name) {
  std::unique_lock lock(mutex_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return Error{ErrorCode::name_not_found,
                 "no actor is registered as '" + std::string(name) + "'"};
  }
  auto owner = by_actor_.find(it->second.address);
  if (owner != by_actor_.end()) {
    auto& names = owner->second;
    names.erase(std::remove(names.begin(), names.end(), name), names.end());
    if (names.empty()) by_actor_.erase(owner);
  }
  const bool local = it->second.local;
  by_name_.erase(it);
  return local;
}

std::optional<Address> NameRegistry::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second.address;
}

std::vector<std::string> NameRegistry::remove_all(Address a) {
  std::unique_lock lock(mutex_);
  auto owner = by_actor_.find(a);
  if (owner == by_actor_.end()) return {};
  std::vector<std::string> names = std::move(owner->second);
  by_actor_.erase(owner);
  std::vector<std::string> shared;
  for (auto& name : names) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) continue;
    if (!it->second.local) shared.push_back(std::move(name));
    by_name_.erase(it);
  }
  return shared;
}

std::size_t NameRegistry::size() const {
  std::shared_lock lock(mutex_);
  return by_name_.size();
}

}  // namespace airssys::rt::detail
