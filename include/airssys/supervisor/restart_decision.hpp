// What a supervisor decides when a child exits (the seed's RestartDecision).
// The supervisor carries the decision out itself, at once: nothing returns
// a decision for someone else to act on.
#pragma once

#include <cstdint>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/supervisor/backoff_strategy.hpp"
#include "airssys/supervisor/restart_intensity.hpp"
#include "airssys/supervisor/restart_policy.hpp"

namespace airssys::supervisor {

struct RestartDecision {
  enum class Kind {
    restart,         // restart after `delay` (restart attempt number `attempt`)
    deny,            // the restart policy says no (temporary, transient normal exit)
    limit_exceeded,  // restart intensity reached: the supervisor gives up
  };
  Kind kind = Kind::deny;
  rt::Duration delay{0};
  std::uint32_t attempt = 0;
};

const char* to_string(RestartDecision::Kind kind) noexcept;

// OTP's restart matrix, then the intensity window, then the backoff delay.
// `attempt` is the child's backoff counter: reset first when
// `stable_since_last_start` (the child ran for backoff.reset_after), then
// advanced when the decision is a restart. `unit_random` in [0,1) drives
// the jitter.
RestartDecision decide_restart(RestartPolicy policy, const rt::ExitReason& reason,
                               RestartIntensity& intensity, const BackoffStrategy& backoff,
                               std::uint32_t& attempt, bool stable_since_last_start,
                               rt::Clock::time_point now, double unit_random);

}  // namespace airssys::supervisor
