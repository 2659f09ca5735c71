#include "airssys/rt/actor_system.hpp"

#include "airssys/rt/scoped_actor.hpp"
#include "system_core.hpp"

namespace airssys::rt {

ActorSystem::ActorSystem(ActorSystemConfig config)
    : core_(std::make_unique<detail::SystemCore>(*this, std::move(config))) {}

ActorSystem::~ActorSystem() {
  shutdown();
  if (core_->abandoned()) {
    // Stuck handlers may still use the core; leaking it is the only safe choice.
    (void)core_.release();
  }
}

Result<Address> ActorSystem::spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options) {
  return core_->spawn(std::move(actor), options);
}

Result<Address> ActorSystem::spawn(Behavior behavior, const SpawnOptions& options) {
  return core_->spawn(std::make_unique<BehaviorActor>(std::move(behavior)), options);
}

Result<void> ActorSystem::send_message(Address to, MessagePtr msg) {
  return core_->deliver(to, std::move(msg));
}

Result<void> ActorSystem::send_message(std::string_view name, MessagePtr msg) {
  return core_->deliver_by_name(name, std::move(msg));
}

Result<MessagePtr> ActorSystem::request_message(Address to, MessagePtr msg, Duration timeout) {
  ScopedActor requester(*this);
  return requester.request_message(to, std::move(msg), timeout);
}

Result<void> ActorSystem::exit(Address target, ExitReason reason) {
  return core_->exit(Address::none(), target, std::move(reason));
}

void ActorSystem::dead_letter(Address receiver, MessagePtr msg, DeadLetterReason reason) {
  if (!msg) return;
  core_->give_up_message(receiver, std::move(msg), reason);
}

std::optional<std::size_t> ActorSystem::mailbox_depth(Address address) const {
  detail::ActorCell* cell = core_->table().pin(address);
  if (cell == nullptr) return std::nullopt;
  const auto depth = static_cast<std::size_t>(cell->mailbox.depth());
  core_->table().unpin(address);
  return depth;
}

bool ActorSystem::is_alive(Address address) const {
  return core_->table().is_alive(address);
}

Result<void> ActorSystem::register_name(std::string name, Address address) {
  return core_->register_name(std::move(name), address);
}

Result<void> ActorSystem::unregister_name(std::string_view name) {
  return core_->unregister_name(name);
}

std::optional<Address> ActorSystem::whereis(std::string_view name) const {
  return core_->whereis(name);
}

void ActorSystem::set_name_directory(std::shared_ptr<NameDirectory> directory) {
  core_->set_name_directory(std::move(directory));
}

TimerId ActorSystem::send_message_after(Duration delay, Address to, MessagePtr msg) {
  return core_->timers().schedule(delay, to, std::move(msg));
}

TimerId ActorSystem::send_message_at(Clock::time_point at, Address to, MessagePtr msg) {
  return core_->timers().schedule_at(at, to, std::move(msg));
}

bool ActorSystem::cancel_timer(TimerId id) {
  return core_->timers().cancel(id);
}

Clock& ActorSystem::clock() const {
  return core_->clock();
}
std::size_t ActorSystem::worker_count() const {
  return core_->scheduler().worker_count();
}
SystemStats ActorSystem::stats() const {
  return core_->stats();
}
ShutdownReport ActorSystem::shutdown() {
  return core_->shutdown();
}

}  // namespace airssys::rt
