// What a supervisor needs to know to start, stop and restart one child
// (OTP's child specification).
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/backoff_strategy.hpp"
#include "airssys/supervisor/restart_policy.hpp"
#include "airssys/supervisor/shutdown_policy.hpp"

namespace airssys::supervisor {

class SupervisionTree;
class SupervisionEventSink;

enum class ChildType { worker, supervisor };

const char* to_string(ChildType type) noexcept;

// Passed to a child factory each time a fresh instance is needed.
struct ChildStartInfo {
  rt::Address supervisor;     // the supervising actor
  std::string path;           // the child's path in the tree, e.g. "root/workers/echo"
  std::uint32_t attempt = 0;  // 0 for the first start, then restarts
  std::any args;              // simple_one_for_one: the start_child arguments
  std::shared_ptr<SupervisionTree> tree;
  std::shared_ptr<SupervisionEventSink> events;
};

// What a factory returns: a fresh actor, `ignore` (OTP: the child is not
// started and not restarted), or an error (the start failed).
struct StartResult {
  enum class Kind { start, ignore, error };
  Kind kind = Kind::error;
  std::unique_ptr<rt::Actor> actor;
  std::string error;

  static StartResult start(std::unique_ptr<rt::Actor> a) {
    StartResult r;
    r.kind = Kind::start;
    r.actor = std::move(a);
    return r;
  }
  static StartResult ignore() {
    StartResult r;
    r.kind = Kind::ignore;
    return r;
  }
  static StartResult failed(std::string why) {
    StartResult r;
    r.kind = Kind::error;
    r.error = std::move(why);
    return r;
  }
};

// Must return a new actor every time: a restart never reuses the object
// (or the wasm instance) that crashed.
using ChildFactory = std::function<StartResult(const ChildStartInfo&)>;

struct ChildSpec {
  std::string id;
  ChildFactory start;
  RestartPolicy restart = RestartPolicy::permanent;
  ShutdownPolicy shutdown = ShutdownPolicy::after(std::chrono::seconds(5));
  ChildType type = ChildType::worker;
  // OTP's significant child: its exit may shut its supervisor down, see
  // SupervisorConfig::auto_shutdown. Only for transient and temporary children.
  bool significant = false;
  // Time from start to ready; a child that is not ready by then failed to
  // start. Duration::max() waits for ever.
  rt::Duration startup_timeout = std::chrono::seconds(10);
  // Messages kept for the child while it restarts; more become dead letters.
  std::size_t stash_capacity = 1024;
  // Bound of the child's mailbox (rt::SpawnOptions::mailbox_capacity);
  // 0 = unbounded.
  std::size_t mailbox_capacity = 0;
  // Registered name; stays with the child's address across restarts.
  std::string name;
  // Overrides the supervisor's backoff for this child.
  std::optional<BackoffStrategy> backoff;

  static ChildSpec permanent(std::string id, ChildFactory start);
  static ChildSpec transient(std::string id, ChildFactory start);
  static ChildSpec temporary(std::string id, ChildFactory start);
  // A spec whose factory creates a fresh A(args...) each time.
  template <class A, class... Args>
  // NOLINTNEXTLINE(performance-unnecessary-value-param): moved into the spec
  static ChildSpec of(std::string id, Args... args) {
    return permanent(std::move(id), [args...](const ChildStartInfo&) {
      return StartResult::start(std::make_unique<A>(args...));
    });
  }

  ChildSpec& with_restart_policy(RestartPolicy p) {
    restart = p;
    return *this;
  }
  ChildSpec& with_shutdown(ShutdownPolicy s) {
    shutdown = s;
    return *this;
  }
  ChildSpec& with_shutdown_timeout(rt::Duration t) {
    shutdown = ShutdownPolicy::after(t);
    return *this;
  }
  ChildSpec& with_startup_timeout(rt::Duration t) {
    startup_timeout = t;
    return *this;
  }
  ChildSpec& with_backoff(BackoffStrategy b) {
    backoff = b;
    return *this;
  }
  ChildSpec& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
  ChildSpec& with_stash_capacity(std::size_t n) {
    stash_capacity = n;
    return *this;
  }
  ChildSpec& with_mailbox_capacity(std::size_t n) {
    mailbox_capacity = n;
    return *this;
  }
  ChildSpec& as_significant(bool s = true) {
    significant = s;
    return *this;
  }
  ChildSpec& as_supervisor() {
    type = ChildType::supervisor;
    return *this;
  }

  // Clear errors for specs that cannot work.
  Result<void> validate() const;
  // validate() but for the start function: what a config can be checked
  // for before anything exists to start.
  Result<void> validate_settings() const;
};

}  // namespace airssys::supervisor
