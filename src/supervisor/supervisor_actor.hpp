// The supervisor actor: OTP's supervisor.erl as an rt actor. All restart
// logic is in supervisor_actor.cpp, in one place.
#pragma once

#include <any>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "airssys/supervisor/restart_decision.hpp"
#include "airssys/supervisor/restart_intensity.hpp"
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
  struct Child {
    std::uint64_t key = 0;
    std::shared_ptr<const ChildSpec> spec;
    std::string id;
    std::string path;
    std::any args;
    rt::Address address;  // stable across restarts; none when never started or released
    SupervisionState state = SupervisionState::initializing;
    bool running = false;       // an instance is alive (starting or ready)
    bool parked = false;        // the address waits for our respawn/release
    std::uint32_t attempt = 0;  // backoff attempt
    std::uint32_t restarts = 0;
    rt::Clock::time_point started_at{};
    rt::ExitReason last_exit;
    bool ever_ready = false;
    std::string starting_detail;  // ChildStarting of the start in progress
  };

  // What to do when a start step fails.
  enum class OnStartFailure { fail_supervisor, restart, reply_error };

  struct Step {
    enum class Kind { start, stop, wait, then };
    explicit Step(Kind k) : kind(k) {}
    Kind kind;
    std::uint64_t child = 0;    // start / stop
    bool final_stop = false;    // stop: release the address afterwards
    rt::Duration delay{0};      // wait
    std::uint32_t attempt = 0;  // wait: the restart attempt it delays
    rt::ExitReason reason{};    // wait: the exit that caused it
    OnStartFailure on_failure = OnStartFailure::restart;
    rt::ActorContext::ReplyToken reply_to{};                  // start with reply_error
    SupervisionState after_stop = SupervisionState::stopped;  // final stop
    std::function<void(rt::ActorContext&)> then{};            // then
  };

  // Step timers carry the serial of the step they belong to.
  struct StepTimer {
    std::uint64_t serial;
  };

  // --- decisions ---------------------------------------------------------
  void child_exited(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  // Takes the RestartDecision for this exit and carries it out at once.
  void decide_and_act(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason,
                      RestartPolicy policy);
  void deny_restart(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void plan_restart(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason,
                    const RestartDecision& decision);
  void give_up(rt::ActorContext& ctx, const rt::ExitReason& reason, bool escalate);
  void check_auto_shutdown(rt::ActorContext& ctx, const Child& child);

  // --- the plan: one sequence of start/stop/wait steps at a time -------------
  void run_plan(rt::ActorContext& ctx);
  void step_done(rt::ActorContext& ctx, std::uint64_t serial);
  void abort_plan(rt::ActorContext& ctx);
  void execute(rt::ActorContext& ctx);
  void start_child(rt::ActorContext& ctx, Child& child);
  void stop_child(rt::ActorContext& ctx, Child& child);
  void start_failed(rt::ActorContext& ctx, Child& child, const rt::ExitReason& reason);
  void on_exit(rt::ActorContext& ctx, const rt::ExitMessage& exit);
  void on_ready(rt::ActorContext& ctx, rt::Address from);
  void on_timer(rt::ActorContext& ctx, std::uint64_t serial);
  void finish_stop(rt::ActorContext& ctx, Child& child, const Step& step);
  // Whether a pending step will stop or start this child anyway.
  bool covered_by_plan(std::uint64_t key) const;

  // --- admin requests ------------------------------------------------------------
  static bool is_admin(const rt::Message& msg);
  void handle_admin(rt::ActorContext& ctx, rt::Message& msg,
                    const rt::ActorContext::ReplyToken& to);

  // --- bookkeeping -------------------------------------------------------------------
  Child* find(std::uint64_t key);
  Child* find(rt::Address address);
  Child* find(const std::string& id);
  Child& add_child(std::shared_ptr<const ChildSpec> spec, std::string id, std::any args);
  void remove_child(std::uint64_t key);
  void set_state(rt::ActorContext& ctx, Child& child, SupervisionState state);
  void publish(const Child& child);
  void emit(rt::ActorContext& ctx, SupervisionEventKind kind, const Child* child,
            rt::ExitReason reason = {}, std::uint32_t attempt = 0, rt::Duration delay = {},
            std::string detail = {});
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

  std::deque<Step> plan_;
  bool step_active_ = false;
  std::uint64_t step_serial_ = 0;
  rt::TimerId step_timer_ = 0;
  bool startup_timed_out_ = false;
  bool initialized_ = false;
  bool shutting_down_ = false;
  struct Deferred {
    rt::MessagePtr msg;
    rt::ActorContext::ReplyToken to;
  };
  std::deque<Deferred> deferred_;
};

}  // namespace airssys::supervisor::detail
