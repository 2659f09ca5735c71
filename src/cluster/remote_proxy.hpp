// The local stand-in for an actor on another node: its address is what
// local actors (and guests) hold, send to, request, link to and monitor.
// Each message it gets becomes a record for the remote actor; plain sends
// are batched until the proxy has drained what was queued before them,
// requests and replies go at once (with whatever was batched before them,
// so order is kept). When its node is lost the proxy exits with
// noconnection, which is what links and monitors to it then see. It is
// spawned as a relay (replies reach its handler) that traps exits (a local
// actor linked to it that crashes does not take it down).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/rt/system_messages.hpp"

namespace airssys::cluster {

// Where a proxy's frames go: the node's connection.
class FrameSender {
 public:
  virtual ~FrameSender() = default;
  virtual Result<void> send_frame(const std::string& node, std::vector<std::uint8_t> frame,
                                  std::size_t records) = 0;
  // The largest frame the transport carries.
  virtual std::size_t max_frame() const = 0;
  // A request of `requester` went to `node` through `proxy`: until its
  // answer comes back, the loss of the node fails it.
  virtual void request_sent(const std::string& node, rt::Address proxy, rt::Address requester,
                            std::uint64_t correlation) = 0;
};

class RemoteProxy final : public rt::Actor {
 public:
  RemoteProxy(std::shared_ptr<FrameSender> sender, std::string node, std::uint64_t remote)
      : sender_(std::move(sender)), node_(std::move(node)), remote_(remote) {}

  // Asks the remote node to say when the remote actor ends.
  void on_start(rt::ActorContext& ctx) override;
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override;
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override;

 private:
  struct Flush {};
  void flush(rt::ActorContext& ctx);

  std::shared_ptr<FrameSender> sender_;
  std::string node_;
  std::uint64_t remote_;
  std::vector<std::uint8_t> frame_;
  std::uint32_t records_ = 0;
  // The messages in frame_: dead letters (and failed requests) when it
  // cannot be sent.
  std::vector<rt::MessagePtr> held_;
  bool flush_queued_ = false;
};

}  // namespace airssys::cluster
