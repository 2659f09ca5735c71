// The supervision tree as a read model: every supervisor publishes its
// children's handles here, so the tree can be queried (parent, children,
// ancestors, JSON, printed) from any thread without asking the actors.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // One node per child, kept compact (a tree may hold 100,000 components):
  // the path is only the index key, the parent is a pointer, and what most
  // children never have (a restart's exit reason and time, an id that is
  // not the path's last segment, an unusual health text) lives in `Rare`.
  // Handles are assembled from nodes on the way out.
  struct Rare {
    std::string id;
    std::string parent_path;  // a parent not in the tree
    std::string health;
    std::optional<rt::ExitReason> last_exit_reason;
    std::optional<rt::Clock::time_point> last_restart;
  };
  struct Node {
    const std::string* path = nullptr;  // the index key (index nodes never move)
    Node* parent = nullptr;
    std::vector<Node*> children;
    rt::Address address;
    rt::Clock::time_point started_at{};
    rt::Duration uptime{0};
    std::unique_ptr<Rare> rare;
    std::uint32_t restarts = 0;
    ChildType type = ChildType::worker;
    RestartPolicy restart = RestartPolicy::permanent;
    SupervisionState state = SupervisionState::initializing;
    std::uint8_t health = 0;  // index into kHealthTexts; 255: rare->health
    bool significant = false;
    bool has_started_at = false;

    Rare& rare_fields() {
      if (!rare) rare = std::make_unique<Rare>();
      return *rare;
    }
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  static void store(Node& node, SupervisionHandle&& handle);
  SupervisionHandle load(const Node& node) const;
  const Node* find(std::string_view path) const;
  static std::string_view id_of(const Node& node);
  static std::string_view health_of(const Node& node);
  static std::string last_exit_of(const Node& node);
  static void append_node(std::string& out, const Node& node, rt::Clock::time_point now);

  std::shared_ptr<rt::Clock> clock_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Node, Hash, std::equal_to<>> nodes_;
  std::vector<Node*> roots_;
};

}  // namespace airssys::supervisor
