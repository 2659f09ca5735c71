// Bounded mailboxes: beyond SpawnOptions::mailbox_capacity a send fails with
// resource_exhausted, a request fails at once, and the refused message is a
// dead letter `mailbox_full` with an event; system messages still get in.
#include <gtest/gtest.h>

#include <memory>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "test_support.hpp"

namespace airssys::rt {
namespace {

using test::kWait;

struct Hold {};  // blocks the handler until the gate opens
struct Item {
  int n = 0;
};
struct Ask {};

class BoundedMailbox : public ::testing::Test {
 protected:
  // An actor with a mailbox of `capacity` whose first handler (Hold) blocks
  // on `gate`, so whatever is sent meanwhile queues up.
  Address SpawnHeld(std::size_t capacity) {
    SpawnOptions options;
    options.mailbox_capacity = capacity;
    auto a = system.spawn(Behavior{[g = gate, h = holding](ActorContext&, const Hold&) {
                                     h->add();
                                     (void)g->wait();
                                   },
                                   [c = handled](ActorContext&, const Item&) { c->add(); },
                                   [](ActorContext& ctx, const Ask&) { (void)ctx.reply(1); }},
                          options);
    EXPECT_TRUE(a.ok());
    return *a;
  }

  std::shared_ptr<test::EventLog> events = std::make_shared<test::EventLog>();
  ActorSystem system{{.workers = 2, .events = events}};
  ScopedActor me{system};
  std::shared_ptr<test::Gate> gate = std::make_shared<test::Gate>();
  std::shared_ptr<test::Counter> handled = std::make_shared<test::Counter>();
  std::shared_ptr<test::Counter> holding = std::make_shared<test::Counter>();
};

TEST_F(BoundedMailbox, SendsBeyondTheCapacityFailAndBecomeDeadLetters) {
  const Address held = SpawnHeld(3);
  // Hold is taken out of the mailbox once its handler runs.
  ASSERT_TRUE(me.send(held, Hold{}).ok());
  ASSERT_TRUE(holding->wait_for_at_least(1));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(me.send(held, Item{i}).ok()) << i;
  auto refused = me.send(held, Item{3});
  EXPECT_TRUE(test::FailsWith(refused, ErrorCode::resource_exhausted));
  EXPECT_NE(refused.error().message.find("full"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(events->wait_count(test::DeadLetterTo(held, DeadLetterReason::mailbox_full), 1));

  // A request into the full mailbox fails at once, not by its timeout.
  auto asked = me.request<int>(held, Ask{}, kWait);
  EXPECT_TRUE(test::FailsWith(asked, ErrorCode::resource_exhausted));
  EXPECT_TRUE(events->wait_count(test::DeadLetterTo(held, DeadLetterReason::mailbox_full), 2));

  // Once the actor drains its mailbox it takes messages again, and nothing
  // it accepted was lost.
  gate->open();
  EXPECT_TRUE(handled->wait_for_at_least(3));
  EXPECT_TRUE(me.request<int>(held, Ask{}, kWait).ok());
  ASSERT_TRUE(me.send(held, Item{4}).ok());
  EXPECT_TRUE(handled->wait_for_at_least(4));
  EXPECT_EQ(handled->value(), 4);
  EXPECT_EQ(events->count(test::AnyDeadLetter(DeadLetterReason::mailbox_full)), 2u);
}

TEST_F(BoundedMailbox, ExitSignalsGetIntoAFullMailbox) {
  const Address held = SpawnHeld(1);
  ASSERT_TRUE(me.send(held, Hold{}).ok());
  ASSERT_TRUE(holding->wait_for_at_least(1));
  ASSERT_TRUE(me.send(held, Item{0}).ok());
  ASSERT_FALSE(me.send(held, Item{1}).ok());
  const MonitorRef watch = me.monitor(held);
  ASSERT_TRUE(system.exit(held, ExitReason::error("stop it")).ok());
  gate->open();
  auto down = me.await_down(watch, kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::error("stop it"));
}

TEST_F(BoundedMailbox, UnboundedByDefault) {
  const Address held = SpawnHeld(0);
  ASSERT_TRUE(me.send(held, Hold{}).ok());
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(me.send(held, Item{i}).ok()) << i;
  gate->open();
  EXPECT_TRUE(handled->wait_for_at_least(20'000));
  EXPECT_EQ(events->count(test::AnyDeadLetter(DeadLetterReason::mailbox_full)), 0u);
}

}  // namespace
}  // namespace airssys::rt
