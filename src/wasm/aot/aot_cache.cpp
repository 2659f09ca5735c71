// The AOT cache's directory (location, creation, ownership check, removal of
// dead builds), its keys, and its entries (the record that ends each object,
// its check before dlopen, atomic publication).
#include "aot/aot_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "aot/sha256.hpp"

namespace airssys::wasm::detail {
namespace {

namespace fs = std::filesystem;

// Every entry ends with this record:
//   16 bytes  kRecordMagic
//    8 bytes  the object's size (the bytes before the record), little-endian
//   32 bytes  the object's SHA-256
//   64 bytes  the entry's key, hex
// One file, so one rename publishes the object and its record together.
constexpr char kRecordMagic[16] = {'a', 'i', 'r', 's', 's', 'y', 's', '-',
                                   'a', 'o', 't', '-', 'r', 'e', 'c', '1'};
constexpr std::size_t kKeySize = 64;
constexpr std::size_t kRecordSize = sizeof kRecordMagic + 8 + 32 + kKeySize;

constexpr const char* kBuildPrefix = ".airssys-build.";
// A build directory this old is stale even when its pid looks alive (pids
// are reused; builders in other pid namespaces cannot be asked).
constexpr auto kStaleBuildAge = std::chrono::hours(6);

std::string error_text(int err) {
  return std::strerror(err);
}

Error refused(const fs::path& path, const std::string& why) {
  return Error{ErrorCode::io_error,
               "AOT cache " + path.string() + ": " + why +
                   "; refusing to load compiled code from it (use a directory of your own with "
                   "mode 0700, or point AIRSSYS_AOT_CACHE at one)"};
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Creates what is missing of `path`, each directory mode 0700.
Result<void> create_private_directories(const fs::path& path) {
  fs::path prefix;
  for (const auto& part : path) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{ErrorCode::io_error, "AOT cache " + path.string() + ": cannot create " +
                                            prefix.string() + ": " + error_text(errno)};
    }
  }
  return {};
}

// A directory (not a symlink), owned by the effective user, writable by no
// one else: only this user can have put anything in it.
Result<UniqueFd> open_private_dir(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return refused(path, "cannot inspect it: " + error_text(errno));
  }
  if (S_ISLNK(st.st_mode)) return refused(path, "it is a symbolic link");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    return refused(path, err == ENOTDIR ? "it is not a directory"
                         : err == ELOOP ? "it is a symbolic link"
                                        : "cannot open it: " + error_text(err));
  }
  // What is open is what is checked (the name may have changed since lstat).
  if (::fstat(fd.get(), &st) != 0) return refused(path, "cannot inspect it: " + error_text(errno));
  if (!S_ISDIR(st.st_mode)) return refused(path, "it is not a directory");
  if (st.st_uid != ::geteuid()) {
    return refused(path, "it is owned by uid " + std::to_string(st.st_uid) +
                             ", not by this process's effective uid " +
                             std::to_string(::geteuid()));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return refused(path,
                   "it is writable by its group or by others (mode " + mode_text(st.st_mode) + ")");
  }
  return fd;
}

unsigned long long pid_namespace() {
  struct stat st {};
  return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<unsigned long long>(st.st_ino) : 0;
}

void put_u64(unsigned char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::uint64_t get_u64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(in[i]) << (8 * i);
  return v;
}

bool write_all(int fd, const void* data, std::size_t size, off_t offset) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size, off_t offset) {
  auto* p = static_cast<unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

// The SHA-256 of `fd`'s first `size` bytes; nothing when fewer can be read.
std::optional<Sha256Digest> digest_of(int fd, std::uint64_t size) {
  Sha256 sha;
  std::vector<unsigned char> buf(1 << 16);
  off_t offset = 0;
  while (static_cast<std::uint64_t>(offset) < size) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - offset));
    if (!read_all(fd, buf.data(), want, offset)) return std::nullopt;
    sha.update(buf.data(), want);
    offset += static_cast<off_t>(want);
  }
  return sha.finish();
}

void add_field(Sha256& sha, std::string_view field) {
  unsigned char len[8];
  put_u64(len, field.size());
  sha.update(len, sizeof len);
  sha.update(field);
}

}  // namespace

std::string aot_cache_key(const AotKeyInputs& in) {
  // Each field length-prefixed, so no two inputs hash the same bytes.
  Sha256 sha;
  add_field(sha, "airssys aot cache key");
  add_field(sha, in.format);
  add_field(sha, in.runtime_source);
  add_field(sha, in.compiler_identity);
  add_field(sha, std::to_string(in.flags.size()));
  for (const auto& flag : in.flags) add_field(sha, flag);
  add_field(sha,
            std::string_view(reinterpret_cast<const char*>(in.module.data()), in.module.size()));
  return hex(sha.finish());
}

std::string VerifiedObject::dlopen_path() const {
  return "/proc/self/fd/" + std::to_string(fd.get());
}

BuildDir::~BuildDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Result<void> BuildDir::write(const std::string& name, std::string_view text) const {
  UniqueFd out(::openat(fd_.get(), name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out || !write_all(out.get(), text.data(), text.size(), 0)) {
    return Error{ErrorCode::io_error,
                 "cannot write " + (path_ / name).string() + ": " + error_text(errno)};
  }
  return {};
}

fs::path AotCache::location() {
  const auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return v != nullptr && *v != 0 ? v : nullptr;
  };
  const auto absolute = [](const char* p) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    return ec ? fs::path(p) : abs;
  };
  if (const char* dir = env("AIRSSYS_AOT_CACHE")) return absolute(dir);
  if (const char* xdg = env("XDG_CACHE_HOME")) return absolute(xdg) / "airssys" / "aot";
  if (const char* home = env("HOME")) return absolute(home) / ".cache" / "airssys" / "aot";
  // A shared directory: someone else may have made this name first, and
  // the check in open() refuses it then.
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return tmp / ("airssys-aot-" + std::to_string(::geteuid()));
}

Result<AotCache> AotCache::open() {
  const fs::path path = location();
  if (auto made = create_private_directories(path); !made) return made.error();
  auto fd = open_private_dir(path);
  if (!fd) return fd.error();
  AotCache cache(path, std::move(*fd));
  cache.remove_stale_builds();
  return cache;
}

fs::path AotCache::object_path(const std::string& key) const {
  return path_ / (key + ".so");
}

void AotCache::remove_stale_builds() const {
  const int dir_fd = ::dup(fd_.get());
  if (dir_fd < 0) return;
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return;
  }
  const unsigned long long our_ns = pid_namespace();
  const auto now = std::chrono::system_clock::now();
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name.rfind(kBuildPrefix, 0) != 0) continue;
    // .airssys-build.<pid namespace>.<pid>.<sequence>
    unsigned long long ns = 0;
    long pid = 0;
    unsigned long long seq = 0;
    const bool parsed = std::sscanf(name.c_str() + std::strlen(kBuildPrefix), "%llu.%ld.%llu", &ns,
                                    &pid, &seq) == 3;
    struct stat st {};
    if (::fstatat(fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const bool ours = parsed && ns == our_ns && pid == ::getpid();
    if (ours) continue;
    const bool dead = parsed && ns == our_ns && pid > 0 &&
                      ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    const auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
    if (dead || !parsed || now - modified > kStaleBuildAge) stale.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : stale) {
    std::error_code ec;
    fs::remove_all(path_ / name, ec);
  }
}

std::optional<VerifiedObject> AotCache::find(const std::string& key) const {
  const std::string name = key + ".so";
  UniqueFd fd(
      ::openat(fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat st {};
  const bool opened = static_cast<bool>(fd);
  if (!opened && errno == ENOENT) return std::nullopt;
  bool valid = opened && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
               st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 &&
               st.st_nlink == 1 && static_cast<std::size_t>(st.st_size) > kRecordSize;
  unsigned char record[kRecordSize];
  std::uint64_t object_size = 0;
  if (valid) {
    object_size = static_cast<std::uint64_t>(st.st_size) - kRecordSize;
    valid = read_all(fd.get(), record, sizeof record, static_cast<off_t>(object_size)) &&
            std::memcmp(record, kRecordMagic, sizeof kRecordMagic) == 0 &&
            get_u64(record + 16) == object_size &&
            std::memcmp(record + 56, key.data(), std::min(key.size(), kKeySize)) == 0 &&
            key.size() == kKeySize;
  }
  if (valid) {
    const auto digest = digest_of(fd.get(), object_size);
    valid = digest && std::memcmp(digest->data(), record + 24, digest->size()) == 0;
  }
  if (valid) return VerifiedObject{std::move(fd)};

  // Damaged (truncated, empty, altered, not ours, not a file): removed, so
  // it is built again. Only if the name still means what was checked: a
  // concurrent builder may have just published a good one.
  struct stat now {};
  if (::fstatat(fd_.get(), name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  if (opened && (now.st_dev != st.st_dev || now.st_ino != st.st_ino)) return std::nullopt;
  if (S_ISDIR(now.st_mode)) {
    std::error_code ec;
    fs::remove_all(path_ / name, ec);
  } else {
    ::unlinkat(fd_.get(), name.c_str(), 0);
  }
  return std::nullopt;
}

Result<BuildDir> AotCache::make_build_dir() const {
  static std::atomic<unsigned long long> sequence{0};
  const std::string prefix =
      kBuildPrefix + std::to_string(pid_namespace()) + "." + std::to_string(::getpid()) + ".";
  for (;;) {
    const std::string name = prefix + std::to_string(sequence.fetch_add(1));
    if (::mkdirat(fd_.get(), name.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // left by an earlier process with our pid
      return Error{ErrorCode::io_error,
                   "cannot create " + (path_ / name).string() + ": " + error_text(errno)};
    }
    UniqueFd fd(::openat(fd_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      return Error{ErrorCode::io_error,
                   "cannot open " + (path_ / name).string() + ": " + error_text(errno)};
    }
    return BuildDir(path_ / name, std::move(fd));
  }
}

Result<void> AotCache::publish(const BuildDir& build, const std::string& object,
                               const std::string& key) const {
  const fs::path built = build.path() / object;
  auto fail = [&](const std::string& what) {
    return Error{ErrorCode::io_error, "cannot store " + built.string() +
                                          " in the AOT cache: " + what + ": " + error_text(errno)};
  };
  if (key.size() != kKeySize) return Error{ErrorCode::internal, "bad AOT cache key " + key};
  UniqueFd fd(::openat(build.fd(), object.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return fail("cannot open it");
  if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
    return Error{ErrorCode::io_error, "the C compiler left no object at " + built.string()};
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const auto digest = digest_of(fd.get(), size);
  if (!digest) return fail("cannot read it");
  unsigned char record[kRecordSize];
  std::memcpy(record, kRecordMagic, sizeof kRecordMagic);
  put_u64(record + 16, size);
  std::memcpy(record + 24, digest->data(), digest->size());
  std::memcpy(record + 56, key.data(), kKeySize);
  if (!write_all(fd.get(), record, sizeof record, static_cast<off_t>(size))) {
    return fail("cannot write its record");
  }
  // Whatever the compiler's umask made of it: ours alone.
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot set its mode");
  if (::fsync(fd.get()) != 0) return fail("cannot sync it");
  const std::string name = key + ".so";
  if (::renameat(build.fd(), object.c_str(), fd_.get(), name.c_str()) != 0) {
    return fail("cannot rename it to " + object_path(key).string());
  }
  if (::fsync(fd_.get()) != 0) return fail("cannot sync " + path_.string());
  return {};
}

}  // namespace airssys::wasm::detail
