// C sources compiled into every AOT module next to wasm2c's output: the
// wasm-rt.h runtime functions (airssys's own, see below) and the glue that
// exposes a fixed entry-point table to the host and forwards the guest's
// imports to it.
#pragma once

#include <string>

namespace airssys::wasm::detail {

// Our implementation of the wasm-rt.h functions. Unlike wasm-rt-impl.c it
// keeps the trap target in a thread-local (components run on several worker
// threads), checks bounds in software instead of reserving 8 GiB of address
// space per memory, and takes no signal handlers.
inline constexpr const char* kAotRuntimeSource = R"C(
#define _GNU_SOURCE /* mremap */
#include <pthread.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "wasm-rt.h"

__thread jmp_buf* airssys_trap_target;

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t code) {
  longjmp(*airssys_trap_target, code == WASM_RT_TRAP_NONE ? 255 : (int)code);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) { (void)trap; return "trap"; }

/* Function types compared by call_indirect: one id per distinct signature,
   registered by the module's init (which the host runs once, under its
   own lock). Any arity and count the loader admitted (ModuleLimits); a
   failed allocation gives id 0, which no table entry carries, so a call
   through that type traps instead of the process aborting. */
typedef struct { uint32_t params, results; wasm_rt_type_t* types; } airssys_func_type;
static airssys_func_type* s_types;
static uint32_t s_type_count, s_type_capacity;
static pthread_mutex_t s_type_mutex = PTHREAD_MUTEX_INITIALIZER;

static uint32_t airssys_find_or_add_type(uint32_t params, uint32_t results,
                                         const wasm_rt_type_t* types) {
  uint32_t n = params + results;
  for (uint32_t i = 0; i < s_type_count; ++i) {
    if (s_types[i].params == params && s_types[i].results == results &&
        (n == 0 || memcmp(s_types[i].types, types, n * sizeof(wasm_rt_type_t)) == 0)) {
      return i + 1;
    }
  }
  if (s_type_count == s_type_capacity) {
    uint32_t cap = s_type_capacity ? s_type_capacity * 2 : 64;
    airssys_func_type* grown = (airssys_func_type*)realloc(s_types, cap * sizeof *grown);
    if (!grown) return 0;
    s_types = grown;
    s_type_capacity = cap;
  }
  wasm_rt_type_t* copy = NULL;
  if (n) {
    copy = (wasm_rt_type_t*)malloc(n * sizeof(wasm_rt_type_t));
    if (!copy) return 0;
    memcpy(copy, types, n * sizeof(wasm_rt_type_t));
  }
  s_types[s_type_count].params = params;
  s_types[s_type_count].results = results;
  s_types[s_type_count].types = copy;
  return ++s_type_count;
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint64_t n = (uint64_t)params + results;
  wasm_rt_type_t* types = n ? (wasm_rt_type_t*)malloc(n * sizeof(wasm_rt_type_t)) : NULL;
  if (n && !types) return 0;
  va_list ap;
  va_start(ap, results);
  for (uint64_t i = 0; i < n; ++i) types[i] = (wasm_rt_type_t)va_arg(ap, int);
  va_end(ap);
  pthread_mutex_lock(&s_type_mutex);
  uint32_t id = airssys_find_or_add_type(params, results, types);
  pthread_mutex_unlock(&s_type_mutex);
  free(types);
  return id;
}

/* The registry lives as long as the object: freed when it is unloaded. */
__attribute__((destructor)) static void airssys_free_types(void) {
  for (uint32_t i = 0; i < s_type_count; ++i) free(s_types[i].types);
  free(s_types);
  s_types = NULL;
  s_type_count = s_type_capacity = 0;
}

uint32_t wasm_rt_register_tag(uint32_t size) { (void)size; abort(); }
void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) {
  (void)tag; (void)size; (void)values; abort();
}
void wasm_rt_throw(void) { abort(); }

/* Memory: mapped and unmapped by the host (aot_memory.hpp: an anonymous
   mapping of its own, a small one possibly one a freed instance left,
   zeroed), grown with mremap, which moves no bytes: a grow never holds two
   copies of the memory, and the process's resident set follows the
   memory's size. The host enforces the component's memory limit before any
   grow reaches here. */
static void* (*s_map_memory)(uint64_t bytes);
static void (*s_unmap_memory)(void* data, uint64_t bytes);

void airssys_set_memory_functions(void* (*map)(uint64_t), void (*unmap)(void*, uint64_t)) {
  s_map_memory = map;
  s_unmap_memory = unmap;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t initial_pages, uint32_t max_pages) {
  uint64_t bytes = (uint64_t)initial_pages * 65536u;
  if (bytes > 0xFFFFFFFFu) wasm_rt_trap(WASM_RT_TRAP_OOB);
  m->data = NULL;
  if (bytes) {
    void* data = s_map_memory(bytes);
    if (!data) wasm_rt_trap(WASM_RT_TRAP_OOB);
    m->data = (uint8_t*)data;
  }
  m->pages = initial_pages;
  m->max_pages = max_pages;
  m->size = (uint32_t)bytes;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint32_t delta) {
  uint32_t old = m->pages;
  uint64_t pages = (uint64_t)old + delta;
  if (pages > m->max_pages || pages > 65536) return (uint32_t)-1;
  if (delta == 0) return old;
  uint64_t bytes = pages * 65536u;
  if (bytes > 0xFFFFFFFFu) return (uint32_t)-1;
  void* data;
  if (m->data) {
    data = mremap(m->data, m->size, bytes, MREMAP_MAYMOVE);
    if (data == MAP_FAILED) return (uint32_t)-1;
  } else {
    data = s_map_memory(bytes);
    if (!data) return (uint32_t)-1;
  }
  m->data = (uint8_t*)data;
  m->pages = (uint32_t)pages;
  m->size = (uint32_t)bytes;
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* m) {
  if (m->data) s_unmap_memory(m->data, m->size);
  m->data = NULL;
}

/* Tables of both reference types, grown with realloc. */
#define AIRSSYS_DEFINE_TABLE(kind, elem_t)                                          \
  void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t* t, uint32_t elements, \
                                       uint32_t max_elements) {                       \
    t->data = elements ? (elem_t*)calloc(elements, sizeof(elem_t)) : NULL;            \
    if (elements && !t->data) wasm_rt_trap(WASM_RT_TRAP_OOB);                         \
    t->size = elements;                                                               \
    t->max_size = max_elements;                                                       \
  }                                                                                   \
  void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t* t) {                     \
    free(t->data);                                                                    \
    t->data = NULL;                                                                   \
  }                                                                                   \
  uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t* t, uint32_t delta,   \
                                       elem_t init) {                                 \
    uint32_t old = t->size;                                                           \
    uint64_t n = (uint64_t)old + delta;                                               \
    if (n > t->max_size || n > (1u << 24)) return (uint32_t)-1;                       \
    if (delta == 0) return old;                                                       \
    elem_t* data = (elem_t*)realloc(t->data, n * sizeof(elem_t));                     \
    if (!data) return (uint32_t)-1;                                                   \
    for (uint64_t i = old; i < n; ++i) data[i] = init;                                \
    t->data = data;                                                                   \
    t->size = (uint32_t)n;                                                            \
    return old;                                                                       \
  }

AIRSSYS_DEFINE_TABLE(funcref, wasm_rt_funcref_t)
AIRSSYS_DEFINE_TABLE(externref, wasm_rt_externref_t)
)C";

}  // namespace airssys::wasm::detail
