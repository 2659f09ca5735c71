// A message in flight: a header the runtime routes by and one typed payload,
// allocated together so a send costs one allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/type_id.hpp"

namespace airssys::rt {

enum class MessageKind : std::uint8_t {
  user,             // an ordinary message
  request,          // a message that expects a reply (correlation set)
  reply,            // the reply to a request (correlation set)
  reply_error,      // a request failed; payload is an Error
  exit_signal,      // payload ExitMessage: a linked actor exited, or exit() was called
  down,             // payload DownMessage: a monitored actor exited
  link,             // the sender linked itself to the receiver
  unlink,           // the sender removed its link
  monitor,          // the sender monitors the receiver (correlation = monitor ref)
  demonitor,        // the sender dropped monitor `correlation`
  request_timeout,  // the request `correlation` of the receiver timed out
  wake,             // no content: makes an actor look at its pending signals
  respawn,          // a new incarnation for a parked address (payload: the Actor)
  release,          // a parked address is given up (payload: the final ExitReason)
};

const char* to_string(MessageKind kind) noexcept;

// True for the kinds that carry application content (the ones that become
// dead letters when they cannot be delivered).
constexpr bool carries_content(MessageKind k) {
  return k == MessageKind::user || k == MessageKind::request || k == MessageKind::reply ||
         k == MessageKind::reply_error || k == MessageKind::exit_signal || k == MessageKind::down;
}

class Message {
 public:
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  virtual ~Message() = default;

  TypeId type() const { return type_; }
  template <class T>
  bool is() const {
    return type_ == type_id<T>();
  }

  // The payload as T; only valid when is<T>().
  template <class T>
  T& as();
  template <class T>
  const T& as() const;

  MessageKind kind = MessageKind::user;
  // An answer to a plain message (what a component's reply to one sends):
  // components cannot answer it in turn, so two of them cannot keep a
  // message bouncing between them through reply alone.
  bool is_answer = false;
  Address sender;
  std::uint64_t correlation = 0;
  // Intrusive link used by mailboxes and queues; owned by whoever holds the message.
  Message* next = nullptr;

 protected:
  explicit Message(TypeId type) : type_(type) {}

 private:
  TypeId type_;
};

// The payload-less message used for signals (link, monitor, wake ...).
struct NoPayload {};

template <class T>
class TypedMessage final : public Message {
 public:
  template <class... Args>
  explicit TypedMessage(Args&&... args)
      : Message(type_id<T>()), value(std::forward<Args>(args)...) {}
  T value;
};

template <class T>
T& Message::as() {
  return static_cast<TypedMessage<T>*>(this)->value;
}
template <class T>
const T& Message::as() const {
  return static_cast<const TypedMessage<T>*>(this)->value;
}

using MessagePtr = std::unique_ptr<Message>;

template <class T>
MessagePtr make_message(T&& value, MessageKind kind = MessageKind::user) {
  auto m = std::make_unique<TypedMessage<std::decay_t<T>>>(std::forward<T>(value));
  m->kind = kind;
  return m;
}

inline MessagePtr make_signal(MessageKind kind) {
  auto m = std::make_unique<TypedMessage<NoPayload>>();
  m->kind = kind;
  return m;
}

// The byte payload wasm components exchange.
using Bytes = std::vector<std::uint8_t>;

}  // namespace airssys::rt
