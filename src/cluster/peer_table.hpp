// Which nodes of the cluster are up, from their heartbeats alone: a pure
// table the node's ticker drives with the time, so every rule (a new node,
// a restarted one, a silent one) is tested without a network.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace airssys::cluster {

struct PeerInfo {
  std::string node;
  std::uint64_t incarnation = 0;  // random per start: a restarted node is a new peer
  std::vector<std::string> labels;
  bool up = false;
  std::chrono::steady_clock::time_point last_seen{};
};

enum class PeerChange : std::uint8_t { up, down };

struct PeerEvent {
  PeerChange change = PeerChange::up;
  PeerInfo peer;                            // as it is after the change
  std::chrono::milliseconds silent_for{0};  // down: since the last heartbeat
};

// Nodes a table keeps at most: heartbeats are outside input, and a flood of
// invented node names must not grow it without bound.
constexpr std::size_t kMaxPeers = 1024;

class PeerTable {
 public:
  explicit PeerTable(std::chrono::milliseconds down_after) : down_after_(down_after) {}

  // A heartbeat of `node`: up when it was not; down then up when its
  // incarnation changed (its earlier incarnation is gone with everything on
  // it). A new node beyond kMaxPeers takes the place of the node down the
  // longest; nothing while all of them are up.
  std::vector<PeerEvent> heard(const std::string& node, std::uint64_t incarnation,
                               std::vector<std::string> labels,
                               std::chrono::steady_clock::time_point now);
  // `node` said it leaves: down now, not after its silence.
  std::vector<PeerEvent> left(const std::string& node, std::chrono::steady_clock::time_point now);
  // The nodes silent for longer than `down_after` are down.
  std::vector<PeerEvent> check(std::chrono::steady_clock::time_point now);

  bool is_up(const std::string& node) const;
  // The incarnation of an up node, 0 when it is not up.
  std::uint64_t incarnation(const std::string& node) const;
  std::vector<PeerInfo> peers() const;
  std::size_t size() const { return peers_.size(); }

 private:
  std::chrono::milliseconds down_after_;
  std::map<std::string, PeerInfo> peers_;
};

}  // namespace airssys::cluster
