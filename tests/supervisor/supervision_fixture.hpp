// Test children and a waitable event sink for supervisor tests.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervised.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "airssys/supervisor/supervisor.hpp"

namespace airssys::supervisor::testing {

using namespace std::chrono_literals;

struct Started {
  std::string id;
  int instance;
};
struct Stopped {
  std::string id;
  int instance;
  rt::ExitReason reason;
};
struct Crash {};
struct ExitWith {
  rt::ExitReason reason;
};
struct Count {};

inline std::atomic<int> next_instance{1};

// Reports Started / Stopped to an observer; crashes, exits or counts on request.
class Worker : public rt::Actor {
 public:
  Worker(std::string id, rt::Address observer, bool ignore_shutdown = false)
      : id_(std::move(id)),
        observer_(observer),
        ignore_shutdown_(ignore_shutdown),
        instance_(next_instance++) {}
  void on_start(rt::ActorContext& ctx) override {
    if (ignore_shutdown_) ctx.set_trap_exit(true);
    (void)ctx.send(observer_, Started{id_, instance_});
  }
  bool on_message(rt::ActorContext& ctx, rt::Message& m) override {
    if (m.is<Crash>()) throw std::runtime_error("crash requested");
    if (m.is<ExitWith>()) {
      ctx.stop(m.as<ExitWith>().reason);
    } else if (m.is<Count>()) {
      (void)ctx.reply(++count_);
    } else if (m.is<rt::ExitMessage>()) {
      // Traps exits and ignores them, shutdown included.
    } else {
      return false;
    }
    return true;
  }
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override {
    (void)ctx.send(observer_, Stopped{id_, instance_, reason});
  }
  int instance() const { return instance_; }

 private:
  std::string id_;
  rt::Address observer_;
  bool ignore_shutdown_;
  int instance_;
  int count_ = 0;
};

// Never reports ready.
class NeverReady final : public Worker, public Supervised {
 public:
  using Worker::Worker;
  bool reports_readiness() const override { return true; }
};

inline ChildSpec worker(const std::string& id, rt::Address observer,
                        RestartPolicy restart = RestartPolicy::permanent) {
  ChildSpec spec = ChildSpec::permanent(id, [id, observer](const ChildStartInfo&) {
    return StartResult::start(std::make_unique<Worker>(id, observer));
  });
  spec.restart = restart;
  return spec;
}

class EventLog final : public SupervisionEventSink {
 public:
  void on_event(const SupervisionEvent& e) override {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      ++counts_[static_cast<std::size_t>(e.kind)];
    }
    changed_.notify_all();
  }
  // Waits until `n` events of `kind` (about any child) were reported.
  bool await_count(SupervisionEventKind kind, std::size_t n,
                   std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return counts_[static_cast<std::size_t>(kind)] >= n; });
  }
  std::size_t count(SupervisionEventKind kind) const {
    std::lock_guard lock(mutex_);
    return counts_[static_cast<std::size_t>(kind)];
  }
  std::size_t count(SupervisionEventKind kind, const std::string& child) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) n += e.kind == kind && e.child == child;
    return n;
  }
  // Where the first event of `kind` about `child` is in the order of all
  // events; -1 when there is none.
  int position(SupervisionEventKind kind, const std::string& child) const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (events_[i].kind == kind && events_[i].child == child) return static_cast<int>(i);
    }
    return -1;
  }
  // Every event about `child`, in order.
  std::vector<SupervisionEvent> about(const std::string& child) const {
    std::lock_guard lock(mutex_);
    std::vector<SupervisionEvent> out;
    for (const auto& e : events_) {
      if (e.child == child) out.push_back(e);
    }
    return out;
  }
  // Waits for the n-th (1-based) event of `kind` about `child`; returns it.
  std::optional<SupervisionEvent> await(SupervisionEventKind kind, const std::string& child,
                                        int nth = 1, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    std::optional<SupervisionEvent> found;
    changed_.wait_for(lock, timeout, [&] {
      int seen = 0;
      for (const auto& e : events_) {
        if (e.kind == kind && e.child == child && ++seen == nth) {
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::vector<SupervisionEventKind> kinds_for(const std::string& child) const {
    std::lock_guard lock(mutex_);
    std::vector<SupervisionEventKind> out;
    for (const auto& e : events_) {
      if (e.child == child && e.kind != SupervisionEventKind::state_changed) out.push_back(e.kind);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SupervisionEvent> events_;
  std::array<std::size_t, 32> counts_{};
};

inline SupervisorSpec spec_of(std::string name, SupervisorConfig config,
                              std::vector<ChildSpec> children,
                              std::shared_ptr<EventLog> events = nullptr) {
  SupervisorSpec spec;
  spec.name = std::move(name);
  spec.config = config;
  spec.children = std::move(children);
  spec.events = std::move(events);
  return spec;
}

}  // namespace airssys::supervisor::testing
