// Restart intensity as in OTP's supervisor: more than `max_restarts`
// restarts within `window` and the supervisor gives up.
//
// Kept as a ring of the last max_restarts timestamps, so the check is O(1)
// however many restarts happened: the oldest of the last max_restarts
// restarts is the only one that decides.
#pragma once

#include <cstdint>
#include <memory>

#include "airssys/rt/clock.hpp"

namespace airssys::supervisor {

class RestartIntensity {
 public:
  RestartIntensity(std::uint32_t max_restarts, rt::Duration window);

  // Records a restart at `now`. False when it would be restart number
  // max_restarts + 1 within the window: the limit is exceeded (nothing is
  // recorded then).
  bool try_add(rt::Clock::time_point now);
  // Restarts recorded within the window ending at `now`.
  std::uint32_t recent(rt::Clock::time_point now) const;

  std::uint32_t max_restarts() const { return max_; }
  rt::Duration window() const { return window_; }

 private:
  std::uint32_t max_;
  rt::Duration window_;
  std::uint32_t count_ = 0;  // entries in use (<= max_)
  std::uint32_t next_ = 0;   // ring position of the oldest entry when full
  std::unique_ptr<rt::Clock::time_point[]> ring_;
};

}  // namespace airssys::supervisor
