// How long a supervisor waits before restarting a child.
#pragma once

#include <chrono>
#include <cstdint>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::supervisor {

using rt::Duration;

struct BackoffStrategy {
  enum class Kind { immediate, linear, exponential };

  Kind kind = Kind::exponential;
  Duration base = std::chrono::milliseconds(100);
  double factor = 1.5;                      // exponential only
  Duration max = std::chrono::seconds(30);  // cap for linear and exponential
  double jitter = 0.0;                      // 0..1: delay * (1 ± jitter), uniformly
  // A child that ran this long without failing starts again from attempt 0.
  Duration reset_after = std::chrono::seconds(60);

  static BackoffStrategy immediate() {
    BackoffStrategy b;
    b.kind = Kind::immediate;
    b.base = Duration::zero();
    return b;
  }
  static BackoffStrategy linear(Duration base, Duration max = std::chrono::seconds(30)) {
    BackoffStrategy b;
    b.kind = Kind::linear;
    b.base = base;
    b.max = max;
    return b;
  }
  static BackoffStrategy exponential(Duration base = std::chrono::milliseconds(100),
                                     double factor = 1.5, Duration max = std::chrono::seconds(30)) {
    BackoffStrategy b;
    b.kind = Kind::exponential;
    b.base = base;
    b.factor = factor;
    b.max = max;
    return b;
  }
  BackoffStrategy& with_jitter(double j) {
    jitter = j;
    return *this;
  }
  BackoffStrategy& with_reset_after(Duration d) {
    reset_after = d;
    return *this;
  }

  // The delay before restart number `attempt` (0 = first restart after a
  // stable run): immediate 0; linear base*(attempt+1); exponential
  // base*factor^attempt; both capped at max. `unit_random` in [0,1) applies
  // the jitter.
  Duration delay(std::uint32_t attempt, double unit_random = 0.5) const;

  // Rejects nonsense: negative durations, factor < 1, jitter outside [0,1].
  Result<void> validate() const;
};

const char* to_string(BackoffStrategy::Kind kind) noexcept;

}  // namespace airssys::supervisor
