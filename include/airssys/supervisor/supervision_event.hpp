// Every decision and state change of a supervisor, as a structured event.
#pragma once

#include <cstdint>
#include <string>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/supervisor/supervision_state.hpp"

namespace airssys::supervisor {

enum class SupervisionEventKind : std::uint8_t {
  supervisor_started,      // all initial children are ready
  supervisor_stopped,      // reason says why (shutdown, escalation, auto_shutdown ...)
  child_starting,          // a fresh instance is being started (delay = startup timeout)
  child_started,           // first start, ready
  child_exited,            // exited (reason); a decision follows
  restart_scheduled,       // attempt, delay
  child_restarted,         // a fresh instance is ready behind the same address
  restart_denied,          // policy says no (temporary, transient normal exit, ignore)
  start_failed,            // a start or restart failed (reason)
  restart_limit_exceeded,  // intensity reached; the supervisor stops its children
  escalated,               // the supervisor exits so its parent decides
  child_stopping,          // asked to stop (detail: policy; delay: shutdown timeout)
  child_stopped,           // stopped on request or as part of a strategy
  state_changed,           // any SupervisionState change (state)
};

const char* to_string(SupervisionEventKind kind) noexcept;

struct SupervisionEvent {
  SupervisionEventKind kind = SupervisionEventKind::state_changed;
  rt::Clock::time_point at;
  std::string supervisor;  // path of the supervisor, e.g. "root/workers"
  std::string child;       // child id ("" for supervisor-level events)
  rt::Address address;
  SupervisionState state = SupervisionState::initializing;
  rt::ExitReason reason;
  std::uint32_t attempt = 0;
  rt::Duration delay{0};  // restart_scheduled: backoff; child_starting / child_stopping: timeout
  std::string detail;
};

// Called on supervisor threads; must be thread-safe and quick.
class SupervisionEventSink {
 public:
  virtual ~SupervisionEventSink() = default;
  virtual void on_event(const SupervisionEvent& event) = 0;
};

}  // namespace airssys::supervisor
