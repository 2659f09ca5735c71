// A native actor: C++ code driven by the runtime one message at a time.
#pragma once

#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/message.hpp"

namespace airssys::rt {

class ActorContext;

// The runtime calls an actor from at most one worker thread at a time, so an
// actor's own state needs no locking. A handler that throws terminates the
// actor with an `error` exit reason; links and monitors then fire.
class Actor {
 public:
  virtual ~Actor() = default;

  // Runs before the first message.
  virtual void on_start(ActorContext& ctx) { (void)ctx; }

  // Return false when the message is not one this actor handles: it then
  // becomes a dead letter, and a request gets an `unhandled` error reply.
  virtual bool on_message(ActorContext& ctx, Message& msg) = 0;

  // The stop hook: runs once, whatever the reason the actor exits (not after
  // a `kill`, as in Erlang, where a killed process runs no code).
  virtual void on_stop(ActorContext& ctx, const ExitReason& reason) {
    (void)ctx;
    (void)reason;
  }
};

}  // namespace airssys::rt
