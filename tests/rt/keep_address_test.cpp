// Addresses that outlive an actor (SpawnOptions::keep_address): the owner
// respawns a fresh actor behind the same address, stashed messages reach
// it, and release() gives the address up for good.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"

namespace airssys::rt {
namespace {

using namespace std::chrono_literals;

struct Add {
  int n;
};
struct Total {};
struct Crash {};
struct StopWith {
  ExitReason reason;
};
struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

class Counter final : public Actor {
 public:
  bool on_message(ActorContext& ctx, Message& m) override {
    if (m.is<Add>()) {
      total_ += m.as<Add>().n;
    } else if (m.is<Total>()) {
      (void)ctx.reply(total_);
    } else if (m.is<Crash>()) {
      throw Boom{};
    } else if (m.is<StopWith>()) {
      ctx.stop(m.as<StopWith>().reason);
    } else {
      return false;
    }
    return true;
  }

 private:
  int total_ = 0;
};

struct ChildAddress {};
struct Release {};
struct Parked {
  Address child;
  ExitReason reason;
};

// Owns one Counter with a kept address; respawns it on every exit unless
// told to hold it, and reports each exit to `observer`.
class Owner final : public Actor {
 public:
  Owner(Address observer, bool respawn, std::size_t stash_capacity = 1024)
      : observer_(observer), respawn_(respawn), stash_capacity_(stash_capacity) {}

  void on_start(ActorContext& ctx) override {
    ctx.set_trap_exit(true);
    SpawnOptions options;
    options.link = true;
    options.keep_address = true;
    options.stash_capacity = stash_capacity_;
    child_ = *ctx.spawn(std::make_unique<Counter>(), options);
  }

  bool on_message(ActorContext& ctx, Message& m) override {
    if (m.is<ChildAddress>()) {
      (void)ctx.reply(child_);
    } else if (m.is<ExitMessage>()) {
      const auto& exit = m.as<ExitMessage>();
      EXPECT_TRUE(exit.address_kept);
      EXPECT_TRUE(ctx.owns_parked(exit.from));
      (void)ctx.send(observer_, Parked{exit.from, exit.reason});
      if (respawn_) {
        EXPECT_TRUE(ctx.respawn(exit.from, std::make_unique<Counter>()).ok());
      }
    } else if (m.is<Release>()) {
      EXPECT_TRUE(ctx.release(child_, ExitReason::shutdown("released")).ok());
      EXPECT_FALSE(ctx.release(child_, ExitReason::shutdown("twice")).ok());
      (void)ctx.reply(true);
    } else {
      return false;
    }
    return true;
  }

 private:
  Address observer_;
  bool respawn_;
  std::size_t stash_capacity_;
  Address child_;
};

TEST(KeepAddress, RespawnedActorIsFreshAndKeepsTheAddress) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  auto owner = system.spawn(std::make_unique<Owner>(me.address(), true));
  ASSERT_TRUE(owner.ok());
  auto child = me.request<Address>(*owner, ChildAddress{}, 10s);
  ASSERT_TRUE(child.ok());

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me.send(*child, Add{1}).ok());
  EXPECT_EQ(*me.request<int>(*child, Total{}, 10s), 3);

  ASSERT_TRUE(me.send(*child, Crash{}).ok());
  // Sent while the crash is handled or the address is parked: kept, not lost.
  ASSERT_TRUE(me.send(*child, Add{5}).ok());
  ASSERT_TRUE(me.send(*child, Add{7}).ok());
  auto parked = me.receive_as<Parked>(10s);
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ(parked->child, *child);
  EXPECT_EQ(parked->reason.kind(), ExitKind::error);
  EXPECT_EQ(parked->reason.detail(), "boom");

  // The fresh actor starts from zero and got both stashed messages.
  EXPECT_EQ(*me.request<int>(*child, Total{}, 10s), 12);
  EXPECT_TRUE(system.is_alive(*child));
}

TEST(KeepAddress, ParkedAddressStashesUntilRespawnAndOverflowIsDeadLettered) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  auto owner = system.spawn(std::make_unique<Owner>(me.address(), false, 2));
  auto child = *me.request<Address>(*owner, ChildAddress{}, 10s);
  ASSERT_TRUE(me.send(child, Crash{}).ok());
  ASSERT_TRUE(me.receive_as<Parked>(10s).ok());
  // Parked and never respawned: the address still accepts messages.
  EXPECT_TRUE(system.is_alive(child));
  const auto dead_before = system.stats().dead_letters;
  ASSERT_TRUE(me.send(child, Add{1}).ok());
  ASSERT_TRUE(me.send(child, Add{2}).ok());
  // The third does not fit in a stash of two; as a request it is answered.
  auto overflow = me.request<int>(child, Total{}, 10s);
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error().code, ErrorCode::resource_exhausted);
  EXPECT_EQ(system.stats().dead_letters, dead_before + 1);

  // Release: stashed messages become dead letters, monitors fire, sends fail.
  const MonitorRef ref = me.monitor(child);
  ASSERT_TRUE(me.request<bool>(*owner, Release{}, 10s).ok());
  auto down = me.await_down(ref, 10s);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::shutdown("released"));
  EXPECT_EQ(system.stats().dead_letters, dead_before + 3);
  auto sent = me.send(child, Add{1});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::no_such_actor);
}

TEST(KeepAddress, AKillAimedAtTheEndedIncarnationLeavesTheParkedAddressToItsOwner) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  for (int round = 0; round < 20; ++round) {
    auto owner = system.spawn(std::make_unique<Owner>(me.address(), false));
    ASSERT_TRUE(owner.ok());
    auto child = *me.request<Address>(*owner, ChildAddress{}, 10s);
    ASSERT_TRUE(me.send(child, Crash{}).ok());
    // A supervisor's brutal_kill racing the crash: the kill arrives after
    // (or while) the address parked.
    if (round % 2 == 1) {
      ASSERT_TRUE(me.receive_as<Parked>(10s).ok());
    }
    ASSERT_TRUE(system.exit(child, ExitReason::kill()).ok());
    if (round % 2 == 0) {
      ASSERT_TRUE(me.receive_as<Parked>(10s).ok());
    }
    // Still parked for the owner: its release is what ends it. (Had the
    // kill ended the address, the release would fail and monitors would
    // see `killed`.)
    EXPECT_TRUE(system.is_alive(child)) << round;
    const MonitorRef ref = me.monitor(child);
    ASSERT_TRUE(me.request<bool>(*owner, Release{}, 10s).ok()) << round;
    auto down = me.await_down(ref, 10s);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down->reason, ExitReason::shutdown("released")) << round;
    (void)system.exit(*owner, ExitReason::kill());
  }
}

TEST(KeepAddress, OwnerExitReleasesParkedChildren) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  auto owner = *system.spawn(std::make_unique<Owner>(me.address(), false));
  auto child = *me.request<Address>(owner, ChildAddress{}, 10s);
  const MonitorRef ref = me.monitor(child);
  ASSERT_TRUE(me.send(child, Crash{}).ok());
  ASSERT_TRUE(me.receive_as<Parked>(10s).ok());
  ASSERT_TRUE(system.exit(owner, ExitReason::kill()).ok());
  auto down = me.await_down(ref, 10s);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason.kind(), ExitKind::shutdown);
  EXPECT_FALSE(system.is_alive(child));
}

// Regression: parking after ctx.stop() used the stop reason after freeing
// it (caught by ASan through the wasm layer, whose crashed components stop
// themselves this way).
TEST(KeepAddress, AnActorStoppingItselfParksWithItsOwnReason) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  auto owner = *system.spawn(std::make_unique<Owner>(me.address(), true));
  auto child = *me.request<Address>(owner, ChildAddress{}, 10s);
  ASSERT_TRUE(me.send(child, StopWith{ExitReason::error("refused")}).ok());
  auto parked = me.receive_as<Parked>(10s);
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ(parked->reason, ExitReason::error("refused"));
  EXPECT_EQ(*me.request<int>(child, Total{}, 10s), 0);  // respawned, fresh
}

// Gives its parked child up and at once starts a successor under the same
// name, as a supervisor restarting a registered child does.
class Successor final : public Actor {
 public:
  explicit Successor(Address observer) : observer_(observer) {}
  void on_start(ActorContext& ctx) override {
    ctx.set_trap_exit(true);
    SpawnOptions options;
    options.link = true;
    options.keep_address = true;
    options.name = "svc";
    child_ = *ctx.spawn(std::make_unique<Counter>(), options);
  }
  bool on_message(ActorContext& ctx, Message& m) override {
    if (m.is<ChildAddress>()) {
      (void)ctx.reply(child_);
      return true;
    }
    if (!m.is<ExitMessage>()) return false;
    EXPECT_TRUE(ctx.release(child_, ExitReason::shutdown("replaced")).ok());
    SpawnOptions options;
    options.name = "svc";
    auto next = ctx.spawn(std::make_unique<Counter>(), options);
    (void)ctx.send(observer_, next.ok() ? *next : Address::none());
    return true;
  }

 private:
  Address observer_;
  Address child_;
};

// Regression: release() left the name registered until the parked cell
// processed the release, so the successor's spawn could fail name_taken.
TEST(KeepAddress, ReleaseFreesTheNamesAtOnce) {
  ActorSystem system({.workers = 2});
  ScopedActor me(system);
  auto owner = *system.spawn(std::make_unique<Successor>(me.address()));
  auto child = *me.request<Address>(owner, ChildAddress{}, 10s);
  ASSERT_TRUE(me.send(child, Crash{}).ok());
  auto successor = me.receive_as<Address>(10s);
  ASSERT_TRUE(successor.ok());
  ASSERT_FALSE(successor->is_none()) << "the name was still taken";
  EXPECT_EQ(system.whereis("svc"), *successor);
}

TEST(KeepAddress, NeedsALinkedSpawnFromAnActor) {
  ActorSystem system({.workers = 1});
  SpawnOptions options;
  options.keep_address = true;
  auto spawned = system.spawn(std::make_unique<Counter>(), options);
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace airssys::rt
