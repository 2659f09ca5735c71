// The timer service's heap: timers armed and cancelled over and over (a
// startup timeout per restart) leave no more than a bounded number of
// instants behind, and cancelling never changes which timers fire or when.
#include "timer_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <vector>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/message.hpp"

namespace airssys::rt::detail {
namespace {

using namespace std::chrono_literals;

struct Tick {
  int n = 0;
};

class TimerHeap : public ::testing::Test {
 protected:
  std::vector<int> fired;
  ManualClock clock;
  TimerService timers{clock, [this](std::vector<TimerService::Pending>& due) {
                        for (auto& p : due) fired.push_back(p.msg->as<Tick>().n);
                      }};

  TimerId arm(Duration delay, int n) {
    return timers.schedule(delay, Address::none(), make_message(Tick{n}));
  }
};

TEST_F(TimerHeap, TimersArmedAndCancelledOneAfterAnotherLeaveABoundedHeap) {
  const TimerId kept = arm(1h, -1);
  for (int i = 0; i < 100'000; ++i) {
    clock.advance(1us);  // every timer its own instant, as restarts' timeouts are
    const TimerId id = arm(10s, i);
    ASSERT_TRUE(timers.cancel(id));
    ASSERT_LE(timers.instants(), 2 * timers.pending() + 64 + 1) << "after " << i + 1;
  }
  EXPECT_EQ(timers.pending(), 1u);
  clock.advance(1h);
  EXPECT_EQ(fired, std::vector<int>{-1});
  EXPECT_FALSE(timers.cancel(kept));
}

TEST_F(TimerHeap, DroppingCancelledInstantsKeepsTheOthersInDeadlineOrder) {
  // Many armed timers, then enough cancelled ones for the heap to be
  // rebuilt several times; what is left fires in deadline order.
  std::vector<TimerId> cancel_later;
  cancel_later.reserve(300);
  for (int i = 0; i < 300; ++i) {
    arm(std::chrono::milliseconds(1000 + 7 * (i % 50)) + std::chrono::microseconds(i), i);
    cancel_later.push_back(arm(std::chrono::milliseconds(500 + i), 10'000 + i));
  }
  std::vector<int> expected(300);
  std::iota(expected.begin(), expected.end(), 0);
  for (TimerId id : cancel_later) ASSERT_TRUE(timers.cancel(id));
  for (int i = 0; i < 5'000; ++i) ASSERT_TRUE(timers.cancel(arm(2s, 20'000 + i)));
  EXPECT_LE(timers.instants(), 2 * timers.pending() + 64 + 1);
  clock.advance(1h);
  std::sort(expected.begin(), expected.end(), [](int a, int b) {
    const auto at = [](int i) { return 1000'000 + 7'000 * (i % 50) + i; };  // microseconds
    return at(a) < at(b);
  });
  EXPECT_EQ(fired, expected);
}

}  // namespace
}  // namespace airssys::rt::detail
