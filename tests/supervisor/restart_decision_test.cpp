// The decision itself, without actors: matrix, intensity, backoff attempts.
#include "airssys/supervisor/restart_decision.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace airssys::supervisor {
namespace {

using namespace std::chrono_literals;
using Kind = RestartDecision::Kind;

TEST(RestartDecision, PolicyThenIntensityThenBackoff) {
  RestartIntensity intensity(2, 10s);
  const auto backoff = BackoffStrategy::linear(100ms, 1s);
  std::uint32_t attempt = 0;
  const auto t0 = rt::Clock::time_point{} + 1h;
  const auto error = rt::ExitReason::error("x");

  // Denied by policy: intensity and attempt untouched.
  auto d = decide_restart(RestartPolicy::transient, rt::ExitReason::normal(), intensity, backoff,
                          attempt, false, t0, 0.5);
  EXPECT_EQ(d.kind, Kind::deny);
  EXPECT_EQ(attempt, 0u);
  EXPECT_EQ(intensity.recent(t0), 0u);

  d = decide_restart(RestartPolicy::transient, error, intensity, backoff, attempt, false, t0, 0.5);
  EXPECT_EQ(d.kind, Kind::restart);
  EXPECT_EQ(d.delay, 100ms);
  EXPECT_EQ(d.attempt, 1u);
  d = decide_restart(RestartPolicy::permanent, error, intensity, backoff, attempt, false, t0 + 1s,
                     0.5);
  EXPECT_EQ(d.delay, 200ms);
  EXPECT_EQ(d.attempt, 2u);
  // Third within 10 s: limit.
  d = decide_restart(RestartPolicy::permanent, error, intensity, backoff, attempt, false, t0 + 2s,
                     0.5);
  EXPECT_EQ(d.kind, Kind::limit_exceeded);
  // Later, and after a stable run: allowed again, backoff from the start.
  d = decide_restart(RestartPolicy::permanent, error, intensity, backoff, attempt, true, t0 + 11s,
                     0.5);
  EXPECT_EQ(d.kind, Kind::restart);
  EXPECT_EQ(d.delay, 100ms);
  EXPECT_EQ(d.attempt, 1u);
  EXPECT_EQ(decide_restart(RestartPolicy::temporary, error, intensity, backoff, attempt, false,
                           t0 + 1h, 0.5)
                .kind,
            Kind::deny);
}

TEST(RestartDecision, JitterStaysWithinItsBand) {
  const auto backoff = BackoffStrategy::exponential(1s, 2.0, 1min).with_jitter(0.1);
  EXPECT_EQ(backoff.delay(0, 0.0), 900ms);
  EXPECT_EQ(backoff.delay(0, 0.5), 1s);
  EXPECT_LT(backoff.delay(0, 0.999999), 1100ms);
  EXPECT_EQ(backoff.delay(3, 0.5), 8s);
  EXPECT_EQ(backoff.delay(20, 0.5), 1min);  // capped
}

}  // namespace
}  // namespace airssys::supervisor
