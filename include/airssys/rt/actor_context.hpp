// What an actor can do while it handles a message: send, reply, request,
// spawn, link, monitor, set timers, stop. Only valid on the worker thread
// running the actor, for the duration of the callback it was passed to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "airssys/rt/address.hpp"
#include "airssys/rt/behavior.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/events.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/rt/spawn_options.hpp"
#include "airssys/rt/system_messages.hpp"
#include "airssys/rt/timer_id.hpp"

namespace airssys::rt {

class ActorSystem;

namespace detail {
struct ActorCell;
class SystemCore;
}  // namespace detail

// Called with the reply (reply != nullptr) or with the reason the request
// failed (error != nullptr): timeout, unhandled, actor_exited, no_such_actor.
using ReplyCallback = std::function<void(ActorContext&, Message* reply, const Error* error)>;

class ActorContext {
 public:
  ActorContext(const ActorContext&) = delete;
  ActorContext& operator=(const ActorContext&) = delete;

  Address self() const;
  ActorSystem& system() const;
  Clock::time_point now() const;

  // The message being handled (nullptr in on_start / on_stop).
  Message* current() const;
  Address sender() const;
  // Takes ownership of the message being handled, e.g. to stash it.
  MessagePtr take_current();

  // --- sending -----------------------------------------------------------
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
  // Akka's forward: passes on a message (e.g. one taken with take_current)
  // keeping its sender, kind and correlation, so a reply still reaches the
  // original requester.
  Result<void> forward_message(Address to, MessagePtr msg);
  // Gives up a message this actor holds (taken with take_current): it
  // becomes a dead letter with an event, and a request gets an error reply
  // (actor_exited for crashed_in_handler, resource_exhausted for rejected
  // and too_large).
  void dead_letter(MessagePtr msg, DeadLetterReason reason);

  // Answers the message being handled: to a request with a reply carrying
  // its correlation, to any other message with a plain message to its sender.
  template <class T>
  Result<void> reply(T&& value) {
    return reply_message(make_message(std::forward<T>(value)));
  }
  Result<void> reply_message(MessagePtr msg);
  // Fails the request being handled; the requester's error callback runs.
  Result<void> reply_error(Error error);

  // Answering later: keep the token of the message being handled and reply
  // through it from any later callback of this actor.
  struct ReplyToken {
    Address to;
    std::uint64_t correlation = 0;
    bool is_request = false;
  };
  ReplyToken reply_token() const;
  template <class T>
  Result<void> reply_to(const ReplyToken& token, T&& value) {
    return reply_message_to(token, make_message(std::forward<T>(value)));
  }
  Result<void> reply_message_to(const ReplyToken& token, MessagePtr msg);
  Result<void> reply_error_to(const ReplyToken& token, Error error);

  // Asynchronous request: exactly one of on_reply / on_error runs later, on
  // this actor, unless the actor exits first.
  //   on_reply(ActorContext&, const R&)     on_error(ActorContext&, const Error&)
  template <class R, class T, class OnReply, class OnError>
  void request(Address to, T&& value, Duration timeout, OnReply on_reply, OnError on_error) {
    request_message(to, make_message(std::forward<T>(value), MessageKind::request), timeout,
                    [on_reply = std::move(on_reply), on_error = std::move(on_error)](
                        ActorContext& ctx, Message* reply, const Error* error) mutable {
                      if (error != nullptr) {
                        on_error(ctx, *error);
                      } else if (!reply->is<R>()) {
                        on_error(ctx, Error{ErrorCode::unexpected_type,
                                            "reply has type " + type_name(reply->type()) +
                                                ", expected " + type_name(type_id<R>())});
                      } else {
                        on_reply(ctx, reply->as<R>());
                      }
                    });
  }
  void request_message(Address to, MessagePtr msg, Duration timeout, ReplyCallback callback);

  // --- timers --------------------------------------------------------------
  template <class T>
  TimerId send_after(Duration delay, Address to, T&& value) {
    return send_message_after(delay, to, make_message(std::forward<T>(value)));
  }
  TimerId send_message_after(Duration delay, Address to, MessagePtr msg);
  // At an instant of the system's clock (now() + delay for send_after);
  // timers armed for the same instant fire together, in arming order.
  template <class T>
  TimerId send_at(Clock::time_point at, Address to, T&& value) {
    return send_message_at(at, to, make_message(std::forward<T>(value)));
  }
  TimerId send_message_at(Clock::time_point at, Address to, MessagePtr msg);
  bool cancel_timer(TimerId id);

  // --- spawning ------------------------------------------------------------
  Result<Address> spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options = {});
  Result<Address> spawn(Behavior behavior, const SpawnOptions& options = {});
  // Spawns and monitors atomically: the monitor sees the real exit reason even
  // if the new actor fails in on_start.
  Result<std::pair<Address, MonitorRef>> spawn_monitor(std::unique_ptr<Actor> actor,
                                                       const SpawnOptions& options = {});

  // --- parked addresses (SpawnOptions::keep_address) --------------------------
  // Starts `actor` as the new incarnation behind a parked address this actor
  // owns, linked to this actor; stashed messages are delivered to it first.
  // Fails with invalid_argument if `address` is not parked for this actor.
  Result<void> respawn(Address address, std::unique_ptr<Actor> actor);
  // Gives up a parked address: stashed messages become dead letters, its
  // monitors fire with `reason`, and sends to it fail from then on.
  Result<void> release(Address address, ExitReason reason);
  // Whether `address` is parked and waiting for this actor's decision.
  bool owns_parked(Address address) const;

  // --- links, monitors, exits ----------------------------------------------
  // Erlang's link/1: if `other` is already dead this actor receives an exit
  // signal with reason noproc.
  void link(Address other);
  void unlink(Address other);
  // Erlang's monitor/2: a DownMessage arrives when `other` exits (at once,
  // with reason noproc, if it is already dead).
  MonitorRef monitor(Address other);
  // Drops the monitor; no DownMessage for it is delivered afterwards.
  void demonitor(MonitorRef ref);
  void set_trap_exit(bool trap);
  bool trap_exit() const;
  // Erlang's exit/2: sends an exit signal to `target` (kill is untrappable).
  Result<void> exit(Address target, ExitReason reason);
  // Ends this actor after the current callback returns.
  void stop(ExitReason reason = ExitReason::normal());
  // True once an untrappable kill is pending for this actor: it ends when
  // the current callback returns, so a long callback (a guest call) should
  // return now. Any thread may have sent the kill; this reads it.
  bool kill_pending() const;

  // --- names ---------------------------------------------------------------
  Result<void> register_name(std::string name);
  std::optional<Address> whereis(std::string_view name) const;

 private:
  friend class detail::SystemCore;
  ActorContext(detail::SystemCore* core, detail::ActorCell* cell) : core_(core), cell_(cell) {}
  detail::SystemCore* core_;
  detail::ActorCell* cell_;
};

}  // namespace airssys::rt
