// The supervision tree's read model: what goes in comes out, whatever the
// compact storage keeps inline or apart.
#include "airssys/supervisor/supervision_tree.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "airssys/rt/clock.hpp"

namespace airssys::supervisor {
namespace {

SupervisionHandle node(std::string path, std::string parent) {
  SupervisionHandle h;
  const auto slash = path.rfind('/');
  h.id = slash == std::string::npos ? path : path.substr(slash + 1);
  h.path = std::move(path);
  h.parent_path = std::move(parent);
  return h;
}

TEST(SupervisionTree, EveryFieldOfAHandleComesBackAsItWent) {
  auto clock = std::make_shared<rt::ManualClock>();
  SupervisionTree tree(clock);
  tree.add(node("root", ""));
  SupervisionHandle h = node("root/worker-with-a-long-name", "root");
  h.id = "not-the-last-segment";
  h.address = rt::Address(7, 3);
  h.type = ChildType::supervisor;
  h.restart = RestartPolicy::transient;
  h.significant = true;
  h.state = SupervisionState::restarting;
  h.stats.restarts = 4;
  h.stats.last_exit_reason = rt::ExitReason::error("boom");
  h.stats.last_restart = clock->now();
  h.stats.started_at = clock->now();
  h.stats.uptime = std::chrono::seconds(3);
  h.health = "something else";
  tree.add(h);

  auto back = tree.handle("root/worker-with-a-long-name");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, "not-the-last-segment");
  EXPECT_EQ(back->path, "root/worker-with-a-long-name");
  EXPECT_EQ(back->parent_path, "root");
  EXPECT_EQ(back->address, rt::Address(7, 3));
  EXPECT_EQ(back->type, ChildType::supervisor);
  EXPECT_EQ(back->restart, RestartPolicy::transient);
  EXPECT_TRUE(back->significant);
  EXPECT_EQ(back->state, SupervisionState::restarting);
  EXPECT_EQ(back->stats.restarts, 4u);
  ASSERT_TRUE(back->stats.last_exit_reason.has_value());
  EXPECT_EQ(*back->stats.last_exit_reason, rt::ExitReason::error("boom"));
  EXPECT_EQ(back->stats.last_restart, clock->now());
  EXPECT_EQ(back->stats.started_at, clock->now());
  EXPECT_EQ(back->stats.uptime, std::chrono::seconds(3));
  EXPECT_EQ(back->health, "something else");

  // An update sees the whole handle and keeps what it does not change.
  tree.update("root/worker-with-a-long-name", [](SupervisionHandle& x) {
    x.health = "degraded";
    x.id = "worker-with-a-long-name";
  });
  back = tree.handle("root/worker-with-a-long-name");
  EXPECT_EQ(back->health, "degraded");
  EXPECT_EQ(back->id, "worker-with-a-long-name");
  EXPECT_EQ(back->stats.restarts, 4u);
  EXPECT_EQ(*back->stats.last_exit_reason, rt::ExitReason::error("boom"));
}

TEST(SupervisionTree, RemovingANodeRemovesItsSubtreeAndKeepsItsSiblings) {
  SupervisionTree tree;
  tree.add(node("r", ""));
  tree.add(node("r/a", "r"));
  tree.add(node("r/a/x", "r/a"));
  tree.add(node("r/a/x/deep", "r/a/x"));
  tree.add(node("r/b", "r"));
  tree.add(node("other", ""));
  EXPECT_EQ(tree.ancestors("r/a/x/deep"), (std::vector<std::string>{"r/a/x", "r/a", "r"}));
  tree.remove("r/a");
  EXPECT_EQ(tree.size(), 3u);
  EXPECT_FALSE(tree.handle("r/a/x/deep").has_value());
  EXPECT_EQ(tree.children("r"), (std::vector<std::string>{"r/b"}));
  EXPECT_EQ(tree.roots(), (std::vector<std::string>{"r", "other"}));
  tree.remove("r");
  EXPECT_EQ(tree.roots(), (std::vector<std::string>{"other"}));
  EXPECT_EQ(tree.size(), 1u);
  std::ostringstream printed;
  tree.print(printed);
  EXPECT_EQ(printed.str().rfind("other", 0), 0u) << printed.str();
}

TEST(SupervisionTree, AParentNotInTheTreeIsStillReported) {
  SupervisionTree tree;
  tree.add(node("gone/child", "gone"));
  EXPECT_EQ(tree.parent("gone/child"), "gone");
  EXPECT_EQ(tree.ancestors("gone/child"), (std::vector<std::string>{"gone"}));
  EXPECT_EQ(tree.handle("gone/child")->parent_path, "gone");
  EXPECT_TRUE(tree.roots().empty());
}

TEST(SupervisionTree, AddingAnExistingPathReplacesItsHandleAndKeepsItsChildren) {
  SupervisionTree tree;
  tree.add(node("r", ""));
  tree.add(node("r/a", "r"));
  SupervisionHandle again = node("r", "");
  again.state = SupervisionState::running;
  tree.add(again);
  EXPECT_EQ(tree.handle("r")->state, SupervisionState::running);
  EXPECT_EQ(tree.children("r"), (std::vector<std::string>{"r/a"}));
  EXPECT_EQ(tree.roots().size(), 1u);
}

}  // namespace
}  // namespace airssys::supervisor
