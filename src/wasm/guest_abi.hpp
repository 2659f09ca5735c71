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
  // WASI preview 1 (module wasi_snapshot_preview1), in the order of
  // wasi-libc's api.h; answered by WasiHost (component/wasi_host.hpp)
  wasi_args_get,
  wasi_args_sizes_get,
  wasi_environ_get,
  wasi_environ_sizes_get,
  wasi_clock_res_get,
  wasi_clock_time_get,
  wasi_fd_advise,
  wasi_fd_allocate,
  wasi_fd_close,
  wasi_fd_datasync,
  wasi_fd_fdstat_get,
  wasi_fd_fdstat_set_flags,
  wasi_fd_fdstat_set_rights,
  wasi_fd_filestat_get,
  wasi_fd_filestat_set_size,
  wasi_fd_filestat_set_times,
  wasi_fd_pread,
  wasi_fd_prestat_get,
  wasi_fd_prestat_dir_name,
  wasi_fd_pwrite,
  wasi_fd_read,
  wasi_fd_readdir,
  wasi_fd_renumber,
  wasi_fd_seek,
  wasi_fd_sync,
  wasi_fd_tell,
  wasi_fd_write,
  wasi_path_create_directory,
  wasi_path_filestat_get,
  wasi_path_filestat_set_times,
  wasi_path_link,
  wasi_path_open,
  wasi_path_readlink,
  wasi_path_remove_directory,
  wasi_path_rename,
  wasi_path_symlink,
  wasi_path_unlink_file,
  wasi_poll_oneoff,
  wasi_proc_exit,
  wasi_proc_raise,
  wasi_sched_yield,
  wasi_random_get,
  wasi_sock_accept,
  wasi_sock_recv,
  wasi_sock_send,
  wasi_sock_shutdown,
};
inline constexpr std::size_t kGuestVisibleImportCount = 13;
inline constexpr std::size_t kFirstMeterImport = 13;
inline constexpr std::size_t kMeterImportCount = 4;
inline constexpr std::size_t kFirstWasiImport = kFirstMeterImport + kMeterImportCount;
inline constexpr std::size_t kWasiImportCount = 46;
inline constexpr std::size_t kHostImportCount = kFirstWasiImport + kWasiImportCount;
// The most parameters an import takes (wasi path_open).
inline constexpr std::size_t kMaxImportParams = 9;
inline constexpr std::string_view kWasiModule = "wasi_snapshot_preview1";

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
    {"args_get", "ii", "i"},
    {"args_sizes_get", "ii", "i"},
    {"environ_get", "ii", "i"},
    {"environ_sizes_get", "ii", "i"},
    {"clock_res_get", "ii", "i"},
    {"clock_time_get", "iIi", "i"},
    {"fd_advise", "iIIi", "i"},
    {"fd_allocate", "iII", "i"},
    {"fd_close", "i", "i"},
    {"fd_datasync", "i", "i"},
    {"fd_fdstat_get", "ii", "i"},
    {"fd_fdstat_set_flags", "ii", "i"},
    {"fd_fdstat_set_rights", "iII", "i"},
    {"fd_filestat_get", "ii", "i"},
    {"fd_filestat_set_size", "iI", "i"},
    {"fd_filestat_set_times", "iIIi", "i"},
    {"fd_pread", "iiiIi", "i"},
    {"fd_prestat_get", "ii", "i"},
    {"fd_prestat_dir_name", "iii", "i"},
    {"fd_pwrite", "iiiIi", "i"},
    {"fd_read", "iiii", "i"},
    {"fd_readdir", "iiiIi", "i"},
    {"fd_renumber", "ii", "i"},
    {"fd_seek", "iIii", "i"},
    {"fd_sync", "i", "i"},
    {"fd_tell", "ii", "i"},
    {"fd_write", "iiii", "i"},
    {"path_create_directory", "iii", "i"},
    {"path_filestat_get", "iiiii", "i"},
    {"path_filestat_set_times", "iiiiIIi", "i"},
    {"path_link", "iiiiiii", "i"},
    {"path_open", "iiiiiIIii", "i"},
    {"path_readlink", "iiiiii", "i"},
    {"path_remove_directory", "iii", "i"},
    {"path_rename", "iiiiii", "i"},
    {"path_symlink", "iiiii", "i"},
    {"path_unlink_file", "iii", "i"},
    {"poll_oneoff", "iiii", "i"},
    {"proc_exit", "i", ""},
    {"proc_raise", "i", "i"},
    {"sched_yield", "", "i"},
    {"random_get", "ii", "i"},
    {"sock_accept", "iii", "i"},
    {"sock_recv", "iiiiii", "i"},
    {"sock_send", "iiiii", "i"},
    {"sock_shutdown", "ii", "i"},
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
constexpr std::size_t most_import_params() {
  std::size_t n = 0;
  for (const FunctionShape& s : kHostImports) n = s.params.size() > n ? s.params.size() : n;
  return n;
}
static_assert(most_import_params() == kMaxImportParams);
static_assert(kHostImports[kFirstWasiImport].name == "args_get");
static_assert(kHostImports[kHostImportCount - 1].name == "sock_shutdown");

constexpr bool is_wasi(HostImport i) {
  return static_cast<std::size_t>(i) >= kFirstWasiImport;
}
// The module an import belongs to.
constexpr std::string_view module_of(HostImport i) {
  const auto k = static_cast<std::size_t>(i);
  return k < kFirstMeterImport ? kHostModule : k < kFirstWasiImport ? kMeterModule : kWasiModule;
}

}  // namespace airssys::wasm::detail
