/* The part of guest ABI v1 every component needs: the version marker, the
 * heap (airssys_malloc and friends) and the inbox the host uses to hand
 * payloads in, which comes from that heap. Freestanding, also the memory
 * functions the compiler emits calls to. */
#include "airssys.h"

AIRSSYS_EXPORT("airssys_abi_version") int32_t airssys_abi_version(void) {
  return AIRSSYS_ABI_VERSION;
}

#if AIRSSYS_LIBC

/* On a C library the heap is libc's: its malloc owns the memory above
 * __heap_base, and the inbox is one of its blocks. */
#include <stdlib.h>

void* airssys_malloc(size_t size) {
  return malloc(size);
}
void* airssys_calloc(size_t count, size_t size) {
  return calloc(count, size);
}
void* airssys_realloc(void* ptr, size_t size) {
  return realloc(ptr, size);
}
void airssys_free(void* ptr) {
  free(ptr);
}

#else /* freestanding */

#ifndef __wasm_bulk_memory__
#error "build with -mbulk-memory: without it memset and memcpy below would call themselves"
#endif

/* The heap: K&R's allocator. Free blocks form a circular list in address
 * order, starting from a sentinel of size 0; malloc takes the head of the
 * first block large enough (so what is left lies next to the pages grown
 * after it, and merges with them), free puts a block back where its address
 * belongs and merges it with the free neighbours it touches. The heap owns
 * the initial memory above __heap_base and the pages it grows itself, never
 * more than AIRSSYS_HEAP_LIMIT bytes of memory. */

enum {
  kUnit = 16,          /* block sizes are in units of this, header included */
  kPage = 65536,       /* a wasm page */
  kInUse = 0x41495255, /* marks an allocated block's header */
  kFree = 0x46524545,  /* marks a free block's header */
};

typedef struct block {
  struct block* next; /* the next free block (in the free list) */
  uint32_t units;     /* this block's size in kUnit units, this header included */
  uint32_t mark;      /* kInUse or kFree */
  uint32_t reserved;  /* the header is one unit */
} block;
_Static_assert(sizeof(block) == kUnit, "a block header is one unit");

extern unsigned char __heap_base;

static block sentinel;
static block* free_list; /* where the last search ended; 0 before first use */
static int initial_memory_taken;

/* Puts [start, end) into the heap as a free block. */
static void add_region(uint64_t start, uint64_t end) {
  block* b = (block*)(uintptr_t)start;
  b->units = (uint32_t)((end - start) / kUnit);
  b->mark = kInUse;
  airssys_free(b + 1);
}

/* Adds memory to the heap so that a free block of `units` units exists; 0
 * when it cannot. */
static int heap_grow(uint64_t units) {
  uint64_t need = units * kUnit;
  const uint64_t memory_end = (uint64_t)__builtin_wasm_memory_size(0) * kPage;
  if (!initial_memory_taken) {
    initial_memory_taken = 1;
    const uint64_t start = ((uint64_t)(uintptr_t)&__heap_base + kUnit - 1) / kUnit * kUnit;
    const uint64_t end = memory_end < AIRSSYS_HEAP_LIMIT ? memory_end : AIRSSYS_HEAP_LIMIT;
    if (end >= start + 2 * kUnit) {
      add_region(start, end);
      if (end - start >= need) return 1;
    }
  }
  /* A free block that ends where the memory does merges with the new
   * pages: they only need to make up the rest. */
  for (const block* p = sentinel.next; p != &sentinel; p = p->next) {
    const uint64_t size = (uint64_t)p->units * kUnit;
    if ((uint64_t)(uintptr_t)p + size == memory_end && size < need) need -= size;
  }
  const uint64_t pages = (need + kPage - 1) / kPage;
  if (memory_end + pages * kPage > AIRSSYS_HEAP_LIMIT) return 0;
  const unsigned long old = __builtin_wasm_memory_grow(0, (unsigned long)pages);
  if (old == (unsigned long)-1) return 0;
  /* Contiguous with the heap's last pages unless someone else grew the
   * memory in between; the free list does not mind either way. */
  add_region((uint64_t)old * kPage, ((uint64_t)old + pages) * kPage);
  return 1;
}

void* airssys_malloc(size_t size) {
  if (size > AIRSSYS_HEAP_LIMIT) return NULL;
  const uint64_t units = ((uint64_t)size + kUnit - 1) / kUnit + 1;
  if (free_list == NULL) {
    sentinel.next = free_list = &sentinel;
    sentinel.units = 0;
    sentinel.mark = kFree;
  }
  block* prev = free_list;
  for (block* p = prev->next;; prev = p, p = p->next) {
    if (p->units >= units) {
      if (p->units == units) {
        prev->next = p->next;
      } else {
        block* rest = p + units;
        rest->units = p->units - (uint32_t)units;
        rest->mark = kFree;
        rest->next = p->next;
        prev->next = rest;
        p->units = (uint32_t)units;
      }
      p->mark = kInUse;
      free_list = prev;
      return p + 1;
    }
    if (p == free_list) {
      /* Around the whole list: grow, then search again from where the
       * new memory went in. */
      if (!heap_grow(units)) return NULL;
      p = free_list;
    }
  }
}

void airssys_free(void* ptr) {
  if (ptr == NULL) return;
  block* b = (block*)ptr - 1;
  if (((uintptr_t)ptr % kUnit) != 0 || b->mark != kInUse) __builtin_trap();
  b->mark = kFree;
  /* p: the free block after which b belongs (the list is in address order
   * and wraps around once, at the highest block). */
  block* p = free_list;
  while (!(b > p && b < p->next)) {
    if (p >= p->next && (b > p || b < p->next)) break;
    p = p->next;
  }
  if (b + b->units == p->next) {
    b->units += p->next->units;
    b->next = p->next->next;
  } else {
    b->next = p->next;
  }
  if (p + p->units == b) {
    p->units += b->units;
    p->next = b->next;
  } else {
    p->next = b;
  }
  free_list = p;
}

void* airssys_calloc(size_t count, size_t size) {
  if (size != 0 && count > AIRSSYS_HEAP_LIMIT / size) return NULL;
  void* p = airssys_malloc(count * size);
  if (p != NULL) __builtin_memset(p, 0, count * size);
  return p;
}

void* airssys_realloc(void* ptr, size_t size) {
  if (ptr == NULL) return airssys_malloc(size);
  const block* b = (const block*)ptr - 1;
  if (((uintptr_t)ptr % kUnit) != 0 || b->mark != kInUse) __builtin_trap();
  const size_t have = (size_t)(b->units - 1) * kUnit;
  if (size <= have) return ptr;
  void* q = airssys_malloc(size);
  if (q == NULL) return NULL;
  __builtin_memcpy(q, ptr, have);
  airssys_free(ptr);
  return q;
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

#endif /* AIRSSYS_LIBC */

/* One inbox, reused by every message: the host asks for `size` bytes just
 * before each call that passes a payload, and the payload is only valid
 * during that call. It is a block of the heap, replaced by a larger one when
 * a payload does not fit, so it keeps the size of the largest payload so
 * far. 0 (the host then fails the call) when the heap cannot grow. */
static void* inbox;
static uint32_t inbox_capacity;

AIRSSYS_EXPORT("airssys_alloc") uint32_t airssys_alloc(uint32_t size) {
  if (inbox == NULL || size > inbox_capacity) {
    const uint32_t want = size < 64 ? 64 : size;
    airssys_free(inbox);
    inbox = airssys_malloc(want);
    inbox_capacity = inbox != NULL ? want : 0;
    if (inbox == NULL) return 0;
  }
  return (uint32_t)(uintptr_t)inbox;
}
