// The actor system: worker threads, the actor table, names, timers and dead
// letters. Everything else in airssys runs on one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/rt/behavior.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/events.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/name_directory.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/rt/spawn_options.hpp"
#include "airssys/rt/timer_id.hpp"

namespace airssys::rt {

namespace detail {
class SystemCore;
}

// The payload of a reply as R, or why there is none: the request's error,
// or a reply of another type.
template <class R>
Result<R> reply_as(Result<MessagePtr> reply) {
  if (!reply) return reply.error();
  if (!(*reply)->template is<R>()) {
    return Error{ErrorCode::unexpected_type, "reply has type " + type_name((*reply)->type()) +
                                                 ", expected " + type_name(type_id<R>())};
  }
  return std::move((*reply)->template as<R>());
}

struct ActorSystemConfig {
  // Worker threads; 0 means one per core.
  std::size_t workers = 0;
  // Fairness: an actor handles at most this many messages before the worker
  // moves on to other runnable actors.
  std::size_t messages_per_turn = 64;
  // Time source for timers and request timeouts; a SteadyClock when null.
  std::shared_ptr<Clock> clock = nullptr;
  // Receives spawn / exit / dead-letter events; none when null.
  std::shared_ptr<EventSink> events = nullptr;
  // How long shutdown() waits for actors to finish their current handler and
  // stop hook before it gives up on them and reports them as stuck.
  Duration shutdown_timeout = std::chrono::seconds(10);
};

struct ShutdownReport {
  std::size_t actors_stopped = 0;
  // Messages that were still queued (or pending in timers) and became dead letters.
  std::size_t undelivered = 0;
  // Actors whose handler did not return within shutdown_timeout. When not
  // empty the system's threads and memory are abandoned rather than freed
  // under a running handler.
  std::vector<Address> stuck;
  bool clean() const { return stuck.empty(); }
};

struct SystemStats {
  std::uint64_t spawned = 0;
  std::uint64_t exited = 0;
  std::uint64_t live = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t messages_handled = 0;
};

class ActorSystem {
 public:
  explicit ActorSystem(ActorSystemConfig config = {});
  ~ActorSystem();  // shutdown()
  ActorSystem(const ActorSystem&) = delete;
  ActorSystem& operator=(const ActorSystem&) = delete;

  // --- spawning ------------------------------------------------------------
  Result<Address> spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options = {});
  Result<Address> spawn(Behavior behavior, const SpawnOptions& options = {});
  template <class A, class... Args>
  Result<Address> spawn_actor(Args&&... args) {
    return spawn(std::make_unique<A>(std::forward<Args>(args)...));
  }

  // --- sending from outside any actor (sender = none) -----------------------
  // Fails with no_such_actor when the actor has exited; the message then
  // goes to dead letters (with an event) as well.
  template <class T>
  Result<void> send(Address to, T&& value) {
    return send_message(to, make_message(std::forward<T>(value)));
  }
  template <class T>
  Result<void> send(std::string_view name, T&& value) {
    return send_message(name, make_message(std::forward<T>(value)));
  }
  Result<void> send_message(Address to, MessagePtr msg);
  Result<void> send_message(std::string_view name, MessagePtr msg);
  // For an actor giving up a message it held (e.g. from its destructor,
  // where it has no context): a dead letter addressed to `receiver`, with an
  // event; a request gets an actor_exited error reply.
  void dead_letter(Address receiver, MessagePtr msg, DeadLetterReason reason);

  // Blocking request from a thread that is not an actor, e.g. main() or a
  // test. Never call it from inside a handler: use ActorContext::request.
  template <class R, class T>
  Result<R> request(Address to, T&& value, Duration timeout) {
    return reply_as<R>(request_message(to, make_message(std::forward<T>(value)), timeout));
  }
  Result<MessagePtr> request_message(Address to, MessagePtr msg, Duration timeout);

  // Erlang's exit/2 from outside: `kill` is untrappable, `normal` is ignored
  // by actors that do not trap exits.
  Result<void> exit(Address target, ExitReason reason);
  bool is_alive(Address address) const;
  // Messages waiting in the actor's mailbox (a snapshot, for metrics);
  // nothing for an address that is not alive.
  std::optional<std::size_t> mailbox_depth(Address address) const;

  // --- names ----------------------------------------------------------------
  // Names are unique; a name is released when its actor exits.
  Result<void> register_name(std::string name, Address address);
  Result<void> unregister_name(std::string_view name);
  std::optional<Address> whereis(std::string_view name) const;
  // Names beyond this process (a cluster's): consulted when no local actor
  // holds a name, told of every local registration. Set once, before
  // anything registers a name; it lives as long as the system.
  void set_name_directory(std::shared_ptr<NameDirectory> directory);

  // --- timers (run on a timer thread, never on a worker) ----------------------
  template <class T>
  TimerId send_after(Duration delay, Address to, T&& value) {
    return send_message_after(delay, to, make_message(std::forward<T>(value)));
  }
  TimerId send_message_after(Duration delay, Address to, MessagePtr msg);
  // At an instant of clock(); timers for the same instant fire together,
  // in arming order.
  template <class T>
  TimerId send_at(Clock::time_point at, Address to, T&& value) {
    return send_message_at(at, to, make_message(std::forward<T>(value)));
  }
  TimerId send_message_at(Clock::time_point at, Address to, MessagePtr msg);
  // True when the timer was pending and will not fire.
  bool cancel_timer(TimerId id);

  // --- the system -------------------------------------------------------------
  Clock& clock() const;
  std::size_t worker_count() const;
  SystemStats stats() const;

  // Stops every actor (reason `shutdown`; stop hooks run), turns still-queued
  // messages into dead letters, stops timers and joins the workers. Safe to
  // call more than once; later calls return the first report.
  ShutdownReport shutdown();

  detail::SystemCore& core() { return *core_; }

 private:
  std::unique_ptr<detail::SystemCore> core_;
};

}  // namespace airssys::rt
