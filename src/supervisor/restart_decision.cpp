#include "airssys/supervisor/restart_decision.hpp"

namespace airssys::supervisor {

const char* to_string(RestartDecision::Kind kind) noexcept {
  switch (kind) {
    case RestartDecision::Kind::restart: return "restart";
    case RestartDecision::Kind::deny: return "deny";
    case RestartDecision::Kind::limit_exceeded: return "limit_exceeded";
  }
  return "unknown";
}

RestartDecision decide_restart(RestartPolicy policy, const rt::ExitReason& reason,
                               RestartIntensity& intensity, const BackoffStrategy& backoff,
                               std::uint32_t& attempt, bool stable_since_last_start,
                               rt::Clock::time_point now, double unit_random) {
  RestartDecision decision;
  if (!should_restart(policy, reason)) {
    decision.kind = RestartDecision::Kind::deny;
    return decision;
  }
  if (!intensity.try_add(now)) {
    decision.kind = RestartDecision::Kind::limit_exceeded;
    return decision;
  }
  if (stable_since_last_start) attempt = 0;
  decision.kind = RestartDecision::Kind::restart;
  decision.delay = backoff.delay(attempt, unit_random);
  decision.attempt = ++attempt;
  return decision;
}

}  // namespace airssys::supervisor
