#include "scheduler.hpp"

#include <algorithm>

namespace airssys::rt::detail {

namespace {

struct WorkerIdentity {
  const Scheduler* scheduler = nullptr;
  void* worker = nullptr;
};
thread_local WorkerIdentity tl_identity;

// How many consecutive actors a worker may take from its "next" slot before
// it must look at the shared queue (fairness for everyone else).
constexpr unsigned kNextStreakLimit = 16;
// Polls of the shared queue before a worker parks; keeps cross-thread
// hand-offs from paying for a futex wake.
constexpr int kSpinsBeforePark = 100;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

Scheduler::Scheduler(std::size_t workers, RunTurn run_turn) : run_turn_(std::move(run_turn)) {
  if (workers == 0) workers = 1;
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>());
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    w->thread = std::thread([this, worker] { worker_loop(*worker); });
  }
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void Scheduler::abandon() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.detach();
  }
}

bool Scheduler::on_worker_thread() const {
  return tl_identity.scheduler == this;
}

std::uint64_t Scheduler::messages_handled() const {
  std::uint64_t total = 0;
  for (const auto& w : workers_) total += w->handled.load(std::memory_order_relaxed);
  return total;
}

void Scheduler::schedule(ActorCell* cell) {
  if (tl_identity.scheduler == this) {
    auto* self = static_cast<Worker*>(tl_identity.worker);
    ActorCell* displaced = self->next;
    self->next = cell;
    if (displaced != nullptr) push_shared(displaced);
    return;
  }
  push_shared(cell);
}

void Scheduler::schedule_all(const std::vector<ActorCell*>& cells) {
  if (cells.empty()) return;
  if (tl_identity.scheduler == this) {
    for (ActorCell* cell : cells) schedule(cell);
    return;
  }
  std::size_t wake;
  bool everyone;
  {
    std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), cells.begin(), cells.end());
    queued_.fetch_add(cells.size(), std::memory_order_release);
    wake = std::min(sleepers_, cells.size());
    everyone = wake == sleepers_;
  }
  if (everyone && wake > 1) {
    wakeup_.notify_all();
  } else {
    for (std::size_t i = 0; i < wake; ++i) wakeup_.notify_one();
  }
}

void Scheduler::push_shared(ActorCell* cell) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(cell);
    queued_.fetch_add(1, std::memory_order_release);
    wake = sleepers_ > 0;
  }
  if (wake) wakeup_.notify_one();
}

ActorCell* Scheduler::pop_shared(Worker& self) {
  (void)self;
  for (int spin = 0; spin < kSpinsBeforePark; ++spin) {
    if (queued_.load(std::memory_order_acquire) != 0) break;
    cpu_relax();
  }
  std::unique_lock lock(mutex_);
  while (queue_.empty() && !stopping_) {
    ++sleepers_;
    wakeup_.wait(lock);
    --sleepers_;
  }
  if (stopping_) return nullptr;
  ActorCell* cell = queue_.front();
  queue_.pop_front();
  queued_.fetch_sub(1, std::memory_order_relaxed);
  return cell;
}

void Scheduler::worker_loop(Worker& self) {
  tl_identity = {this, &self};
  std::uint64_t handled = 0;
  for (;;) {
    ActorCell* cell = nullptr;
    // The streak limit only matters when someone else is waiting.
    if (self.next != nullptr && self.next_streak >= kNextStreakLimit &&
        queued_.load(std::memory_order_acquire) == 0) {
      self.next_streak = 0;
    }
    if (self.next != nullptr && self.next_streak < kNextStreakLimit) {
      cell = self.next;
      self.next = nullptr;
      ++self.next_streak;
    } else {
      if (self.next != nullptr) {
        push_shared(self.next);
        self.next = nullptr;
      }
      self.next_streak = 0;
      cell = pop_shared(self);
      if (cell == nullptr) break;
    }
    const bool again = run_turn_(cell, handled);
    self.handled.store(handled, std::memory_order_relaxed);
    if (again) push_shared(cell);
  }
  tl_identity = {};
}

}  // namespace airssys::rt::detail
