// Loading checked AOT objects: dlopen through the descriptor, the registry
// that keeps each loaded object's descriptors open until its last dlclose,
// and the check of /proc/self/maps that the probe symbol lies in the file
// that was checked.
#include "aot/aot_library.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace airssys::wasm::detail {
namespace {

struct Loaded {
  std::size_t references = 0;
  std::vector<UniqueFd> descriptors;  // every name this object was loaded under
};

struct Registry {
  std::mutex mutex;
  std::map<void*, Loaded> loaded;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: objects may outlive statics
  return *r;
}

// Whether `address` lies in a mapping of the file with `st`'s device and
// inode.
bool mapped_from(const void* address, const struct stat& st) {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return false;
  const auto where = reinterpret_cast<std::uintptr_t>(address);
  bool found = false;
  char line[4096];
  while (!found && std::fgets(line, sizeof line, maps) != nullptr) {
    std::uintptr_t start = 0;
    std::uintptr_t end = 0;
    unsigned dev_major = 0;
    unsigned dev_minor = 0;
    unsigned long long inode = 0;
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %x:%x %llu", &start, &end, &dev_major,
                    &dev_minor, &inode) != 5) {
      continue;
    }
    if (where < start || where >= end) continue;
    found = dev_major == major(st.st_dev) && dev_minor == minor(st.st_dev) &&
            inode == static_cast<unsigned long long>(st.st_ino);
    break;
  }
  std::fclose(maps);
  return found;
}

}  // namespace

Result<AotLibrary> AotLibrary::load(VerifiedObject object, const char* probe,
                                    const std::string& what) {
  struct stat st {};
  if (::fstat(object.fd.get(), &st) != 0) {
    return Error{ErrorCode::io_error, "cannot load " + what + ": the checked file is gone"};
  }
  Registry& reg = registry();
  std::unique_lock<std::mutex> lock(reg.mutex);
  void* handle = ::dlopen(object.dlopen_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Error{ErrorCode::internal,
                 "cannot load " + what + ": " + (why != nullptr ? why : "dlopen failed")};
  }
  Loaded& loaded = reg.loaded[handle];
  ++loaded.references;
  loaded.descriptors.push_back(std::move(object.fd));
  const void* code = ::dlsym(handle, probe);
  const bool checked_file = code == nullptr || mapped_from(code, st);
  lock.unlock();
  AotLibrary library(handle);
  if (!checked_file) {
    return Error{ErrorCode::internal,
                 "cannot load " + what + ": dlopen returned code from another file"};
  }
  return library;
}

AotLibrary::AotLibrary(AotLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

AotLibrary& AotLibrary::operator=(AotLibrary&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

AotLibrary::~AotLibrary() {
  release();
}

void AotLibrary::release() {
  if (handle_ == nullptr) return;
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  ::dlclose(handle_);
  auto it = reg.loaded.find(handle_);
  // After the last dlclose the names are free again.
  if (it != reg.loaded.end() && --it->second.references == 0) reg.loaded.erase(it);
  handle_ = nullptr;
}

}  // namespace airssys::wasm::detail
