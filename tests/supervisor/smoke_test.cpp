// End-to-end checks of the supervisor with native children: restarts keep
// the address and give a fresh instance, intensity escalates, strategies
// stop and start in OTP order.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "supervision_fixture.hpp"

namespace airssys::supervisor {
namespace {

using namespace std::chrono_literals;
using rt::ActorContext;
using rt::Address;
using rt::ExitReason;

using namespace testing;

TEST(SupervisorSmoke, OneForOneRestartsAFreshInstanceBehindTheSameAddress) {
  rt::ActorSystem system({.workers = 2});
  rt::ScopedActor me(system);
  auto config = SupervisorConfig::one_for_one().with_backoff(BackoffStrategy::immediate());
  auto sup = start_supervisor(
      system, spec_of("root", config, {worker("a", me.address()), worker("b", me.address())}));
  ASSERT_TRUE(sup.ok()) << sup.error().describe();
  auto a0 = me.receive_as<Started>(10s);
  auto b0 = me.receive_as<Started>(10s);
  ASSERT_EQ(a0->id, "a");
  ASSERT_EQ(b0->id, "b");

  SupervisorRef ref(system, *sup);
  auto children = ref.which_children();
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 2u);
  const Address a = (*children)[0].address;
  EXPECT_EQ(*me.request<int>(a, Count{}, 10s), 1);
  EXPECT_EQ(*me.request<int>(a, Count{}, 10s), 2);

  ASSERT_TRUE(me.send(a, Crash{}).ok());
  auto stopped = me.receive_as<Stopped>(10s);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->id, "a");
  EXPECT_EQ(stopped->reason.kind(), rt::ExitKind::error);
  auto a1 = me.receive_as<Started>(10s);
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(a1->id, "a");
  EXPECT_NE(a1->instance, a0->instance);
  // Same address, fresh state.
  EXPECT_EQ(*me.request<int>(a, Count{}, 10s), 1);
  auto h = ref.handle("a");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->stats.restarts, 1u);
  EXPECT_EQ(h->state, SupervisionState::running);
  EXPECT_EQ(h->address, a);
}

TEST(SupervisorSmoke, IntensityExceededStopsChildrenInReverseOrderAndExits) {
  rt::ActorSystem system({.workers = 2});
  rt::ScopedActor me(system);
  auto config =
      SupervisorConfig::one_for_one().with_max_restarts(1).with_time_window(1h).with_backoff(
          BackoffStrategy::immediate());
  auto sup = start_supervisor(system, spec_of("root", config,
                                              {worker("a", me.address()), worker("b", me.address()),
                                               worker("c", me.address())}));
  ASSERT_TRUE(sup.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me.receive_as<Started>(10s).ok());
  const rt::MonitorRef watch = me.monitor(*sup);
  SupervisorRef ref(system, *sup);
  const Address b = (*ref.which_children())[1].address;

  ASSERT_TRUE(me.send(b, Crash{}).ok());  // restart 1: allowed
  ASSERT_EQ(me.receive_as<Stopped>(10s)->id, "b");
  ASSERT_EQ(me.receive_as<Started>(10s)->id, "b");
  ASSERT_TRUE(me.send(b, Crash{}).ok());  // restart 2 within the window: too many
  ASSERT_EQ(me.receive_as<Stopped>(10s)->id, "b");
  // The others are stopped in reverse start order: c, then a.
  auto first = me.receive_as<Stopped>(10s);
  auto second = me.receive_as<Stopped>(10s);
  EXPECT_EQ(first->id, "c");
  EXPECT_EQ(first->reason.kind(), rt::ExitKind::shutdown);
  EXPECT_EQ(second->id, "a");
  auto down = me.await_down(watch, 10s);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::shutdown("reached_max_restart_intensity"));
}

TEST(SupervisorSmoke, OneForAllStopsInReverseAndRestartsInStartOrder) {
  rt::ActorSystem system({.workers = 2});
  rt::ScopedActor me(system);
  auto config = SupervisorConfig::one_for_all().with_backoff(BackoffStrategy::immediate());
  auto sup = start_supervisor(system, spec_of("root", config,
                                              {worker("a", me.address()), worker("b", me.address()),
                                               worker("c", me.address())}));
  ASSERT_TRUE(sup.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me.receive_as<Started>(10s).ok());
  SupervisorRef ref(system, *sup);
  const Address b = (*ref.which_children())[1].address;
  ASSERT_TRUE(me.send(b, Crash{}).ok());
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    auto m =
        me.receive_if([](const rt::Message& x) { return x.is<Started>() || x.is<Stopped>(); }, 10s);
    ASSERT_TRUE(m);
    order.push_back(m->is<Started>() ? "start " + m->as<Started>().id
                                     : "stop " + m->as<Stopped>().id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"stop b", "stop c", "stop a", "start a", "start b",
                                             "start c"}));
}

// Regression: an exit(shutdown) from outside the tree (SupervisorRef::stop)
// must start the shutdown at once, not when the next message arrives.
TEST(SupervisorSmoke, StopFromOutsideStopsChildrenInReverseOrder) {
  rt::ActorSystem system({.workers = 2});
  rt::ScopedActor me(system);
  auto sup =
      start_supervisor(system, spec_of("root", SupervisorConfig::one_for_one(),
                                       {worker("a", me.address()), worker("b", me.address())}));
  ASSERT_TRUE(sup.ok()) << sup.error().describe();
  ASSERT_TRUE(me.receive_as<Started>(10s).ok());
  ASSERT_TRUE(me.receive_as<Started>(10s).ok());
  SupervisorRef ref(system, *sup, 10s);
  auto stopped = ref.stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
  EXPECT_EQ(stopped->kind(), rt::ExitKind::shutdown);
  auto first = me.receive_as<Stopped>(10s);
  auto second = me.receive_as<Stopped>(10s);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->id, "b");
  EXPECT_EQ(second->id, "a");
}

}  // namespace
}  // namespace airssys::supervisor
