// Which children a restart stops and starts (OTP's restart/3 clauses per
// strategy), as a value the supervisor carries out. Pure: no actors, no
// clock; the supervisor passes what it knows of each child.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "airssys/supervisor/supervisor_config.hpp"

namespace airssys::supervisor {

// One child as the plan sees it, in start order.
struct PlannedChild {
  bool alive = false;        // an instance runs: starting, ready or being stopped
  bool restartable = false;  // exited, its address kept for a restart (parked, backing off)
  bool temporary = false;    // never restarted: a group restart stops it for good
};

struct RestartPlan {
  struct Stop {
    std::size_t child;  // index in start order
    bool final;         // stopped for good (a temporary sibling), not restarted
  };
  // The failed child alone, restarted on its own timer while its siblings
  // go on (one_for_one, simple_one_for_one): no stops, one start.
  bool independent = false;
  std::vector<Stop> stops;          // in this order: reverse start order
  std::vector<std::size_t> starts;  // in this order: start order
};

// `failed` is the index of the child whose exit is being restarted; the
// caller has already decided to restart it.
RestartPlan restart_plan(Strategy strategy, std::span<const PlannedChild> children,
                         std::size_t failed);

}  // namespace airssys::supervisor
