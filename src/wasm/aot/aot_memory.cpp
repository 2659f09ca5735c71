#include "aot/aot_memory.hpp"

#include <sys/mman.h>

#include <cstring>
#include <mutex>
#include <vector>

namespace airssys::wasm::detail {
namespace {

struct Kept {
  void* data;
  std::uint64_t bytes;
};

struct Pool {
  std::mutex mutex;
  std::vector<Kept> kept;  // newest last: the most recently used pages are the warmest
  std::uint64_t bytes = 0;
};

// Never destroyed: instances may still be freed while the process exits.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

void* map_aot_memory(std::uint64_t bytes) {
  if (bytes <= kLargestKeptMemory) {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    for (auto it = p.kept.rbegin(); it != p.kept.rend(); ++it) {
      if (it->bytes != bytes) continue;
      void* data = it->data;
      p.kept.erase(std::next(it).base());
      p.bytes -= bytes;
      return data;
    }
  }
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return data == MAP_FAILED ? nullptr : data;
}

void unmap_aot_memory(void* data, std::uint64_t bytes) {
  if (data == nullptr) return;
  if (bytes <= kLargestKeptMemory) {
    Pool& p = pool();
    bool room = false;
    {
      std::lock_guard lock(p.mutex);
      room = p.bytes + bytes <= kKeptMemoryBytes;
      if (room) p.bytes += bytes;  // reserved before the memset, outside the lock
    }
    if (room) {
      std::memset(data, 0, bytes);
      std::lock_guard lock(p.mutex);
      p.kept.push_back({data, bytes});
      return;
    }
  }
  munmap(data, bytes);
}

std::uint64_t kept_memory_bytes() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  return p.bytes;
}

}  // namespace airssys::wasm::detail
