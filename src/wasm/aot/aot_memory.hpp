// The linear memories of aot instances, which the runtime compiled into each
// module's object (aot_c_sources.hpp) maps and unmaps through these two
// functions, handed to it when the object is loaded.
//
// A memory is an anonymous mapping of its own (grown with mremap: no copy,
// never two copies at once). A freed memory of at most kLargestKeptMemory
// bytes is zeroed and kept for the next instance of its size, up to
// kKeptMemoryBytes for the whole process: a restart of a small component
// then costs a memset instead of an mmap, a page fault for every page the
// guest touches, and an munmap (whose TLB shootdown interrupts every other
// CPU running the process's threads).
#pragma once

#include <cstddef>
#include <cstdint>

namespace airssys::wasm::detail {

inline constexpr std::uint64_t kLargestKeptMemory = std::uint64_t{256} * 1024;     // 4 wasm pages
inline constexpr std::uint64_t kKeptMemoryBytes = std::uint64_t{4} * 1024 * 1024;  // kept in all

// `bytes` of zeroed memory, or nullptr when none can be mapped.
void* map_aot_memory(std::uint64_t bytes);
// Gives back what map_aot_memory (or an mremap of it) returned.
void unmap_aot_memory(void* data, std::uint64_t bytes);

// Bytes of freed memories kept for reuse now (for tests).
std::uint64_t kept_memory_bytes();

}  // namespace airssys::wasm::detail
