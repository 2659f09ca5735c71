#include "event_log.hpp"

#include <fcntl.h>

#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace airssys::app {
namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// The event names of docs/config.md.
const char* name_of(const supervisor::SupervisionEvent& e) {
  using K = supervisor::SupervisionEventKind;
  switch (e.kind) {
    case K::supervisor_started: return "supervisor_started";
    case K::supervisor_stopped: return "supervisor_stopped";
    case K::child_starting: return "starting";
    case K::child_started: return "started";
    case K::child_exited: return e.reason.is_abnormal() ? "failed" : "exited";
    case K::restart_scheduled: return "restart_scheduled";
    case K::child_restarted: return "restarted";
    case K::restart_denied: return "restart_denied";
    case K::start_failed: return "start_failed";
    case K::restart_limit_exceeded: return "limit_exceeded";
    case K::escalated: return "escalated";
    case K::child_stopping: return "stopping";
    case K::child_stopped: return "stopped";
    case K::state_changed: return "state_changed";
  }
  return "unknown";
}

double ms(rt::Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

EventLog::EventLog(std::FILE* out, std::function<void()> on_closed) {
  if (out == nullptr) return;
  std::fflush(out);
  // A descriptor of the writer's own: whoever opened `out` may close it
  // while a line is still being written.
  const int fd = ::fcntl(::fileno(out), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    if (on_closed) on_closed();
    return;
  }
  LineWriter::Options options;
  options.max_queued_bytes = std::size_t{16} << 20;
  options.what = "event lines";
  options.on_closed = std::move(on_closed);
  options.close_fd = true;
  writer_ = std::make_unique<LineWriter>(fd, std::move(options));
}

bool EventLog::flush(std::chrono::milliseconds timeout) {
  return writer_ == nullptr || writer_->flush(timeout);
}

void EventLog::write(const std::string& line) {
  if (writer_ != nullptr) (void)writer_->write(line);
}

void EventLog::on_event(const supervisor::SupervisionEvent& e) {
  using K = supervisor::SupervisionEventKind;
  if (e.kind == K::state_changed) return;  // every change has its own event
  nlohmann::json j;
  j["ts"] = timestamp();
  j["event"] = name_of(e);
  j["supervisor"] = e.supervisor;
  if (!e.child.empty()) j["child"] = e.child;
  if (!e.address.is_none()) j["address"] = e.address.to_string();
  switch (e.kind) {
    case K::child_exited:
    case K::start_failed:
    case K::restart_limit_exceeded:
    case K::escalated:
    case K::supervisor_stopped:
    case K::restart_denied:
    case K::child_stopped: j["reason"] = e.reason.to_string(); break;
    case K::restart_scheduled:
      j["attempt"] = e.attempt;
      j["delay_ms"] = ms(e.delay);
      j["reason"] = e.reason.to_string();
      break;
    case K::child_starting: j["startup_timeout_ms"] = ms(e.delay); break;
    case K::child_stopping: j["shutdown_timeout_ms"] = ms(e.delay); break;
    default: break;
  }
  if (!e.detail.empty()) j["detail"] = e.detail;

  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    const std::string key = e.supervisor + "/" + e.child;
    if (e.kind == K::child_exited) {
      exited_at_[key] = now;
    } else if (e.kind == K::child_restarted) {
      ++counters_.restarts[e.child];
      if (auto it = exited_at_.find(key); it != exited_at_.end()) {
        const double s = std::chrono::duration<double>(now - it->second).count();
        exited_at_.erase(it);
        auto& h = counters_.restart_latency;
        ++h.count;
        h.sum += s;
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
          if (s <= kBuckets[i]) ++h.buckets[i];
        }
        j["restart_latency_ms"] = s * 1000.0;
      }
    } else if (e.kind == K::escalated) {
      ++counters_.escalations;
    }
    write(json_text(j));
  }
}

void EventLog::on_event(const rt::SystemEvent& e) {
  if (e.kind != rt::EventKind::dead_letter) return;  // lifecycle comes from supervisors
  nlohmann::json j;
  j["ts"] = timestamp();
  j["event"] = "dead_letter";
  j["to"] = e.dead_letter.to.to_string();
  if (!e.dead_letter.from.is_none()) j["from"] = e.dead_letter.from.to_string();
  j["reason"] = rt::to_string(e.dead_letter.reason);
  j["kind"] = rt::to_string(e.dead_letter.kind);
  std::lock_guard lock(mutex_);
  ++counters_.dead_letters;
  write(json_text(j));
}

void EventLog::health_changed(const std::string& component, const std::string& before,
                              const std::string& now, const std::string& detail) {
  nlohmann::json j;
  j["ts"] = timestamp();
  j["event"] = "health_changed";
  j["child"] = component;
  j["from"] = before;
  j["health"] = now;
  if (!detail.empty()) j["detail"] = detail;
  std::lock_guard lock(mutex_);
  write(json_text(j));
}

void EventLog::cluster_event(const std::string& event, const std::string& node,
                             const std::string& detail) {
  nlohmann::json j;
  j["ts"] = timestamp();
  j["event"] = event;
  j["node"] = node;
  if (!detail.empty()) j["detail"] = detail;
  std::lock_guard lock(mutex_);
  write(json_text(j));
}

void EventLog::note(const std::string& event, const std::string& detail) {
  nlohmann::json j;
  j["ts"] = timestamp();
  j["event"] = event;
  if (!detail.empty()) j["detail"] = detail;
  std::lock_guard lock(mutex_);
  write(json_text(j));
}

EventLog::Snapshot EventLog::snapshot() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace airssys::app
