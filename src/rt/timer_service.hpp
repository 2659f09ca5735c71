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
#include <queue>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/timer_id.hpp"

namespace airssys::rt::detail {

class TimerService {
 public:
  using Fire = std::function<void(Address to, MessagePtr msg)>;
  struct Pending {
    Address to;
    MessagePtr msg;
  };

  TimerService(Clock& clock, Fire fire);
  ~TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  void start();
  // Stops the thread; returns the timers that never fired.
  std::vector<Pending> stop();

  TimerId schedule(Duration delay, Address to, MessagePtr msg);
  bool cancel(TimerId id);
  std::size_t pending() const;

 private:
  struct Entry {
    Address to;
    MessagePtr msg;
  };
  struct Due {
    Clock::time_point at;
    TimerId id;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : id > o.id; }
  };
  // Shared with the clock's advance callback, which may outlive the service.
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
    std::unordered_map<TimerId, Entry> entries;
    TimerId next_id = 1;
    bool stopping = false;
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
