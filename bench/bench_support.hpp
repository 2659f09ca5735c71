// What the benchmark files share: resident memory, percentiles, and the
// smoke mode `make test` runs (AIRSSYS_BENCH_SMOKE=1: every benchmark at a
// tiny size, so they keep building and running; the numbers mean nothing).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace airssys::bench {

inline bool smoke() {
  static const bool on = [] {
    const char* v = std::getenv("AIRSSYS_BENCH_SMOKE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

// `n` items, or a few in smoke mode.
template <class T>
T sized(T n, T smoke_n = 50) {
  return smoke() ? std::min(n, smoke_n) : n;
}

// `d` of waiting, or a short slice of it in smoke mode.
inline std::chrono::milliseconds timed(std::chrono::milliseconds d) {
  return smoke() ? std::min(d, std::chrono::milliseconds(100)) : d;
}

inline long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

// p50 and p99 of `us` (microseconds) as counters.
inline void percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

}  // namespace airssys::bench
