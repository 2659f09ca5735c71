// The node's side of links and monitors that cross nodes: when another node
// makes a proxy for an actor here, it asks to be told when that actor ends;
// this actor monitors it and sends the node an `exited` record with the
// reason, which ends the proxy there with the same reason (so links and
// monitors to it fire as they would here, as Erlang's do across nodes).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "remote_proxy.hpp"

namespace airssys::cluster {

// `node` stands in for `actor` (an address here) with a proxy.
struct WatchRequest {
  std::string node;
  std::uint64_t actor = 0;
};
// `node` is gone: nothing it watched needs telling any more.
struct NodeGone {
  std::string node;
};

class WatchGateway final : public rt::Actor {
 public:
  // At most `max_watches` actors watched at once (requests are outside
  // input); a request beyond is not watched, and its proxy ends only with
  // its node.
  WatchGateway(std::shared_ptr<FrameSender> sender, std::size_t max_watches)
      : sender_(std::move(sender)), max_watches_(max_watches) {}
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override;
  std::size_t watched() const { return by_actor_.size(); }

 private:
  struct Watch {
    rt::MonitorRef ref = 0;
    std::set<std::string> nodes;
  };
  std::shared_ptr<FrameSender> sender_;
  std::size_t max_watches_;
  std::unordered_map<std::uint64_t, Watch> by_actor_;
  std::unordered_map<rt::MonitorRef, std::uint64_t> by_ref_;
};

}  // namespace airssys::cluster
