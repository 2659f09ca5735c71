#include "airssys/supervisor/supervision_tree.hpp"

#include <chrono>
#include <mutex>

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

// Written by hand rather than with nlohmann::json: building a json object per
// node cost ~2.4 us a node (measured, BM_TreeJson100), appending to one
// string costs a fraction of that, and the shape here is fixed.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t plain = 0;  // start of the run of characters that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out.append(s, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static const char* hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[(c >> 4) & 0xf];
        out += hex[c & 0xf];
      }
    }
  }
  out.append(s, plain, s.size() - plain);
  out += '"';
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  append_string(out, key);
  out += ':';
  append_string(out, value);
  out += ',';
}

template <class Nodes, class Node>
void append_node(std::string& out, const Nodes& nodes, const Node& node,
                 rt::Clock::time_point now) {
  const SupervisionHandle& h = node.handle;
  out += '{';
  append_field(out, "id", h.id);
  append_field(out, "path", h.path);
  append_field(out, "type", to_string(h.type));
  append_field(out, "state", to_string(h.state));
  append_field(out, "address", h.address.to_string());
  append_field(out, "restart", to_string(h.restart));
  out += "\"restarts\":";
  out += std::to_string(h.stats.restarts);
  out += ',';
  append_field(out, "last_exit",
               h.stats.last_exit_reason ? h.stats.last_exit_reason->to_string() : "");
  if (!h.health.empty()) append_field(out, "health", h.health);
  const long long uptime_ms =
      h.stats.started_at && h.state == SupervisionState::running
          ? std::chrono::duration_cast<std::chrono::milliseconds>(now - *h.stats.started_at).count()
          : 0;
  out += "\"uptime_ms\":";
  out += std::to_string(uptime_ms);
  out += ",\"children\":[";
  bool first = true;
  for (const auto& c : node.children) {
    auto child = nodes.find(c);
    if (child == nodes.end()) continue;
    if (!first) out += ',';
    first = false;
    append_node(out, nodes, child->second, now);
  }
  out += "]}";
}

}  // namespace

std::string SupervisionTree::to_json() const {
  std::shared_lock lock(mutex_);
  const auto now = clock_->now();
  std::string out = "[";
  out.reserve(256 * nodes_.size() + 2);
  for (std::size_t i = 0; i < roots_.size(); ++i) {
    if (i > 0) out += ',';
    append_node(out, nodes_, nodes_.find(roots_[i])->second, now);
  }
  out += ']';
  return out;
}

std::string SupervisionTree::to_json(std::string_view path) const {
  std::shared_lock lock(mutex_);
  auto node = nodes_.find(path);
  if (node == nodes_.end()) return "null";
  std::string out;
  append_node(out, nodes_, node->second, clock_->now());
  return out;
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
        if (!h.health.empty()) out << "  health=" << h.health;
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
