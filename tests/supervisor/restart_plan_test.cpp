// The restart plan itself, without actors: who is stopped, in which order,
// and who is started again, per strategy.
#include "airssys/supervisor/restart_plan.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace airssys::supervisor {
namespace {

using Stops = std::vector<std::pair<std::size_t, bool>>;

Stops stops_of(const RestartPlan& plan) {
  Stops out;
  for (const auto& s : plan.stops) out.emplace_back(s.child, s.final);
  return out;
}

PlannedChild alive(bool temporary = false) {
  return {true, false, temporary};
}
PlannedChild waiting(bool temporary = false) {
  return {false, true, temporary};
}
PlannedChild down() {
  return {false, false, false};
}

TEST(RestartPlan, OneForOneRestartsTheChildAloneWhateverItsSiblingsDo) {
  for (Strategy s : {Strategy::one_for_one, Strategy::simple_one_for_one}) {
    const std::vector<PlannedChild> children{alive(), waiting(), waiting(), alive(true), down()};
    for (std::size_t failed = 0; failed < children.size(); ++failed) {
      const RestartPlan plan = restart_plan(s, children, failed);
      EXPECT_TRUE(plan.independent);
      EXPECT_TRUE(plan.stops.empty());
      EXPECT_EQ(plan.starts, std::vector<std::size_t>{failed});
    }
  }
}

TEST(RestartPlan, OneForAllStopsTheOthersInReverseAndStartsAllInOrder) {
  const std::vector<PlannedChild> children{alive(), waiting(), alive(), alive()};
  const RestartPlan plan = restart_plan(Strategy::one_for_all, children, 1);
  EXPECT_FALSE(plan.independent);
  // The failed child (1) is already down; child 0's instance ... 3, 2, 0 in reverse.
  EXPECT_EQ(stops_of(plan), (Stops{{3, false}, {2, false}, {0, false}}));
  EXPECT_EQ(plan.starts, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(RestartPlan, ASiblingAlreadyDownForARestartIsStartedNotStopped) {
  // A crash folded into a group restart: the sibling waits, parked.
  const std::vector<PlannedChild> children{alive(), waiting(), waiting(), alive()};
  const RestartPlan plan = restart_plan(Strategy::one_for_all, children, 2);
  EXPECT_EQ(stops_of(plan), (Stops{{3, false}, {0, false}}));
  EXPECT_EQ(plan.starts, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(RestartPlan, RestForOneLeavesEarlierChildrenAlone) {
  const std::vector<PlannedChild> children{alive(), alive(), alive(), waiting(), alive()};
  const RestartPlan plan = restart_plan(Strategy::rest_for_one, children, 1);
  EXPECT_EQ(stops_of(plan), (Stops{{4, false}, {2, false}}));
  EXPECT_EQ(plan.starts, (std::vector<std::size_t>{1, 2, 3, 4}));
  const RestartPlan last = restart_plan(Strategy::rest_for_one, children, 4);
  EXPECT_TRUE(last.stops.empty());
  EXPECT_EQ(last.starts, std::vector<std::size_t>{4});
}

TEST(RestartPlan, TemporarySiblingsAreStoppedForGoodAndNotStarted) {
  const std::vector<PlannedChild> children{alive(true), alive(), waiting(true), alive()};
  const RestartPlan plan = restart_plan(Strategy::one_for_all, children, 3);
  EXPECT_EQ(stops_of(plan), (Stops{{2, true}, {1, false}, {0, true}}));
  EXPECT_EQ(plan.starts, (std::vector<std::size_t>{1, 3}));
}

TEST(RestartPlan, ChildrenStoppedOnPurposeStayStopped) {
  // A transient child that ended normally, a child never started.
  const std::vector<PlannedChild> children{down(), alive(), down(), waiting()};
  const RestartPlan plan = restart_plan(Strategy::one_for_all, children, 3);
  EXPECT_EQ(stops_of(plan), (Stops{{1, false}}));
  EXPECT_EQ(plan.starts, (std::vector<std::size_t>{1, 3}));
}

TEST(RestartPlan, EveryGroupPlanStopsEachRunningMemberOnceAndInReverse) {
  // All 3^n mixes of alive / waiting / down for n children, every failed index.
  constexpr std::size_t n = 6;
  std::size_t combos = 1;
  for (std::size_t i = 0; i < n; ++i) combos *= 3;
  for (Strategy s : {Strategy::one_for_all, Strategy::rest_for_one}) {
    for (std::size_t code = 0; code < combos; ++code) {
      std::vector<PlannedChild> children;
      for (std::size_t i = 0, c = code; i < n; ++i, c /= 3) {
        children.push_back(c % 3 == 0 ? alive() : c % 3 == 1 ? waiting() : down());
      }
      for (std::size_t failed = 0; failed < n; ++failed) {
        children[failed] = waiting();
        const RestartPlan plan = restart_plan(s, children, failed);
        const std::size_t first = s == Strategy::rest_for_one ? failed : 0;
        std::size_t expected_stops = 0;
        std::size_t expected_starts = 0;
        for (std::size_t i = first; i < n; ++i) {
          if (i != failed && children[i].alive) ++expected_stops;
          if (children[i].alive || children[i].restartable) ++expected_starts;
        }
        ASSERT_EQ(plan.stops.size(), expected_stops) << code << " " << failed;
        ASSERT_EQ(plan.starts.size(), expected_starts) << code << " " << failed;
        for (std::size_t k = 1; k < plan.stops.size(); ++k) {
          ASSERT_GT(plan.stops[k - 1].child, plan.stops[k].child);
        }
        for (std::size_t k = 1; k < plan.starts.size(); ++k) {
          ASSERT_LT(plan.starts[k - 1], plan.starts[k]);
        }
        for (const auto& stop : plan.stops) ASSERT_GE(stop.child, first);
      }
    }
  }
}

}  // namespace
}  // namespace airssys::supervisor
