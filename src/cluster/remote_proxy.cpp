#include "remote_proxy.hpp"

#include "wire_frame.hpp"

namespace airssys::cluster {

void RemoteProxy::on_start(rt::ActorContext&) {
  Record watch;
  watch.kind = RecordKind::watch;
  watch.to = remote_;
  // Not sent: the node is being lost, and the proxy ends with it.
  (void)sender_->send_frame(node_, encode({watch}), 0);
}

bool RemoteProxy::on_message(rt::ActorContext& ctx, rt::Message& msg) {
  if (msg.is<Flush>()) {
    flush_queued_ = false;
    flush(ctx);
    return true;
  }
  if (msg.is<rt::ExitMessage>()) {
    const auto& exit = msg.as<rt::ExitMessage>();
    // From outside (the node, when the remote node is lost): the proxy
    // ends with that reason, which its links and monitors then see. From
    // a link: a local actor that ended; exits are not carried to the
    // remote actor, and the proxy lives on for its other users.
    if (!exit.from_link) ctx.stop(exit.reason);
    return true;
  }
  auto record = to_record(msg, remote_);
  if (!record) {
    ctx.dead_letter(ctx.take_current(), rt::DeadLetterReason::not_transferable);
    return true;
  }
  const std::size_t size = kRecordHeader + record->payload.size();
  if (size > sender_->max_frame() - kFrameHeader) {
    ctx.dead_letter(ctx.take_current(), rt::DeadLetterReason::too_large);
    return true;
  }
  if (records_ > 0 && frame_.size() + size > sender_->max_frame()) flush(ctx);
  if (records_ == 0) {
    frame_.clear();
    append_frame_header(frame_, 0);
  }
  append_record(frame_, *record);
  ++records_;
  held_.push_back(ctx.take_current());
  if (record->kind != RecordKind::user) {
    flush(ctx);  // a requester waits for it: no batching delay
  } else if (!flush_queued_) {
    // Behind everything queued so far: the batch closes when the proxy has
    // drained its mailbox as it stood, a bounded delay.
    flush_queued_ = true;
    (void)ctx.send(ctx.self(), Flush{});
  }
  return true;
}

void RemoteProxy::flush(rt::ActorContext& ctx) {
  if (records_ == 0) return;
  // The count goes into the header now that the frame is complete.
  for (int i = 0; i < 4; ++i) frame_[4 + i] = static_cast<std::uint8_t>(records_ >> (8 * i));
  const std::size_t n = records_;
  records_ = 0;
  auto sent = sender_->send_frame(node_, std::move(frame_), n);
  frame_ = {};
  auto held = std::move(held_);
  held_.clear();
  if (!sent) {
    for (auto& m : held) ctx.dead_letter(std::move(m), rt::DeadLetterReason::unreachable);
    return;
  }
  for (const auto& m : held) {
    if (m->kind == rt::MessageKind::request && m->sender) {
      sender_->request_sent(node_, ctx.self(), m->sender, m->correlation);
    }
  }
}

void RemoteProxy::on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) {
  // Sent while the node was still there: they go if they can.
  if (reason.kind() != rt::ExitKind::noconnection) {
    flush(ctx);
    return;
  }
  for (auto& m : held_) ctx.dead_letter(std::move(m), rt::DeadLetterReason::unreachable);
  held_.clear();
  records_ = 0;
}

}  // namespace airssys::cluster
