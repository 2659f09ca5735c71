// A checked AOT object loaded with dlopen through its open descriptor
// (/proc/self/fd/N), so what the cache checked is what is mapped. dlopen
// matches a path against the names of objects already loaded before it
// opens anything, and /proc/self/fd/N names a different file once N is
// reused: every descriptor an object was loaded through therefore stays
// open while that object is loaded, and after each dlopen the host checks
// that the code it is about to call lies in a mapping of the checked file.
#pragma once

#include "airssys/rt/result.hpp"
#include "aot/aot_cache.hpp"

namespace airssys::wasm::detail {

class AotLibrary {
 public:
  AotLibrary() = default;
  // Loads `object` (RTLD_NOW | RTLD_LOCAL); `probe` is a function symbol
  // the object defines, used to check which file was mapped. `what` names
  // the object in errors.
  static Result<AotLibrary> load(VerifiedObject object, const char* probe, const std::string& what);

  AotLibrary(AotLibrary&& other) noexcept;
  AotLibrary& operator=(AotLibrary&& other) noexcept;
  AotLibrary(const AotLibrary&) = delete;
  AotLibrary& operator=(const AotLibrary&) = delete;
  ~AotLibrary();

  void* handle() const { return handle_; }

 private:
  explicit AotLibrary(void* handle) : handle_(handle) {}
  void release();

  void* handle_ = nullptr;
};

}  // namespace airssys::wasm::detail
