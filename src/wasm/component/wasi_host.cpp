#include "component/wasi_host.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

namespace airssys::wasm::detail {
namespace {

// wasi/api.h: filetype, rights and clock ids this host speaks of.
constexpr std::uint8_t kFiletypeCharacterDevice = 2;
constexpr std::uint64_t kRightFdRead = 1U << 1;
constexpr std::uint64_t kRightFdWrite = 1U << 6;
constexpr std::uint64_t kRightPollFdReadwrite = 1U << 27;
constexpr std::uint32_t kClockRealtime = 0;
constexpr std::uint32_t kClockMonotonic = 1;
constexpr std::uint32_t kClockProcessCputime = 2;
constexpr std::uint32_t kClockThreadCputime = 3;
// Sizes of the structures written into the guest.
constexpr std::size_t kFdstatSize = 24;
constexpr std::size_t kFilestatSize = 64;
constexpr std::size_t kIovecSize = 8;

std::uint32_t u32(std::uint64_t v) {
  return static_cast<std::uint32_t>(v);
}

// Little-endian, as wasm memory is.
template <class T>
void put(std::uint8_t* at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    at[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i));
  }
}

std::uint32_t get_u32(const std::uint8_t* at) {
  return static_cast<std::uint32_t>(at[0]) | static_cast<std::uint32_t>(at[1]) << 8 |
         static_cast<std::uint32_t>(at[2]) << 16 | static_cast<std::uint32_t>(at[3]) << 24;
}

// The iovec array of fd_read / fd_write, checked: every buffer inside
// memory, their sum a u32. Nothing is read or written before this.
struct Iovecs {
  std::uint32_t ptr = 0;
  std::uint32_t count = 0;
  std::uint64_t total = 0;
};

enum class IovecCheck : std::uint8_t { ok, outside, too_long };

IovecCheck check_iovecs(GuestMemory mem, Iovecs& v) {
  if (!mem.contains(v.ptr, std::uint64_t{v.count} * kIovecSize)) return IovecCheck::outside;
  if (v.count > WasiHost::kMaxIovecs) return IovecCheck::too_long;
  v.total = 0;
  for (std::uint32_t i = 0; i < v.count; ++i) {
    const std::uint8_t* iov = mem.data + v.ptr + std::size_t{i} * kIovecSize;
    const std::uint32_t buf = get_u32(iov);
    const std::uint32_t len = get_u32(iov + 4);
    if (!mem.contains(buf, len)) return IovecCheck::outside;
    v.total += len;
  }
  return v.total > std::numeric_limits<std::uint32_t>::max() ? IovecCheck::too_long
                                                             : IovecCheck::ok;
}

const char* wasi_name(HostImport which) {
  return shape(which).name.data();  // the table's literals end in NUL
}

}  // namespace

WasiHost::Strings WasiHost::pack(std::string_view first, const std::vector<std::string>& rest) {
  Strings s;
  if (!first.empty()) {
    s.bytes.append(first).push_back('\0');
    ++s.count;
  }
  for (const auto& r : rest) {
    s.bytes.append(r).push_back('\0');
    ++s.count;
  }
  return s;
}

WasiHost::WasiHost(std::string_view program, const std::vector<std::string>& args,
                   const std::vector<std::string>& env)
    : argv_(pack(program, args)), environ_(pack({}, env)) {}

GuestFault WasiHost::outside(const char* call) {
  violation_ = "wasi_snapshot_preview1." + std::string(call) + ": buffer outside memory";
  return GuestFault::abi_violation;
}

std::uint16_t WasiHost::sizes_get(const Strings& s, GuestMemory mem, std::uint32_t count_ptr,
                                  std::uint32_t size_ptr, GuestFault& fault, const char* call) {
  if (!mem.contains(count_ptr, 4) || !mem.contains(size_ptr, 4)) {
    fault = outside(call);
    return kWasiSuccess;
  }
  put(mem.data + count_ptr, s.count);
  put(mem.data + size_ptr, static_cast<std::uint32_t>(s.bytes.size()));
  return kWasiSuccess;
}

std::uint16_t WasiHost::strings_get(const Strings& s, GuestMemory mem, std::uint32_t ptrs,
                                    std::uint32_t buf, GuestFault& fault, const char* call) {
  if (!mem.contains(ptrs, std::uint64_t{s.count} * 4) || !mem.contains(buf, s.bytes.size())) {
    fault = outside(call);
    return kWasiSuccess;
  }
  work_ += s.bytes.size();
  std::memcpy(mem.data + buf, s.bytes.data(), s.bytes.size());
  std::uint32_t at = 0;
  for (std::uint32_t i = 0; i < s.count; ++i) {
    put(mem.data + ptrs + std::size_t{i} * 4, buf + at);
    at += static_cast<std::uint32_t>(std::strlen(s.bytes.data() + at)) + 1;
  }
  return kWasiSuccess;
}

void WasiHost::emit(int fd, const LineSink& out) {
  std::string& line = pending_[static_cast<std::size_t>(fd - 1)];
  out(fd, line);
  line.clear();
}

std::uint16_t WasiHost::fd_write(GuestMemory mem, const std::uint64_t* args, GuestFault& fault,
                                 const LineSink& out) {
  const std::uint32_t fd = u32(args[0]);
  Iovecs v{u32(args[1]), u32(args[2])};
  const std::uint32_t written_ptr = u32(args[3]);
  const IovecCheck check = check_iovecs(mem, v);
  if (check == IovecCheck::outside || !mem.contains(written_ptr, 4)) {
    fault = outside("fd_write");
    return kWasiSuccess;
  }
  if (!open(fd) || fd == 0) return kWasiBadf;
  if (check == IovecCheck::too_long) return kWasiInval;
  // Every byte taken is written: a line the log drops (over its budget) is
  // counted there, never an error here (a failing write makes Rust's
  // println! panic). At most kMaxWriteBytes a call: a short write.
  std::string& line = pending_[fd - 1];
  std::size_t taken = 0;
  std::uint64_t lines = 0;
  for (std::uint32_t i = 0; i < v.count && taken < kMaxWriteBytes; ++i) {
    const std::uint8_t* iov = mem.data + v.ptr + std::size_t{i} * kIovecSize;
    const char* p = reinterpret_cast<const char*>(mem.data + get_u32(iov));
    std::size_t left = std::min<std::size_t>(get_u32(iov + 4), kMaxWriteBytes - taken);
    taken += left;
    while (left > 0) {
      if (line.size() == kMaxLine) {
        // Cut here; a newline right after ends the cut line, not a new one.
        emit(static_cast<int>(fd), out);
        ++lines;
        if (*p == '\n') {
          ++p;
          --left;
          continue;
        }
      }
      const std::size_t room = kMaxLine - line.size();
      const std::size_t span = std::min(left, room);
      const void* nl = std::memchr(p, '\n', span);
      if (nl != nullptr) {
        const std::size_t n = static_cast<const char*>(nl) - p;
        line.append(p, n);
        emit(static_cast<int>(fd), out);
        ++lines;
        p += n + 1;
        left -= n + 1;
        continue;
      }
      line.append(p, span);
      p += span;
      left -= span;
    }
  }
  // A line costs the host about what 64 bytes do (the log's budget, a
  // clock read).
  work_ += v.count + taken + 64 * lines;
  put(mem.data + written_ptr, static_cast<std::uint32_t>(taken));
  return kWasiSuccess;
}

std::uint16_t WasiHost::fd_read(GuestMemory mem, const std::uint64_t* args, GuestFault& fault) {
  const std::uint32_t fd = u32(args[0]);
  Iovecs v{u32(args[1]), u32(args[2])};
  const std::uint32_t read_ptr = u32(args[3]);
  const IovecCheck check = check_iovecs(mem, v);
  if (check == IovecCheck::outside || !mem.contains(read_ptr, 4)) {
    fault = outside("fd_read");
    return kWasiSuccess;
  }
  work_ += std::min(v.count, kMaxIovecs);
  if (!open(fd) || fd != 0) return kWasiBadf;
  if (check == IovecCheck::too_long) return kWasiInval;
  put(mem.data + read_ptr, std::uint32_t{0});  // standard input is at its end
  return kWasiSuccess;
}

std::uint8_t* WasiHost::stdio_record(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr,
                                     std::size_t size, const char* call, GuestFault& fault,
                                     std::uint16_t& e) {
  if (!mem.contains(ptr, size)) {
    fault = outside(call);
    return nullptr;
  }
  if (!open(fd)) {
    e = kWasiBadf;
    return nullptr;
  }
  std::memset(mem.data + ptr, 0, size);
  return mem.data + ptr;
}

std::uint16_t WasiHost::fd_fdstat_get(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr,
                                      GuestFault& fault) {
  std::uint16_t e = kWasiSuccess;
  std::uint8_t* at = stdio_record(mem, fd, ptr, kFdstatSize, "fd_fdstat_get", fault, e);
  if (at == nullptr) return e;
  at[0] = kFiletypeCharacterDevice;
  const std::uint64_t rights = (fd == 0 ? kRightFdRead : kRightFdWrite) | kRightPollFdReadwrite;
  put(at + 8, rights);  // fs_rights_base; fs_rights_inheriting stays 0
  return kWasiSuccess;
}

std::uint16_t WasiHost::fd_filestat_get(GuestMemory mem, std::uint32_t fd, std::uint32_t ptr,
                                        GuestFault& fault) {
  std::uint16_t e = kWasiSuccess;
  std::uint8_t* at = stdio_record(mem, fd, ptr, kFilestatSize, "fd_filestat_get", fault, e);
  if (at == nullptr) return e;
  at[16] = kFiletypeCharacterDevice;  // filetype, after dev and ino
  return kWasiSuccess;
}

std::uint16_t WasiHost::clock_get(GuestMemory mem, std::uint32_t id, std::uint32_t ptr,
                                  bool resolution, GuestFault& fault, const char* call) {
  if (!mem.contains(ptr, 8)) {
    fault = outside(call);
    return kWasiSuccess;
  }
  std::uint64_t value = 1;  // both clocks count nanoseconds
  if (id == kClockRealtime || id == kClockMonotonic) {
    if (!resolution) {
      const auto since = id == kClockRealtime ? std::chrono::system_clock::now().time_since_epoch()
                                              : std::chrono::steady_clock::now().time_since_epoch();
      value = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(since).count());
    }
  } else if (id == kClockProcessCputime || id == kClockThreadCputime) {
    return kWasiNotsup;  // a component's CPU time is its fuel, not a clock
  } else {
    return kWasiInval;
  }
  put(mem.data + ptr, value);
  return kWasiSuccess;
}

std::uint16_t WasiHost::random_get(GuestMemory mem, std::uint32_t ptr, std::uint32_t len,
                                   GuestFault& fault) {
  if (!mem.contains(ptr, len)) {
    fault = outside("random_get");
    return kWasiSuccess;
  }
  if (len > kMaxRandomBytes) return kWasiInval;
  work_ += len;
  if (RAND_bytes(mem.data + ptr, static_cast<int>(len)) != 1) return kWasiIo;
  return kWasiSuccess;
}

GuestFault WasiHost::call(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                          GuestMemory mem, const LineSink& out) {
  GuestFault fault = GuestFault::none;
  std::uint16_t e = kWasiSuccess;
  const std::uint32_t fd = u32(args[0]);
  switch (which) {
    case HostImport::wasi_args_sizes_get:
      e = sizes_get(argv_, mem, u32(args[0]), u32(args[1]), fault, "args_sizes_get");
      break;
    case HostImport::wasi_args_get:
      e = strings_get(argv_, mem, u32(args[0]), u32(args[1]), fault, "args_get");
      break;
    case HostImport::wasi_environ_sizes_get:
      e = sizes_get(environ_, mem, u32(args[0]), u32(args[1]), fault, "environ_sizes_get");
      break;
    case HostImport::wasi_environ_get:
      e = strings_get(environ_, mem, u32(args[0]), u32(args[1]), fault, "environ_get");
      break;
    case HostImport::wasi_clock_res_get:
      e = clock_get(mem, u32(args[0]), u32(args[1]), true, fault, "clock_res_get");
      break;
    case HostImport::wasi_clock_time_get:
      e = clock_get(mem, u32(args[0]), u32(args[2]), false, fault, "clock_time_get");
      break;
    case HostImport::wasi_random_get: e = random_get(mem, u32(args[0]), u32(args[1]), fault); break;
    case HostImport::wasi_fd_write: e = fd_write(mem, args, fault, out); break;
    case HostImport::wasi_fd_read: e = fd_read(mem, args, fault); break;
    case HostImport::wasi_fd_fdstat_get: e = fd_fdstat_get(mem, fd, u32(args[1]), fault); break;
    case HostImport::wasi_fd_filestat_get: e = fd_filestat_get(mem, fd, u32(args[1]), fault); break;
    case HostImport::wasi_fd_close:
      if (!open(fd)) {
        e = kWasiBadf;
        break;
      }
      if (fd > 0 && !pending_[fd - 1].empty()) emit(static_cast<int>(fd), out);
      closed_[fd] = true;
      break;
    case HostImport::wasi_fd_seek:
    case HostImport::wasi_fd_tell: e = open(fd) ? kWasiSpipe : kWasiBadf; break;
    // No preopened directories: the probe from fd 3 up ends at once.
    case HostImport::wasi_fd_prestat_get:
    case HostImport::wasi_fd_prestat_dir_name: e = kWasiBadf; break;
    case HostImport::wasi_fd_advise:
    case HostImport::wasi_fd_allocate:
    case HostImport::wasi_fd_datasync:
    case HostImport::wasi_fd_fdstat_set_flags:
    case HostImport::wasi_fd_fdstat_set_rights:
    case HostImport::wasi_fd_filestat_set_size:
    case HostImport::wasi_fd_filestat_set_times:
    case HostImport::wasi_fd_pread:
    case HostImport::wasi_fd_pwrite:
    case HostImport::wasi_fd_readdir:
    case HostImport::wasi_fd_renumber:
    case HostImport::wasi_fd_sync: e = open(fd) ? kWasiNotsup : kWasiBadf; break;
    // No files and no sockets: refused as not granted (none can be).
    case HostImport::wasi_path_create_directory:
    case HostImport::wasi_path_filestat_get:
    case HostImport::wasi_path_filestat_set_times:
    case HostImport::wasi_path_link:
    case HostImport::wasi_path_open:
    case HostImport::wasi_path_readlink:
    case HostImport::wasi_path_remove_directory:
    case HostImport::wasi_path_rename:
    case HostImport::wasi_path_symlink:
    case HostImport::wasi_path_unlink_file:
    case HostImport::wasi_sock_accept:
    case HostImport::wasi_sock_recv:
    case HostImport::wasi_sock_send:
    case HostImport::wasi_sock_shutdown: e = kWasiNotcapable; break;
    // Waiting would hold a worker: a component sleeps with send_after.
    case HostImport::wasi_poll_oneoff: e = kWasiNotsup; break;
    case HostImport::wasi_sched_yield: break;
    case HostImport::wasi_proc_raise: e = kWasiNosys; break;
    case HostImport::wasi_proc_exit: exit_code_ = u32(args[0]); return GuestFault::exited;
    default:
      violation_ = std::string(wasi_name(which)) + " is not a WASI function";
      return GuestFault::abi_violation;
  }
  *result = e;
  return fault;
}

void WasiHost::flush(const LineSink& out) {
  for (int fd = 1; fd <= 2; ++fd) {
    if (!pending_[static_cast<std::size_t>(fd - 1)].empty()) emit(fd, out);
  }
}

}  // namespace airssys::wasm::detail
