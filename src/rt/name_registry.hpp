// Unique names for actors (Erlang's register/whereis). Reads take a shared
// lock; an actor's names are dropped when it exits.
#pragma once

#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::rt::detail {

class NameRegistry {
 public:
  // `is_alive` is checked under the registry lock, so a name can never be
  // left behind by an actor that exits while it is being registered.
  // `local`: a name of this process alone (SpawnOptions::local_name),
  // remembered so its removal is not reported to a name directory.
  Result<void> add(std::string name, Address a, const std::function<bool(Address)>& is_alive,
                   bool local = false);
  // The local flag of the name removed.
  Result<bool> remove(std::string_view name);
  std::optional<Address> find(std::string_view name) const;
  // Drops every name of `a`; returns those that are not local.
  std::vector<std::string> remove_all(Address a);
  std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mutex_;
  struct Holder {
    Address address;
    bool local = false;
  };
  std::unordered_map<std::string, Holder, Hash, std::equal_to<>> by_name_;
  std::unordered_map<Address, std::vector<std::string>> by_actor_;
};

}  // namespace airssys::rt::detail
