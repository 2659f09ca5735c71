// Guest ABI v1 as the host sees it: the exports it calls, the imports it
// provides, their signatures and the error codes host calls return. The
// guest-side view is sdk/c/airssys.h; the prose is docs/guest-abi.md.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace airssys::wasm::detail {

inline constexpr std::uint32_t kAbiVersion = 1;
inline constexpr std::string_view kHostModule = "airssys";
// Added by the metering pass; a guest that imports from it is rejected.
inline constexpr std::string_view kMeterModule = "airssys_meter";
inline constexpr std::string_view kFuelGlobalExport = "airssys_meter:fuel";
inline constexpr std::string_view kDepthGlobalExport = "airssys_meter:depth";
inline constexpr std::string_view kMemoryExport = "memory";

// Signatures as strings: i = i32, I = i64.
struct FunctionShape {
  std::string_view name;
  std::string_view params;
  std::string_view results;
};

enum class GuestExport : std::uint8_t {
  abi_version,
  alloc,
  init,
  handle,
  handle_reply,
  health,
  shutdown,
};
inline constexpr std::size_t kGuestExportCount = 7;

inline constexpr std::array<FunctionShape, kGuestExportCount> kGuestExports = {{
    {"airssys_abi_version", "", "i"},
    {"airssys_alloc", "i", "i"},
    {"airssys_init", "ii", "i"},
    {"airssys_handle", "Iii", "i"},
    {"airssys_handle_reply", "Iiii", "i"},
    {"airssys_health", "", "i"},
    {"airssys_shutdown", "", ""},
}};
inline constexpr std::array<bool, kGuestExportCount> kGuestExportRequired = {
    true, true, false, true, false, false, false};

enum class HostImport : std::uint8_t {
  send,
  send_name,
  request,
  reply,
  self,
  lookup,
  log,
  now,
  exit,
  send_after,
  start_timer,   // additive in v1: send_after that returns a timer id
  cancel_timer,  // additive in v1
  message_kind,  // additive in v1: what the message being handled is
  // added by the metering pass, in this order
  meter_out_of_fuel,
  meter_memory_grow,
  meter_table_grow,   // (elements all tables would hold) before a table.grow
  meter_stack_check,  // at every function entry in native (aot) code
};
inline constexpr std::size_t kHostImportCount = 17;
inline constexpr std::size_t kGuestVisibleImportCount = 13;
inline constexpr std::size_t kFirstMeterImport = 13;
inline constexpr std::size_t kMeterImportCount = kHostImportCount - kFirstMeterImport;

inline constexpr std::array<FunctionShape, kHostImportCount> kHostImports = {{
    {"send", "Iii", "i"},
    {"send_name", "iiii", "i"},
    {"request", "Iiii", "I"},
    {"reply", "ii", "i"},
    {"self", "", "I"},
    {"lookup", "ii", "I"},
    {"log", "iii", ""},
    {"now", "", "I"},
    {"exit", "iii", ""},
    {"send_after", "Iiii", "i"},
    {"start_timer", "Iiii", "I"},
    {"cancel_timer", "I", "i"},
    {"message_kind", "", "i"},
    {"out_of_fuel", "", ""},
    {"memory_grow", "i", "i"},
    {"table_grow", "I", ""},
    {"stack_check", "", ""},
}};

// Returned by host calls (negative; 0 is success).
enum HostStatus : std::int32_t {
  kOk = 0,
  kNoSuchActor = -1,
  kNotGranted = -2,
  kTooLarge = -3,
  kNameNotFound = -4,
  kNoRequest = -5,
  kStopping = -6,
  kInvalidArgument = -7,
  kMailboxFull = -8,
  kTimerLimit = -9,  // max_timers or timer_bytes pending already
  kNoSuchTimer = -10,
};

// Exit codes of the exit import with a meaning of their own; any other
// code is a failure (exit reason `exit: <text>`). Codes from
// kExitReservedFirst up are reserved for named exits like these.
enum ExitCode : std::int32_t {
  kExitNormal = 0,  // a normal exit
  kExitReservedFirst = 0x7fff0000,
  kExitShutdown = 0x7fff0001,  // exit reason shutdown (the text its detail), as OTP's {shutdown, T}
};

// What message_kind says of the message being handled.
enum MessageNature : std::int32_t {
  kPlainMessage = 0,    // reply sends a message back to its sender
  kRequestMessage = 1,  // reply answers it
  kUnanswerable = 2,    // from no actor, or itself an answer made by reply
  kTimerMessage = 3,    // one of its own timers
};

// Reply status passed to airssys_handle_reply.
enum ReplyStatus : std::int32_t {
  kReplyOk = 0,
  kReplyTimeout = 1,
  kReplyNoSuchActor = 2,
  kReplyUnhandled = 3,
  kReplyFailed = 4,
};

// Health codes returned by airssys_health.
enum HealthCode : std::int32_t { kHealthy = 0, kDegraded = 1, kUnhealthy = 2 };

constexpr const FunctionShape& shape(GuestExport e) {
  return kGuestExports[static_cast<int>(e)];
}
constexpr const FunctionShape& shape(HostImport i) {
  return kHostImports[static_cast<int>(i)];
}

}  // namespace airssys::wasm::detail
