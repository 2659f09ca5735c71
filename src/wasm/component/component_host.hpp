// One component instance and the guest ABI's host side: waits for the
// module's compile when it is not compiled yet, creates the fresh instance,
// runs init / handle / health / shutdown under the component's limits, and
// carries out the guest's host calls through the actor context of the call
// in progress.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "airssys/rt/actor_context.hpp"
#include "airssys/wasm/component_actor.hpp"
#include "airssys/wasm/component_spec.hpp"
#include "airssys/wasm/component_state.hpp"
#include "component/guest_timers.hpp"
#include "component/log_budget.hpp"
#include "component/wasi_host.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

class ComponentHost final : public HostInterface {
 public:
  ComponentHost(std::shared_ptr<const ComponentSpec> spec, std::shared_ptr<ComponentStatus> status)
      : spec_(std::move(spec)),
        status_(std::move(status)),
        log_budget_(spec_->limits.log_rate, spec_->limits.log_burst, LogBudget::Clock::now()),
        timers_(spec_->limits.max_timers, spec_->limits.timer_bytes),
        wasi_(spec_->name, spec_->args, spec_->env) {}
  // The instance's timers end with it.
  ~ComponentHost() override { cancel_timers(); }
  ComponentHost(const ComponentHost&) = delete;
  ComponentHost& operator=(const ComponentHost&) = delete;

  // Each returns the reason the component must exit, or nothing.
  //
  // Starts the fresh instance: creates it and runs its init, all within the
  // startup timeout, which counts from this call. When the module is not
  // compiled for an aot engine yet, the compile runs on the compile threads
  // instead (never on this one): start() returns with compiling() true, and
  // `compiled` is called from the compile thread when it ends; then
  // resume_start() goes on.
  std::optional<rt::ExitReason> start(rt::ActorContext& ctx, std::function<void()> compiled);
  bool compiling() const { return compile_.active(); }
  // The compile that compiling() waits for has ended (any thread's view).
  bool compile_ended() const { return compile_.result().has_value(); }
  // After the compile ended: the rest of start().
  std::optional<rt::ExitReason> resume_start(rt::ActorContext& ctx);
  // Stops waiting for the compile, which is cancelled (its C compiler
  // killed) unless another component waits for it too.
  void abandon_compile() { compile_.leave(); }
  // What a start still compiling says of itself: "the aot compile of
  // <module> was too slow ...".
  std::string compile_too_slow() const;
  // The startup timeout passed while compiling: the start fails with
  // "startup_timeout: <compile_too_slow()>" and the compile is abandoned.
  rt::ExitReason compile_timed_out();
  // `msg` carries the payload `data`/`len`. `token` answers a message
  // handled later than it arrived (taken while the component was not yet
  // Ready); null for the message being handled.
  std::optional<rt::ExitReason> handle(rt::ActorContext& ctx, const rt::Message& msg,
                                       const std::uint8_t* data, std::size_t len,
                                       const rt::ActorContext::ReplyToken* token = nullptr);
  std::optional<rt::ExitReason> handle_reply(rt::ActorContext& ctx, std::uint64_t request_id,
                                             std::int32_t status, const rt::Bytes* payload);
  std::optional<rt::ExitReason> health(rt::ActorContext& ctx, ComponentHealth& out);
  // A periodic check: like health() but a trap or a timeout is a failed
  // check (`failure` says which), not a crash of the component.
  struct Probe {
    ComponentHealth health = ComponentHealth::healthy;
    std::string failure;
  };
  Probe probe_health(rt::ActorContext& ctx);
  bool has_health_export() const;
  void shutdown(rt::ActorContext& ctx);
  // A WASI command (the module exports _start): it has no messages to
  // handle; once Ready it runs _start to its end, as one call, and
  // run_command() says how it ended (normal when _start returned or called
  // proc_exit(0)).
  bool is_command() const { return spec_->module->is_command(); }
  rt::ExitReason run_command(rt::ActorContext& ctx);
  // The lines WASI standard output and error have begun, to the log (the
  // instance ends: any way but a kill, which runs nothing of it).
  void flush_output();

  // Which instance of the component this is (1 for the first); timers it
  // armed to itself carry it.
  std::uint64_t instance() const { return instance_serial_; }
  // A timer this instance armed to itself arrived.
  void timer_fired(std::uint64_t handle) { timers_.fired(handle); }
  // Cancels every timer this instance has pending (it ends).
  void cancel_timers();

  bool crashed() const { return crashed_; }
  const ComponentSpec& spec() const { return *spec_; }
  ComponentStatus& status() const { return *status_; }

  GuestFault call_host(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                       GuestMemory memory) override;
  bool interrupted() const override { return ctx_ != nullptr && ctx_->kill_pending(); }
  std::uint64_t take_work() override { return wasi_.take_work(); }

 private:
  // One line of the guest's log (text made safe) to the spec's logger.
  void write_log(int level, const std::string& text) const;
  // A line the guest logged (log, or WASI standard output and error):
  // filtered by level, counted against the log budget, made safe.
  void log_line(int level, std::string_view text);
  // Where WASI standard output and error go: log_line.
  WasiHost::LineSink output_lines();
  GuestFault call_wasi(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                       GuestMemory memory);
  CallLimits limits(rt::Duration deadline, GuestFault deadline_fault) const;
  CallLimits limits_until(SteadyTime deadline, GuestFault deadline_fault) const;
  // Creates the instance and runs _initialize and airssys_init.
  std::optional<rt::ExitReason> instantiate(rt::ActorContext& ctx, const CompiledModule& compiled);
  std::optional<rt::ExitReason> init_failed(const std::string& why);
  CallOutcome call(rt::ActorContext& ctx, GuestExport e, std::initializer_list<std::uint64_t> args,
                   const CallLimits& limits);
  // Copies `data` into guest memory through airssys_alloc.
  CallOutcome copy_in(rt::ActorContext& ctx, const std::uint8_t* data, std::size_t len,
                      const CallLimits& limits);
  // The exit reason for a failed call (and marks the instance crashed).
  rt::ExitReason failure(const GuestFailure& f, const char* during);
  // Nothing when the export ran and returned 0; otherwise the exit reason:
  // the failure's (prefixed with `during` when given), or for a non-zero
  // result "<during or handler_failed>: <export> returned <n>".
  std::optional<rt::ExitReason> outcome(const CallOutcome& out, GuestExport e, const char* during);

  GuestFault outside(const char* call);
  std::int32_t outside(GuestFault& fault, const char* call);
  bool may_reach(Capabilities::Reach r, std::uint64_t to) const;
  std::int32_t send(GuestMemory mem, std::uint64_t to, std::uint32_t ptr, std::uint32_t len,
                    GuestFault& fault);
  std::int32_t send_name(GuestMemory mem, const std::uint64_t* args, GuestFault& fault);
  std::int64_t request(GuestMemory mem, const std::uint64_t* args, GuestFault& fault);
  std::int32_t reply(GuestMemory mem, std::uint32_t ptr, std::uint32_t len, GuestFault& fault);
  // send_after and start_timer: a timer id (> 0) or a negative status.
  std::int64_t arm_timer(GuestMemory mem, const std::uint64_t* args, GuestFault& fault,
                         const char* call);
  std::int32_t cancel_timer(std::uint64_t handle);
  // What message_kind says of the message being handled.
  static MessageNature nature_of(const rt::Message& msg, const rt::ActorContext::ReplyToken& token);

  // The message airssys_handle is handling.
  struct Handling {
    rt::ActorContext::ReplyToken token;
    MessageNature nature;
  };

  std::shared_ptr<const ComponentSpec> spec_;
  std::shared_ptr<ComponentStatus> status_;
  LogBudget log_budget_;  // of this instance
  std::unique_ptr<WasmInstance> instance_;
  CompileWait compile_;          // while the module is compiled for this start
  SteadyTime start_deadline_{};  // the startup timeout's end
  GuestTimers timers_;           // of this instance
  WasiHost wasi_;                // of this instance
  rt::ActorSystem* system_ = nullptr;
  std::uint64_t instance_serial_ = 0;
  rt::ActorContext* ctx_ = nullptr;   // during a guest call
  std::optional<Handling> handling_;  // during airssys_handle
  bool crashed_ = false;
  std::int32_t exit_code_ = 0;
  std::string exit_text_;
  std::string abi_error_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace airssys::wasm::detail
