// An EventSink tests can wait on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "airssys/rt/events.hpp"

namespace airssys::rt::testing {

class EventRecorder final : public EventSink {
 public:
  void on_event(const SystemEvent& e) override {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    }
    changed_.notify_all();
  }

  // Waits until `pred` holds for the recorded events (failure guard: timeout).
  bool wait_for(const std::function<bool(const std::vector<SystemEvent>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(events_); });
  }

  std::size_t count(EventKind kind) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) n += e.kind == kind ? 1 : 0;
    return n;
  }
  std::size_t count_dead_letters(DeadLetterReason reason) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) {
      n += e.kind == EventKind::dead_letter && e.dead_letter.reason == reason ? 1 : 0;
    }
    return n;
  }
  std::vector<SystemEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SystemEvent> events_;
};

}  // namespace airssys::rt::testing
