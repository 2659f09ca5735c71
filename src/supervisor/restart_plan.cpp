#include "airssys/supervisor/restart_plan.hpp"

namespace airssys::supervisor {

RestartPlan restart_plan(Strategy strategy, std::span<const PlannedChild> children,
                         std::size_t failed) {
  RestartPlan plan;
  std::size_t first = 0;
  switch (strategy) {
    case Strategy::one_for_one:
    case Strategy::simple_one_for_one:
      plan.independent = true;
      plan.starts.push_back(failed);
      return plan;
    case Strategy::one_for_all: first = 0; break;
    case Strategy::rest_for_one: first = failed; break;
  }
  // The group: the failed child and every later (rest_for_one) or other
  // (one_for_all) child that runs or waits to be restarted.
  std::vector<std::size_t> group;
  for (std::size_t i = first; i < children.size(); ++i) {
    if (i == failed || children[i].alive || children[i].restartable) group.push_back(i);
  }
  for (auto it = group.rbegin(); it != group.rend(); ++it) {
    const std::size_t i = *it;
    if (i == failed) continue;
    // A running sibling is stopped; a temporary one that waits for a
    // restart is let go, as it will never be restarted.
    if (children[i].alive || children[i].temporary) {
      plan.stops.push_back({i, children[i].temporary});
    }
  }
  for (std::size_t i : group) {
    if (i != failed && children[i].temporary) continue;
    plan.starts.push_back(i);
  }
  return plan;
}

}  // namespace airssys::supervisor
