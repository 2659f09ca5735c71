#include "timer_service.hpp"

#include <algorithm>

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
  left.reserve(state_->armed);
  for (std::uint32_t i = 0; i < state_->slots.size(); ++i) {
    Slot& slot = state_->slots[i];
    if (!slot.armed) continue;
    left.push_back({slot.to, std::move(slot.msg)});
    state_->release(slot, i);
  }
  state_->due.clear();
  state_->buckets.clear();
  state_->free_buckets.clear();
  state_->open_bucket = kNoBucket;
  return left;
}

TimerService::Slot* TimerService::State::find(TimerId id) {
  const auto index = static_cast<std::uint32_t>(id & 0xffff'ffffU);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (index >= slots.size()) return nullptr;
  Slot& slot = slots[index];
  return slot.armed && slot.generation == generation ? &slot : nullptr;
}

void TimerService::State::release(Slot& slot, std::uint32_t index) {
  slot.armed = false;
  slot.msg.reset();
  ++slot.generation;
  free_slots.push_back(index);
  --armed;
}

std::uint32_t TimerService::State::bucket_for(Clock::time_point at) {
  if (open_bucket != kNoBucket && buckets[open_bucket].at == at) return open_bucket;
  std::uint32_t index;
  if (free_buckets.empty()) {
    index = static_cast<std::uint32_t>(buckets.size());
    buckets.emplace_back();
  } else {
    index = free_buckets.back();
    free_buckets.pop_back();
  }
  buckets[index].at = at;
  due.push_back({at, next_seq++, index});
  std::push_heap(due.begin(), due.end(), std::greater<>{});
  open_bucket = index;
  return index;
}

void TimerService::State::free_bucket(std::uint32_t index) {
  Bucket& b = buckets[index];
  b.ids.clear();
  b.live = 0;
  free_buckets.push_back(index);
  if (open_bucket == index) open_bucket = kNoBucket;
}

void TimerService::State::pop_due() {
  std::pop_heap(due.begin(), due.end(), std::greater<>{});
  due.pop_back();
}

void TimerService::State::drop_cancelled() {
  if (due.size() <= 2 * armed + kCancelledSlack) return;
  std::erase_if(due, [&](const Due& d) {
    if (buckets[d.bucket].live != 0) return false;
    free_bucket(d.bucket);
    return true;
  });
  std::make_heap(due.begin(), due.end(), std::greater<>{});
}

TimerId TimerService::schedule(Duration delay, Address to, MessagePtr msg) {
  return schedule_at(clock_.now() + delay, to, std::move(msg));
}

TimerId TimerService::schedule_at(Clock::time_point at, Address to, MessagePtr msg) {
  TimerId id;
  bool earliest = false;
  {
    std::lock_guard lock(state_->mutex);
    State& st = *state_;
    std::uint32_t index;
    if (st.free_slots.empty()) {
      index = static_cast<std::uint32_t>(st.slots.size());
      st.slots.emplace_back();
    } else {
      index = st.free_slots.back();
      st.free_slots.pop_back();
    }
    earliest = st.due.empty() || at < st.due.front().at;
    Slot& slot = st.slots[index];
    slot.to = to;
    slot.msg = std::move(msg);
    slot.armed = true;
    ++st.armed;
    // Generation 0 is never handed out, so no id is 0 (0 means "no timer").
    if (slot.generation == 0) slot.generation = 1;
    id = (static_cast<TimerId>(slot.generation) << 32) | index;
    slot.bucket = st.bucket_for(at);
    Bucket& bucket = st.buckets[slot.bucket];
    bucket.ids.push_back(id);
    ++bucket.live;
  }
  // The timer thread sleeps until the earliest deadline; only a new earliest
  // one needs to wake it (periodic timers re-armed by thousands of actors
  // would otherwise wake it once each).
  if (earliest) state_->changed.notify_one();
  if (clock_.is_manual() && at <= clock_.now()) fire_due(*state_, clock_.now(), fire_);
  return id;
}

bool TimerService::cancel(TimerId id) {
  std::lock_guard lock(state_->mutex);
  Slot* slot = state_->find(id);
  if (slot == nullptr) return false;
  // The bucket keeps the id, which no longer matches the slot when the
  // bucket comes due; an emptied bucket is dropped without waking anyone.
  --state_->buckets[slot->bucket].live;
  state_->release(*slot, static_cast<std::uint32_t>(id & 0xffff'ffffU));
  state_->drop_cancelled();
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(state_->mutex);
  return state_->armed;
}

std::size_t TimerService::instants() const {
  std::lock_guard lock(state_->mutex);
  return state_->due.size();
}

void TimerService::fire_due(State& state, Clock::time_point now, const Fire& fire) {
  std::vector<Pending> ready;
  {
    std::lock_guard lock(state.mutex);
    if (state.stopping) return;
    while (!state.due.empty() && state.due.front().at <= now) {
      const std::uint32_t b = state.due.front().bucket;
      state.pop_due();
      for (const TimerId id : state.buckets[b].ids) {
        Slot* slot = state.find(id);
        if (slot == nullptr) continue;  // cancelled
        ready.push_back({slot->to, std::move(slot->msg)});
        state.release(*slot, static_cast<std::uint32_t>(id & 0xffff'ffffU));
      }
      state.free_bucket(b);
    }
  }
  if (!ready.empty()) fire(ready);
}

void TimerService::run() {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  while (!state.stopping) {
    // Drop buckets whose timers were all cancelled so they do not cause
    // early wakeups.
    while (!state.due.empty() && state.buckets[state.due.front().bucket].live == 0) {
      state.free_bucket(state.due.front().bucket);
      state.pop_due();
    }
    if (state.due.empty()) {
      state.changed.wait(lock);
      continue;
    }
    const auto next = state.due.front().at;
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
