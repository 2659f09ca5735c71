// A name directory (a cluster's) extends the local names: it is told of
// every registration and release, can refuse a registration, and answers
// for names no local actor holds.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "test_support.hpp"

namespace airssys::rt {
namespace {

using test::kWait;

// A directory with one remote name, "far", answered by `far_actor`, which
// refuses the name "taken".
class TableDirectory final : public NameDirectory {
 public:
  Result<void> claim(std::string_view name, Address local) override {
    std::lock_guard lock(mutex_);
    if (name == "taken") return Error{ErrorCode::name_taken, "held elsewhere"};
    claimed[std::string(name)] = local;
    return {};
  }
  void release(std::string_view name, Address local) override {
    std::lock_guard lock(mutex_);
    released.emplace_back(std::string(name), local);
  }
  std::optional<Address> resolve(std::string_view name) override {
    std::lock_guard lock(mutex_);
    ++resolved;
    if (name == "far") return far_actor;
    return std::nullopt;
  }
  std::mutex mutex_;
  std::map<std::string, Address> claimed;
  std::vector<std::pair<std::string, Address>> released;
  Address far_actor;
  int resolved = 0;
};

Behavior echo() {
  return Behavior([](ActorContext& ctx, int v) { (void)ctx.reply(v); });
}

TEST(NameDirectory, RegistrationsAreClaimedAndReleasesReported) {
  ActorSystem system;
  auto dir = std::make_shared<TableDirectory>();
  system.set_name_directory(dir);
  SpawnOptions named;
  named.name = "worker";
  auto a = system.spawn(echo(), named);
  ASSERT_TRUE(a);
  {
    std::lock_guard lock(dir->mutex_);
    EXPECT_EQ(dir->claimed["worker"], *a);
  }
  ASSERT_TRUE(system.exit(*a, ExitReason::kill()));
  ScopedActor watcher(system);
  // The release is reported once the actor is gone: wait for its exit.
  auto ref = watcher.monitor(*a);
  (void)ref;
  auto down = watcher.receive(kWait);
  ASSERT_TRUE(down);
  std::lock_guard lock(dir->mutex_);
  ASSERT_EQ(dir->released.size(), 1U);
  EXPECT_EQ(dir->released[0].first, "worker");
  EXPECT_EQ(dir->released[0].second, *a);
}

TEST(NameDirectory, ARefusedClaimFailsTheSpawnAndLeavesNoLocalName) {
  ActorSystem system;
  system.set_name_directory(std::make_shared<TableDirectory>());
  SpawnOptions named;
  named.name = "taken";
  auto a = system.spawn(echo(), named);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::name_taken);
  EXPECT_FALSE(system.whereis("taken"));
}

TEST(NameDirectory, NamesNotHeldHereAreResolvedByTheDirectory) {
  ActorSystem system;
  auto dir = std::make_shared<TableDirectory>();
  system.set_name_directory(dir);
  auto far = system.spawn(echo());
  ASSERT_TRUE(far);
  dir->far_actor = *far;
  EXPECT_EQ(system.whereis("far"), *far);
  EXPECT_FALSE(system.whereis("nowhere"));
  // A send by name goes where the directory says.
  ScopedActor client(system);
  auto reply = client.request<int>(*system.whereis("far"), 7, kWait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, 7);
  ASSERT_TRUE(system.send("far", 1));
  EXPECT_FALSE(system.send("nowhere", 1));
  // A local name is found without asking the directory.
  SpawnOptions named;
  named.name = "near";
  ASSERT_TRUE(system.spawn(echo(), named));
  const int before = dir->resolved;
  EXPECT_TRUE(system.whereis("near"));
  EXPECT_EQ(dir->resolved, before);
}

TEST(NameDirectory, UnregisterIsReported) {
  ActorSystem system;
  auto dir = std::make_shared<TableDirectory>();
  system.set_name_directory(dir);
  auto a = system.spawn(echo());
  ASSERT_TRUE(a);
  ASSERT_TRUE(system.register_name("x", *a));
  ASSERT_TRUE(system.unregister_name("x"));
  std::lock_guard lock(dir->mutex_);
  ASSERT_EQ(dir->released.size(), 1U);
  EXPECT_EQ(dir->released[0].first, "x");
}

}  // namespace
}  // namespace airssys::rt
