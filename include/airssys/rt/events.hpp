// Structured events the runtime reports: actors spawned and exited, and
// every message that could not be delivered (dead letters). The program
// layer turns them into JSON lines; tests await them instead of sleeping.
#pragma once

#include <cstdint>
#include <string>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/message.hpp"

namespace airssys::rt {

enum class DeadLetterReason : std::uint8_t {
  no_such_actor,        // sent to an address whose actor has exited
  queued_at_exit,       // still in the mailbox when its actor exited
  crashed_in_handler,   // the message being handled when the actor failed
  unhandled,            // the actor had no handler for it
  late_reply,           // a reply that arrived after its request timed out
  pending_at_shutdown,  // a timer message that had not fired when the system stopped
  rejected,             // refused by the receiver: the stash of a parked address was full
  mailbox_full,         // refused by the receiver: its bounded mailbox was full
  too_large,            // refused by the receiver: larger than it accepts (max_message_size)
  unreachable,          // the receiver's node could not be reached (a cluster's transport failed)
  not_transferable,     // to an actor on another node, with a payload that cannot cross (not bytes)
};

const char* to_string(DeadLetterReason reason) noexcept;

struct DeadLetter {
  Address to;
  Address from;
  MessageKind kind = MessageKind::user;
  TypeId type = nullptr;
  DeadLetterReason reason = DeadLetterReason::no_such_actor;
};

enum class EventKind : std::uint8_t {
  actor_spawned,
  actor_exited,      // an actor (or one incarnation behind a kept address) exited
  address_released,  // a parked address was given up by its owner
  dead_letter,
};

const char* to_string(EventKind kind) noexcept;

struct SystemEvent {
  EventKind kind = EventKind::actor_spawned;
  Clock::time_point at;
  Address actor;           // the actor the event is about (dead letter: its target)
  ExitReason reason;       // actor_exited
  DeadLetter dead_letter;  // dead_letter
};

// Receives events from any thread; implementations must be thread-safe and
// should be quick (they run on the thread that caused the event).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const SystemEvent& event) = 0;
};

}  // namespace airssys::rt
