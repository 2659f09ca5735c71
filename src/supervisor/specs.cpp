// Names, validation and arithmetic of the supervision settings.
#include <algorithm>
#include <cmath>
#include <set>

#include "airssys/supervisor/child_spec.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "airssys/supervisor/supervisor_config.hpp"

namespace airssys::supervisor {

namespace {

Error invalid(std::string what) {
  return Error{ErrorCode::invalid_argument, std::move(what)};
}

}  // namespace

const char* to_string(RestartPolicy policy) noexcept {
  switch (policy) {
    case RestartPolicy::permanent: return "permanent";
    case RestartPolicy::transient: return "transient";
    case RestartPolicy::temporary: return "temporary";
  }
  return "unknown";
}

const char* to_string(BackoffStrategy::Kind kind) noexcept {
  switch (kind) {
    case BackoffStrategy::Kind::immediate: return "immediate";
    case BackoffStrategy::Kind::linear: return "linear";
    case BackoffStrategy::Kind::exponential: return "exponential";
  }
  return "unknown";
}

const char* to_string(ChildType type) noexcept {
  return type == ChildType::worker ? "worker" : "supervisor";
}

const char* to_string(Strategy s) noexcept {
  switch (s) {
    case Strategy::one_for_one: return "one_for_one";
    case Strategy::one_for_all: return "one_for_all";
    case Strategy::rest_for_one: return "rest_for_one";
    case Strategy::simple_one_for_one: return "simple_one_for_one";
  }
  return "unknown";
}

const char* to_string(AutoShutdown a) noexcept {
  switch (a) {
    case AutoShutdown::never: return "never";
    case AutoShutdown::any_significant: return "any_significant";
    case AutoShutdown::all_significant: return "all_significant";
  }
  return "unknown";
}

const char* to_string(SupervisionState state) noexcept {
  switch (state) {
    case SupervisionState::initializing: return "initializing";
    case SupervisionState::running: return "running";
    case SupervisionState::scheduling_restart: return "scheduling_restart";
    case SupervisionState::restarting: return "restarting";
    case SupervisionState::stopped: return "stopped";
    case SupervisionState::restart_limit_exceeded: return "restart_limit_exceeded";
    case SupervisionState::terminated: return "terminated";
  }
  return "unknown";
}

const char* to_string(SupervisionEventKind kind) noexcept {
  switch (kind) {
    case SupervisionEventKind::supervisor_started: return "supervisor_started";
    case SupervisionEventKind::supervisor_stopped: return "supervisor_stopped";
    case SupervisionEventKind::child_starting: return "child_starting";
    case SupervisionEventKind::child_started: return "child_started";
    case SupervisionEventKind::child_exited: return "child_exited";
    case SupervisionEventKind::restart_scheduled: return "restart_scheduled";
    case SupervisionEventKind::child_restarted: return "child_restarted";
    case SupervisionEventKind::restart_denied: return "restart_denied";
    case SupervisionEventKind::start_failed: return "start_failed";
    case SupervisionEventKind::restart_limit_exceeded: return "restart_limit_exceeded";
    case SupervisionEventKind::escalated: return "escalated";
    case SupervisionEventKind::child_stopping: return "child_stopping";
    case SupervisionEventKind::child_stopped: return "child_stopped";
    case SupervisionEventKind::state_changed: return "state_changed";
  }
  return "unknown";
}

rt::Duration BackoffStrategy::delay(std::uint32_t attempt, double unit_random) const {
  double nanos = 0;
  switch (kind) {
    case Kind::immediate: return rt::Duration::zero();
    case Kind::linear:
      nanos = static_cast<double>(base.count()) * (static_cast<double>(attempt) + 1.0);
      break;
    case Kind::exponential:
      nanos = static_cast<double>(base.count()) * std::pow(factor, static_cast<double>(attempt));
      break;
  }
  nanos = std::min(nanos, static_cast<double>(max.count()));
  if (jitter > 0) nanos *= 1.0 + jitter * (2.0 * unit_random - 1.0);
  return rt::Duration(static_cast<rt::Duration::rep>(std::max(0.0, nanos)));
}

Result<void> BackoffStrategy::validate() const {
  if (base < rt::Duration::zero()) return invalid("backoff base must not be negative");
  if (max < rt::Duration::zero()) return invalid("backoff max must not be negative");
  if (kind != Kind::immediate && max < base) return invalid("backoff max is smaller than its base");
  if (kind == Kind::exponential && !(factor >= 1.0)) {
    return invalid("backoff factor must be at least 1 (got " + std::to_string(factor) + ")");
  }
  if (!(jitter >= 0.0 && jitter <= 1.0)) return invalid("backoff jitter must be within 0..1");
  if (reset_after < rt::Duration::zero())
    return invalid("backoff reset_after must not be negative");
  return {};
}

ChildSpec ChildSpec::permanent(std::string id, ChildFactory start) {
  ChildSpec s;
  s.id = std::move(id);
  s.start = std::move(start);
  s.restart = RestartPolicy::permanent;
  return s;
}

ChildSpec ChildSpec::transient(std::string id, ChildFactory start) {
  ChildSpec s = permanent(std::move(id), std::move(start));
  s.restart = RestartPolicy::transient;
  return s;
}

ChildSpec ChildSpec::temporary(std::string id, ChildFactory start) {
  ChildSpec s = permanent(std::move(id), std::move(start));
  s.restart = RestartPolicy::temporary;
  return s;
}

Result<void> ChildSpec::validate() const {
  if (auto r = validate_settings(); !r) return r;
  if (!start) return invalid("child '" + id + "': no start function");
  return {};
}

Result<void> ChildSpec::validate_settings() const {
  const std::string where = "child '" + id + "': ";
  if (id.empty()) return invalid("a child spec needs an id");
  if (id.find('/') != std::string::npos) return invalid(where + "an id must not contain '/'");
  if (shutdown.kind == ShutdownPolicy::Kind::timeout && shutdown.timeout < rt::Duration::zero()) {
    return invalid(where + "shutdown timeout must not be negative");
  }
  if (startup_timeout <= rt::Duration::zero()) {
    return invalid(where + "startup timeout must be positive");
  }
  if (significant && restart == RestartPolicy::permanent) {
    return invalid(where + "a significant child must be transient or temporary (as in OTP)");
  }
  if (stash_capacity == 0) return invalid(where + "stash capacity must be at least 1");
  if (backoff) {
    if (auto r = backoff->validate(); !r) return invalid(where + r.error().message);
  }
  return {};
}

Result<void> SupervisorConfig::validate() const {
  if (time_window < rt::Duration::zero()) return invalid("time_window must not be negative");
  if (max_restarts > 0 && time_window == rt::Duration::zero()) {
    return invalid("time_window must be positive when restarts are allowed (max_restarts = " +
                   std::to_string(max_restarts) + ")");
  }
  if (max_restarts > 1'000'000) return invalid("max_restarts is unreasonably large");
  return backoff.validate();
}

Result<void> SupervisorSpec::validate() const {
  const std::string where = "supervisor '" + name + "': ";
  if (name.empty()) return invalid("a supervisor needs a name");
  if (name.find('/') != std::string::npos) return invalid(where + "a name must not contain '/'");
  if (auto r = config.validate(); !r) return invalid(where + r.error().message);
  if (config.strategy == Strategy::simple_one_for_one && children.size() != 1) {
    return invalid(where + "simple_one_for_one needs exactly one child spec (the template)");
  }
  std::set<std::string> ids;
  for (const auto& child : children) {
    if (auto r = child.validate(); !r) return invalid(where + r.error().message);
    if (!ids.insert(child.id).second)
      return invalid(where + "duplicate child id '" + child.id + "'");
  }
  return {};
}

}  // namespace airssys::supervisor
