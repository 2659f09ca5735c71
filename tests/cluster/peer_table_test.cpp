// Who is up, from heartbeats and time alone.
#include "peer_table.hpp"

#include <gtest/gtest.h>

namespace airssys::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(PeerTable, AFirstHeartbeatBringsANodeUpOnce) {
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  auto e = t.heard("b", 5, {"gpu"}, t0);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].change, PeerChange::up);
  EXPECT_EQ(e[0].peer.labels, std::vector<std::string>{"gpu"});
  EXPECT_TRUE(t.heard("b", 5, {"gpu"}, t0 + 100ms).empty());
  EXPECT_TRUE(t.is_up("b"));
  EXPECT_EQ(t.incarnation("b"), 5U);
}

TEST(PeerTable, ASilentNodeIsDownAfterTheBoundNotBefore) {
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  t.heard("b", 5, {}, t0);
  EXPECT_TRUE(t.check(t0 + 1000ms).empty());
  auto e = t.check(t0 + 1001ms);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].change, PeerChange::down);
  EXPECT_EQ(e[0].silent_for, 1001ms);
  EXPECT_FALSE(t.is_up("b"));
  EXPECT_EQ(t.incarnation("b"), 0U);
  EXPECT_TRUE(t.check(t0 + 5s).empty()) << "down is reported once";
  auto again = t.heard("b", 5, {}, t0 + 6s);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].change, PeerChange::up);
}

TEST(PeerTable, ARestartedNodeIsDownThenUp) {
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  t.heard("b", 5, {}, t0);
  auto e = t.heard("b", 6, {}, t0 + 10ms);
  ASSERT_EQ(e.size(), 2U);
  EXPECT_EQ(e[0].change, PeerChange::down);
  EXPECT_EQ(e[0].peer.incarnation, 5U);
  EXPECT_EQ(e[1].change, PeerChange::up);
  EXPECT_EQ(t.incarnation("b"), 6U);
}

TEST(PeerTable, ANodeThatLeavesIsDownAtOnce) {
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  t.heard("b", 5, {}, t0);
  auto e = t.left("b", t0 + 1ms);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].change, PeerChange::down);
  EXPECT_TRUE(t.left("b", t0 + 2ms).empty());
  EXPECT_TRUE(t.left("never-seen", t0).empty());
}

TEST(PeerTable, InventedNodeNamesDoNotGrowItWithoutBound) {
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  for (std::size_t i = 0; i < kMaxPeers + 500; ++i) t.heard("n" + std::to_string(i), 1, {}, t0);
  EXPECT_EQ(t.size(), kMaxPeers);
  EXPECT_FALSE(t.heard("n0", 1, {}, t0).size() > 0) << "a known node is still heard";
  EXPECT_TRUE(t.is_up("n0"));
}

TEST(PeerTable, ANewNodeIsSeenWhenTheTableIsFullOfNodesThatAreDown) {
  // Node names come and go (a host name per machine or container): a table
  // that once held kMaxPeers of them still takes a new node once some are
  // down, the one down the longest making room.
  PeerTable t(1000ms);
  const auto t0 = Clock::time_point{} + 1h;
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    t.heard("n" + std::to_string(i), 1, {}, t0 + std::chrono::milliseconds(i));
  }
  EXPECT_EQ(t.check(t0 + 1h).size(), kMaxPeers);
  auto e = t.heard("fresh", 7, {}, t0 + 1h);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].change, PeerChange::up);
  EXPECT_TRUE(t.is_up("fresh"));
  EXPECT_EQ(t.size(), kMaxPeers);
  bool n0_listed = false;
  for (const auto& p : t.peers()) n0_listed |= p.node == "n0";
  EXPECT_FALSE(n0_listed) << "the node down the longest made room";
}

}  // namespace
}  // namespace airssys::cluster
