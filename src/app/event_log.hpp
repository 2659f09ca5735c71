// Every lifecycle change and decision as one JSON object per line, and the
// counters /metrics reports (restarts, restart latency, dead letters).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "airssys/rt/events.hpp"
#include "airssys/supervisor/supervision_event.hpp"

namespace airssys::app {

class EventLog final : public supervisor::SupervisionEventSink, public rt::EventSink {
 public:
  // `out` may be null (no JSON lines, counters only); it is not closed.
  // When a write to it fails (a closed pipe, a full disk) no more lines
  // are written and `on_closed` runs, once, on the writing thread.
  explicit EventLog(std::FILE* out, std::function<void()> on_closed = {})
      : out_(out), on_closed_(std::move(on_closed)) {}

  void on_event(const supervisor::SupervisionEvent& e) override;
  void on_event(const rt::SystemEvent& e) override;
  void health_changed(const std::string& component, const std::string& before,
                      const std::string& now, const std::string& detail);
  // A line of the program's own ("system_started", "system_stopped" ...).
  void note(const std::string& event, const std::string& detail);

  // Restart latency buckets, in seconds (Prometheus histogram).
  static constexpr std::array<double, 10> kBuckets = {1e-5, 5e-5, 1e-4, 5e-4, 1e-3,
                                                      5e-3, 1e-2, 0.1,  1.0,  10.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Snapshot {
    std::map<std::string, std::uint64_t> restarts;  // by child id
    Histogram restart_latency;
    std::uint64_t dead_letters = 0;
    std::uint64_t escalations = 0;
  };
  Snapshot snapshot() const;

 private:
  void write(const std::string& line);

  std::FILE* out_;
  std::function<void()> on_closed_;
  mutable std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> exited_at_;
  Snapshot counters_;
};

}  // namespace airssys::app
