// The timers one instance has pending (send_after, start_timer): what the
// instance may still arm under its limits, the ids cancel_timer takes, and
// the runtime timers to cancel when the instance ends.
//
// A timer stops counting once its instant has passed (it fired, or fires
// now), or when its message reaches the instance (a timer to itself), or
// when cancelled. Pure bookkeeping: arming and cancelling the runtime's
// timers is the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/timer_id.hpp"

namespace airssys::wasm::detail {

// The message of a timer a component armed to itself: which instance armed
// it (a successor at the same address ignores it) and the guest's bytes.
struct GuestTimerFired {
  std::uint64_t instance = 0;
  std::uint64_t handle = 0;
  rt::Bytes bytes;
};

class GuestTimers {
 public:
  using TimePoint = rt::Clock::time_point;

  GuestTimers(std::uint32_t max_count, std::size_t max_bytes)
      : max_count_(max_count), max_bytes_(max_bytes) {}

  // A handle (> 0) for a timer of `bytes` due at `at`, or 0 when it would
  // take the pending timers past max_count or max_bytes (timers whose
  // instant is not after `now` no longer count). The runtime's id follows
  // with armed().
  std::uint64_t add(TimePoint at, std::size_t bytes, TimePoint now) {
    forget_due(now);
    if (entries_.size() >= max_count_ || bytes > max_bytes_ - bytes_) return 0;
    const std::uint64_t handle = next_handle_++;
    entries_.emplace(handle, Entry{0, at, bytes});
    by_time_.emplace(at, handle);
    bytes_ += bytes;
    return handle;
  }
  void armed(std::uint64_t handle, rt::TimerId id) {
    if (auto it = entries_.find(handle); it != entries_.end()) it->second.id = id;
  }
  // The runtime timer to cancel for `handle`, if it is still pending.
  std::optional<rt::TimerId> cancel(std::uint64_t handle) {
    auto it = entries_.find(handle);
    if (it == entries_.end()) return std::nullopt;
    const rt::TimerId id = it->second.id;
    erase(it);
    return id;
  }
  // Its message reached the instance.
  void fired(std::uint64_t handle) {
    if (auto it = entries_.find(handle); it != entries_.end()) erase(it);
  }
  // Every pending timer's runtime id (the instance ends); none remain.
  std::vector<rt::TimerId> take_all() {
    std::vector<rt::TimerId> ids;
    ids.reserve(entries_.size());
    for (const auto& [handle, e] : entries_) ids.push_back(e.id);
    entries_.clear();
    by_time_.clear();
    bytes_ = 0;
    return ids;
  }

  std::size_t count() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    rt::TimerId id;
    TimePoint at;
    std::size_t bytes;
  };
  using Entries = std::unordered_map<std::uint64_t, Entry>;

  void erase(Entries::iterator it) {
    by_time_.erase({it->second.at, it->first});
    bytes_ -= it->second.bytes;
    entries_.erase(it);
  }
  void forget_due(TimePoint now) {
    while (!by_time_.empty() && by_time_.begin()->first <= now) {
      erase(entries_.find(by_time_.begin()->second));
    }
  }

  std::uint32_t max_count_;
  std::size_t max_bytes_;
  Entries entries_;
  std::set<std::pair<TimePoint, std::uint64_t>> by_time_;  // the same timers, by instant
  std::size_t bytes_ = 0;
  std::uint64_t next_handle_ = 1;
};

}  // namespace airssys::wasm::detail
