// The actor system's machinery behind the public ActorSystem, ActorContext
// and ScopedActor: spawning, delivery, the worker turn, exits, links and
// monitors. The whole life of an actor is in system_core.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "actor_cell.hpp"
#include "actor_table.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/name_directory.hpp"
#include "name_registry.hpp"
#include "scheduler.hpp"
#include "timer_service.hpp"

namespace airssys::rt::detail {

// What to tie a new actor to when an actor spawns it (spawn_link,
// spawn_monitor): set up before the new actor runs, so nothing is missed.
struct SpawnLinks {
  ActorCell* parent = nullptr;  // the spawning actor, on its own worker
  bool link = false;
  MonitorRef monitor = 0;  // 0: no monitor
};

class SystemCore {
 public:
  SystemCore(ActorSystem& owner, ActorSystemConfig config);
  ~SystemCore();

  Result<Address> spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options,
                        SpawnLinks links = {}, bool forward_all = false);

  // Puts `msg` in `to`'s mailbox. When `to` is not alive the message is
  // bounced (links and monitors get noproc, content becomes a dead letter)
  // and no_such_actor is returned.
  Result<void> deliver(Address to, MessagePtr msg);
  Result<void> deliver_by_name(std::string_view name, MessagePtr msg);
  // Delivers timers that fell due together.
  void deliver_due(std::vector<TimerService::Pending>& due);
  // Asks an actor to end at its next message boundary.
  Result<void> signal(Address target, PendingSignal signal);
  // Before a respawn is delivered to a parked address: a kill still
  // pending was aimed at the incarnation that ended; one sent from now on
  // is for the next.
  void expect_respawn(Address target);
  Result<void> exit(Address from, Address target, ExitReason reason);

  // Names: the local registry first, then the directory (a cluster's), when
  // one is set.
  // `local`: not claimed in the directory (SpawnOptions::local_name).
  Result<void> register_name(std::string name, Address a, bool local = false);
  Result<void> unregister_name(std::string_view name);
  std::optional<Address> whereis(std::string_view name) const;
  // Set once, before anything registers a name.
  void set_name_directory(std::shared_ptr<NameDirectory> directory);
  void dead_letter(Address to, const Message& msg, DeadLetterReason reason);
  // A message an actor held and gives up: its request is failed, then it is
  // a dead letter.
  void give_up_message(Address holder, MessagePtr msg, DeadLetterReason reason);
  MonitorRef next_monitor_ref() { return monitor_refs_.fetch_add(1, std::memory_order_relaxed); }

  ShutdownReport shutdown();

  ActorSystem& owner() { return owner_; }
  Clock& clock() { return *clock_; }
  const ActorSystemConfig& config() const { return config_; }
  ActorTable& table() { return table_; }
  TimerService& timers() { return timers_; }
  Scheduler& scheduler() { return scheduler_; }
  SystemStats stats() const;
  bool abandoned() const { return abandoned_; }

 private:
  friend class airssys::rt::ActorContext;

  bool run_turn(ActorCell* cell, std::uint64_t& handled);
  // deliver() up to scheduling: returns the cell, still pinned, when the
  // push made it runnable; otherwise nullptr, with `result` set on failure.
  ActorCell* push_to_mailbox(Address to, MessagePtr msg, Result<void>& result);
  enum class ParkedOutcome { idle, finished, respawned };
  // A parked address: stashes messages until it is respawned or released.
  ParkedOutcome run_parked(ActorCell* cell);
  void stash(ActorCell* cell, MessagePtr msg);
  // Drops every name of `a` now (a parked address being given up).
  void forget_names(Address a);
  void send_release(Address parked, ExitReason reason);
  // Answers `msg` with an error reply if it is a request.
  void fail_request(Address self, const Message& msg, ErrorCode code, const std::string& why);
  // Link, unlink, monitor and demonitor bookkeeping.
  void handle_control(ActorCell* cell, const Message& msg);
  // Handles one message; returns the reason to exit, if the actor must.
  std::optional<ExitReason> dispatch(ActorContext& ctx, ActorCell* cell, MessagePtr& msg);
  std::optional<ExitReason> handle_exit_signal(ActorContext& ctx, ActorCell* cell, MessagePtr& msg);
  std::optional<ExitReason> invoke(ActorContext& ctx, ActorCell* cell, MessagePtr& msg);
  void complete_request(ActorContext& ctx, ActorCell* cell, std::uint64_t correlation,
                        Message* reply, const Error* error);
  // Ends the running incarnation (stop hook, in-flight message, pending
  // requests). Returns true when the address was parked (keep_address) and
  // the cell lives on; false when the actor is gone (finish()).
  bool end_incarnation(ActorCell* cell, const ExitReason& reason, MessagePtr in_flight,
                       bool run_stop_hook);
  // Frees the address for good: names, queued messages, links, monitors, slot.
  void finish(ActorCell* cell, const ExitReason& reason);
  void drain_queued(ActorCell* cell, MessagePtr queued, const ExitReason& reason);
  void bounce(Address to, MessagePtr msg);
  void emit(SystemEvent event);

  ActorSystem& owner_;
  ActorSystemConfig config_;
  std::shared_ptr<Clock> clock_;
  ActorTable table_;
  NameRegistry names_;
  std::shared_ptr<NameDirectory> directory_owner_;
  std::atomic<NameDirectory*> directory_{nullptr};
  TimerService timers_;
  Scheduler scheduler_;

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> live_{0};
  std::atomic<std::uint64_t> spawned_{0};
  std::atomic<std::uint64_t> exited_{0};
  std::atomic<std::uint64_t> dead_letters_{0};
  std::atomic<MonitorRef> monitor_refs_{1};

  std::mutex shutdown_mutex_;
  std::condition_variable all_exited_;
  std::optional<ShutdownReport> shutdown_report_;
  bool abandoned_ = false;
};

template <class Vec, class Pred>
bool erase_first(Vec& v, Pred pred) {
  auto it = std::find_if(v.begin(), v.end(), pred);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

// "error: <what>" for exceptions escaping a handler.
ExitReason exit_reason_from_current_exception();

}  // namespace airssys::rt::detail
