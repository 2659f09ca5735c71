// The supervisor actor: OTP's supervisor.erl as an rt actor. Restart logic
// is in supervisor_actor.cpp, the admin protocol in supervisor_admin.cpp.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "airssys/supervisor/restart_decision.hpp"
#include "airssys/supervisor/restart_intensity.hpp"
#include "airssys/supervisor/restart_plan.hpp"
#include "airssys/supervisor/supervised.hpp"
#include "airssys/supervisor/supervision_event.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/supervisor/supervisor.hpp"

namespace airssys::supervisor::detail {

// Sent by a root supervisor to start_supervisor's caller when its start failed.
struct InitFailed {
  rt::ExitReason reason;
};

// Wraps every child so its supervisor learns when it is ready.
class SupervisedChild final : public rt::Actor {
 public:
  SupervisedChild(std::unique_ptr<rt::Actor> inner, rt::Address supervisor);
  void on_start(rt::ActorContext& ctx) override;
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override {
    return inner_->on_message(ctx, msg);
  }
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override {
    inner_->on_stop(ctx, reason);
  }

 private:
  std::unique_ptr<rt::Actor> inner_;
  rt::Address supervisor_;
  bool reports_readiness_;
};

class SupervisorActor final : public rt::Actor, public Supervised {
 public:
  // `report_to`: who gets ChildReady once the initial children are up (the
  // parent supervisor, or start_supervisor's caller). `parent`: whose exit
  // signal stops this supervisor (none for a root).
  SupervisorActor(SupervisorSpec spec, std::string path, std::string parent_path,
                  rt::Address report_to, rt::Address parent);

  bool reports_readiness() const override { return true; }
  void on_start(rt::ActorContext& ctx) override;
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override;
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override;

 private:
  using ReplyToken = rt::ActorContext::ReplyToken;

  // Where one child is in its life; exactly one at a time.
  enum class Phase : std::uint8_t {
    absent,       // no instance and no parked address (never started, ended, let go)
    starting,     // an instance was started; its ChildReady is awaited (startup timer)
    running,      // ready
    stopping,     // asked to exit; its exit is awaited (shutdown timer)
    parked,       // exited; its address waits for a respawn or a release
    backing_off,  // exited; its address is parked and its restart timer runs
  };

  // What a failed start leads to.
  enum class OnStartFailure {
    fail_supervisor,   // an initial child: the supervisor's start fails
    restart,           // a restart: another failure of the child (OTP's try_again_restart)
    reply_and_remove,  // start_child: the caller gets the error, the child is forgotten
    reply_and_keep,    // restart_child: the caller gets the error, the spec stays
  };

  struct Child {
    std::uint64_t key = 0;
    std::shared_ptr<const ChildSpec> spec;
    std::string id;
    std::string path;
    std::any args;
    rt::Address address;  // stable across restarts; none when never started
    SupervisionState state = SupervisionState::initializing;
    Phase phase = Phase::absent;
    std::uint32_t attempt = 0;  // backoff attempt
    std::uint32_t restarts = 0;
    bool ever_ready = false;
    rt::Clock::time_point started_at{};
    rt::ExitReason last_exit;
    std::string starting_detail;  // ChildStarting of the start in progress
    OnStartFailure on_start_failure = OnStartFailure::restart;
    std::optional<rt::ExitReason> killed_for;  // why we killed a starting instance
    bool stop_final = false;                   // stopping: release the address afterwards
    SupervisionState after_stop = SupervisionState::stopped;
    // Group strategies: an exit that arrived while a plan ran, decided when it ends.
    std::optional<rt::ExitReason> pending_exit;
    rt::TimerId timer = 0;  // the one timer of this child: backoff, startup or shutdown
    std::uint64_t timer_serial = 0;
    std::vector<ReplyToken> start_replies;  // answered when it is ready or failed
    std::vector<ReplyToken> stop_replies;   // answered when it stopped

    bool alive() const {
      return phase == Phase::starting || phase == Phase::running || phase == Phase::stopping;
    }
    bool waits_for_restart() const { return phase == Phase::parked || phase == Phase::backing_off; }
  };

  // One step of a group plan (initial start, a one_for_all / rest_for_one
  // restart, a shutdown). Each ends when its child settles.
  struct StartStep {
    std::uint64_t child;
    OnStartFailure on_failure;
  };
  struct StopStep {
    std::uint64_t child;
    bool final;  // release the address (else it stays parked for a start step)
    SupervisionState after;
  };
  struct StopAllStep {  // dynamic children stop all at once (OTP)
    SupervisionState after;
  };
  struct BackoffStep {  // a group restart waits out the failed child's backoff
    std::uint64_t child;
    rt::Duration delay;
    std::uint32_t attempt;
    rt::ExitReason reason;
  };
  struct ThenStep {
    std::function<void(rt::ActorContext&)> fn;
  };
  using Step = std::variant<StartStep, StopStep, StopAllStep, BackoffStep, ThenStep>;

  // A child's timer carries the serial it was armed with: one re-armed or
  // disarmed since is ignored when it fires.
  struct ChildTimer {
    std::uint64_t child;
    std::uint64_t serial;
  };

  // --- decisions ---------------------------------------------------------
  // Takes the RestartDecision for this exit and carries it out at once.
  void decide_and_act(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason,
                      RestartPolicy policy, bool after_failed_start = false);
  void deny_restart(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void restart(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason,
               const RestartDecision& decision, bool after_failed_start);
  void give_up(rt::ActorContext& ctx, const rt::ExitReason& reason, bool escalate);
  void check_auto_shutdown(rt::ActorContext& ctx, const Child& child);
  bool is_group() const;

  // --- one child -------------------------------------------------------------
  void start_child(rt::ActorContext& ctx, Child& child, OnStartFailure on_failure);
  void start_failed(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void stop_child(rt::ActorContext& ctx, Child& child, bool final, SupervisionState after);
  void finish_stop(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void let_go(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void arm(rt::ActorContext& ctx, Child& child, rt::Duration delay);
  void disarm(rt::ActorContext& ctx, Child& child);
  void set_phase(Child& child, Phase phase);

  // --- messages ------------------------------------------------------------
  void on_exit(rt::ActorContext& ctx, const rt::ExitMessage& exit);
  void on_ready(rt::ActorContext& ctx, rt::Address from);
  void on_timer(rt::ActorContext& ctx, const ChildTimer& timer);

  // --- the group plan: one step at a time ------------------------------------
  bool plan_busy() const { return step_active_ || !plan_.empty(); }
  void run_plan(rt::ActorContext& ctx);
  void begin_step(rt::ActorContext& ctx);
  void step_done();
  void abort_plan();
  // Whether the active step is `T` about this child.
  template <class T>
  bool active_step_is(std::uint64_t key) const;
  // Whether a step not yet begun stops or starts this child anyway.
  bool covered_by_plan(std::uint64_t key) const;
  // After a plan: decides the exits that waited for it, then admin changes.
  bool drain_one(rt::ActorContext& ctx);

  // --- admin requests (supervisor_admin.cpp) ------------------------------------
  static bool is_admin(const rt::Message& msg);
  static bool is_query(const rt::Message& msg);
  void handle_admin(rt::ActorContext& ctx, rt::Message& msg, const ReplyToken& to);
  void answer_started(rt::ActorContext& ctx, Child& child);
  void answer_start_failed(rt::ActorContext& ctx, Child& child, const std::string& why);
  void answer_stopped(rt::ActorContext& ctx, Child& child);

  // --- bookkeeping -------------------------------------------------------------------
  Child* find(std::uint64_t key);
  Child* find(rt::Address address);
  Child* find(const std::string& id);
  Child& add_child(std::shared_ptr<const ChildSpec> spec, std::string id, std::any args);
  void remove_child(std::uint64_t key);
  void set_state(rt::ActorContext& ctx, Child& child, SupervisionState state);
  void publish(const Child& child);
  // Reports `event` with the time, this supervisor and the child filled in.
  void emit(rt::ActorContext& ctx, const Child* child, SupervisionEvent event);
  ChildInfo info(const Child& child) const;

  SupervisorSpec spec_;
  std::string path_;
  std::string parent_path_;
  rt::Address report_to_;
  rt::Address parent_;
  std::shared_ptr<SupervisionTree> tree_;
  std::shared_ptr<SupervisionEventSink> events_;
  RestartIntensity intensity_;
  std::minstd_rand random_;

  std::vector<std::unique_ptr<Child>> children_;  // in start order
  std::unordered_map<std::uint64_t, Child*> by_key_;
  std::unordered_map<rt::Address, Child*> by_address_;
  std::uint64_t next_key_ = 1;
  std::uint64_t dynamic_serial_ = 0;
  std::size_t alive_ = 0;     // children starting, running or stopping
  std::size_t stopping_ = 0;  // children stopping
  std::size_t pending_exits_ = 0;

  std::deque<Step> plan_;
  bool step_active_ = false;
  bool initialized_ = false;
  bool shutting_down_ = false;
  struct Deferred {
    rt::MessagePtr msg;
    ReplyToken to;
  };
  std::deque<Deferred> deferred_;  // admin changes that wait for a group plan
};

}  // namespace airssys::supervisor::detail
