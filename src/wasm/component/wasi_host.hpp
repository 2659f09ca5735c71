// WASI preview 1 (module wasi_snapshot_preview1) for one instance: a
// process with standard input at its end, standard output and error as
// lines of the component's log, the config's args and environment, the
// host's clocks and CSPRNG, and no files, directories or sockets. Every
// function of the preview is answered, so ordinary toolchain output links;
// what a component cannot have answers an errno (docs/guest-abi.md,
// "WASI preview 1"). Pointers are checked against the memory before
// anything is read or written: one outside it stops the guest, as for
// every import.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airssys/wasm/guest_fault.hpp"
#include "guest_abi.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

// The errnos this host answers with (wasi/api.h's values).
enum WasiErrno : std::uint16_t {
  kWasiSuccess = 0,
  kWasiBadf = 8,
  kWasiInval = 28,
  kWasiIo = 29,
  kWasiNosys = 52,
  kWasiNotsup = 58,
  kWasiSpipe = 70,
  kWasiNotcapable = 76,
};

class WasiHost {
 public:
  // Receives each line of standard output (fd 1) and error (fd 2), without
  // its newline; a line is cut at kMaxLine bytes.
  using LineSink = std::function<void(int fd, std::string_view line)>;
  static constexpr std::size_t kMaxLine = 4096;

  // argv is `program` and then `args`; `env` holds "NAME=value" strings.
  WasiHost(std::string_view program, const std::vector<std::string>& args,
           const std::vector<std::string>& env);

  // Answers `which` (a WASI import): the errno in *result, or a fault that
  // stops the guest: abi_violation (a buffer outside memory; violation()
  // says where) or exited (proc_exit; exit_code() says with what).
  GuestFault call(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                  GuestMemory mem, const LineSink& out);
  std::uint32_t exit_code() const { return exit_code_; }
  // The work the calls since the last take did (about a fuel unit a byte).
  std::uint64_t take_work() { return std::exchange(work_, 0); }
  // The most one fd_write takes (a short write beyond: the guest's libc
  // writes the rest), iovecs one call may pass, and bytes one random_get
  // may ask for.
  static constexpr std::size_t kMaxWriteBytes = std::size_t{1} << 20;
  static constexpr std::uint32_t kMaxIovecs = 1024;
  static constexpr std::uint32_t kMaxRandomBytes = 1U << 20;
  const std::string& violation() const { return violation_; }

  // The lines standard output and error have begun, ended now (the
  // instance ends).
  void flush(const LineSink& out);

 private:
  // A block of argv or environ: the strings with their NULs, end to end.
  struct Strings {
    std::uint32_t count = 0;
    std::string bytes;
  };
  static Strings pack(std::string_view first, const std::vector<std::string>& rest);

  std::uint16_t sizes_get(const Strings& s, GuestMemory mem, std::uint32_t count_ptr,
                          std::uint32_t size_ptr, GuestFault& fault, const char* call);
  std::uint16_t strings_get(const Strings& s, GuestMemory mem, std::uint32_t ptrs,
                            std::uint32_t buf, GuestFault& fault, const char* call);
  std::uint16_t fd_write(GuestMemory mem, const std::uint64_t* args, GuestFault& fault,
                         const LineSink& out);
  std::uint16_t fd_read(GuestMemory mem, const std::uint64_t* args, GuestFault& fault);
  // The `size` bytes at `ptr` zeroed for a structure describing fd 0-2, or
  // null with the errno in `e` or the fault set.
  std::uint8_t* stdio_record(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr, std::size_t size,
                             const char* call, GuestFault& fault, std::uint16_t& e);
  std::uint16_t fd_fdstat_get(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr,
                              GuestFault& fault);
  std::uint16_t fd_filestat_get(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr,
                                GuestFault& fault);
  std::uint16_t clock_get(GuestMemory mem, std::uint32_t id, std::uint32_t ptr, bool resolution,
                          GuestFault& fault, const char* call);
  std::uint16_t random_get(GuestMemory mem, std::uint32_t ptr, std::uint32_t len,
                           GuestFault& fault);
  // Standard input, output or error, not closed.
  bool open(std::uint32_t fd) const { return fd < 3 && !closed_[fd]; }
  void emit(int fd, const LineSink& out);
  GuestFault outside(const char* call);

  Strings argv_;
  Strings environ_;
  std::array<std::string, 2> pending_;  // the line fd 1 and fd 2 have begun
  std::array<bool, 3> closed_{};
  std::uint32_t exit_code_ = 0;
  std::uint64_t work_ = 0;
  std::string violation_;
};

}  // namespace airssys::wasm::detail
