#include "airssys/rt/scoped_actor.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "system_core.hpp"

namespace airssys::rt {

namespace detail {

struct ScopedInbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<MessagePtr> queue;
  // Requests the owner stopped waiting for; their replies are late.
  std::unordered_set<std::uint64_t> abandoned;
  std::uint64_t next_request = 0;
};

namespace {

// The actor half of a ScopedActor: hands every message to the owner thread.
class ScopedInboxActor final : public Actor {
 public:
  explicit ScopedInboxActor(std::shared_ptr<ScopedInbox> inbox) : inbox_(std::move(inbox)) {}

  bool on_message(ActorContext& ctx, Message& msg) override {
    const bool is_reply = msg.kind == MessageKind::reply || msg.kind == MessageKind::reply_error;
    {
      std::lock_guard lock(inbox_->mutex);
      if (is_reply && inbox_->abandoned.erase(msg.correlation) > 0) {
        if (msg.kind == MessageKind::reply) {
          ctx.system().core().dead_letter(ctx.self(), msg, DeadLetterReason::late_reply);
        }
        return true;
      }
      if (msg.kind == MessageKind::request_timeout) return true;  // not used here
      inbox_->queue.push_back(ctx.take_current());
    }
    inbox_->arrived.notify_all();
    return true;
  }

 private:
  std::shared_ptr<ScopedInbox> inbox_;
};

}  // namespace
}  // namespace detail

ScopedActor::ScopedActor(ActorSystem& system)
    : system_(system), inbox_(std::make_shared<detail::ScopedInbox>()) {
  SpawnOptions options;
  options.trap_exit = true;
  auto spawned = system.core().spawn(std::make_unique<detail::ScopedInboxActor>(inbox_), options,
                                     {}, /*forward_all=*/true);
  // A system that is shutting down leaves the scoped actor without an
  // address: its sends fail and receives time out, which callers see.
  if (spawned) address_ = *spawned;
}

ScopedActor::~ScopedActor() {
  if (address_) (void)system_.core().signal(address_, detail::PendingSignal::stop);
}

Result<void> ScopedActor::send_message(Address to, MessagePtr msg) {
  msg->sender = address_;
  return system_.core().deliver(to, std::move(msg));
}

MessagePtr ScopedActor::receive(Duration timeout) {
  return receive_if([](const Message&) { return true; }, timeout);
}

MessagePtr ScopedActor::receive_if(const std::function<bool(const Message&)>& pred,
                                   Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(inbox_->mutex);
  std::size_t scanned = 0;
  for (;;) {
    for (; scanned < inbox_->queue.size(); ++scanned) {
      if (pred(*inbox_->queue[scanned])) {
        MessagePtr m = std::move(inbox_->queue[scanned]);
        inbox_->queue.erase(inbox_->queue.begin() + static_cast<std::ptrdiff_t>(scanned));
        return m;
      }
    }
    if (inbox_->arrived.wait_until(lock, deadline) == std::cv_status::timeout &&
        scanned == inbox_->queue.size()) {
      return nullptr;
    }
  }
}

Result<MessagePtr> ScopedActor::request_message(Address to, MessagePtr msg, Duration timeout) {
  if (!address_) {
    return Error{ErrorCode::system_stopping, "request: the actor system is shutting down"};
  }
  std::uint64_t correlation;
  {
    std::lock_guard lock(inbox_->mutex);
    correlation = ++inbox_->next_request;
  }
  msg->kind = MessageKind::request;
  msg->correlation = correlation;
  msg->sender = address_;
  if (auto sent = system_.core().deliver(to, std::move(msg)); !sent) return sent.error();
  MessagePtr reply = receive_if(
      [correlation](const Message& m) {
        return (m.kind == MessageKind::reply || m.kind == MessageKind::reply_error) &&
               m.correlation == correlation;
      },
      timeout);
  if (!reply) {
    std::lock_guard lock(inbox_->mutex);
    inbox_->abandoned.insert(correlation);
    return Error{ErrorCode::timeout, "no reply from " + to.to_string() + " in time"};
  }
  if (reply->kind == MessageKind::reply_error) return reply->as<Error>();
  return reply;
}

MonitorRef ScopedActor::monitor(Address target) {
  const MonitorRef ref = system_.core().next_monitor_ref();
  MessagePtr msg = make_signal(MessageKind::monitor);
  msg->sender = address_;
  msg->correlation = ref;
  (void)system_.core().deliver(target, std::move(msg));  // dead target: noproc Down
  return ref;
}

Result<DownMessage> ScopedActor::await_down(MonitorRef ref, Duration timeout) {
  MessagePtr m = receive_if(
      [ref](const Message& msg) {
        return msg.kind == MessageKind::down && msg.as<DownMessage>().ref == ref;
      },
      timeout);
  if (!m) return Error{ErrorCode::timeout, "no DownMessage for monitor in time"};
  return std::move(m->as<DownMessage>());
}

void ScopedActor::link(Address target) {
  // Our own half first, so a noproc answer finds the link to remove.
  MessagePtr own = make_signal(MessageKind::link);
  own->sender = target;
  (void)system_.core().deliver(address_, std::move(own));
  MessagePtr theirs = make_signal(MessageKind::link);
  theirs->sender = address_;
  (void)system_.core().deliver(target, std::move(theirs));
}

std::size_t ScopedActor::queued() const {
  std::lock_guard lock(inbox_->mutex);
  return inbox_->queue.size();
}

}  // namespace airssys::rt
