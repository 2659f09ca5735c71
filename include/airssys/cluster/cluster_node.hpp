// This process as a node of a cluster on NATS: it joins (claims its node
// name), tells the others it lives (heartbeats) and learns who else does,
// makes names cluster-wide (a registration here is unique everywhere; a send
// by name reaches an actor on any node) and carries messages between actors
// on different nodes through local proxy addresses, so a guest's 64-bit
// address stays what it is. docs/cluster.md has the subjects and buckets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "airssys/cluster/cluster_config.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::cluster {

enum class ClusterEventKind : std::uint8_t {
  joined,         // this node joined (detail: how many peers it found)
  node_up,        // a peer started, or was heard again after it was down
  node_down,      // a peer's heartbeats stopped, or it left (detail says which)
  left,           // this node left
  frame_refused,  // bytes on this node's subject that are not a frame (detail: why)
  link_problem,   // the NATS connection failed an operation (detail: which)
};
const char* to_string(ClusterEventKind kind) noexcept;

struct ClusterEvent {
  ClusterEventKind kind = ClusterEventKind::joined;
  std::string node;  // the node it is about
  std::string detail;
};
using ClusterEventFn = std::function<void(const ClusterEvent&)>;

struct NodeStatus {
  std::string node;
  std::vector<std::string> labels;
  bool up = false;
  bool self = false;
  // Since its last heartbeat (0 for this node).
  std::chrono::milliseconds heartbeat_age{0};
};

struct ClusterStats {
  std::uint64_t records_sent = 0;      // messages sent to actors on other nodes
  std::uint64_t frames_sent = 0;       // NATS messages carrying them
  std::uint64_t records_received = 0;  // messages from other nodes delivered here
  std::uint64_t frames_refused = 0;
  std::uint64_t proxies = 0;  // proxies spawned so far
};

class ClusterNode {
 public:
  // Connects, claims `config.node` (refused while a live node holds it; a
  // silent holder, such as this node's earlier run, is taken over after
  // config.detection_bound()), learns the peers and makes `system`'s names
  // cluster-wide. `events` is called from the node's threads.
  static Result<std::unique_ptr<ClusterNode>> join(rt::ActorSystem& system, ClusterConfig config,
                                                   ClusterEventFn events);
  // leave()
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Tells the peers at once, gives up this node's names and name, and
  // closes the connection; proxies end with noconnection. Call it before
  // the system shuts down: only the first call does anything, so a later
  // one (this destructor's) may come after the system is gone.
  void leave();
  // Drops the connection without telling anyone, as a crash would (tests).
  void sever();

  std::vector<NodeStatus> nodes() const;
  ClusterStats stats() const;
  const ClusterConfig& config() const;

  class State;

 private:
  explicit ClusterNode(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace airssys::cluster
