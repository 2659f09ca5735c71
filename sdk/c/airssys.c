/* The part of guest ABI v1 every component needs: the version marker and the
 * allocator the host uses to hand payloads in. */
#include "airssys.h"

AIRSSYS_EXPORT("airssys_abi_version") int32_t airssys_abi_version(void) {
  return AIRSSYS_ABI_VERSION;
}

extern unsigned char __heap_base;

/* One inbox, reused by every message: the host asks for `size` bytes just
 * before each call that passes a payload, and the payload is only valid
 * during that call. The inbox grows the memory when it needs to. */
static uint32_t inbox_capacity;

AIRSSYS_EXPORT("airssys_alloc") uint32_t airssys_alloc(uint32_t size) {
  const uint32_t base = (uint32_t)(uintptr_t)&__heap_base;
  if (size > inbox_capacity) {
    const uint64_t end = (uint64_t)base + size;
    const uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end > have) {
      const uint64_t pages = (end - have + 65535u) / 65536u;
      if (__builtin_wasm_memory_grow(0, (unsigned long)pages) == (unsigned long)-1) return 0;
    }
    inbox_capacity = size;
  }
  return base;
}

/* The memory functions the compiler emits calls to (struct copies, array
 * initialisers). Built with -mbulk-memory they become single memory.copy /
 * memory.fill instructions. */
void* memcpy(void* dest, const void* src, size_t n) {
  __builtin_memcpy(dest, src, n);
  return dest;
}
void* memmove(void* dest, const void* src, size_t n) {
  __builtin_memmove(dest, src, n);
  return dest;
}
void* memset(void* dest, int c, size_t n) {
  __builtin_memset(dest, c, n);
  return dest;
}
int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* x = (const unsigned char*)a;
  const unsigned char* y = (const unsigned char*)b;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}
