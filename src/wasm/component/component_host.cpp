#include "component/component_host.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "airssys/rt/safe_text.hpp"
#include "module_code.hpp"

namespace airssys::wasm::detail {
namespace {

constexpr std::uint32_t kMaxNameLength = 255;
// Bytes of a guest's log line and exit text once made safe (rt::safe_text:
// longer text is cut and ends in an ellipsis).
constexpr std::size_t kMaxLogText = 4096;
constexpr std::size_t kMaxExitText = 1024;

std::int32_t status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::no_such_actor: return kNoSuchActor;
    case ErrorCode::name_not_found: return kNameNotFound;
    case ErrorCode::system_stopping: return kStopping;
    case ErrorCode::resource_exhausted: return kMailboxFull;
    default: return kInvalidArgument;
  }
}

std::int32_t reply_status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::timeout: return kReplyTimeout;
    case ErrorCode::no_such_actor:
    case ErrorCode::actor_exited: return kReplyNoSuchActor;
    case ErrorCode::unhandled: return kReplyUnhandled;
    default: return kReplyFailed;
  }
}

// now + d, or the farthest time when that does not fit (Duration::max()
// waits for ever).
SteadyTime deadline_after(rt::Duration d) {
  const SteadyTime now = std::chrono::steady_clock::now();
  const auto left = SteadyTime::max() - now;
  const auto wanted = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::min<rt::Duration>(d, std::chrono::duration_cast<rt::Duration>(left)));
  return now + wanted;
}

}  // namespace

CallLimits ComponentHost::limits(rt::Duration deadline, GuestFault deadline_fault) const {
  return limits_until(deadline_after(deadline), deadline_fault);
}

CallLimits ComponentHost::limits_until(SteadyTime deadline, GuestFault deadline_fault) const {
  CallLimits l;
  l.fuel = spec_->limits.fuel_per_message;
  l.deadline = deadline;
  l.deadline_fault = deadline_fault;
  l.stack_limit = spec_->limits.stack_limit;
  l.memory_limit_pages = static_cast<std::uint32_t>(spec_->limits.memory_limit / 65536);
  l.table_limit = spec_->limits.table_limit;
  return l;
}

CallOutcome ComponentHost::call(rt::ActorContext& ctx, GuestExport e,
                                std::initializer_list<std::uint64_t> args,
                                const CallLimits& limits) {
  ctx_ = &ctx;
  CallOutcome out = instance_->call(e, args, limits);
  ctx_ = nullptr;
  return out;
}

CallOutcome ComponentHost::copy_in(rt::ActorContext& ctx, const std::uint8_t* data, std::size_t len,
                                   const CallLimits& limits) {
  CallOutcome out = call(ctx, GuestExport::alloc, {len}, limits);
  if (!out.ok()) return out;
  const GuestMemory mem = instance_->memory();
  const auto ptr = static_cast<std::uint32_t>(out.value);
  if ((ptr == 0 && len != 0) || !mem.contains(ptr, len)) {
    out.failure = {GuestFault::abi_violation,
                   "airssys_alloc(" + std::to_string(len) + ") returned an unusable buffer"};
    return out;
  }
  if (len != 0) std::memcpy(mem.data + ptr, data, len);
  return out;
}

rt::ExitReason ComponentHost::failure(const GuestFailure& f, const char* during) {
  flush_output();  // what it wrote before it ended comes before the failure
  crashed_ = true;
  std::string reason;
  if (f.fault == GuestFault::exited) {
    crashed_ = exit_code_ != kExitNormal && exit_code_ != kExitShutdown;
    if (!crashed_) {
      status_->set_state(ComponentState::terminated);
      return exit_code_ == kExitShutdown ? rt::ExitReason::shutdown(exit_text_)
                                         : rt::ExitReason::normal();
    }
    reason = "exit: " + (exit_text_.empty() ? "code " + std::to_string(exit_code_) : exit_text_);
  } else {
    reason = to_string(f.fault);
    if (f.fault == GuestFault::abi_violation || f.fault == GuestFault::other_trap) {
      reason += ": " + (f.detail.empty() ? abi_error_ : f.detail);
    }
  }
  if (during != nullptr && f.fault != GuestFault::startup_timeout) {
    reason = std::string(during) + ": " + reason;
  }
  status_->set_failed(reason);
  return rt::ExitReason::error(std::move(reason));
}

std::optional<rt::ExitReason> ComponentHost::outcome(const CallOutcome& out, GuestExport e,
                                                     const char* during) {
  if (!out.ok()) return failure(out.failure, during);
  if (out.value == 0) return std::nullopt;
  flush_output();
  crashed_ = true;
  std::string why = std::string(during != nullptr ? during : "handler_failed") + ": " +
                    std::string(shape(e).name) + " returned " +
                    std::to_string(static_cast<std::int32_t>(out.value));
  status_->set_failed(why);
  return rt::ExitReason::error(std::move(why));
}

std::optional<rt::ExitReason> ComponentHost::init_failed(const std::string& why) {
  crashed_ = true;
  status_->set_failed("init_failed: " + why);
  return rt::ExitReason::error("init_failed: " + why);
}

std::optional<rt::ExitReason> ComponentHost::start(rt::ActorContext& ctx,
                                                   std::function<void()> compiled) {
  status_->set_address(ctx.self());
  status_->count_instance();
  instance_serial_ = status_->instances();
  system_ = &ctx.system();
  status_->set_state(ComponentState::creating);
  start_deadline_ = deadline_after(spec_->startup_timeout);
  const EngineKind engine = spec_->engine;
  if (auto ready = compiled_now(*spec_->module, engine)) return instantiate(ctx, *ready);
  if (engine == EngineKind::interp) {
    // Decoding for the interpreter is in-process and bounded by the
    // module's limits: done here, as any instantiation.
    auto decoded = compiled_for(*spec_->module, engine);
    if (!decoded) return init_failed(decoded.error().message);
    return instantiate(ctx, **decoded);
  }
  // A C compile may take seconds: never on this thread (a worker).
  compile_ = compile_async(spec_->module, engine,
                           [compiled = std::move(compiled)](const CompileResult&) { compiled(); });
  if (compile_ended()) return resume_start(ctx);
  return std::nullopt;
}

std::optional<rt::ExitReason> ComponentHost::resume_start(rt::ActorContext& ctx) {
  std::optional<CompileResult> done = compile_.result();
  if (!done) return std::nullopt;
  compile_ = CompileWait();
  if (!*done) return init_failed(done->error().message);
  return instantiate(ctx, ***done);
}

std::string ComponentHost::compile_too_slow() const {
  return "the aot compile of " + spec_->module->name() +
         " was too slow (still running when the startup timeout passed)";
}

rt::ExitReason ComponentHost::compile_timed_out() {
  compile_.leave();
  crashed_ = true;
  const std::string why = "startup_timeout: " + compile_too_slow();
  status_->set_failed(why);
  return rt::ExitReason::error(why);
}

std::optional<rt::ExitReason> ComponentHost::instantiate(rt::ActorContext& ctx,
                                                         const CompiledModule& compiled) {
  // One startup deadline for the compile, _initialize, alloc and init.
  const CallLimits startup = limits_until(start_deadline_, GuestFault::startup_timeout);
  auto instance = compiled.instantiate(*this, startup);
  if (!instance) return init_failed(instance.error().message);
  instance_ = std::move(*instance);
  status_->set_state(ComponentState::starting);

  ctx_ = &ctx;
  CallOutcome out = instance_->call_initialize(startup);
  ctx_ = nullptr;
  if (!out.ok()) return failure(out.failure, "init_failed");
  if (instance_->has_export(GuestExport::init)) {
    const auto& config = spec_->config;
    out = copy_in(ctx, config.data(), config.size(), startup);
    if (!out.ok()) return failure(out.failure, "init_failed");
    out = call(ctx, GuestExport::init, {out.value, config.size()}, startup);
    if (auto failed = outcome(out, GuestExport::init, "init_failed")) return failed;
  }
  status_->set_memory_bytes(instance_->memory().size);
  return std::nullopt;  // Ready is the actor's call (after the first health check)
}

MessageNature ComponentHost::nature_of(const rt::Message& msg,
                                       const rt::ActorContext::ReplyToken& token) {
  if (msg.is<GuestTimerFired>()) return kTimerMessage;
  if (token.is_request) return kRequestMessage;
  // No one to answer (sent from outside any actor), or an answer itself.
  if (!token.to || msg.is_answer) return kUnanswerable;
  return kPlainMessage;
}

std::optional<rt::ExitReason> ComponentHost::handle(rt::ActorContext& ctx, const rt::Message& msg,
                                                    const std::uint8_t* data, std::size_t len,
                                                    const rt::ActorContext::ReplyToken* token) {
  const CallLimits l = limits(spec_->limits.call_deadline, GuestFault::deadline);
  CallOutcome out = copy_in(ctx, data, len, l);
  std::uint64_t fuel = instance_->fuel_used();
  if (out.ok()) {
    const rt::ActorContext::ReplyToken answer = token != nullptr ? *token : ctx.reply_token();
    handling_ = Handling{answer, nature_of(msg, answer)};
    out = call(ctx, GuestExport::handle, {msg.sender.value(), out.value, len}, l);
    handling_.reset();
    fuel += instance_->fuel_used();
  }
  status_->count_message(fuel);
  status_->set_memory_bytes(instance_->memory().size);
  return outcome(out, GuestExport::handle, nullptr);
}

std::optional<rt::ExitReason> ComponentHost::handle_reply(rt::ActorContext& ctx,
                                                          std::uint64_t request_id,
                                                          std::int32_t status,
                                                          const rt::Bytes* payload) {
  const CallLimits l = limits(spec_->limits.call_deadline, GuestFault::deadline);
  const std::uint8_t* data = payload != nullptr ? payload->data() : nullptr;
  const std::size_t len = payload != nullptr ? payload->size() : 0;
  CallOutcome out = copy_in(ctx, data, len, l);
  if (out.ok()) {
    out = call(ctx, GuestExport::handle_reply,
               {request_id, static_cast<std::uint32_t>(status), out.value, len}, l);
  }
  return outcome(out, GuestExport::handle_reply, nullptr);
}

std::optional<rt::ExitReason> ComponentHost::health(rt::ActorContext& ctx, ComponentHealth& out) {
  out = ComponentHealth::healthy;
  if (!instance_->has_export(GuestExport::health)) return std::nullopt;
  CallOutcome r =
      call(ctx, GuestExport::health, {}, limits(spec_->limits.call_deadline, GuestFault::deadline));
  if (!r.ok()) return failure(r.failure, "health_failed");
  const auto code = static_cast<std::int32_t>(r.value);
  out = code == kHealthy    ? ComponentHealth::healthy
        : code == kDegraded ? ComponentHealth::degraded
                            : ComponentHealth::unhealthy;
  return std::nullopt;
}

bool ComponentHost::has_health_export() const {
  return instance_ && instance_->has_export(GuestExport::health);
}

ComponentHost::Probe ComponentHost::probe_health(rt::ActorContext& ctx) {
  Probe p;
  if (!has_health_export()) return p;
  CallOutcome r =
      call(ctx, GuestExport::health, {}, limits(spec_->health.timeout, GuestFault::deadline));
  if (!r.ok()) {
    p.health = ComponentHealth::unhealthy;
    p.failure = r.failure.fault == GuestFault::deadline
                    ? "health check timed out"
                    : "health check failed: " + r.failure.describe();
    return p;
  }
  const auto code = static_cast<std::int32_t>(r.value);
  p.health = code == kHealthy    ? ComponentHealth::healthy
             : code == kDegraded ? ComponentHealth::degraded
                                 : ComponentHealth::unhealthy;
  if (p.health == ComponentHealth::unhealthy) p.failure = "airssys_health said unhealthy";
  return p;
}

void ComponentHost::shutdown(rt::ActorContext& ctx) {
  if (!instance_ && !crashed_) {
    // Stopped while its module was compiling: nothing of the guest ran.
    compile_.leave();
    status_->set_state(ComponentState::terminated);
    return;
  }
  if (!instance_ || crashed_) return;
  if (status_->state() != ComponentState::ready) return;
  status_->set_state(ComponentState::stopping);
  if (instance_->has_export(GuestExport::shutdown)) {
    const auto& policy = spec_->shutdown;
    const rt::Duration allowed = policy.kind == supervisor::ShutdownPolicy::Kind::timeout
                                     ? policy.timeout
                                     : spec_->limits.call_deadline;
    CallOutcome r = call(ctx, GuestExport::shutdown, {}, limits(allowed, GuestFault::deadline));
    if (!r.ok()) {
      (void)failure(r.failure, "shutdown_failed");
      return;
    }
  }
  flush_output();
  status_->set_state(ComponentState::terminated);
}

rt::ExitReason ComponentHost::run_command(rt::ActorContext& ctx) {
  ctx_ = &ctx;
  const CallOutcome out =
      instance_->call_start(limits(spec_->limits.call_deadline, GuestFault::deadline));
  ctx_ = nullptr;
  status_->count_message(instance_->fuel_used());
  status_->set_memory_bytes(instance_->memory().size);
  // proc_exit(0) is an exit: failure() says normal for it.
  if (!out.ok()) return failure(out.failure, nullptr);
  flush_output();
  status_->set_state(ComponentState::terminated);
  return rt::ExitReason::normal();
}

// --- host calls --------------------------------------------------------------

// A pointer and length a host call got that are not inside the guest's
// memory: the guest is stopped (abi_violation), naming the call.
GuestFault ComponentHost::outside(const char* call) {
  abi_error_ = std::string(call) + ": buffer outside memory";
  return GuestFault::abi_violation;
}

std::int32_t ComponentHost::outside(GuestFault& fault, const char* call) {
  fault = outside(call);
  return 0;
}

// Whether a call of kind `r` may reach the actor at `to`: a "*" grant, or
// `to` is where a granted name is registered now. Checked before anything
// about `to` is looked at, so a refused address says nothing about whether
// an actor lives there.
bool ComponentHost::may_reach(Capabilities::Reach r, std::uint64_t to) const {
  return spec_->capabilities.may_reach(
      r, rt::Address::from_value(to),
      [this](std::string_view name) { return ctx_->whereis(name); });
}

std::int32_t ComponentHost::send(GuestMemory mem, std::uint64_t to, std::uint32_t ptr,
                                 std::uint32_t len, GuestFault& fault) {
  if (!mem.contains(ptr, len)) return outside(fault, "send");
  if (!may_reach(Capabilities::Reach::send, to)) return kNotGranted;
  if (len > spec_->limits.max_message_size) return kTooLarge;
  rt::Bytes payload(mem.data + ptr, mem.data + ptr + len);
  auto r = ctx_->send_message(rt::Address::from_value(to), rt::make_message(std::move(payload)));
  return r ? kOk : status_of(r.error());
}

std::int32_t ComponentHost::send_name(GuestMemory mem, const std::uint64_t* args,
                                      GuestFault& fault) {
  const auto name_ptr = static_cast<std::uint32_t>(args[0]);
  const auto name_len = static_cast<std::uint32_t>(args[1]);
  const auto ptr = static_cast<std::uint32_t>(args[2]);
  const auto len = static_cast<std::uint32_t>(args[3]);
  if (!mem.contains(name_ptr, name_len) || !mem.contains(ptr, len))
    return outside(fault, "send_name");
  if (name_len > kMaxNameLength) return kInvalidArgument;
  const std::string_view name(reinterpret_cast<const char*>(mem.data + name_ptr), name_len);
  if (!spec_->capabilities.may_send_to(name)) return kNotGranted;
  if (len > spec_->limits.max_message_size) return kTooLarge;
  rt::Bytes payload(mem.data + ptr, mem.data + ptr + len);
  auto r = ctx_->send_message(name, rt::make_message(std::move(payload)));
  return r ? kOk : status_of(r.error());
}

std::int64_t ComponentHost::request(GuestMemory mem, const std::uint64_t* args, GuestFault& fault) {
  const auto ptr = static_cast<std::uint32_t>(args[1]);
  const auto len = static_cast<std::uint32_t>(args[2]);
  const auto timeout_ms = static_cast<std::uint32_t>(args[3]);
  if (!mem.contains(ptr, len)) return outside(fault, "request");
  if (!may_reach(Capabilities::Reach::request, args[0])) return kNotGranted;
  if (len > spec_->limits.max_message_size) return kTooLarge;
  const std::uint64_t id = next_request_id_++;
  rt::Bytes payload(mem.data + ptr, mem.data + ptr + len);
  ctx_->request_message(rt::Address::from_value(args[0]),
                        rt::make_message(std::move(payload), rt::MessageKind::request),
                        std::chrono::milliseconds(timeout_ms == 0 ? 5000 : timeout_ms),
                        [this, id](rt::ActorContext& ctx, rt::Message* reply, const Error* error) {
                          if (crashed_ || !instance_) return;
                          std::optional<rt::ExitReason> failed;
                          if (error != nullptr) {
                            failed = handle_reply(ctx, id, reply_status_of(*error), nullptr);
                          } else if (reply->is<rt::Bytes>()) {
                            failed = handle_reply(ctx, id, kReplyOk, &reply->as<rt::Bytes>());
                          } else {
                            failed = handle_reply(ctx, id, kReplyFailed, nullptr);
                          }
                          if (failed) ctx.stop(std::move(*failed));
                        });
  return static_cast<std::int64_t>(id);
}

std::int32_t ComponentHost::reply(GuestMemory mem, std::uint32_t ptr, std::uint32_t len,
                                  GuestFault& fault) {
  if (!mem.contains(ptr, len)) return outside(fault, "reply");
  // Only the message airssys_handle is handling can be answered, and not
  // one with no one to answer, an answer itself, or a timer: a message
  // bounces at most once between two components.
  if (!handling_ || handling_->nature == kUnanswerable || handling_->nature == kTimerMessage) {
    return kNoRequest;
  }
  if (len > spec_->limits.max_message_size) return kTooLarge;
  rt::Bytes payload(mem.data + ptr, mem.data + ptr + len);
  rt::MessagePtr msg = rt::make_message(std::move(payload));
  msg->is_answer = handling_->nature == kPlainMessage;
  auto r = ctx_->reply_message_to(handling_->token, std::move(msg));
  return r ? kOk : status_of(r.error());
}

std::int64_t ComponentHost::arm_timer(GuestMemory mem, const std::uint64_t* args, GuestFault& fault,
                                      const char* call) {
  const auto to = rt::Address::from_value(args[0]);
  const auto delay_ms = static_cast<std::uint32_t>(args[1]);
  const auto ptr = static_cast<std::uint32_t>(args[2]);
  const auto len = static_cast<std::uint32_t>(args[3]);
  if (!mem.contains(ptr, len)) return outside(fault, call);
  // To itself a component may always send (its own timers); elsewhere
  // the target must be granted as for send.
  const bool to_self = to == ctx_->self();
  if (!to_self && !may_reach(Capabilities::Reach::send, to.value())) return kNotGranted;
  if (len > spec_->limits.max_message_size) return kTooLarge;
  const rt::Clock::time_point now = ctx_->now();
  const rt::Clock::time_point at = now + std::chrono::milliseconds(delay_ms);
  const std::uint64_t handle = timers_.add(at, len, now);
  if (handle == 0) return kTimerLimit;
  rt::Bytes payload(mem.data + ptr, mem.data + ptr + len);
  // A timer to itself says which instance armed it: a successor at the
  // same address does not get it, even when it fired just before the end.
  rt::MessagePtr msg =
      to_self ? rt::make_message(GuestTimerFired{instance_serial_, handle, std::move(payload)})
              : rt::make_message(std::move(payload));
  timers_.armed(handle, ctx_->send_message_at(at, to, std::move(msg)));
  return static_cast<std::int64_t>(handle);
}

std::int32_t ComponentHost::cancel_timer(std::uint64_t handle) {
  const std::optional<rt::TimerId> id = timers_.cancel(handle);
  // Already fired (its message may be in the mailbox), cancelled, or never
  // armed by this instance.
  if (!id || !ctx_->cancel_timer(*id)) return kNoSuchTimer;
  return kOk;
}

void ComponentHost::cancel_timers() {
  if (system_ == nullptr) return;
  for (const rt::TimerId id : timers_.take_all()) (void)system_->cancel_timer(id);
}

void ComponentHost::write_log(int level, const std::string& text) const {
  if (spec_->logger) {
    spec_->logger(spec_->name, level, text);
  } else {
    std::fprintf(stderr, "[%s] %s\n", spec_->name.c_str(), text.c_str());
  }
}

void ComponentHost::log_line(int level, std::string_view text) {
  if (level < spec_->log_level) return;  // filtered out: costs no budget
  if (!log_budget_.admit(LogBudget::Clock::now())) {
    status_->count_log_dropped();
    return;
  }
  if (const std::uint64_t dropped = log_budget_.take_dropped(); dropped != 0) {
    write_log(2, std::to_string(dropped) + " log lines dropped (over log_rate " +
                     std::to_string(spec_->limits.log_rate) + "/s, log_burst " +
                     std::to_string(spec_->limits.log_burst) + ")");
  }
  // Made safe here, once, for every place it can go (guest_abi.md).
  write_log(level, rt::safe_text(text, kMaxLogText));
}

namespace {
// Standard output is the log's info level, standard error its warn level.
constexpr int kStdoutLevel = 1;
constexpr int kStderrLevel = 2;
}  // namespace

WasiHost::LineSink ComponentHost::output_lines() {
  return [this](int fd, std::string_view line) {
    log_line(fd == 1 ? kStdoutLevel : kStderrLevel, line);
  };
}

void ComponentHost::flush_output() {
  wasi_.flush(output_lines());
}

GuestFault ComponentHost::call_wasi(HostImport which, const std::uint64_t* args,
                                    std::uint64_t* result, GuestMemory mem) {
  const GuestFault f = wasi_.call(which, args, result, mem, output_lines());
  if (f == GuestFault::abi_violation) abi_error_ = wasi_.violation();
  if (f == GuestFault::exited) {
    // proc_exit's code is a process's: 0 is normal, anything else a
    // failure naming it (never one of the exit import's named codes).
    const std::uint32_t code = wasi_.exit_code();
    exit_code_ = code == 0 ? kExitNormal : 1;
    exit_text_ = code == 0 ? std::string() : "proc_exit(" + std::to_string(code) + ")";
  }
  return f;
}

GuestFault ComponentHost::call_host(HostImport which, const std::uint64_t* args,
                                    std::uint64_t* result, GuestMemory mem) {
  if (is_wasi(which)) return call_wasi(which, args, result, mem);
  GuestFault fault = GuestFault::none;
  auto as_result = [&](std::int64_t v) { *result = static_cast<std::uint64_t>(v); };
  switch (which) {
    case HostImport::send:
      as_result(send(mem, args[0], static_cast<std::uint32_t>(args[1]),
                     static_cast<std::uint32_t>(args[2]), fault));
      break;
    case HostImport::send_name: as_result(send_name(mem, args, fault)); break;
    case HostImport::request: as_result(request(mem, args, fault)); break;
    case HostImport::reply:
      as_result(reply(mem, static_cast<std::uint32_t>(args[0]), static_cast<std::uint32_t>(args[1]),
                      fault));
      break;
    case HostImport::self: as_result(static_cast<std::int64_t>(ctx_->self().value())); break;
    case HostImport::lookup: {
      const auto ptr = static_cast<std::uint32_t>(args[0]);
      const auto len = static_cast<std::uint32_t>(args[1]);
      if (!mem.contains(ptr, len)) return outside("lookup");
      if (!spec_->capabilities.may_lookup() || len > kMaxNameLength) {
        as_result(0);
        break;
      }
      auto found =
          ctx_->whereis(std::string_view(reinterpret_cast<const char*>(mem.data + ptr), len));
      as_result(found ? static_cast<std::int64_t>(found->value()) : 0);
      break;
    }
    case HostImport::log: {
      const auto ptr = static_cast<std::uint32_t>(args[1]);
      const auto len = static_cast<std::uint32_t>(args[2]);
      if (!mem.contains(ptr, len)) return outside("log");
      log_line(static_cast<std::int32_t>(args[0]),
               std::string_view(reinterpret_cast<const char*>(mem.data + ptr), len));
      break;
    }
    case HostImport::now:
      as_result(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count());
      break;
    case HostImport::exit: {
      const auto ptr = static_cast<std::uint32_t>(args[1]);
      const auto len = static_cast<std::uint32_t>(args[2]);
      // Like every other import: a text outside memory is a violation, not
      // an exit with the text left out.
      if (!mem.contains(ptr, len)) return outside("exit");
      exit_code_ = static_cast<std::int32_t>(args[0]);
      exit_text_ = rt::safe_text(
          std::string_view(reinterpret_cast<const char*>(mem.data + ptr), len), kMaxExitText);
      return GuestFault::exited;
    }
    case HostImport::send_after: {
      // start_timer's, with 0 for any timer id.
      const std::int64_t r = arm_timer(mem, args, fault, "send_after");
      as_result(r > 0 ? std::int64_t{kOk} : r);
      break;
    }
    case HostImport::start_timer: as_result(arm_timer(mem, args, fault, "start_timer")); break;
    case HostImport::cancel_timer: as_result(cancel_timer(args[0])); break;
    case HostImport::message_kind:
      as_result(handling_ ? std::int64_t{handling_->nature} : std::int64_t{kNoRequest});
      break;
    case HostImport::meter_out_of_fuel:
    case HostImport::meter_memory_grow:
    case HostImport::meter_table_grow:
    case HostImport::meter_stack_check:
      return GuestFault::other_trap;         // handled by the instance, never routed here
    default: return GuestFault::other_trap;  // WASI: answered above
  }
  return fault;
}

}  // namespace airssys::wasm::detail
