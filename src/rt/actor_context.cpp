#include "airssys/rt/actor_context.hpp"

#include <algorithm>

#include "system_core.hpp"

namespace airssys::rt {

using detail::ActorCell;
using detail::SystemCore;

Address ActorContext::self() const {
  return cell_->address;
}
ActorSystem& ActorContext::system() const {
  return core_->owner();
}
Clock::time_point ActorContext::now() const {
  return core_->clock().now();
}

Message* ActorContext::current() const {
  return cell_->current != nullptr ? cell_->current->get() : nullptr;
}
Address ActorContext::sender() const {
  return cell_->current_sender;
}

MessagePtr ActorContext::take_current() {
  if (cell_->current == nullptr) return nullptr;
  return std::move(*cell_->current);
}

Result<void> ActorContext::send_message(Address to, MessagePtr msg) {
  msg->sender = cell_->address;
  return core_->deliver(to, std::move(msg));
}

Result<void> ActorContext::forward_message(Address to, MessagePtr msg) {
  return core_->deliver(to, std::move(msg));
}

void ActorContext::dead_letter(MessagePtr msg, DeadLetterReason reason) {
  if (msg) core_->give_up_message(cell_->address, std::move(msg), reason);
}

Result<void> ActorContext::send_message(std::string_view name, MessagePtr msg) {
  msg->sender = cell_->address;
  return core_->deliver_by_name(name, std::move(msg));
}

ActorContext::ReplyToken ActorContext::reply_token() const {
  return ReplyToken{cell_->current_sender, cell_->current_correlation,
                    cell_->current_kind == MessageKind::request};
}

Result<void> ActorContext::reply_message(MessagePtr msg) {
  return reply_message_to(reply_token(), std::move(msg));
}

Result<void> ActorContext::reply_error(Error error) {
  return reply_error_to(reply_token(), std::move(error));
}

Result<void> ActorContext::reply_message_to(const ReplyToken& token, MessagePtr msg) {
  if (!token.to) return Error{ErrorCode::invalid_argument, "reply: the message has no sender"};
  if (token.is_request) {
    msg->kind = MessageKind::reply;
    msg->correlation = token.correlation;
    if (token.correlation == cell_->current_correlation && token.to == cell_->current_sender) {
      cell_->current_answered = true;
    }
  }
  msg->sender = cell_->address;
  return core_->deliver(token.to, std::move(msg));
}

Result<void> ActorContext::reply_error_to(const ReplyToken& token, Error error) {
  if (!token.is_request || !token.to) {
    return Error{ErrorCode::invalid_argument, "reply_error: the message is not a request"};
  }
  MessagePtr msg = make_message(std::move(error), MessageKind::reply_error);
  msg->correlation = token.correlation;
  msg->sender = cell_->address;
  if (token.correlation == cell_->current_correlation && token.to == cell_->current_sender) {
    cell_->current_answered = true;
  }
  return core_->deliver(token.to, std::move(msg));
}

void ActorContext::request_message(Address to, MessagePtr msg, Duration timeout,
                                   ReplyCallback callback) {
  auto& ext = cell_->ext();
  const std::uint64_t correlation = ++ext.next_request;
  msg->kind = MessageKind::request;
  msg->correlation = correlation;
  msg->sender = cell_->address;
  MessagePtr timeout_msg = make_signal(MessageKind::request_timeout);
  timeout_msg->correlation = correlation;
  const TimerId timer = core_->timers().schedule(timeout, cell_->address, std::move(timeout_msg));
  ext.pending_requests.emplace(correlation, detail::PendingRequest{std::move(callback), timer});
  if (auto sent = core_->deliver(to, std::move(msg)); !sent) {
    // Reported like every other outcome: later, as a message to this actor.
    MessagePtr failure = make_message(sent.error(), MessageKind::reply_error);
    failure->correlation = correlation;
    failure->sender = to;
    (void)core_->deliver(cell_->address, std::move(failure));
  }
}

TimerId ActorContext::send_message_after(Duration delay, Address to, MessagePtr msg) {
  msg->sender = cell_->address;
  return core_->timers().schedule(delay, to, std::move(msg));
}

TimerId ActorContext::send_message_at(Clock::time_point at, Address to, MessagePtr msg) {
  msg->sender = cell_->address;
  return core_->timers().schedule_at(at, to, std::move(msg));
}

bool ActorContext::cancel_timer(TimerId id) {
  return core_->timers().cancel(id);
}

Result<Address> ActorContext::spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options) {
  return core_->spawn(std::move(actor), options, {cell_, options.link, 0});
}

Result<Address> ActorContext::spawn(Behavior behavior, const SpawnOptions& options) {
  return spawn(std::make_unique<BehaviorActor>(std::move(behavior)), options);
}

Result<std::pair<Address, MonitorRef>> ActorContext::spawn_monitor(std::unique_ptr<Actor> actor,
                                                                   const SpawnOptions& options) {
  const MonitorRef ref = core_->next_monitor_ref();
  auto spawned = core_->spawn(std::move(actor), options, {cell_, options.link, ref});
  if (!spawned) return spawned.error();
  return std::pair{*spawned, ref};
}

void ActorContext::link(Address other) {
  if (other == cell_->address) return;
  auto& links = cell_->ext().links;
  if (std::find(links.begin(), links.end(), other) != links.end()) return;
  links.push_back(other);
  MessagePtr msg = make_signal(MessageKind::link);
  msg->sender = cell_->address;
  (void)core_->deliver(other, std::move(msg));  // a dead `other` answers with noproc
}

void ActorContext::unlink(Address other) {
  if (cell_->extras == nullptr) return;
  auto& links = cell_->extras->links;
  auto it = std::find(links.begin(), links.end(), other);
  if (it == links.end()) return;
  links.erase(it);
  MessagePtr msg = make_signal(MessageKind::unlink);
  msg->sender = cell_->address;
  (void)core_->deliver(other, std::move(msg));
}

MonitorRef ActorContext::monitor(Address other) {
  const MonitorRef ref = core_->next_monitor_ref();
  cell_->ext().monitors.emplace_back(ref, other);
  MessagePtr msg = make_signal(MessageKind::monitor);
  msg->sender = cell_->address;
  msg->correlation = ref;
  (void)core_->deliver(other, std::move(msg));  // a dead `other` answers with noproc
  return ref;
}

void ActorContext::demonitor(MonitorRef ref) {
  if (cell_->extras == nullptr) return;
  auto& monitors = cell_->extras->monitors;
  auto it =
      std::find_if(monitors.begin(), monitors.end(), [&](const auto& m) { return m.first == ref; });
  if (it == monitors.end()) return;
  const Address target = it->second;
  monitors.erase(it);
  MessagePtr msg = make_signal(MessageKind::demonitor);
  msg->sender = cell_->address;
  msg->correlation = ref;
  // If `target` is gone its Down is already on its way and is dropped on
  // arrival because the ref is no longer known.
  auto sent = core_->deliver(target, std::move(msg));
  (void)sent;
}

void ActorContext::set_trap_exit(bool trap) {
  cell_->trap_exit = trap;
}
bool ActorContext::kill_pending() const {
  return cell_->signal.load(std::memory_order_acquire) == detail::PendingSignal::kill;
}

bool ActorContext::trap_exit() const {
  return cell_->trap_exit;
}

Result<void> ActorContext::exit(Address target, ExitReason reason) {
  return core_->exit(cell_->address, target, std::move(reason));
}

void ActorContext::stop(ExitReason reason) {
  if (cell_->stop_requested) return;
  cell_->stop_requested = true;
  cell_->ext().stop_reason = std::make_unique<ExitReason>(std::move(reason));
}

Result<void> ActorContext::register_name(std::string name) {
  return core_->register_name(std::move(name), cell_->address);
}

std::optional<Address> ActorContext::whereis(std::string_view name) const {
  return core_->whereis(name);
}

}  // namespace airssys::rt

namespace airssys::rt {

namespace {

bool take_parked(detail::ActorCell* cell, Address address) {
  if (cell->extras == nullptr) return false;
  auto& parked = cell->extras->parked_children;
  auto it = std::find(parked.begin(), parked.end(), address);
  if (it == parked.end()) return false;
  parked.erase(it);
  return true;
}

Error not_parked(Address address) {
  return Error{ErrorCode::invalid_argument,
               "address " + address.to_string() + " is not parked for this actor"};
}

}  // namespace

bool ActorContext::owns_parked(Address address) const {
  if (cell_->extras == nullptr) return false;
  const auto& parked = cell_->extras->parked_children;
  return std::find(parked.begin(), parked.end(), address) != parked.end();
}

Result<void> ActorContext::respawn(Address address, std::unique_ptr<Actor> actor) {
  if (!actor) return Error{ErrorCode::invalid_argument, "respawn: no actor given"};
  if (!take_parked(cell_, address)) return not_parked(address);
  cell_->ext().links.push_back(address);
  core_->expect_respawn(address);
  MessagePtr msg = make_message(std::move(actor), MessageKind::respawn);
  msg->sender = cell_->address;
  if (auto r = core_->deliver(address, std::move(msg)); !r) {
    detail::erase_first(cell_->extras->links, [&](Address a) { return a == address; });
    return r;
  }
  return {};
}

Result<void> ActorContext::release(Address address, ExitReason reason) {
  if (!take_parked(cell_, address)) return not_parked(address);
  // Names go now, so a successor can take them at once (see send_release).
  core_->forget_names(address);
  MessagePtr msg = make_message(std::move(reason), MessageKind::release);
  msg->sender = cell_->address;
  return core_->deliver(address, std::move(msg));
}

}  // namespace airssys::rt
