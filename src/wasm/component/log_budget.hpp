// How many log lines one instance may write: a token bucket that refills at
// `rate` lines a second up to `burst`. A line over the budget is dropped and
// counted; the count is reported when a line is admitted again.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

namespace airssys::wasm::detail {

class LogBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // rate 0: unlimited.
  LogBudget(std::uint32_t rate, std::uint32_t burst, Clock::time_point now)
      : rate_(rate), burst_(std::max<std::uint32_t>(burst, 1)), tokens_(burst_), last_(now) {}

  // Whether a line may be written at `now`; one that may not is counted.
  bool admit(Clock::time_point now) {
    if (rate_ == 0) return true;
    if (now > last_) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min<double>(burst_, tokens_ + elapsed * rate_);
      last_ = now;
    }
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    ++dropped_;
    return false;
  }

  // Lines dropped since the last call.
  std::uint64_t take_dropped() { return std::exchange(dropped_, 0); }

 private:
  std::uint32_t rate_;
  std::uint32_t burst_;
  double tokens_;
  Clock::time_point last_;
  std::uint64_t dropped_ = 0;
};

}  // namespace airssys::wasm::detail
