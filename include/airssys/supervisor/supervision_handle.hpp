// A snapshot of one supervised child (the seed's SupervisionHandle).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/supervisor/child_spec.hpp"
#include "airssys/supervisor/restart_policy.hpp"
#include "airssys/supervisor/supervision_state.hpp"

namespace airssys::supervisor {

struct SupervisionStatistics {
  std::uint32_t restarts = 0;
  std::optional<rt::ExitReason> last_exit_reason;
  std::optional<rt::Clock::time_point> last_restart;
  std::optional<rt::Clock::time_point> started_at;  // of the running instance
  rt::Duration uptime{0};                           // of the running instance
};

struct SupervisionHandle {
  std::string id;
  std::string path;         // "root/workers/echo"
  std::string parent_path;  // "" for the root supervisor
  rt::Address address;      // stable across restarts
  ChildType type = ChildType::worker;
  RestartPolicy restart = RestartPolicy::permanent;
  bool significant = false;
  SupervisionState state = SupervisionState::initializing;
  SupervisionStatistics stats;
  // What the child last said of its health ("healthy", "degraded",
  // "unhealthy"); empty for children that run no health checks.
  std::string health;
};

}  // namespace airssys::supervisor
