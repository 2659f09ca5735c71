// OTP's supervisor as an rt actor. Exits come in as ExitMessages (the
// supervisor traps exits and is linked to every child); decisions are
// taken in decide_and_act() and give_up() and carried out at once.
//
// Each child has one phase and one timer. In one_for_one and
// simple_one_for_one a restart is the child's own business: its backoff
// runs on its timer while the supervisor goes on serving its siblings,
// admin requests and queries. one_for_all and rest_for_one restart a group
// in OTP's order (stop in reverse, start in order) as a plan of steps run
// one at a time; an exit that arrives meanwhile is recorded at once and
// decided when the plan ends, as supervisor.erl handles it after restart/2
// returns. The initial start and a shutdown are plans too.
//
// Children keep their address across restarts (rt's keep_address): a
// restart respawns a fresh actor behind the parked address, so messages
// sent meanwhile are stashed and delivered to the new instance.
#include "supervisor_actor.hpp"

#include <algorithm>
#include <atomic>
#include <exception>

// Events are built as values with designated initializers naming the
// fields each kind has; the others keep their defaults, which GCC 12 warns
// about although the struct gives every member one.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace airssys::supervisor::detail {

using rt::ActorContext;
using rt::Address;
using rt::ExitKind;
using rt::ExitReason;
using Kind = SupervisionEventKind;

namespace {
// Timer serials are unique in the process, not per supervisor: a
// supervisor respawned behind its kept address gets the timers its
// previous incarnation left (stashed, or still armed after a kill), and
// must not take them for its own.
std::atomic<std::uint64_t> next_timer_serial{1};
}  // namespace

// --- SupervisedChild ------------------------------------------------------------

SupervisedChild::SupervisedChild(std::unique_ptr<rt::Actor> inner, Address supervisor)
    : inner_(std::move(inner)), supervisor_(supervisor) {
  auto* supervised = dynamic_cast<Supervised*>(inner_.get());
  reports_readiness_ = supervised != nullptr && supervised->reports_readiness();
}

void SupervisedChild::on_start(ActorContext& ctx) {
  inner_->on_start(ctx);
  if (!reports_readiness_) (void)report_ready(ctx, supervisor_);
}

// --- construction -------------------------------------------------------------------

SupervisorActor::SupervisorActor(SupervisorSpec spec, std::string path, std::string parent_path,
                                 Address report_to, Address parent)
    : spec_(std::move(spec)),
      path_(std::move(path)),
      parent_path_(std::move(parent_path)),
      report_to_(report_to),
      parent_(parent),
      tree_(spec_.tree),
      events_(spec_.events),
      intensity_(spec_.config.max_restarts, spec_.config.time_window) {}

void SupervisorActor::on_start(ActorContext& ctx) {
  ctx.set_trap_exit(true);
  random_.seed(static_cast<std::uint32_t>(ctx.self().value() ^ (ctx.self().value() >> 32)));
  if (!tree_) {
    // Not owned: the tree reads the system's clock only while the system runs.
    tree_ = std::make_shared<SupervisionTree>(
        std::shared_ptr<rt::Clock>(std::shared_ptr<void>{}, &ctx.system().clock()));
  }
  if (parent_path_.empty()) {
    SupervisionHandle self;
    self.id = spec_.name;
    self.path = path_;
    self.address = ctx.self();
    self.type = ChildType::supervisor;
    self.state = SupervisionState::initializing;
    tree_->add(self);
  }
  if (spec_.config.strategy != Strategy::simple_one_for_one) {
    for (const auto& child_spec : spec_.children) {
      Child& child = add_child(std::make_shared<ChildSpec>(child_spec), child_spec.id, {});
      plan_.emplace_back(StartStep{child.key, OnStartFailure::fail_supervisor});
    }
  }
  plan_.emplace_back(ThenStep{[this](ActorContext& c) {
    initialized_ = true;
    if (parent_path_.empty()) {
      tree_->update(path_, [&](SupervisionHandle& h) {
        h.state = SupervisionState::running;
        h.stats.started_at = c.now();
      });
    }
    emit(c, nullptr, {.kind = Kind::supervisor_started});
    (void)report_ready(c, report_to_);
  }});
  run_plan(ctx);
}

void SupervisorActor::on_stop(ActorContext& ctx, const ExitReason& reason) {
  // Whoever still waits for an answer gets one (system_stopping).
  const bool stopped_by_plan = shutting_down_;
  shutting_down_ = true;
  for (auto& d : deferred_) {
    if (d.to.is_request) {
      (void)ctx.reply_error_to(
          d.to, Error{ErrorCode::system_stopping, "supervisor '" + path_ + "' stopped"});
    }
  }
  deferred_.clear();
  for (auto& child : children_) {
    answer_start_failed(ctx, *child, "its supervisor stopped");
    for (const auto& to : child->stop_replies) {
      (void)ctx.reply_error_to(
          to, Error{ErrorCode::system_stopping, "supervisor '" + path_ + "' stopped"});
    }
    child->stop_replies.clear();
    if (child->timer != 0) ctx.cancel_timer(child->timer);
    if (child->state != SupervisionState::terminated &&
        child->state != SupervisionState::restart_limit_exceeded) {
      child->state = SupervisionState::terminated;
      publish(*child);
    }
  }
  if (parent_path_.empty()) {
    tree_->update(path_, [&](SupervisionHandle& h) {
      h.state = reason.detail() == "reached_max_restart_intensity"
                    ? SupervisionState::restart_limit_exceeded
                    : SupervisionState::terminated;
      h.stats.last_exit_reason = reason;
    });
  }
  if (!stopped_by_plan) emit(ctx, nullptr, {.kind = Kind::supervisor_stopped, .reason = reason});
}

// --- messages ---------------------------------------------------------------------

bool SupervisorActor::on_message(ActorContext& ctx, rt::Message& msg) {
  if (msg.is<rt::ExitMessage>()) {
    on_exit(ctx, msg.as<rt::ExitMessage>());
  } else if (msg.is<ChildReady>()) {
    on_ready(ctx, ctx.sender());
  } else if (msg.is<ChildStarting>()) {
    Child* child = find(ctx.sender());
    if (child != nullptr && child->phase == Phase::starting) {
      child->starting_detail = std::move(msg.as<ChildStarting>().detail);
    }
    return true;
  } else if (msg.is<ChildTimer>()) {
    on_timer(ctx, msg.as<ChildTimer>());
  } else if (is_admin(msg)) {
    // Queries are answered at once, even in the middle of a restart; a
    // change waits while a group plan runs (OTP's calls wait for restart/2).
    if (!is_query(msg) && plan_busy() && !shutting_down_) {
      deferred_.push_back({ctx.take_current(), ctx.reply_token()});
      return true;
    }
    handle_admin(ctx, msg, ctx.reply_token());
  } else {
    return false;
  }
  run_plan(ctx);
  return true;
}

void SupervisorActor::on_exit(ActorContext& ctx, const rt::ExitMessage& exit) {
  Child* child = find(exit.from);
  if (child == nullptr) {
    // Our parent (or someone calling exit() on us) wants us gone: stop the
    // children in reverse start order, then exit with the same reason.
    const bool from_parent = parent_ && exit.from == parent_;
    const bool from_outside = !exit.from && exit.reason.kind() != ExitKind::normal;
    if ((from_parent || from_outside) && !shutting_down_) give_up(ctx, exit.reason, false);
    return;
  }
  if (!child->alive()) return;  // an instance we already accounted for
  child->last_exit = exit.reason;
  tree_->update(child->path, [&](SupervisionHandle& h) { h.stats.last_exit_reason = exit.reason; });
  const Phase was = child->phase;
  set_phase(*child, exit.address_kept ? Phase::parked : Phase::absent);

  switch (was) {
    case Phase::starting: {
      const ExitReason why = child->killed_for ? *child->killed_for : exit.reason;
      start_failed(ctx, *child, why);
      return;
    }
    case Phase::stopping: finish_stop(ctx, *child, exit.reason); return;
    case Phase::running: break;
    default: return;
  }
  emit(ctx, child, {.kind = Kind::child_exited, .reason = exit.reason});
  // Shutting down, the stop steps release what is parked.
  if (shutting_down_) return;
  if (is_group() && plan_busy()) {
    // A step not yet begun stops or restarts it anyway; otherwise the exit
    // is decided once the group plan is done.
    if (!covered_by_plan(child->key) && !child->pending_exit) {
      child->pending_exit = exit.reason;
      ++pending_exits_;
    }
    return;
  }
  decide_and_act(ctx, *child, exit.reason, child->spec->restart);
}

void SupervisorActor::on_ready(ActorContext& ctx, Address from) {
  Child* child = find(from);
  // Killed for its startup timeout already: its exit ends the start.
  if (child == nullptr || child->phase != Phase::starting || child->killed_for) return;
  disarm(ctx, *child);
  set_phase(*child, Phase::running);
  const bool restarted = child->ever_ready;
  child->ever_ready = true;
  child->started_at = ctx.now();
  if (restarted) ++child->restarts;
  // One update of the tree for the state and the stats (it is on every
  // restart's path).
  const bool changed = child->state != SupervisionState::running;
  child->state = SupervisionState::running;
  tree_->update(child->path, [&](SupervisionHandle& h) {
    h.state = child->state;
    h.address = child->address;
    h.stats.restarts = child->restarts;
    h.stats.started_at = child->started_at;
    if (restarted) h.stats.last_restart = child->started_at;
  });
  if (changed) emit(ctx, child, {.kind = Kind::state_changed});
  emit(
      ctx, child,
      {.kind = restarted ? Kind::child_restarted : Kind::child_started, .attempt = child->attempt});
  answer_started(ctx, *child);
  if (active_step_is<StartStep>(child->key)) step_done();
}

void SupervisorActor::on_timer(ActorContext& ctx, const ChildTimer& timer) {
  Child* child = find(timer.child);
  if (child == nullptr || timer.serial != child->timer_serial) return;  // disarmed since
  child->timer = 0;
  switch (child->phase) {
    case Phase::backing_off:
      if (shutting_down_) return;  // released by the shutdown
      if (is_group()) {
        // The group's start step follows (or a newer plan starts it).
        set_phase(*child, Phase::parked);
        if (active_step_is<BackoffStep>(child->key)) step_done();
      } else {
        start_child(ctx, *child, OnStartFailure::restart);
      }
      return;
    case Phase::starting:
      // Not ready in time: kill it; its exit completes the failed start.
      child->killed_for = child->starting_detail.empty()
                              ? ExitReason::error("startup_timeout")
                              : ExitReason::error("startup_timeout: " + child->starting_detail);
      (void)ctx.exit(child->address, ExitReason::kill());
      return;
    case Phase::stopping:
      // Asked to shut down and did not: kill it.
      emit(ctx, child,
           {.kind = Kind::state_changed, .detail = "shutdown timeout expired: killing"});
      (void)ctx.exit(child->address, ExitReason::kill());
      return;
    default: return;
  }
}

// --- decisions ----------------------------------------------------------------------

bool SupervisorActor::is_group() const {
  return spec_.config.strategy == Strategy::one_for_all ||
         spec_.config.strategy == Strategy::rest_for_one;
}

void SupervisorActor::decide_and_act(ActorContext& ctx, Child& child, const ExitReason& reason,
                                     RestartPolicy policy, bool after_failed_start) {
  const auto now = ctx.now();
  const BackoffStrategy& backoff =
      child.spec->backoff ? *child.spec->backoff : spec_.config.backoff;
  // A child that stayed up long enough starts its backoff from scratch.
  const bool stable =
      child.state == SupervisionState::running && now - child.started_at >= backoff.reset_after;
  const RestartDecision decision =
      decide_restart(policy, reason, intensity_, backoff, child.attempt, stable, now,
                     std::uniform_real_distribution<double>(0.0, 1.0)(random_));
  switch (decision.kind) {
    case RestartDecision::Kind::deny: deny_restart(ctx, child, reason); return;
    case RestartDecision::Kind::limit_exceeded:
      emit(ctx, &child,
           {.kind = Kind::restart_limit_exceeded,
            .reason = reason,
            .detail =
                "more than " + std::to_string(spec_.config.max_restarts) + " restarts within " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(spec_.config.time_window)
                        .count()) +
                " ms"});
      set_state(ctx, child, SupervisionState::restart_limit_exceeded);
      give_up(ctx, ExitReason::shutdown("reached_max_restart_intensity"), true);
      return;
    case RestartDecision::Kind::restart:
      restart(ctx, child, reason, decision, after_failed_start);
      return;
  }
}

void SupervisorActor::deny_restart(ActorContext& ctx, Child& child, const ExitReason& reason) {
  emit(ctx, &child,
       {.kind = Kind::restart_denied,
        .reason = reason,
        .detail = std::string(to_string(child.spec->restart)) + " child exited with " +
                  reason.to_string()});
  let_go(ctx, child, reason);
  const bool significant = child.spec->significant;
  if (child.spec->restart == RestartPolicy::temporary ||
      spec_.config.strategy == Strategy::simple_one_for_one) {
    set_state(ctx, child, SupervisionState::terminated);
    const Child copy = child;
    remove_child(child.key);
    if (significant) check_auto_shutdown(ctx, copy);
  } else {
    set_state(ctx, child, SupervisionState::stopped);
    if (significant) check_auto_shutdown(ctx, child);
  }
}

void SupervisorActor::restart(ActorContext& ctx, Child& child, const ExitReason& reason,
                              const RestartDecision& decision, bool after_failed_start) {
  const rt::Duration delay = decision.delay;
  // A one_for_one restart needs no view of the siblings: restart_plan()
  // says so without one, and 5,000 crashes stay 5,000 steps, not 5,000^2.
  RestartPlan plan;
  if (is_group()) {
    std::vector<PlannedChild> views;
    views.reserve(children_.size());
    std::size_t failed = 0;
    for (std::size_t i = 0; i < children_.size(); ++i) {
      const Child& c = *children_[i];
      if (&c == &child) failed = i;
      views.push_back(
          {c.alive(), c.waits_for_restart(), c.spec->restart == RestartPolicy::temporary});
    }
    plan = restart_plan(spec_.config.strategy, views, failed);
  } else {
    const PlannedChild alone[] = {{false, true, false}};
    plan = restart_plan(spec_.config.strategy, alone, 0);
  }

  if (plan.independent) {
    // The child's own timer; its siblings are not held up. The retry of a
    // failed start goes through our mailbox even without a backoff, so a
    // start that keeps failing never loops within one turn.
    if (delay > rt::Duration::zero() || after_failed_start) {
      set_state(ctx, child,
                delay > rt::Duration::zero() ? SupervisionState::scheduling_restart
                                             : SupervisionState::restarting);
      set_phase(child, Phase::backing_off);
      arm(ctx, child, delay);
      emit(ctx, &child,
           {.kind = Kind::restart_scheduled,
            .reason = reason,
            .attempt = decision.attempt,
            .delay = delay});
      return;
    }
    emit(ctx, &child,
         {.kind = Kind::restart_scheduled, .reason = reason, .attempt = decision.attempt});
    start_child(ctx, child, OnStartFailure::restart);
    return;
  }

  if (delay <= rt::Duration::zero() && !after_failed_start) {
    emit(ctx, &child,
         {.kind = Kind::restart_scheduled, .reason = reason, .attempt = decision.attempt});
  }
  for (const auto& stop : plan.stops) {
    plan_.emplace_back(
        StopStep{children_[stop.child]->key, stop.final, SupervisionState::terminated});
  }
  // restart_scheduled with a delay is reported when the timer is set. The
  // retry of a failed start waits for our mailbox even without a delay, so
  // a group whose start keeps failing never loops within one turn.
  if (delay > rt::Duration::zero() || after_failed_start) {
    plan_.emplace_back(BackoffStep{child.key, delay, decision.attempt, reason});
  }
  const SupervisionState waiting = delay > rt::Duration::zero()
                                       ? SupervisionState::scheduling_restart
                                       : SupervisionState::restarting;
  for (std::size_t i : plan.starts) {
    Child& c = *children_[i];
    set_state(ctx, c, waiting);
    plan_.emplace_back(StartStep{c.key, OnStartFailure::restart});
  }
}

void SupervisorActor::give_up(ActorContext& ctx, const ExitReason& reason, bool escalate) {
  abort_plan();
  shutting_down_ = true;
  const SupervisionState after =
      escalate ? SupervisionState::restart_limit_exceeded : SupervisionState::terminated;
  const auto after_for = [after](const Child& c) {
    return c.state == SupervisionState::restart_limit_exceeded
               ? SupervisionState::restart_limit_exceeded
               : after;
  };
  // Pending restarts are cancelled and what waits for one is let go at
  // once; what runs is stopped in reverse start order (all at once for
  // dynamic children, as OTP does).
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& c = **it;
    if (c.pending_exit) {
      c.pending_exit.reset();
      --pending_exits_;
    }
    if (c.waits_for_restart()) stop_child(ctx, c, true, after_for(c));
  }
  if (spec_.config.strategy == Strategy::simple_one_for_one) {
    plan_.emplace_back(StopAllStep{after});
  } else {
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if ((*it)->alive()) plan_.emplace_back(StopStep{(*it)->key, true, after_for(**it)});
    }
  }
  plan_.emplace_back(ThenStep{[this, reason, escalate](ActorContext& c) {
    for (auto& d : deferred_) {
      if (d.to.is_request) {
        (void)c.reply_error_to(
            d.to, Error{ErrorCode::system_stopping, "supervisor '" + path_ + "' is shutting down"});
      }
    }
    deferred_.clear();
    if (!initialized_ && report_to_ != parent_) (void)c.send(report_to_, InitFailed{reason});
    emit(c, nullptr, {.kind = Kind::supervisor_stopped, .reason = reason});
    if (escalate) emit(c, nullptr, {.kind = Kind::escalated, .reason = reason});
    c.stop(reason);
  }});
}

void SupervisorActor::check_auto_shutdown(ActorContext& ctx, const Child& child) {
  if (!child.spec->significant || shutting_down_) return;
  switch (spec_.config.auto_shutdown) {
    case AutoShutdown::never: return;
    case AutoShutdown::any_significant:
      give_up(ctx, ExitReason::shutdown("auto_shutdown"), false);
      return;
    case AutoShutdown::all_significant:
      for (auto& c : children_) {
        if (c->spec->significant && (c->alive() || c->waits_for_restart())) return;
      }
      give_up(ctx, ExitReason::shutdown("auto_shutdown"), false);
      return;
  }
}

// --- one child ---------------------------------------------------------------------

void SupervisorActor::start_child(ActorContext& ctx, Child& child, OnStartFailure on_failure) {
  disarm(ctx, child);
  if (child.pending_exit) {  // this start is its restart
    child.pending_exit.reset();
    --pending_exits_;
  }
  child.on_start_failure = on_failure;
  child.killed_for.reset();
  child.starting_detail.clear();
  ChildStartInfo info;
  info.supervisor = ctx.self();
  info.path = child.path;
  info.attempt = child.restarts;
  info.args = child.args;
  info.tree = tree_;
  info.events = events_;
  StartResult result;
  try {
    result = child.spec->start(info);
  } catch (const std::exception& e) {
    result = StartResult::failed(e.what());
  } catch (...) {
    result = StartResult::failed("unknown exception");
  }
  switch (result.kind) {
    case StartResult::Kind::ignore:
      // OTP: an ignoring child is not running and not restarted; its spec stays.
      let_go(ctx, child, ExitReason::normal());
      set_state(ctx, child, SupervisionState::stopped);
      emit(ctx, &child, {.kind = Kind::restart_denied, .detail = "start returned ignore"});
      answer_started(ctx, child);
      if (active_step_is<StartStep>(child.key)) step_done();
      // A dynamic child that ignores its start is not kept (OTP).
      if (spec_.config.strategy == Strategy::simple_one_for_one) remove_child(child.key);
      return;
    case StartResult::Kind::error:
      start_failed(ctx, child, ExitReason::error("start failed: " + result.error));
      return;
    case StartResult::Kind::start: break;
  }
  auto actor = std::make_unique<SupervisedChild>(std::move(result.actor), ctx.self());
  if (child.waits_for_restart() && ctx.owns_parked(child.address)) {
    if (auto r = ctx.respawn(child.address, std::move(actor)); !r) {
      start_failed(ctx, child, ExitReason::error("respawn failed: " + r.error().message));
      return;
    }
  } else {
    // First start, or the parked address is gone (released by the system):
    // a fresh address, registered under the child's name again.
    rt::SpawnOptions options;
    options.link = true;
    options.keep_address = true;
    options.stash_capacity = child.spec->stash_capacity;
    options.mailbox_capacity = child.spec->mailbox_capacity;
    options.name = child.spec->name;
    options.local_name = child.spec->type == ChildType::supervisor;
    auto spawned = ctx.spawn(std::move(actor), options);
    if (!spawned) {
      set_phase(child, Phase::absent);
      start_failed(ctx, child, ExitReason::error("spawn failed: " + spawned.error().message));
      return;
    }
    if (child.address) by_address_.erase(child.address);
    child.address = *spawned;
    by_address_[child.address] = &child;
  }
  set_phase(child, Phase::starting);
  if (child.spec->startup_timeout != rt::Duration::max()) {
    arm(ctx, child, child.spec->startup_timeout);
  }
  // Reported after the startup timer is set, so an observer driving a
  // manual clock may advance it as soon as it sees the event.
  emit(ctx, &child,
       {.kind = Kind::child_starting,
        .attempt = child.attempt,
        .delay = child.spec->startup_timeout});
  set_state(ctx, child,
            child.ever_ready ? SupervisionState::restarting : SupervisionState::initializing);
}

void SupervisorActor::start_failed(ActorContext& ctx, Child& child, const ExitReason& reason) {
  disarm(ctx, child);
  emit(ctx, &child, {.kind = Kind::start_failed, .reason = reason});
  child.last_exit = reason;
  const bool in_step = active_step_is<StartStep>(child.key);
  if (shutting_down_) {
    // Nothing is restarted any more: its stop step lets it go.
    answer_start_failed(ctx, child, reason.to_string());
    return;
  }
  switch (child.on_start_failure) {
    case OnStartFailure::fail_supervisor:
      give_up(ctx,
              ExitReason::error("failed to start child '" + child.id + "': " + reason.to_string()),
              false);
      return;
    case OnStartFailure::restart:
      // OTP: a restart that fails is another failure of the child, restarted
      // whatever its restart type says about the reason; a group restart
      // starts over from the children's phases now.
      if (in_step) abort_plan();
      decide_and_act(ctx, child, reason, RestartPolicy::permanent, true);
      return;
    case OnStartFailure::reply_and_remove:
    case OnStartFailure::reply_and_keep:
      let_go(ctx, child, reason);
      answer_start_failed(ctx, child, reason.to_string());
      if (in_step) step_done();
      if (child.on_start_failure == OnStartFailure::reply_and_remove) {
        remove_child(child.key);
      } else {
        set_state(ctx, child, SupervisionState::stopped);
      }
      return;
  }
}

void SupervisorActor::stop_child(ActorContext& ctx, Child& child, bool final,
                                 SupervisionState after) {
  child.stop_final = child.stop_final || final;
  child.after_stop = after;
  if (!child.alive()) {
    // Nothing runs: a pending restart is cancelled, the address let go.
    disarm(ctx, child);
    finish_stop(ctx, child, ExitReason::shutdown());
    return;
  }
  if (child.phase == Phase::stopping) return;  // its exit finishes this stop too
  disarm(ctx, child);
  set_phase(child, Phase::stopping);
  const ShutdownPolicy& policy = child.spec->shutdown;
  switch (policy.kind) {
    case ShutdownPolicy::Kind::brutal_kill:
      (void)ctx.exit(child.address, ExitReason::kill());
      break;
    case ShutdownPolicy::Kind::timeout:
      arm(ctx, child, policy.timeout);
      (void)ctx.exit(child.address, ExitReason::shutdown());
      break;
    case ShutdownPolicy::Kind::infinity:
      (void)ctx.exit(child.address, ExitReason::shutdown());
      break;
  }
  emit(ctx, &child,
       {.kind = Kind::child_stopping,
        .delay = policy.kind == ShutdownPolicy::Kind::timeout ? policy.timeout : rt::Duration{},
        .detail = policy.kind == ShutdownPolicy::Kind::brutal_kill ? "brutal_kill"
                  : policy.kind == ShutdownPolicy::Kind::infinity  ? "infinity"
                                                                   : "timeout"});
}

void SupervisorActor::finish_stop(ActorContext& ctx, Child& child, const ExitReason& reason) {
  disarm(ctx, child);
  if (child.phase == Phase::backing_off) set_phase(child, Phase::parked);
  const bool final = child.stop_final;
  child.stop_final = false;
  if (final) {
    // Monitors of the child see how it ended (shutdown, or killed after its timeout).
    let_go(ctx, child, child.last_exit);
    set_state(ctx, child, child.after_stop);
  }
  // Every stop is reported, with how it ended: shutdown, or killed.
  emit(ctx, &child, {.kind = Kind::child_stopped, .reason = reason});
  answer_start_failed(ctx, child, "stopped before it was ready");
  answer_stopped(ctx, child);
  const std::uint64_t key = child.key;
  if (final && !shutting_down_ &&
      (child.spec->restart == RestartPolicy::temporary ||
       spec_.config.strategy == Strategy::simple_one_for_one)) {
    remove_child(key);
  }
  if (active_step_is<StopStep>(key)) {
    step_done();
  } else if (stopping_ == 0 && step_active_ && std::holds_alternative<StopAllStep>(plan_.front())) {
    step_done();
  }
}

void SupervisorActor::let_go(ActorContext& ctx, Child& child, const ExitReason& reason) {
  if (child.waits_for_restart() && ctx.owns_parked(child.address)) {
    (void)ctx.release(child.address, reason);
  }
  disarm(ctx, child);
  set_phase(child, Phase::absent);
}

void SupervisorActor::arm(ActorContext& ctx, Child& child, rt::Duration delay) {
  disarm(ctx, child);
  child.timer_serial = next_timer_serial.fetch_add(1, std::memory_order_relaxed);
  const ChildTimer timer{child.key, child.timer_serial};
  if (delay <= rt::Duration::zero()) {
    (void)ctx.send(ctx.self(), timer);  // at once, after what is queued
  } else {
    child.timer = ctx.send_after(delay, ctx.self(), timer);
  }
}

void SupervisorActor::disarm(ActorContext& ctx, Child& child) {
  if (child.timer != 0) ctx.cancel_timer(child.timer);
  child.timer = 0;
  child.timer_serial = 0;  // no serial in flight matches
}

void SupervisorActor::set_phase(Child& child, Phase phase) {
  const bool was_alive = child.alive();
  if (child.phase == Phase::stopping) --stopping_;
  child.phase = phase;
  if (phase == Phase::stopping) ++stopping_;
  if (was_alive != child.alive()) was_alive ? --alive_ : ++alive_;
}

// --- the group plan ------------------------------------------------------------------

void SupervisorActor::run_plan(ActorContext& ctx) {
  for (;;) {
    if (!step_active_ && !plan_.empty()) {
      begin_step(ctx);
      continue;
    }
    if (plan_busy() || shutting_down_ || !drain_one(ctx)) return;
  }
}

void SupervisorActor::begin_step(ActorContext& ctx) {
  step_active_ = true;
  Step& front = plan_.front();
  if (auto* start = std::get_if<StartStep>(&front)) {
    Child* child = find(start->child);
    if (child == nullptr || child->alive() || shutting_down_) {
      step_done();
      return;
    }
    start_child(ctx, *child, start->on_failure);
    return;
  }
  if (auto* stop = std::get_if<StopStep>(&front)) {
    Child* child = find(stop->child);
    if (child == nullptr) {
      step_done();
      return;
    }
    stop_child(ctx, *child, stop->final, stop->after);
    return;
  }
  if (auto* all = std::get_if<StopAllStep>(&front)) {
    const SupervisionState after = all->after;
    std::vector<std::uint64_t> keys;
    for (auto& c : children_) {
      if (c->alive()) keys.push_back(c->key);
    }
    for (std::uint64_t key : keys) {
      if (Child* c = find(key)) stop_child(ctx, *c, true, after);
    }
    if (stopping_ == 0 && step_active_ && std::holds_alternative<StopAllStep>(plan_.front())) {
      step_done();
    }
    return;
  }
  if (auto* backoff = std::get_if<BackoffStep>(&front)) {
    Child* child = find(backoff->child);
    if (child == nullptr || child->alive()) {
      step_done();
      return;
    }
    set_phase(*child, Phase::backing_off);  // also when its address is gone: spawned afresh
    arm(ctx, *child, backoff->delay);
    emit(ctx, child,
         {.kind = Kind::restart_scheduled,
          .reason = backoff->reason,
          .attempt = backoff->attempt,
          .delay = backoff->delay});
    return;
  }
  auto then = std::move(std::get<ThenStep>(front).fn);
  step_done();
  then(ctx);
}

void SupervisorActor::step_done() {
  plan_.pop_front();
  step_active_ = false;
}

void SupervisorActor::abort_plan() {
  plan_.clear();
  step_active_ = false;
}

template <class T>
bool SupervisorActor::active_step_is(std::uint64_t key) const {
  if (!step_active_) return false;
  const T* step = std::get_if<T>(&plan_.front());
  return step != nullptr && step->child == key;
}

bool SupervisorActor::covered_by_plan(std::uint64_t key) const {
  for (std::size_t i = step_active_ ? 1 : 0; i < plan_.size(); ++i) {
    if (const auto* s = std::get_if<StartStep>(&plan_[i]); s != nullptr && s->child == key) {
      return true;
    }
    if (const auto* s = std::get_if<StopStep>(&plan_[i]); s != nullptr && s->child == key) {
      return true;
    }
  }
  return false;
}

bool SupervisorActor::drain_one(ActorContext& ctx) {
  if (pending_exits_ > 0) {
    for (auto& c : children_) {
      if (!c->pending_exit) continue;
      const ExitReason reason = std::move(*c->pending_exit);
      c->pending_exit.reset();
      --pending_exits_;
      if (c->waits_for_restart() || c->phase == Phase::absent) {
        decide_and_act(ctx, *c, reason, c->spec->restart);
      }
      return true;
    }
  }
  if (deferred_.empty()) return false;
  Deferred next = std::move(deferred_.front());
  deferred_.pop_front();
  handle_admin(ctx, *next.msg, next.to);
  return true;
}

// --- bookkeeping ----------------------------------------------------------------------------

SupervisorActor::Child* SupervisorActor::find(std::uint64_t key) {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

SupervisorActor::Child* SupervisorActor::find(Address address) {
  if (!address) return nullptr;
  auto it = by_address_.find(address);
  return it == by_address_.end() ? nullptr : it->second;
}

SupervisorActor::Child* SupervisorActor::find(const std::string& id) {
  for (auto& c : children_) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

SupervisorActor::Child& SupervisorActor::add_child(std::shared_ptr<const ChildSpec> spec,
                                                   std::string id, std::any args) {
  auto child = std::make_unique<Child>();
  child->key = next_key_++;
  child->spec = std::move(spec);
  child->id = std::move(id);
  child->path = path_ + "/" + child->id;
  child->args = std::move(args);
  Child& ref = *child;
  by_key_[ref.key] = &ref;
  children_.push_back(std::move(child));
  SupervisionHandle handle;
  handle.id = ref.id;
  handle.path = ref.path;
  handle.parent_path = path_;
  handle.type = ref.spec->type;
  handle.restart = ref.spec->restart;
  handle.significant = ref.spec->significant;
  handle.state = SupervisionState::initializing;
  tree_->add(std::move(handle));
  return ref;
}

void SupervisorActor::remove_child(std::uint64_t key) {
  Child* child = find(key);
  if (child == nullptr) return;
  tree_->remove(child->path);
  if (child->address) {
    auto it = by_address_.find(child->address);
    if (it != by_address_.end() && it->second == child) by_address_.erase(it);
  }
  if (child->pending_exit) --pending_exits_;
  set_phase(*child, Phase::absent);
  by_key_.erase(key);
  std::erase_if(children_, [&](const std::unique_ptr<Child>& c) { return c->key == key; });
}

void SupervisorActor::set_state(ActorContext& ctx, Child& child, SupervisionState state) {
  if (child.state == state) return;
  child.state = state;
  publish(child);
  emit(ctx, &child, {.kind = Kind::state_changed});
}

void SupervisorActor::publish(const Child& child) {
  tree_->update(child.path, [&](SupervisionHandle& h) {
    h.state = child.state;
    h.address = child.address;
  });
}

void SupervisorActor::emit(ActorContext& ctx, const Child* child, SupervisionEvent event) {
  if (!events_) return;
  event.at = ctx.now();
  event.supervisor = path_;
  if (child != nullptr) {
    event.child = child->id;
    event.address = child->address;
    event.state = child->state;
  } else {
    event.address = ctx.self();
  }
  events_->on_event(event);
}

ChildInfo SupervisorActor::info(const Child& child) const {
  ChildInfo out;
  out.id = child.id;
  out.address = child.alive() ? child.address : Address{};
  out.type = child.spec->type;
  out.state = child.state;
  return out;
}

}  // namespace airssys::supervisor::detail
