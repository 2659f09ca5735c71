// One component instance and the guest ABI's host side: creates the fresh
// instance, runs init / handle / health / shutdown under the component's
// limits, and carries out the guest's host calls through the actor context
// of the call in progress.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "airssys/rt/actor_context.hpp"
#include "airssys/wasm/component_actor.hpp"
#include "airssys/wasm/component_spec.hpp"
#include "airssys/wasm/component_state.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

class ComponentHost final : public HostInterface {
 public:
  ComponentHost(std::shared_ptr<const ComponentSpec> spec, std::shared_ptr<ComponentStatus> status)
      : spec_(std::move(spec)), status_(std::move(status)) {}

  // Each returns the reason the component must exit, or nothing.
  std::optional<rt::ExitReason> start(rt::ActorContext& ctx);
  // `token` answers a message handled later than it arrived (taken while
  // the component was not yet Ready); null for the message being handled.
  std::optional<rt::ExitReason> handle(rt::ActorContext& ctx, rt::Address sender,
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

  bool crashed() const { return crashed_; }
  const ComponentSpec& spec() const { return *spec_; }
  ComponentStatus& status() const { return *status_; }

  GuestFault call_host(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                       GuestMemory memory) override;

 private:
  CallLimits limits(rt::Duration deadline, GuestFault deadline_fault) const;
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

  std::shared_ptr<const ComponentSpec> spec_;
  std::shared_ptr<ComponentStatus> status_;
  std::unique_ptr<WasmInstance> instance_;
  rt::ActorContext* ctx_ = nullptr;                            // during a guest call
  const rt::ActorContext::ReplyToken* reply_token_ = nullptr;  // during a deferred handle
  bool crashed_ = false;
  std::int32_t exit_code_ = 0;
  std::string exit_text_;
  std::string abi_error_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace airssys::wasm::detail
