#include "peer_table.hpp"

namespace airssys::cluster {

std::vector<PeerEvent> PeerTable::heard(const std::string& node, std::uint64_t incarnation,
                                        std::vector<std::string> labels,
                                        std::chrono::steady_clock::time_point now) {
  std::vector<PeerEvent> events;
  if (peers_.size() >= kMaxPeers && peers_.find(node) == peers_.end()) {
    // Full: a node that is down makes room (the one silent the longest);
    // while all are up, a new name is not taken.
    auto oldest = peers_.end();
    for (auto it = peers_.begin(); it != peers_.end(); ++it) {
      if (!it->second.up &&
          (oldest == peers_.end() || it->second.last_seen < oldest->second.last_seen)) {
        oldest = it;
      }
    }
    if (oldest == peers_.end()) return events;
    peers_.erase(oldest);
  }
  auto [it, fresh] = peers_.try_emplace(node);
  PeerInfo& p = it->second;
  const bool was_up = p.up;
  const bool restarted = !fresh && was_up && p.incarnation != incarnation;
  if (restarted) {
    // The earlier incarnation went without its peers noticing the silence:
    // its end comes first, then the new one.
    PeerEvent down{PeerChange::down, p, {}};
    down.peer.up = false;
    events.push_back(std::move(down));
  }
  p.node = node;
  p.incarnation = incarnation;
  p.labels = std::move(labels);
  p.last_seen = now;
  p.up = true;
  if (!was_up || restarted) events.push_back(PeerEvent{PeerChange::up, p, {}});
  return events;
}

std::vector<PeerEvent> PeerTable::check(std::chrono::steady_clock::time_point now) {
  std::vector<PeerEvent> events;
  for (auto& [node, p] : peers_) {
    if (!p.up || now - p.last_seen <= down_after_) continue;
    p.up = false;
    events.push_back(
        PeerEvent{PeerChange::down, p,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - p.last_seen)});
  }
  return events;
}

std::vector<PeerEvent> PeerTable::left(const std::string& node,
                                       std::chrono::steady_clock::time_point now) {
  auto it = peers_.find(node);
  if (it == peers_.end() || !it->second.up) return {};
  it->second.up = false;
  return {
      PeerEvent{PeerChange::down, it->second,
                std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.last_seen)}};
}

bool PeerTable::is_up(const std::string& node) const {
  auto it = peers_.find(node);
  return it != peers_.end() && it->second.up;
}

std::uint64_t PeerTable::incarnation(const std::string& node) const {
  auto it = peers_.find(node);
  return it != peers_.end() && it->second.up ? it->second.incarnation : 0;
}

std::vector<PeerInfo> PeerTable::peers() const {
  std::vector<PeerInfo> out;
  out.reserve(peers_.size());
  for (const auto& [node, p] : peers_) out.push_back(p);
  return out;
}

}  // namespace airssys::cluster
