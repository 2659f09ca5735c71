// The AOT cache: a private directory of compiled modules. Where it is
// (AIRSSYS_AOT_CACHE, else $XDG_CACHE_HOME/airssys/aot, else
// ~/.cache/airssys/aot, else <temp dir>/airssys-aot-<euid>), the check it
// passes before any use (a directory, not a symlink, owned by the effective
// user, writable by nobody else; what we create is mode 0700), the key of an
// entry (SHA-256 of everything the object depends on), the record after each
// object (its size, SHA-256 and key) that is checked before the object is
// handed to dlopen, and publication through build directories inside the
// cache (fsync, rename, fsync of the directory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airssys/rt/result.hpp"
#include "aot/unique_fd.hpp"

namespace airssys::wasm::detail {

struct AotKeyInputs {
  std::string_view format;             // the generated code's format version
  std::string_view runtime_source;     // the C runtime compiled into every object
  std::string_view compiler_identity;  // the compiler's path and --version output
  const std::vector<std::string>& flags;
  const std::vector<std::uint8_t>& module;  // the instrumented module
};

// 64 hex digits.
std::string aot_cache_key(const AotKeyInputs& inputs);

// A verified entry, open: dlopen it through dlopen_path() (the descriptor,
// not the name, so what was checked is what is loaded).
struct VerifiedObject {
  UniqueFd fd;
  std::string dlopen_path() const;
};

// A scratch directory in the cache, removed with the object.
class BuildDir {
 public:
  BuildDir(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  BuildDir(BuildDir&& other) noexcept
      : path_(std::exchange(other.path_, {})), fd_(std::move(other.fd_)) {}
  BuildDir& operator=(BuildDir&&) = delete;
  BuildDir(const BuildDir&) = delete;
  BuildDir& operator=(const BuildDir&) = delete;
  ~BuildDir();

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }
  // A new file `name` (mode 0600) holding `text`.
  Result<void> write(const std::string& name, std::string_view text) const;

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

class AotCache {
 public:
  // Where the cache is, from the environment.
  static std::filesystem::path location();
  // The cache, created where missing, checked, with the build directories
  // of dead builds removed. The error names the path and what is wrong.
  static Result<AotCache> open();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path object_path(const std::string& key) const;

  // The entry for `key`, checked: a regular file of ours, writable by no one
  // else, whose record matches its size, its SHA-256 and `key`. Nothing when
  // there is none; a damaged entry is removed and is nothing too.
  std::optional<VerifiedObject> find(const std::string& key) const;

  Result<BuildDir> make_build_dir() const;
  // `build`'s file `object` becomes the entry for `key`: its record
  // appended, synced, renamed into place, the directory synced.
  Result<void> publish(const BuildDir& build, const std::string& object,
                       const std::string& key) const;

 private:
  AotCache(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  void remove_stale_builds() const;

  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace airssys::wasm::detail
