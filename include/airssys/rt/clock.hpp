// The time source of an actor system. Timers, request timeouts and (in the
// supervisor layer) restart intensity and backoff read time from here, so
// tests can drive time by hand instead of sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

namespace airssys::rt {

using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;

  // A manual clock only moves when told to; timer threads then wait for a
  // notification instead of a wall-clock deadline.
  virtual bool is_manual() const { return false; }
  // Called (from any thread) whenever a manual clock moves.
  virtual void on_advance(const std::function<void()>& callback) { (void)callback; }
};

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}

  time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  bool is_manual() const override { return true; }
  void on_advance(const std::function<void()>& callback) override {
    std::lock_guard lock(mutex_);
    listeners_.push_back(callback);
  }

  void advance(Duration d) {
    std::vector<std::function<void()>> listeners;
    {
      std::lock_guard lock(mutex_);
      now_ += d;
      listeners = listeners_;
    }
    for (auto& l : listeners) l();
  }

 private:
  mutable std::mutex mutex_;
  time_point now_;
  std::vector<std::function<void()>> listeners_;
};

}  // namespace airssys::rt
