// The supervision tree as a read model: every supervisor publishes its
// children's handles here, so the tree can be queried (parent, children,
// ancestors, JSON, printed) from any thread without asking the actors.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "airssys/rt/clock.hpp"
#include "airssys/supervisor/supervision_handle.hpp"

namespace airssys::supervisor {

class SupervisionTree {
 public:
  explicit SupervisionTree(std::shared_ptr<rt::Clock> clock = nullptr);

  // --- written by supervisors ---------------------------------------------
  void add(SupervisionHandle handle);
  void update(std::string_view path, const std::function<void(SupervisionHandle&)>& change);
  // Removes the node and everything below it.
  void remove(std::string_view path);

  // --- queries ----------------------------------------------------------------
  std::optional<SupervisionHandle> handle(std::string_view path) const;
  std::optional<std::string> parent(std::string_view path) const;
  std::vector<std::string> children(std::string_view path) const;
  // Nearest first: parent, grandparent, ... root.
  std::vector<std::string> ancestors(std::string_view path) const;
  std::vector<std::string> roots() const;
  std::size_t size() const;

  // {"id":..,"path":..,"type":..,"state":..,"address":..,"restart":..,
  //  "restarts":..,"last_exit":..,"uptime_ms":..,"children":[...]}
  // for every root (an array), or for the subtree at `path`.
  std::string to_json() const;
  std::string to_json(std::string_view path) const;
  // An indented tree with states and restart counts.
  void print(std::ostream& out) const;

 private:
  struct Node {
    SupervisionHandle handle;
    std::vector<std::string> children;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::shared_ptr<rt::Clock> clock_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Node, Hash, std::equal_to<>> nodes_;
  std::vector<std::string> roots_;
};

}  // namespace airssys::supervisor
