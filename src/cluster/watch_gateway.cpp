#include "watch_gateway.hpp"

#include "airssys/rt/system_messages.hpp"
#include "wire_frame.hpp"

namespace airssys::cluster {

bool WatchGateway::on_message(rt::ActorContext& ctx, rt::Message& msg) {
  if (msg.is<WatchRequest>()) {
    const auto& w = msg.as<WatchRequest>();
    if (auto it = by_actor_.find(w.actor); it != by_actor_.end()) {
      it->second.nodes.insert(w.node);
      return true;
    }
    if (by_actor_.size() >= max_watches_) return true;
    // An actor already gone is reported at once (noproc), as a monitor of
    // a dead address is.
    const rt::MonitorRef ref = ctx.monitor(rt::Address::from_value(w.actor));
    by_actor_[w.actor] = Watch{ref, {w.node}};
    by_ref_[ref] = w.actor;
    return true;
  }
  if (msg.is<rt::DownMessage>()) {
    const auto& down = msg.as<rt::DownMessage>();
    auto ref = by_ref_.find(down.ref);
    if (ref == by_ref_.end()) return true;
    const std::uint64_t actor = ref->second;
    by_ref_.erase(ref);
    auto it = by_actor_.find(actor);
    if (it == by_actor_.end()) return true;
    const auto frame = encode({exited_record(actor, down.reason)});
    // A node that cannot be told is being lost: its proxy ends with it.
    for (const auto& node : it->second.nodes) (void)sender_->send_frame(node, frame, 0);
    by_actor_.erase(it);
    return true;
  }
  if (msg.is<NodeGone>()) {
    const auto& gone = msg.as<NodeGone>().node;
    for (auto it = by_actor_.begin(); it != by_actor_.end();) {
      it->second.nodes.erase(gone);
      if (it->second.nodes.empty()) {
        ctx.demonitor(it->second.ref);
        by_ref_.erase(it->second.ref);
        it = by_actor_.erase(it);
      } else {
        ++it;
      }
    }
    return true;
  }
  return false;
}

}  // namespace airssys::cluster
