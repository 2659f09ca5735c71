// Names of the wasm layer's enums, as they appear in exit reasons, events
// and configs.
#include "airssys/wasm/component_limits.hpp"
#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/guest_fault.hpp"
#include "airssys/wasm/health_settings.hpp"

namespace airssys::wasm {

const char* to_string(GuestFault fault) noexcept {
  switch (fault) {
    case GuestFault::none: return "none";
    case GuestFault::unreachable: return "trap:unreachable";
    case GuestFault::out_of_bounds: return "trap:out_of_bounds";
    case GuestFault::divide_by_zero: return "trap:divide_by_zero";
    case GuestFault::integer_overflow: return "trap:integer_overflow";
    case GuestFault::invalid_conversion: return "trap:invalid_conversion";
    case GuestFault::indirect_call: return "trap:indirect_call";
    case GuestFault::stack_overflow: return "stack_overflow";
    case GuestFault::fuel_exhausted: return "fuel_exhausted";
    case GuestFault::deadline: return "deadline";
    case GuestFault::startup_timeout: return "startup_timeout";
    case GuestFault::memory_limit: return "memory_limit";
    case GuestFault::table_limit: return "table_limit";
    case GuestFault::abi_violation: return "abi_violation";
    case GuestFault::exited: return "exited";
    case GuestFault::killed: return "killed";
    case GuestFault::other_trap: return "trap";
  }
  return "unknown";
}

std::string GuestFailure::describe() const {
  std::string s = to_string(fault);
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

const char* to_string(EngineKind kind) noexcept {
  return kind == EngineKind::aot ? "aot" : "interp";
}

std::optional<EngineKind> parse_engine_kind(std::string_view text) {
  if (text == "interp") return EngineKind::interp;
  if (text == "aot") return EngineKind::aot;
  return std::nullopt;
}

Result<void> ComponentLimits::validate() const {
  if (memory_limit < 65536) {
    return Error{ErrorCode::invalid_argument, "memory_limit must be at least one page (64KiB)"};
  }
  if (memory_limit > (std::size_t{4} << 30)) {
    return Error{ErrorCode::invalid_argument,
                 "memory_limit must be at most 4GiB (all a 32-bit wasm memory can address)"};
  }
  if (table_limit == 0 || table_limit > 100'000'000) {
    return Error{ErrorCode::invalid_argument,
                 "table_limit must be between 1 and 100000000 elements"};
  }
  if (stack_limit == 0 || stack_limit > 100000) {
    return Error{ErrorCode::invalid_argument, "stack_limit must be between 1 and 100000 frames"};
  }
  if (call_deadline <= rt::Duration::zero()) {
    return Error{ErrorCode::invalid_argument, "call_deadline must be positive"};
  }
  if (max_message_size == 0 || max_message_size > (std::size_t{1} << 30)) {
    return Error{ErrorCode::invalid_argument, "max_message_size must be between 1 byte and 1GiB"};
  }
  if (log_burst == 0 || log_burst > 1'000'000) {
    return Error{ErrorCode::invalid_argument, "log_burst must be between 1 and 1000000 lines"};
  }
  if (max_timers == 0 || max_timers > 1'000'000) {
    return Error{ErrorCode::invalid_argument, "max_timers must be between 1 and 1000000 timers"};
  }
  if (timer_bytes == 0 || timer_bytes > (std::size_t{4} << 30)) {
    return Error{ErrorCode::invalid_argument, "timer_bytes must be between 1 byte and 4GiB"};
  }
  return {};
}

Result<void> HealthSettings::validate() const {
  if (interval <= rt::Duration::zero()) {
    return Error{ErrorCode::invalid_argument, "health interval must be positive"};
  }
  if (timeout <= rt::Duration::zero()) {
    return Error{ErrorCode::invalid_argument, "health timeout must be positive"};
  }
  if (failures == 0) {
    return Error{ErrorCode::invalid_argument, "health failures must be at least 1"};
  }
  if (initial_delay < rt::Duration::zero()) {
    return Error{ErrorCode::invalid_argument, "health initial_delay must not be negative"};
  }
  if (stuck_after < rt::Duration::zero()) {
    return Error{ErrorCode::invalid_argument, "health stuck_after must not be negative"};
  }
  return {};
}

}  // namespace airssys::wasm
