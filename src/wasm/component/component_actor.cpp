#include "airssys/wasm/component_actor.hpp"

#include <algorithm>
#include <string>

#include "component/component_host.hpp"

namespace airssys::wasm {
namespace {

// A periodic health check of one incarnation (timers of a crashed one may
// still arrive at the kept address).
struct HealthTick {
  std::uint64_t incarnation;
};

// From the compile thread: the compile this component waits for has ended.
// (One of an earlier incarnation at the same address finds none waiting.)
struct CompileEnded {};
// The startup timeout of a component without a supervisor (a supervisor
// has its own) that is still waiting for its compile.
struct CompileDeadline {};
// A WASI command that is Ready runs its _start on this message: the turn
// that reported Ready ends first, so its supervisor (and anything else this
// worker would run next) is not held up by the run.
struct RunCommand {
  std::uint64_t incarnation;
};

// The bytes of a component message, or false for other payloads.
bool payload_of(const rt::Message& msg, const std::uint8_t*& data, std::size_t& len) {
  if (msg.is<detail::GuestTimerFired>()) {
    data = msg.as<detail::GuestTimerFired>().bytes.data();
    len = msg.as<detail::GuestTimerFired>().bytes.size();
    return true;
  }
  if (msg.is<rt::Bytes>()) {
    data = msg.as<rt::Bytes>().data();
    len = msg.as<rt::Bytes>().size();
    return true;
  }
  if (msg.is<std::string>()) {
    data = reinterpret_cast<const std::uint8_t*>(msg.as<std::string>().data());
    len = msg.as<std::string>().size();
    return true;
  }
  return false;
}

}  // namespace

ComponentActor::ComponentActor(std::shared_ptr<const ComponentSpec> spec,
                               std::shared_ptr<ComponentStatus> status, rt::Address supervisor,
                               std::shared_ptr<supervisor::SupervisionTree> tree, std::string path)
    : host_(std::make_unique<detail::ComponentHost>(std::move(spec), std::move(status))),
      supervisor_(supervisor),
      tree_(std::move(tree)),
      path_(std::move(path)) {}

ComponentActor::~ComponentActor() {
  // Killed while messages waited for readiness (a kill runs no stop hook):
  // they become dead letters, with events, rather than vanish.
  for (auto& w : waiting_) {
    if (system_ != nullptr && w.msg) {
      system_->dead_letter(self_, std::move(w.msg), rt::DeadLetterReason::queued_at_exit);
    }
  }
}

void ComponentActor::on_start(rt::ActorContext& ctx) {
  system_ = &ctx.system();
  self_ = ctx.self();
  // Called on the compile thread; the host stops calling it before this
  // actor is destroyed, and the system outlives its actors.
  auto compiled = [system = system_, self = self_] { (void)system->send(self, CompileEnded{}); };
  std::optional<rt::ExitReason> failed = host_->start(ctx, std::move(compiled));
  if (!failed && host_->compiling()) {
    phase_ = Phase::compiling;
    const rt::Duration timeout = host_->spec().startup_timeout;
    if (!supervisor_.is_none()) {
      // The supervisor's startup timer counts the compile; if it fires,
      // the start fails saying why.
      (void)supervisor::report_starting(ctx, supervisor_, host_->compile_too_slow());
    } else if (timeout != rt::Duration::max()) {
      (void)ctx.send_after(timeout, ctx.self(), CompileDeadline{});
    }
    return;
  }
  started(ctx, std::move(failed));
}

void ComponentActor::resume(rt::ActorContext& ctx) {
  if (phase_ != Phase::compiling || !host_->compile_ended()) return;
  phase_ = Phase::starting;
  if (!supervisor_.is_none()) (void)supervisor::report_starting(ctx, supervisor_, {});
  started(ctx, host_->resume_start(ctx));
}

void ComponentActor::started(rt::ActorContext& ctx, std::optional<rt::ExitReason> failed) {
  if (failed) {
    ctx.stop(std::move(*failed));
    return;
  }
  incarnation_ = host_->status().instances();
  const HealthSettings& health = host_->spec().health;
  gated_ = health.enabled && host_->has_health_export();
  checks_ = gated_ || (health.enabled && health.stuck_after > rt::Duration::zero());
  if (checks_) {
    check_due_ = ctx.now() + health.initial_delay;
    schedule_check(ctx);
  }
  // With a health export it is not Ready until the first check passes;
  // messages wait in order.
  if (!gated_) become_ready(ctx);
}

void ComponentActor::schedule_check(rt::ActorContext& ctx) {
  // Checks fire on a grid of a twentieth of the interval (at most 250 ms),
  // so the timers of many components fall due at the same instant: they
  // share one timer entry and one wake-up of the timer thread and the
  // workers. 10,000 components every 5 s cost about a tenth of the CPU of
  // spreading them out (BM_HealthCheckCost). A check is at most one grid
  // step late; one due now (no initial delay) runs at once.
  const rt::Duration grid =
      std::clamp<rt::Duration>(host_->spec().health.interval / 20, std::chrono::milliseconds(1),
                               std::chrono::milliseconds(250));
  rt::Clock::time_point at = check_due_;
  if (at > ctx.now()) {
    const rt::Duration rest = at.time_since_epoch() % grid;
    if (rest != rt::Duration::zero()) at += grid - rest;
  }
  (void)ctx.send_at(at, ctx.self(), HealthTick{incarnation_});
}

void ComponentActor::become_ready(rt::ActorContext& ctx) {
  phase_ = Phase::ready;
  host_->status().set_state(ComponentState::ready);
  if (!supervisor_.is_none()) (void)supervisor::report_ready(ctx, supervisor_);
  if (host_->is_command()) {
    // Its run is its life: Ready (reported above), then _start to its end,
    // here only if the message cannot be queued.
    if (!ctx.send(ctx.self(), RunCommand{incarnation_})) ctx.stop(host_->run_command(ctx));
    return;
  }
  while (!waiting_.empty() && !host_->crashed()) {
    Waiting w = std::move(waiting_.front());
    waiting_.pop_front();
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    (void)payload_of(*w.msg, data, len);
    switch (deliver(ctx, *w.msg, data, len, &w.token)) {
      case Delivery::handled: break;
      case Delivery::too_large:
        ctx.dead_letter(std::move(w.msg), rt::DeadLetterReason::too_large);
        break;
      case Delivery::failed:
        ctx.dead_letter(std::move(w.msg), rt::DeadLetterReason::crashed_in_handler);
        break;
    }
  }
}

void ComponentActor::check_health(rt::ActorContext& ctx) {
  const HealthSettings& settings = host_->spec().health;
  auto probe = host_->probe_health(ctx);
  const bool ready = phase_ == Phase::ready;
  if (settings.stuck_after > rt::Duration::zero() && ready) {
    const std::size_t waiting = ctx.system().mailbox_depth(ctx.self()).value_or(0);
    if (waiting == 0) {
      backlog_since_.reset();
    } else if (!backlog_since_) {
      backlog_since_ = ctx.now();
    } else if (ctx.now() - *backlog_since_ >= settings.stuck_after) {
      probe.health = ComponentHealth::unhealthy;
      probe.failure = "mailbox has not drained for " +
                      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         ctx.now() - *backlog_since_)
                                         .count()) +
                      " ms (" + std::to_string(waiting) + " waiting)";
    }
  }
  const bool failed = probe.health == ComponentHealth::unhealthy;
  failures_ = failed ? failures_ + 1 : 0;
  // Before it is Ready only a passing check counts: a component that never
  // passes fails by its startup timeout, with its messages kept.
  const bool give_up = ready && failed && failures_ >= settings.failures;
  // The next check is armed before the result is published, so whoever
  // waits for this check can move time on at once.
  if (!give_up) {
    const rt::Clock::time_point now = ctx.now();
    check_due_ += settings.interval;
    // Fell behind (a long turn, or a stalled machine): skip the missed
    // checks rather than run them back to back.
    if (check_due_ <= now)
      check_due_ += ((now - check_due_) / settings.interval + 1) * settings.interval;
    schedule_check(ctx);
  }
  auto& status = host_->status();
  const ComponentHealth before = status.set_health(probe.health, failures_);
  if (before != probe.health) {
    if (tree_) {
      tree_->update(path_,
                    [&](supervisor::SupervisionHandle& h) { h.health = to_string(probe.health); });
    }
    if (host_->spec().on_health_change) {
      host_->spec().on_health_change(host_->spec().name, before, probe.health, probe.failure);
    }
  }
  if (give_up) {
    const std::string why = "health_failed: " + std::to_string(failures_) +
                            " failed checks in a row, the last: " + probe.failure;
    status.set_failed(why);
    ctx.stop(rt::ExitReason::error(why));
  } else if (!ready && !failed) {
    become_ready(ctx);
  }
}

ComponentActor::Delivery ComponentActor::deliver(rt::ActorContext& ctx, rt::Message& msg,
                                                 const std::uint8_t* data, std::size_t len,
                                                 const rt::ActorContext::ReplyToken* token) {
  // Larger than this component accepts: a dead letter with an event (a
  // request's sender gets resource_exhausted), never handed to the guest.
  if (len > host_->spec().limits.max_message_size) return Delivery::too_large;
  if (auto failed = host_->handle(ctx, msg, data, len, token)) {
    ctx.stop(std::move(*failed));
    return Delivery::failed;
  }
  return Delivery::handled;
}

bool ComponentActor::on_message(rt::ActorContext& ctx, rt::Message& msg) {
  if (phase_ == Phase::compiling) {
    // The compile's own message may have found the mailbox full; any
    // message is a moment to look.
    resume(ctx);
    if (msg.is<CompileEnded>()) return true;
    if (msg.is<CompileDeadline>()) {
      if (phase_ == Phase::compiling) ctx.stop(host_->compile_timed_out());
      return true;
    }
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    if (host_->crashed() && payload_of(msg, data, len)) {
      // The start failed just now: the message waits for the restart with
      // those that came before it (on_stop hands them back to the address).
      const rt::ActorContext::ReplyToken token = ctx.reply_token();
      waiting_.push_back({ctx.take_current(), token});
      return true;
    }
  }
  if (msg.is<CompileEnded>() || msg.is<CompileDeadline>()) return true;  // stale
  if (msg.is<RunCommand>()) {
    if (msg.as<RunCommand>().incarnation == incarnation_ && phase_ == Phase::ready &&
        !host_->crashed()) {
      ctx.stop(host_->run_command(ctx));
    }
    return true;
  }

  if (msg.is<HealthTick>()) {
    if (msg.as<HealthTick>().incarnation == incarnation_ && checks_ && !host_->crashed()) {
      check_health(ctx);
    }
    return true;
  }
  if (msg.is<detail::GuestTimerFired>()) {
    const auto& timer = msg.as<detail::GuestTimerFired>();
    // Armed by an earlier instance at this address: cancelled when it
    // ended, though it had fired already.
    if (timer.instance != host_->instance()) return true;
    host_->timer_fired(timer.handle);
  }
  if (host_->crashed()) return false;
  if (msg.kind != rt::MessageKind::user && msg.kind != rt::MessageKind::request) return false;

  if (msg.is<CheckHealth>()) {
    if (phase_ == Phase::compiling) {
      (void)ctx.reply_error(Error{ErrorCode::unhandled, "component " + host_->spec().name +
                                                            " has no instance yet: its module "
                                                            "is being compiled"});
      return true;
    }
    ComponentHealth health = ComponentHealth::healthy;
    if (auto failed = host_->health(ctx, health)) {
      ctx.stop(std::move(*failed));
      return true;
    }
    (void)ctx.reply(health);
    return true;
  }
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  if (!payload_of(msg, data, len)) return false;  // not for a component: a dead letter
  // A command handles no messages: each is a dead letter (unhandled).
  if (host_->is_command()) return false;

  if (phase_ != Phase::ready) {
    const rt::ActorContext::ReplyToken token = ctx.reply_token();
    rt::MessagePtr taken = ctx.take_current();
    if (waiting_.size() >= host_->spec().stash_capacity) {
      ctx.dead_letter(std::move(taken), rt::DeadLetterReason::rejected);
    } else {
      waiting_.push_back({std::move(taken), token});
    }
    return true;
  }
  if (deliver(ctx, msg, data, len, nullptr) == Delivery::too_large) {
    ctx.dead_letter(ctx.take_current(), rt::DeadLetterReason::too_large);
  }
  return true;
}

void ComponentActor::on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) {
  host_->flush_output();     // what it began to print, however it ends (a kill runs no on_stop)
  host_->abandon_compile();  // its C compiler goes, unless another component waits for it
  // Messages still waiting for readiness go back to the address, keeping
  // their senders: a restart's stash delivers them, or they become dead
  // letters if the address is given up.
  for (auto& w : waiting_) (void)ctx.forward_message(ctx.self(), std::move(w.msg));
  waiting_.clear();
  if (!reason.is_abnormal()) {
    host_->shutdown(ctx);
  } else if (!host_->crashed()) {
    // Stopped from outside with an abnormal reason (e.g. a linked failure):
    // the guest gets no shutdown call, as an Erlang process killed by a link.
    host_->status().set_failed(reason.to_string());
  }
  host_->cancel_timers();  // (after a kill, which runs no on_stop, the host's destructor does)
}

}  // namespace airssys::wasm
