#include "timer_service.hpp"

namespace airssys::rt::detail {

TimerService::TimerService(Clock& clock, Fire fire)
    : clock_(clock), fire_(std::move(fire)), state_(std::make_shared<State>()) {
  if (clock_.is_manual()) {
    std::weak_ptr<State> weak = state_;
    Clock* clock_ptr = &clock_;
    Fire fire_copy = fire_;
    clock_.on_advance([weak, clock_ptr, fire_copy] {
      if (auto state = weak.lock()) fire_due(*state, clock_ptr->now(), fire_copy);
    });
  }
}

TimerService::~TimerService() {
  stop();
}

void TimerService::start() {
  if (!clock_.is_manual()) thread_ = std::thread([this] { run(); });
}

std::vector<TimerService::Pending> TimerService::stop() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Pending> left;
  std::lock_guard lock(state_->mutex);
  left.reserve(state_->entries.size());
  for (auto& [id, entry] : state_->entries) left.push_back({entry.to, std::move(entry.msg)});
  state_->entries.clear();
  state_->due = {};
  return left;
}

TimerId TimerService::schedule(Duration delay, Address to, MessagePtr msg) {
  const auto at = clock_.now() + delay;
  TimerId id;
  {
    std::lock_guard lock(state_->mutex);
    id = state_->next_id++;
    state_->entries.emplace(id, Entry{to, std::move(msg)});
    state_->due.push({at, id});
  }
  state_->changed.notify_one();
  if (clock_.is_manual() && delay <= Duration::zero()) fire_due(*state_, clock_.now(), fire_);
  return id;
}

bool TimerService::cancel(TimerId id) {
  std::lock_guard lock(state_->mutex);
  // The heap entry stays and is skipped when it comes due.
  return state_->entries.erase(id) > 0;
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

void TimerService::fire_due(State& state, Clock::time_point now, const Fire& fire) {
  std::vector<Entry> ready;
  {
    std::lock_guard lock(state.mutex);
    if (state.stopping) return;
    while (!state.due.empty() && state.due.top().at <= now) {
      const TimerId id = state.due.top().id;
      state.due.pop();
      auto it = state.entries.find(id);
      if (it == state.entries.end()) continue;  // cancelled
      ready.push_back(std::move(it->second));
      state.entries.erase(it);
    }
  }
  for (auto& e : ready) fire(e.to, std::move(e.msg));
}

void TimerService::run() {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  while (!state.stopping) {
    // Drop cancelled timers from the top so they do not cause early wakeups.
    while (!state.due.empty() && state.entries.count(state.due.top().id) == 0) state.due.pop();
    if (state.due.empty()) {
      state.changed.wait(lock);
      continue;
    }
    const auto next = state.due.top().at;
    if (clock_.now() < next) {
      state.changed.wait_until(lock, next);
      continue;
    }
    lock.unlock();
    fire_due(state, clock_.now(), fire_);
    lock.lock();
  }
}

}  // namespace airssys::rt::detail
