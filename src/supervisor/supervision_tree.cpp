#include "airssys/supervisor/supervision_tree.hpp"

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

namespace airssys::supervisor {

SupervisionTree::SupervisionTree(std::shared_ptr<rt::Clock> clock)
    : clock_(clock ? std::move(clock) : std::make_shared<rt::SteadyClock>()) {}

void SupervisionTree::add(SupervisionHandle handle) {
  std::unique_lock lock(mutex_);
  const std::string path = handle.path;
  const std::string parent = handle.parent_path;
  auto [it, inserted] = nodes_.try_emplace(path);
  it->second.handle = std::move(handle);
  if (!inserted) return;
  if (parent.empty()) {
    roots_.push_back(path);
  } else if (auto p = nodes_.find(parent); p != nodes_.end()) {
    p->second.children.push_back(path);
  }
}

void SupervisionTree::update(std::string_view path,
                             const std::function<void(SupervisionHandle&)>& change) {
  std::unique_lock lock(mutex_);
  if (auto it = nodes_.find(path); it != nodes_.end()) change(it->second.handle);
}

void SupervisionTree::remove(std::string_view path) {
  std::unique_lock lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return;
  const std::string parent = it->second.handle.parent_path;
  std::vector<std::string> doomed{std::string(path)};
  for (std::size_t i = 0; i < doomed.size(); ++i) {
    auto n = nodes_.find(doomed[i]);
    if (n == nodes_.end()) continue;
    for (const auto& c : n->second.children) doomed.push_back(c);
  }
  for (const auto& d : doomed) nodes_.erase(d);
  auto& siblings = parent.empty() ? roots_ : nodes_[parent].children;
  std::erase(siblings, std::string(path));
}

std::optional<SupervisionHandle> SupervisionTree::handle(std::string_view path) const {
  std::shared_lock lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return std::nullopt;
  SupervisionHandle h = it->second.handle;
  if (h.stats.started_at && h.state == SupervisionState::running) {
    h.stats.uptime = clock_->now() - *h.stats.started_at;
  }
  return h;
}

std::optional<std::string> SupervisionTree::parent(std::string_view path) const {
  std::shared_lock lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end() || it->second.handle.parent_path.empty()) return std::nullopt;
  return it->second.handle.parent_path;
}

std::vector<std::string> SupervisionTree::children(std::string_view path) const {
  std::shared_lock lock(mutex_);
  auto it = nodes_.find(path);
  return it == nodes_.end() ? std::vector<std::string>{} : it->second.children;
}

std::vector<std::string> SupervisionTree::ancestors(std::string_view path) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  auto it = nodes_.find(path);
  while (it != nodes_.end() && !it->second.handle.parent_path.empty()) {
    out.push_back(it->second.handle.parent_path);
    it = nodes_.find(out.back());
  }
  return out;
}

std::vector<std::string> SupervisionTree::roots() const {
  std::shared_lock lock(mutex_);
  return roots_;
}

std::size_t SupervisionTree::size() const {
  std::shared_lock lock(mutex_);
  return nodes_.size();
}

namespace {

template <class Nodes>
nlohmann::json node_json(const Nodes& nodes, const std::string& path, rt::Clock::time_point now) {
  const auto& node = nodes.find(path)->second;
  const SupervisionHandle& h = node.handle;
  nlohmann::json j;
  j["id"] = h.id;
  j["path"] = h.path;
  j["type"] = to_string(h.type);
  j["state"] = to_string(h.state);
  j["address"] = h.address.to_string();
  j["restart"] = to_string(h.restart);
  j["restarts"] = h.stats.restarts;
  j["last_exit"] = h.stats.last_exit_reason ? h.stats.last_exit_reason->to_string() : "";
  j["uptime_ms"] =
      h.stats.started_at && h.state == SupervisionState::running
          ? std::chrono::duration_cast<std::chrono::milliseconds>(now - *h.stats.started_at).count()
          : 0;
  nlohmann::json kids = nlohmann::json::array();
  for (const auto& c : node.children) {
    if (nodes.find(c) != nodes.end()) kids.push_back(node_json(nodes, c, now));
  }
  j["children"] = std::move(kids);
  return j;
}

}  // namespace

std::string SupervisionTree::to_json() const {
  std::shared_lock lock(mutex_);
  const auto now = clock_->now();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& root : roots_) out.push_back(node_json(nodes_, root, now));
  return out.dump();
}

std::string SupervisionTree::to_json(std::string_view path) const {
  std::shared_lock lock(mutex_);
  if (nodes_.find(path) == nodes_.end()) return "null";
  return node_json(nodes_, std::string(path), clock_->now()).dump();
}

void SupervisionTree::print(std::ostream& out) const {
  std::shared_lock lock(mutex_);
  std::function<void(const std::string&, const std::string&, bool)> walk =
      [&](const std::string& path, const std::string& prefix, bool last) {
        auto it = nodes_.find(path);
        if (it == nodes_.end()) return;
        const SupervisionHandle& h = it->second.handle;
        out << prefix << (prefix.empty() ? "" : (last ? "└─ " : "├─ ")) << h.id
            << (h.type == ChildType::supervisor ? " [supervisor]" : "") << "  "
            << to_string(h.state) << "  " << h.address.to_string()
            << "  restarts=" << h.stats.restarts;
        if (h.stats.last_exit_reason)
          out << "  last_exit=" << h.stats.last_exit_reason->to_string();
        out << '\n';
        const auto& kids = it->second.children;
        const std::string child_prefix =
            prefix.empty() ? std::string("   ") : prefix + (last ? "   " : "│  ");
        for (std::size_t i = 0; i < kids.size(); ++i) {
          walk(kids[i], prefix.empty() ? std::string(" ") : child_prefix, i + 1 == kids.size());
        }
      };
  for (const auto& root : roots_) walk(root, "", true);
}

}  // namespace airssys::supervisor
