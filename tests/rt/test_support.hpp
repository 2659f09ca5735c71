// Shared helpers for the rt tests: an event sink tests can wait on, a gate
// and a counter handlers can block on or report through, and assertions
// with readable failure messages.
//
// Every wait takes a timeout, but the timeout is only a failure guard: tests
// wait for events, never for time to pass.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/events.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/rt/spawn_options.hpp"

namespace airssys::rt::test {

// How long a test waits for something that must happen before it fails.
inline constexpr Duration kWait = std::chrono::seconds(10);
// How long a test waits for something that must NOT happen (only used where
// the API offers no event to wait for, e.g. a request that is never answered).
inline constexpr Duration kAbsent = std::chrono::milliseconds(50);

// "ok" or the error, for failure messages.
template <class T>
std::string Describe(const Result<T>& r) {
  return r.ok() ? std::string("ok") : r.error().describe();
}

// An error code compared with a readable failure message.
inline ::testing::AssertionResult IsCode(ErrorCode actual, ErrorCode expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "error code is " << to_string(actual) << ", expected " << to_string(expected);
}

// The result is an error with `code`.
template <class T>
::testing::AssertionResult FailsWith(const Result<T>& r, ErrorCode code) {
  if (!r.ok() && r.error().code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "result is '" << Describe(r) << "', expected error " << to_string(code);
}

// Equal reasons; for `error` reasons the actual detail need only contain the
// expected one (it may carry more context around the exception's what()).
inline ::testing::AssertionResult SameReason(const ExitReason& actual, const ExitReason& expected) {
  const bool same = expected.kind() == ExitKind::error
                        ? actual.kind() == ExitKind::error &&
                              actual.detail().find(expected.detail()) != std::string::npos
                        : actual == expected;
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "exit reason is '" << actual.to_string()
                                       << "', expected '" << expected.to_string() << "'";
}

// Records every SystemEvent; tests wait on it instead of sleeping.
class EventLog final : public EventSink {
 public:
  using Match = std::function<bool(const SystemEvent&)>;

  void on_event(const SystemEvent& event) override {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
    }
    changed_.notify_all();
  }

  // Waits until `pred` holds for the events recorded so far.
  bool wait_for(const std::function<bool(const std::vector<SystemEvent>&)>& pred,
                Duration timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(events_); });
  }

  // Waits until at least `n` recorded events match.
  bool wait_count(const Match& match, std::size_t n, Duration timeout = kWait) {
    return wait_for(
        [&](const std::vector<SystemEvent>& events) { return Count(events, match) >= n; }, timeout);
  }

  std::size_t count(const Match& match) const {
    std::lock_guard lock(mutex_);
    return Count(events_, match);
  }

  std::vector<SystemEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  static std::size_t Count(const std::vector<SystemEvent>& events, const Match& match) {
    std::size_t n = 0;
    for (const SystemEvent& e : events) n += match(e) ? 1 : 0;
    return n;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SystemEvent> events_;
};

// Event matchers.
inline EventLog::Match DeadLetterTo(Address to, DeadLetterReason reason) {
  return [to, reason](const SystemEvent& e) {
    return e.kind == EventKind::dead_letter && e.dead_letter.to == to &&
           e.dead_letter.reason == reason;
  };
}
inline EventLog::Match AnyDeadLetter(DeadLetterReason reason) {
  return [reason](const SystemEvent& e) {
    return e.kind == EventKind::dead_letter && e.dead_letter.reason == reason;
  };
}
inline EventLog::Match AnyDeadLetter() {
  return [](const SystemEvent& e) { return e.kind == EventKind::dead_letter; };
}
inline EventLog::Match ExitOf(Address actor) {
  return [actor](const SystemEvent& e) {
    return e.kind == EventKind::actor_exited && e.actor == actor;
  };
}

// A one-shot gate a handler can block on until the test opens it. The wait
// gives up after `timeout` so a failing test cannot hang a worker for ever.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  bool wait(Duration timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// A counter handlers bump and tests wait on.
class Counter {
 public:
  void add(int n = 1) {
    {
      std::lock_guard lock(mutex_);
      value_ += n;
    }
    changed_.notify_all();
  }
  int value() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  bool wait_for_at_least(int n, Duration timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return value_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int value_ = 0;
};

// SpawnOptions with one field set (designated initializers that skip `name`
// trip -Wmissing-field-initializers).
inline SpawnOptions TrapExit() {
  SpawnOptions options;
  options.trap_exit = true;
  return options;
}
inline SpawnOptions LinkToSpawner() {
  SpawnOptions options;
  options.link = true;
  return options;
}
inline SpawnOptions Named(std::string name) {
  SpawnOptions options;
  options.name = std::move(name);
  return options;
}

// Monitors `target` from `me` and waits for its DownMessage.
inline Result<DownMessage> AwaitExit(ScopedActor& me, Address target) {
  return me.await_down(me.monitor(target), kWait);
}

}  // namespace airssys::rt::test
