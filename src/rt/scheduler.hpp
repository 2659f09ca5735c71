// Runs actors on N worker threads.
//
// Runnable actors wait in one shared FIFO queue. A worker also keeps one
// "next" slot: an actor made runnable by the actor the worker is running goes
// there and runs right after it on the same thread, so a request/reply pair
// ping-pongs without waking another thread. The slot is bounded (a streak
// limit) so actors in the shared queue are not starved. Idle workers spin
// briefly, then park on a condition variable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace airssys::rt::detail {

struct ActorCell;

class Scheduler {
 public:
  // Runs one turn of an actor; returns true if the actor must be queued again
  // (it used up its turn with messages left). Adds the messages it handled
  // to `handled`.
  using RunTurn = std::function<bool(ActorCell*, std::uint64_t& handled)>;

  Scheduler(std::size_t workers, RunTurn run_turn);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Wakes and joins every worker. Actors still queued are not run.
  void stop();
  // For a system whose actors are stuck in a handler: let the threads go.
  void abandon();

  void schedule(ActorCell* cell);
  // Queues many at once: one lock, and only as many wake-ups as there are
  // parked workers that can take them.
  void schedule_all(const std::vector<ActorCell*>& cells);
  std::size_t worker_count() const { return workers_.size(); }
  std::uint64_t messages_handled() const;
  // True on one of this scheduler's worker threads.
  bool on_worker_thread() const;

 private:
  struct Worker {
    std::thread thread;
    ActorCell* next = nullptr;
    unsigned next_streak = 0;
    std::atomic<std::uint64_t> handled{0};
  };

  void worker_loop(Worker& self);
  void push_shared(ActorCell* cell);
  // nullptr once stopping.
  ActorCell* pop_shared(Worker& self);

  RunTurn run_turn_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<ActorCell*> queue_;
  std::atomic<std::size_t> queued_{0};
  std::size_t sleepers_ = 0;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace airssys::rt::detail
