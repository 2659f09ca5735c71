// Delayed messages (send_after) and request timeouts, on one timer thread so
// a waiting timer never occupies a worker.
//
// With a real clock the thread sleeps until the earliest deadline. With a
// ManualClock, advancing the clock fires every due timer before advance()
// returns, so tests know exactly which timers have fired.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/timer_id.hpp"

namespace airssys::rt::detail {

class TimerService {
 public:
  struct Pending {
    Address to;
    MessagePtr msg;
  };
  // Receives every timer that fell due together, in firing order, so the
  // receiver can hand them on with one wake-up rather than one each.
  using Fire = std::function<void(std::vector<Pending>& due)>;

  TimerService(Clock& clock, Fire fire);
  ~TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  void start();
  // Stops the thread; returns the timers that never fired.
  std::vector<Pending> stop();

  TimerId schedule(Duration delay, Address to, MessagePtr msg);
  TimerId schedule_at(Clock::time_point at, Address to, MessagePtr msg);
  bool cancel(TimerId id);
  std::size_t pending() const;
  // Instants waiting in the heap (for tests): those of armed timers, and at
  // most as many again of timers all cancelled.
  std::size_t instants() const;

 private:
  // Timers live in a slab of slots reused through a free list, so arming
  // one allocates nothing and thousands of periodic timers stay in one
  // contiguous array. A TimerId is the slot's generation and index: a
  // cancelled or fired timer's id no longer matches its (reused) slot.
  struct Slot {
    Address to;
    MessagePtr msg;
    std::uint32_t generation = 0;
    std::uint32_t bucket = 0;
    bool armed = false;
  };
  // Timers armed one after another for the same instant (periodic checks
  // aligned to a grid) share a bucket: one heap entry for all of them, so
  // firing a burst of thousands costs one heap pop, not one each. Buckets
  // are reused with their capacity.
  struct Bucket {
    Clock::time_point at;
    std::vector<TimerId> ids;  // in arming order
    std::size_t live = 0;      // armed, not cancelled
  };
  struct Due {
    Clock::time_point at;
    std::uint64_t seq;  // equal deadlines fire in the order they were armed
    std::uint32_t bucket;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  static constexpr std::uint32_t kNoBucket = 0xffff'ffffU;
  // Heap entries of cancelled instants tolerated beyond the armed timers
  // before the heap is rebuilt without them (see State::drop_cancelled).
  static constexpr std::size_t kCancelledSlack = 64;
  // Shared with the clock's advance callback, which may outlive the service.
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    // A min-heap on (at, seq) (std::push_heap with std::greater).
    std::vector<Due> due;
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free_slots;
    std::vector<Bucket> buckets;
    std::vector<std::uint32_t> free_buckets;
    // The newest bucket, which takes further timers for its instant.
    std::uint32_t open_bucket = kNoBucket;
    std::size_t armed = 0;
    std::uint64_t next_seq = 0;
    bool stopping = false;

    // The armed slot `id` names, or nullptr.
    Slot* find(TimerId id);
    // Disarms a slot and returns it to the free list.
    void release(Slot& slot, std::uint32_t index);
    // A bucket for `at`: the open one if it is for the same instant.
    std::uint32_t bucket_for(Clock::time_point at);
    // Returns a fired or emptied bucket for reuse.
    void free_bucket(std::uint32_t index);
    // Pops the earliest heap entry.
    void pop_due();
    // A cancelled timer leaves its instant in the heap; a timer armed and
    // cancelled for every restart (a startup timeout of 10 s, thousands of
    // restarts a second) would pile up that many entries until their
    // instants came. Once the heap holds more than twice the armed timers
    // (plus kCancelledSlack), it is rebuilt without the instants whose
    // timers were all cancelled: linear in the heap, paid for by the
    // cancellations since the last rebuild.
    void drop_cancelled();
  };

  void run();
  // Fires every timer due at `now`, outside the lock.
  static void fire_due(State& state, Clock::time_point now, const Fire& fire);

  Clock& clock_;
  Fire fire_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace airssys::rt::detail
