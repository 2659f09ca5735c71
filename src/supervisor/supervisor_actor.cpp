// OTP's supervisor as an rt actor. The whole restart logic lives here:
// exits come in as ExitMessages (the supervisor traps exits and is linked to
// every child), decisions are taken in child_exited() / restart() /
// give_up(), and carried out as a plan of start / stop / wait steps that
// the supervisor runs one at a time, as supervisor.erl does synchronously.
// Children keep their address across restarts (rt's keep_address): a
// restart respawns a fresh actor behind the parked address, so messages
// sent meanwhile are stashed and delivered to the new instance.
#include "supervisor_actor.hpp"

#include <algorithm>
#include <exception>

namespace airssys::supervisor::detail {

using rt::ActorContext;
using rt::Address;
using rt::ExitKind;
using rt::ExitReason;

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
      Step step(Step::Kind::start);
      step.child = child.key;
      step.on_failure = OnStartFailure::fail_supervisor;
      plan_.push_back(std::move(step));
    }
  }
  Step ready(Step::Kind::then);
  ready.then = [this](ActorContext& c) {
    initialized_ = true;
    if (parent_path_.empty()) {
      tree_->update(path_, [&](SupervisionHandle& h) {
        h.state = SupervisionState::running;
        h.stats.started_at = c.now();
      });
    }
    emit(c, SupervisionEventKind::supervisor_started, nullptr);
    (void)report_ready(c, report_to_);
  };
  plan_.push_back(std::move(ready));
  run_plan(ctx);
}

void SupervisorActor::on_stop(ActorContext& ctx, const ExitReason& reason) {
  for (auto& child : children_) {
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
  if (!shutting_down_) emit(ctx, SupervisionEventKind::supervisor_stopped, nullptr, reason);
}

// --- messages ---------------------------------------------------------------------

bool SupervisorActor::on_message(ActorContext& ctx, rt::Message& msg) {
  if (msg.is<rt::ExitMessage>()) {
    const auto& exit = msg.as<rt::ExitMessage>();
    Child* child = find(exit.from);
    const bool busy = step_active_ || !plan_.empty();
    // An exit that the running plan is not about waits until it is done,
    // as supervisor.erl handles one thing at a time.
    if (busy && child != nullptr && !covered_by_plan(child->key)) {
      deferred_.push_back({ctx.take_current(), ctx.reply_token()});
      return true;
    }
    on_exit(ctx, exit);
    return true;
  }
  if (msg.is<ChildReady>()) {
    on_ready(ctx, ctx.sender());
    return true;
  }
  if (msg.is<ChildStarting>()) {
    Child* child = find(ctx.sender());
    if (child != nullptr && step_active_ && plan_.front().kind == Step::Kind::start &&
        plan_.front().child == child->key) {
      child->starting_detail = std::move(msg.as<ChildStarting>().detail);
    }
    return true;
  }
  if (msg.is<StepTimer>()) {
    on_timer(ctx, msg.as<StepTimer>().serial);
    return true;
  }
  if (is_admin(msg)) {
    // Queries are answered at once, even in the middle of a restart (a
    // child backing off can be watched); changes wait for the plan to end.
    const bool query = msg.is<protocol::WhichChildren>() || msg.is<protocol::CountChildren>() ||
                       msg.is<protocol::GetHandle>();
    if (!query && (step_active_ || !plan_.empty())) {
      deferred_.push_back({ctx.take_current(), ctx.reply_token()});
    } else {
      handle_admin(ctx, msg, ctx.reply_token());
      run_plan(ctx);
    }
    return true;
  }
  return false;
}

void SupervisorActor::on_exit(ActorContext& ctx, const rt::ExitMessage& exit) {
  Child* child = find(exit.from);
  if (child == nullptr) {
    // Our parent (or someone calling exit() on us) wants us gone: stop the
    // children in reverse start order, then exit with the same reason.
    const bool from_parent = parent_ && exit.from == parent_;
    const bool from_outside = !exit.from && exit.reason.kind() != ExitKind::normal;
    if ((from_parent || from_outside) && !shutting_down_) {
      give_up(ctx, exit.reason, false);
      run_plan(ctx);
    }
    return;
  }
  child->running = false;
  child->parked = exit.address_kept;
  child->last_exit = exit.reason;
  tree_->update(child->path, [&](SupervisionHandle& h) { h.stats.last_exit_reason = exit.reason; });

  if (step_active_) {
    const Step& step = plan_.front();
    if (step.child == child->key && step.kind == Step::Kind::start) {
      const ExitReason why = !startup_timed_out_ ? exit.reason
                             : child->starting_detail.empty()
                                 ? ExitReason::error("startup_timeout")
                                 : ExitReason::error("startup_timeout: " + child->starting_detail);
      start_failed(ctx, *child, why);
      run_plan(ctx);
      return;
    }
    if (step.child == child->key && step.kind == Step::Kind::stop) {
      const Step done = step;
      finish_stop(ctx, *child, done);
      step_done(ctx, step_serial_);
      run_plan(ctx);
      return;
    }
  }
  emit(ctx, SupervisionEventKind::child_exited, child, exit.reason);
  // A pending step stops or restarts this child anyway; shutting down, the
  // stop steps release what is parked.
  if (shutting_down_ || covered_by_plan(child->key)) return;
  child_exited(ctx, *child, exit.reason);
  run_plan(ctx);
}

void SupervisorActor::on_ready(ActorContext& ctx, Address from) {
  Child* child = find(from);
  if (child == nullptr || !step_active_) return;
  const Step& step = plan_.front();
  if (step.kind != Step::Kind::start || step.child != child->key) return;
  const bool restarted = child->ever_ready;
  child->ever_ready = true;
  child->started_at = ctx.now();
  if (restarted) ++child->restarts;
  set_state(ctx, *child, SupervisionState::running);
  tree_->update(child->path, [&](SupervisionHandle& h) {
    h.stats.restarts = child->restarts;
    h.stats.started_at = child->started_at;
    if (restarted) h.stats.last_restart = child->started_at;
  });
  emit(ctx, restarted ? SupervisionEventKind::child_restarted : SupervisionEventKind::child_started,
       child, {}, child->attempt);
  step_done(ctx, step_serial_);
  run_plan(ctx);
}

void SupervisorActor::on_timer(ActorContext& ctx, std::uint64_t serial) {
  if (!step_active_ || serial != step_serial_) return;  // a step that already finished
  step_timer_ = 0;
  const Step& step = plan_.front();
  Child* child = find(step.child);
  switch (step.kind) {
    case Step::Kind::wait:
      step_done(ctx, serial);
      run_plan(ctx);
      return;
    case Step::Kind::start:
      // Not ready in time: kill it; its exit completes the failed start.
      startup_timed_out_ = true;
      if (child != nullptr) (void)ctx.exit(child->address, ExitReason::kill());
      return;
    case Step::Kind::stop:
      // Asked to shut down and did not: kill it.
      if (child != nullptr) {
        emit(ctx, SupervisionEventKind::state_changed, child, {}, 0, {},
             "shutdown timeout expired: killing");
        (void)ctx.exit(child->address, ExitReason::kill());
      }
      return;
    case Step::Kind::then: return;
  }
}

// --- decisions ----------------------------------------------------------------------

void SupervisorActor::child_exited(ActorContext& ctx, Child& child, const ExitReason& reason) {
  decide_and_act(ctx, child, reason, child.spec->restart);
}

void SupervisorActor::decide_and_act(ActorContext& ctx, Child& child, const ExitReason& reason,
                                     RestartPolicy policy) {
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
      emit(ctx, SupervisionEventKind::restart_limit_exceeded, &child, reason, 0, {},
           "more than " + std::to_string(spec_.config.max_restarts) + " restarts within " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(spec_.config.time_window)
                       .count()) +
               " ms");
      set_state(ctx, child, SupervisionState::restart_limit_exceeded);
      give_up(ctx, ExitReason::shutdown("reached_max_restart_intensity"), true);
      return;
    case RestartDecision::Kind::restart: plan_restart(ctx, child, reason, decision); return;
  }
}

void SupervisorActor::deny_restart(ActorContext& ctx, Child& child, const ExitReason& reason) {
  emit(ctx, SupervisionEventKind::restart_denied, &child, reason, 0, {},
       std::string(to_string(child.spec->restart)) + " child exited with " + reason.to_string());
  if (child.parked) (void)ctx.release(child.address, reason);
  child.parked = false;
  by_address_.erase(child.address);
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

void SupervisorActor::plan_restart(ActorContext& ctx, Child& child, const ExitReason& reason,
                                   const RestartDecision& decision) {
  const rt::Duration delay = decision.delay;
  if (delay <= rt::Duration::zero()) {
    emit(ctx, SupervisionEventKind::restart_scheduled, &child, reason, decision.attempt, delay);
  }

  // Which children this restart stops and starts, by strategy.
  std::vector<Child*> affected;
  switch (spec_.config.strategy) {
    case Strategy::one_for_one:
    case Strategy::simple_one_for_one: affected.push_back(&child); break;
    case Strategy::one_for_all:
      for (auto& c : children_) {
        if (c.get() == &child || c->running || c->parked) affected.push_back(c.get());
      }
      break;
    case Strategy::rest_for_one: {
      bool after = false;
      for (auto& c : children_) {
        if (c.get() == &child) after = true;
        if (after && (c.get() == &child || c->running || c->parked)) affected.push_back(c.get());
      }
      break;
    }
  }
  const SupervisionState waiting = delay > rt::Duration::zero()
                                       ? SupervisionState::scheduling_restart
                                       : SupervisionState::restarting;
  // Stop in reverse start order; temporary siblings are not restarted (OTP).
  for (auto it = affected.rbegin(); it != affected.rend(); ++it) {
    Child* c = *it;
    if (c == &child) continue;
    Step stop(Step::Kind::stop);
    stop.child = c->key;
    stop.final_stop = c->spec->restart == RestartPolicy::temporary;
    stop.after_stop = SupervisionState::terminated;
    plan_.push_back(std::move(stop));
  }
  if (delay > rt::Duration::zero()) {
    // restart_scheduled is reported when the timer is set (see execute()).
    Step wait(Step::Kind::wait);
    wait.delay = delay;
    wait.child = child.key;
    wait.attempt = decision.attempt;
    wait.reason = reason;
    plan_.push_back(std::move(wait));
  }
  for (Child* c : affected) {
    if (c != &child && c->spec->restart == RestartPolicy::temporary) continue;
    set_state(ctx, *c, waiting);
    Step start(Step::Kind::start);
    start.child = c->key;
    start.on_failure = OnStartFailure::restart;
    plan_.push_back(std::move(start));
  }
}

void SupervisorActor::give_up(ActorContext& ctx, const ExitReason& reason, bool escalate) {
  abort_plan(ctx);
  shutting_down_ = true;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Step stop(Step::Kind::stop);
    stop.child = (*it)->key;
    stop.final_stop = true;
    stop.after_stop =
        escalate ? SupervisionState::restart_limit_exceeded : SupervisionState::terminated;
    if ((*it)->state == SupervisionState::restart_limit_exceeded) {
      stop.after_stop = SupervisionState::restart_limit_exceeded;
    }
    plan_.push_back(std::move(stop));
  }
  Step last(Step::Kind::then);
  last.then = [this, reason, escalate](ActorContext& c) {
    for (auto& d : deferred_) {
      if (d.to.is_request) {
        (void)c.reply_error_to(
            d.to, Error{ErrorCode::system_stopping, "supervisor '" + path_ + "' is shutting down"});
      }
    }
    deferred_.clear();
    if (!initialized_ && report_to_ != parent_) (void)c.send(report_to_, InitFailed{reason});
    emit(c, SupervisionEventKind::supervisor_stopped, nullptr, reason);
    if (escalate) emit(c, SupervisionEventKind::escalated, nullptr, reason);
    c.stop(reason);
  };
  plan_.push_back(std::move(last));
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
        if (c->spec->significant && (c->running || c->parked)) return;
      }
      give_up(ctx, ExitReason::shutdown("auto_shutdown"), false);
      return;
  }
}

// --- the plan ------------------------------------------------------------------------

void SupervisorActor::run_plan(ActorContext& ctx) {
  for (;;) {
    if (!step_active_ && !plan_.empty()) {
      execute(ctx);
      continue;
    }
    if (step_active_ || !plan_.empty() || deferred_.empty() || shutting_down_) return;
    Deferred next = std::move(deferred_.front());
    deferred_.pop_front();
    if (next.msg->is<rt::ExitMessage>()) {
      on_exit(ctx, next.msg->as<rt::ExitMessage>());
    } else {
      handle_admin(ctx, *next.msg, next.to);
    }
  }
}

void SupervisorActor::step_done(ActorContext& ctx, std::uint64_t serial) {
  if (!step_active_ || serial != step_serial_) return;
  if (step_timer_ != 0) ctx.cancel_timer(step_timer_);
  step_timer_ = 0;
  plan_.pop_front();
  step_active_ = false;
}

void SupervisorActor::abort_plan(ActorContext& ctx) {
  if (step_timer_ != 0) ctx.cancel_timer(step_timer_);
  step_timer_ = 0;
  plan_.clear();
  step_active_ = false;
  ++step_serial_;
}

void SupervisorActor::execute(ActorContext& ctx) {
  step_active_ = true;
  const std::uint64_t serial = ++step_serial_;
  startup_timed_out_ = false;
  const Step step = plan_.front();
  Child* child = find(step.child);
  switch (step.kind) {
    case Step::Kind::start:
      if (child == nullptr || (shutting_down_ && step.on_failure != OnStartFailure::reply_error)) {
        step_done(ctx, serial);
        return;
      }
      start_child(ctx, *child);
      return;
    case Step::Kind::stop:
      if (child == nullptr) {
        step_done(ctx, serial);
        return;
      }
      if (!child->running) {
        finish_stop(ctx, *child, step);
        step_done(ctx, serial);
        return;
      }
      stop_child(ctx, *child);
      return;
    case Step::Kind::wait:
      step_timer_ = ctx.send_after(step.delay, ctx.self(), StepTimer{serial});
      emit(ctx, SupervisionEventKind::restart_scheduled, find(step.child), step.reason,
           step.attempt, step.delay);
      return;
    case Step::Kind::then:
      step_done(ctx, serial);
      step.then(ctx);
      return;
  }
}

void SupervisorActor::start_child(ActorContext& ctx, Child& child) {
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
      if (child.parked) (void)ctx.release(child.address, ExitReason::normal());
      child.parked = false;
      by_address_.erase(child.address);
      set_state(ctx, child, SupervisionState::stopped);
      emit(ctx, SupervisionEventKind::restart_denied, &child, {}, 0, {}, "start returned ignore");
      step_done(ctx, step_serial_);
      return;
    case StartResult::Kind::error:
      start_failed(ctx, child, ExitReason::error("start failed: " + result.error));
      return;
    case StartResult::Kind::start: break;
  }
  auto actor = std::make_unique<SupervisedChild>(std::move(result.actor), ctx.self());
  if (child.parked) {
    if (auto r = ctx.respawn(child.address, std::move(actor)); !r) {
      start_failed(ctx, child, ExitReason::error("respawn failed: " + r.error().message));
      return;
    }
  } else {
    rt::SpawnOptions options;
    options.link = true;
    options.keep_address = true;
    options.stash_capacity = child.spec->stash_capacity;
    options.mailbox_capacity = child.spec->mailbox_capacity;
    options.name = child.spec->name;
    auto spawned = ctx.spawn(std::move(actor), options);
    if (!spawned) {
      start_failed(ctx, child, ExitReason::error("spawn failed: " + spawned.error().message));
      return;
    }
    child.address = *spawned;
    by_address_[child.address] = &child;
  }
  child.running = true;
  child.parked = false;
  child.starting_detail.clear();
  if (child.spec->startup_timeout != rt::Duration::max()) {
    step_timer_ = ctx.send_after(child.spec->startup_timeout, ctx.self(), StepTimer{step_serial_});
  }
  // Reported after the startup timer is set, so an observer driving a
  // manual clock may advance it as soon as it sees the event.
  emit(ctx, SupervisionEventKind::child_starting, &child, {}, child.attempt,
       child.spec->startup_timeout);
  set_state(ctx, child,
            child.ever_ready ? SupervisionState::restarting : SupervisionState::initializing);
}

void SupervisorActor::start_failed(ActorContext& ctx, Child& child, const ExitReason& reason) {
  emit(ctx, SupervisionEventKind::start_failed, &child, reason);
  const Step step = plan_.front();
  abort_plan(ctx);
  child.last_exit = reason;
  switch (step.on_failure) {
    case OnStartFailure::fail_supervisor:
      give_up(ctx,
              ExitReason::error("failed to start child '" + child.id + "': " + reason.to_string()),
              false);
      return;
    case OnStartFailure::restart:
      // OTP: a restart that fails is another failure of the child, restarted
      // whatever its restart type says about the reason.
      decide_and_act(ctx, child, reason, RestartPolicy::permanent);
      return;
    case OnStartFailure::reply_error: {
      if (child.parked) (void)ctx.release(child.address, reason);
      (void)ctx.reply_error_to(
          step.reply_to, Error{ErrorCode::internal,
                               "child '" + child.id + "' failed to start: " + reason.to_string()});
      remove_child(child.key);
      return;
    }
  }
}

void SupervisorActor::stop_child(ActorContext& ctx, Child& child) {
  const ShutdownPolicy& policy = child.spec->shutdown;
  switch (policy.kind) {
    case ShutdownPolicy::Kind::brutal_kill:
      (void)ctx.exit(child.address, ExitReason::kill());
      break;
    case ShutdownPolicy::Kind::timeout:
      step_timer_ = ctx.send_after(policy.timeout, ctx.self(), StepTimer{step_serial_});
      (void)ctx.exit(child.address, ExitReason::shutdown());
      break;
    case ShutdownPolicy::Kind::infinity:
      (void)ctx.exit(child.address, ExitReason::shutdown());
      break;
  }
  emit(ctx, SupervisionEventKind::child_stopping, &child, {}, 0,
       policy.kind == ShutdownPolicy::Kind::timeout ? policy.timeout : rt::Duration::zero(),
       policy.kind == ShutdownPolicy::Kind::brutal_kill ? "brutal_kill"
       : policy.kind == ShutdownPolicy::Kind::infinity  ? "infinity"
                                                        : "timeout");
}

void SupervisorActor::finish_stop(ActorContext& ctx, Child& child, const Step& step) {
  if (!step.final_stop) return;  // parked until the restart steps respawn it
  // Monitors of the child see how it ended (shutdown, or killed after its timeout).
  if (child.parked) (void)ctx.release(child.address, child.last_exit);
  child.parked = false;
  by_address_.erase(child.address);
  set_state(ctx, child, step.after_stop);
  emit(ctx, SupervisionEventKind::child_stopped, &child, child.last_exit);
  if (child.spec->restart == RestartPolicy::temporary && !shutting_down_) remove_child(child.key);
}

bool SupervisorActor::covered_by_plan(std::uint64_t key) const {
  return std::any_of(plan_.begin(), plan_.end(), [&](const Step& s) {
    return (s.kind == Step::Kind::start || s.kind == Step::Kind::stop) && s.child == key;
  });
}

// --- admin requests ---------------------------------------------------------------------

bool SupervisorActor::is_admin(const rt::Message& msg) {
  return msg.is<protocol::WhichChildren>() || msg.is<protocol::CountChildren>() ||
         msg.is<protocol::StartChild>() || msg.is<protocol::StartDynamicChild>() ||
         msg.is<protocol::TerminateChild>() || msg.is<protocol::RestartChild>() ||
         msg.is<protocol::DeleteChild>() || msg.is<protocol::GetHandle>();
}

void SupervisorActor::handle_admin(ActorContext& ctx, rt::Message& msg,
                                   const ActorContext::ReplyToken& to) {
  auto fail = [&](ErrorCode code, std::string text) {
    (void)ctx.reply_error_to(to, Error{code, "supervisor '" + path_ + "': " + std::move(text)});
  };
  if (shutting_down_) return fail(ErrorCode::system_stopping, "shutting down");
  const bool simple = spec_.config.strategy == Strategy::simple_one_for_one;

  if (msg.is<protocol::WhichChildren>()) {
    std::vector<ChildInfo> out;
    out.reserve(children_.size());
    for (auto& c : children_) out.push_back(info(*c));
    (void)ctx.reply_to(to, std::move(out));
    return;
  }
  if (msg.is<protocol::CountChildren>()) {
    ChildCounts counts;
    counts.specs = simple ? 1 : children_.size();
    for (auto& c : children_) {
      if (c->running) ++counts.active;
      if (c->spec->type == ChildType::supervisor)
        ++counts.supervisors;
      else
        ++counts.workers;
    }
    (void)ctx.reply_to(to, counts);
    return;
  }
  if (msg.is<protocol::GetHandle>()) {
    Child* c = find(msg.as<protocol::GetHandle>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found, "no child '" + msg.as<protocol::GetHandle>().id + "'");
    auto handle = tree_->handle(c->path);
    if (!handle) return fail(ErrorCode::internal, "child '" + c->id + "' is not in the tree");
    (void)ctx.reply_to(to, std::move(*handle));
    return;
  }

  // Start, terminate, restart and delete run as plans and answer at the end.
  auto reply_address_when_done = [this, to](std::uint64_t key) {
    return [this, to, key](ActorContext& c) {
      Child* child = find(key);
      (void)c.reply_to(to, child != nullptr && child->running ? child->address : Address{});
    };
  };
  auto start_and_reply = [&](Child& child) {
    Step start(Step::Kind::start);
    start.child = child.key;
    start.on_failure = OnStartFailure::reply_error;
    start.reply_to = to;
    plan_.push_back(std::move(start));
    Step done(Step::Kind::then);
    done.then = reply_address_when_done(child.key);
    plan_.push_back(std::move(done));
  };

  if (msg.is<protocol::StartChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument,
                  "simple_one_for_one takes start arguments, not specs");
    ChildSpec& spec = msg.as<protocol::StartChild>().spec;
    if (auto r = spec.validate(); !r) return fail(ErrorCode::invalid_argument, r.error().message);
    if (find(spec.id) != nullptr)
      return fail(ErrorCode::name_taken, "child '" + spec.id + "' already present");
    std::string id = spec.id;
    start_and_reply(add_child(std::make_shared<ChildSpec>(std::move(spec)), std::move(id), {}));
    return;
  }
  if (msg.is<protocol::StartDynamicChild>()) {
    if (!simple)
      return fail(ErrorCode::invalid_argument,
                  "only simple_one_for_one supervisors start children from arguments");
    static_assert(sizeof(std::uint64_t) >= 8);
    auto templ = std::make_shared<ChildSpec>(spec_.children.front());
    std::string id = templ->id + "-" + std::to_string(++dynamic_serial_);
    templ->name.clear();  // many children from one spec cannot share a name
    start_and_reply(add_child(std::move(templ), std::move(id),
                              std::move(msg.as<protocol::StartDynamicChild>().args)));
    return;
  }
  if (msg.is<protocol::TerminateChild>()) {
    const auto& request = msg.as<protocol::TerminateChild>();
    Child* c = request.address ? find(request.address) : find(request.id);
    if (c == nullptr) return fail(ErrorCode::name_not_found, "no child '" + request.id + "'");
    Step stop(Step::Kind::stop);
    stop.child = c->key;
    stop.final_stop = true;
    stop.after_stop = SupervisionState::stopped;
    plan_.push_back(std::move(stop));
    Step done(Step::Kind::then);
    const std::uint64_t key = c->key;
    done.then = [this, to, key, simple](ActorContext& ctx2) {
      if (Child* child = find(key); child != nullptr && simple) remove_child(key);
      (void)ctx2.reply_to(to, true);
    };
    plan_.push_back(std::move(done));
    return;
  }
  if (msg.is<protocol::RestartChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument,
                  "simple_one_for_one children cannot be restarted by id");
    Child* c = find(msg.as<protocol::RestartChild>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found,
                  "no child '" + msg.as<protocol::RestartChild>().id + "'");
    if (c->running || c->parked)
      return fail(ErrorCode::invalid_argument, "child '" + c->id + "' is running");
    start_and_reply(*c);
    return;
  }
  if (msg.is<protocol::DeleteChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument, "simple_one_for_one children cannot be deleted");
    Child* c = find(msg.as<protocol::DeleteChild>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found,
                  "no child '" + msg.as<protocol::DeleteChild>().id + "'");
    if (c->running || c->parked)
      return fail(ErrorCode::invalid_argument, "child '" + c->id + "' is running");
    remove_child(c->key);
    (void)ctx.reply_to(to, true);
    return;
  }
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
  by_key_.erase(key);
  std::erase_if(children_, [&](const std::unique_ptr<Child>& c) { return c->key == key; });
}

void SupervisorActor::set_state(ActorContext& ctx, Child& child, SupervisionState state) {
  if (child.state == state) return;
  child.state = state;
  publish(child);
  emit(ctx, SupervisionEventKind::state_changed, &child);
}

void SupervisorActor::publish(const Child& child) {
  tree_->update(child.path, [&](SupervisionHandle& h) {
    h.state = child.state;
    h.address = child.address;
  });
}

void SupervisorActor::emit(ActorContext& ctx, SupervisionEventKind kind, const Child* child,
                           ExitReason reason, std::uint32_t attempt, rt::Duration delay,
                           std::string detail) {
  if (!events_) return;
  SupervisionEvent e;
  e.kind = kind;
  e.at = ctx.now();
  e.supervisor = path_;
  if (child != nullptr) {
    e.child = child->id;
    e.address = child->address;
    e.state = child->state;
  } else {
    e.address = ctx.self();
  }
  e.reason = std::move(reason);
  e.attempt = attempt;
  e.delay = delay;
  e.detail = std::move(detail);
  events_->on_event(e);
}

ChildInfo SupervisorActor::info(const Child& child) const {
  ChildInfo out;
  out.id = child.id;
  out.address = child.running ? child.address : Address{};
  out.type = child.spec->type;
  out.state = child.state;
  return out;
}

}  // namespace airssys::supervisor::detail
