#include "airssys/supervisor/restart_intensity.hpp"

namespace airssys::supervisor {

RestartIntensity::RestartIntensity(std::uint32_t max_restarts, rt::Duration window)
    : max_(max_restarts),
      window_(window),
      ring_(max_restarts > 0 ? new rt::Clock::time_point[max_restarts] : nullptr) {}

bool RestartIntensity::try_add(rt::Clock::time_point now) {
  if (max_ == 0) return false;
  if (count_ < max_) {
    ring_[(next_ + count_) % max_] = now;
    ++count_;
    return true;
  }
  // Full: the oldest of the last max_ restarts decides.
  if (now - ring_[next_] <= window_) return false;
  ring_[next_] = now;
  next_ = (next_ + 1) % max_;
  return true;
}

std::uint32_t RestartIntensity::recent(rt::Clock::time_point now) const {
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < count_; ++i) {
    if (now - ring_[(next_ + i) % max_] <= window_) ++n;
  }
  return n;
}

}  // namespace airssys::supervisor
