// An actor owned by a plain thread (main(), a test, the CLI): it has an
// address, so it can send, request, link and monitor, and it receives by
// blocking. It traps exits: exit signals arrive as ExitMessage.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/rt/system_messages.hpp"

namespace airssys::rt {

namespace detail {
struct ScopedInbox;
}

class ScopedActor {
 public:
  explicit ScopedActor(ActorSystem& system);
  ~ScopedActor();  // exits with reason normal
  ScopedActor(const ScopedActor&) = delete;
  ScopedActor& operator=(const ScopedActor&) = delete;

  Address address() const { return address_; }
  ActorSystem& system() const { return system_; }

  template <class T>
  Result<void> send(Address to, T&& value) {
    return send_message(to, make_message(std::forward<T>(value)));
  }
  Result<void> send_message(Address to, MessagePtr msg);

  // The next message, or nullptr when none arrives within `timeout`.
  MessagePtr receive(Duration timeout);
  // The first message matching `pred`; the others stay queued, in order.
  MessagePtr receive_if(const std::function<bool(const Message&)>& pred, Duration timeout);
  // The next message whose payload is T (others stay queued).
  template <class T>
  Result<T> receive_as(Duration timeout) {
    MessagePtr m = receive_if([](const Message& msg) { return msg.is<T>(); }, timeout);
    if (!m) {
      return Error{ErrorCode::timeout, "no " + type_name(type_id<T>()) + " arrived in time"};
    }
    return std::move(m->as<T>());
  }

  template <class R, class T>
  Result<R> request(Address to, T&& value, Duration timeout) {
    return reply_as<R>(request_message(to, make_message(std::forward<T>(value)), timeout));
  }
  Result<MessagePtr> request_message(Address to, MessagePtr msg, Duration timeout);

  // A DownMessage with this ref arrives when `target` exits.
  MonitorRef monitor(Address target);
  // Waits for the DownMessage of `ref`.
  Result<DownMessage> await_down(MonitorRef ref, Duration timeout);
  // Links both ways; the exit arrives as an ExitMessage (this actor traps exits).
  void link(Address target);

  // Messages received and not yet taken.
  std::size_t queued() const;

 private:
  ActorSystem& system_;
  std::shared_ptr<detail::ScopedInbox> inbox_;
  Address address_;
};

}  // namespace airssys::rt
