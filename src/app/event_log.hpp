// Every lifecycle change and decision as one JSON object per line, and the
// counters /metrics reports (restarts, restart latency, dead letters).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "airssys/rt/events.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "line_writer.hpp"

namespace airssys::app {

class EventLog final : public supervisor::SupervisionEventSink, public rt::EventSink {
 public:
  // `out` may be null (no JSON lines, counters only); it is not closed.
  // Lines are written by a thread of their own (LineWriter, on a dup of
  // out's descriptor), so an event never waits for a slow reader. When a
  // write fails (a closed pipe, a full disk) no more lines are written and
  // `on_closed` runs, once, on the writing thread.
  explicit EventLog(std::FILE* out, std::function<void()> on_closed = {});
  // Writes what is queued, for at most 2 s.
  ~EventLog() override = default;
  // Waits until the lines so far are written (true), or the output failed
  // or `timeout` passed: before anything else writes to the same output.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(2));

  void on_event(const supervisor::SupervisionEvent& e) override;
  void on_event(const rt::SystemEvent& e) override;
  void health_changed(const std::string& component, const std::string& before,
                      const std::string& now, const std::string& detail);
  // A change in the cluster ("node_up", "node_down", "joined" ...) about `node`.
  void cluster_event(const std::string& event, const std::string& node, const std::string& detail);
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

  std::unique_ptr<LineWriter> writer_;  // null without an output
  mutable std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> exited_at_;
  Snapshot counters_;
};

}  // namespace airssys::app
