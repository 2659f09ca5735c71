/* airssys guest SDK for C (guest ABI v1, docs/guest-abi.md).
 *
 * Build a component with clang, freestanding (no libc):
 *
 *   clang --target=wasm32 -mbulk-memory -O2 -nostdlib -Wl,--no-entry \
 *         -Wl,--initial-memory=65536 -Wl,-z,stack-size=16384 \
 *         -I sdk/c sdk/c/airssys.c my_component.c -o my_component.wasm
 *
 * or on top of wasi-libc (printf, malloc, string.h; Debian's wasi-libc
 * lives in the sysroot /usr):
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -mbulk-memory -O2 \
 *         -Wl,--initial-memory=65536 -Wl,-z,stack-size=16384 \
 *         -I sdk/c sdk/c/airssys.c my_component.c -o my_component.wasm
 *
 * (sdk/c is the SDK's folder in the repository; `cmake --install` puts it in
 * <prefix>/share/airssys/sdk/c.) These are the lines the build runs for its
 * own guests (cmake/AirssysGuests.cmake); a test runs them as written here.
 * -mbulk-memory is required: without it the SDK's memset and memcpy would
 * call themselves, and airssys.c refuses to compile.
 *
 * A component defines airssys_handle and, if it wants them, airssys_init,
 * airssys_health, airssys_shutdown and airssys_handle_reply; the prototypes
 * below export them under the names the host looks for. Payload pointers
 * passed to airssys_handle stay valid until the handler returns.
 *
 * Memory: airssys_malloc and airssys_free below are the component's heap.
 * Freestanding, they are the SDK's own allocator; on wasi-libc, they are
 * libc's malloc and free. The inbox the host copies payloads into comes from
 * the same heap, so a component's own allocations and the payloads never
 * overlap. Take memory from the heap, not with memory.grow.
 */
#ifndef AIRSSYS_H
#define AIRSSYS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AIRSSYS_ABI_VERSION 1

#define AIRSSYS_EXPORT(name) __attribute__((export_name(name)))
#define AIRSSYS_IMPORT(name) __attribute__((import_module("airssys"), import_name(name)))

typedef uint64_t airssys_address;

/* Status codes returned by host calls (0 = success). */
enum {
  AIRSSYS_OK = 0,
  AIRSSYS_NO_SUCH_ACTOR = -1,
  AIRSSYS_NOT_GRANTED = -2,
  AIRSSYS_TOO_LARGE = -3,
  AIRSSYS_NAME_NOT_FOUND = -4,
  AIRSSYS_NO_REQUEST = -5,
  AIRSSYS_STOPPING = -6,
  AIRSSYS_INVALID_ARGUMENT = -7,
  AIRSSYS_MAILBOX_FULL = -8, /* the receiver's bounded mailbox is full */
  AIRSSYS_TIMER_LIMIT = -9,  /* max_timers or timer_bytes pending already */
  AIRSSYS_NO_SUCH_TIMER = -10,
};

/* Exit codes of airssys_exit with a meaning of their own; any other code is
 * a failure. Codes from AIRSSYS_EXIT_RESERVED_FIRST up are reserved. */
enum {
  AIRSSYS_EXIT_NORMAL = 0, /* exit reason normal */
  AIRSSYS_EXIT_RESERVED_FIRST = 0x7fff0000,
  AIRSSYS_EXIT_SHUTDOWN = 0x7fff0001, /* exit reason shutdown, `reason` its detail */
};

/* What airssys_message_kind says of the message being handled. */
enum {
  AIRSSYS_PLAIN_MESSAGE = 0,   /* airssys_reply sends a message back to its sender */
  AIRSSYS_REQUEST_MESSAGE = 1, /* airssys_reply answers the request */
  AIRSSYS_UNANSWERABLE = 2,    /* from no actor, or itself an answer: reply returns -5 */
  AIRSSYS_TIMER_MESSAGE = 3,   /* one of its own timers: reply returns -5 */
};

/* Reply status passed to airssys_handle_reply. */
enum {
  AIRSSYS_REPLY_OK = 0,
  AIRSSYS_REPLY_TIMEOUT = 1,
  AIRSSYS_REPLY_NO_SUCH_ACTOR = 2,
  AIRSSYS_REPLY_UNHANDLED = 3,
  AIRSSYS_REPLY_FAILED = 4,
};

/* Health codes returned by airssys_health. */
enum { AIRSSYS_HEALTHY = 0, AIRSSYS_DEGRADED = 1, AIRSSYS_UNHEALTHY = 2 };

/* Log levels. */
enum { AIRSSYS_LOG_DEBUG = 0, AIRSSYS_LOG_INFO = 1, AIRSSYS_LOG_WARN = 2, AIRSSYS_LOG_ERROR = 3 };

/* --- what the component implements (only airssys_handle is required) ---- */

/* Called for every message; `sender` is 0 when the sender is not an actor.
 * Return 0; anything else fails the component ("handler returned <n>"). */
AIRSSYS_EXPORT("airssys_handle")
int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len);
/* Called once on every fresh instance with the component's config bytes.
 * Return 0; anything else fails the start with init_failed. */
AIRSSYS_EXPORT("airssys_init") int32_t airssys_init(const uint8_t* config, uint32_t len);
AIRSSYS_EXPORT("airssys_health") int32_t airssys_health(void);
AIRSSYS_EXPORT("airssys_shutdown") void airssys_shutdown(void);
/* Replies to airssys_request arrive here (status AIRSSYS_REPLY_*). */
AIRSSYS_EXPORT("airssys_handle_reply")
int32_t airssys_handle_reply(uint64_t request_id, int32_t status, const uint8_t* data,
                             uint32_t len);

/* --- what the host provides -------------------------------------------- */

/* Sends to an address (needs "send:*", or "send:<name>" for the address
 * registered under <name>: an address alone grants nothing; -2 otherwise). */
AIRSSYS_IMPORT("send") int32_t airssys_send(airssys_address to, const void* data, uint32_t len);
/* Sends to a registered name (needs "send:*" or "send:<name>"). */
AIRSSYS_IMPORT("send_name")
int32_t airssys_send_name(const char* name, uint32_t name_len, const void* data, uint32_t len);
/* Asynchronous request (needs "request:*", or "request:<name>" for the
 * address registered under <name>; -2 otherwise): returns a request id > 0
 * whose answer arrives in airssys_handle_reply, or a negative status. */
AIRSSYS_IMPORT("request")
int64_t airssys_request(airssys_address to, const void* data, uint32_t len, uint32_t timeout_ms);
/* Answers the message being handled (a request gets its reply, a plain
 * message a message back to its sender, which cannot be answered in turn);
 * AIRSSYS_NO_REQUEST outside airssys_handle and for a message
 * airssys_message_kind calls unanswerable or a timer. */
AIRSSYS_IMPORT("reply") int32_t airssys_reply(const void* data, uint32_t len);
AIRSSYS_IMPORT("self") airssys_address airssys_self(void);
/* The address registered under `name`, or 0 (needs "lookup"). */
AIRSSYS_IMPORT("lookup") airssys_address airssys_lookup(const char* name, uint32_t name_len);
AIRSSYS_IMPORT("log") void airssys_log(int32_t level, const char* text, uint32_t len);
/* Monotonic nanoseconds. */
AIRSSYS_IMPORT("now") int64_t airssys_now(void);
/* Sends to `to` after `delay_ms` milliseconds: to itself (a timer) always,
 * elsewhere with a send grant covering `to`, as airssys_send. The timer
 * belongs to this instance: it is cancelled when the instance ends.
 * AIRSSYS_TIMER_LIMIT when max_timers or timer_bytes are pending already. */
AIRSSYS_IMPORT("send_after")
int32_t airssys_send_after(airssys_address to, uint32_t delay_ms, const void* data, uint32_t len);
/* airssys_send_after that returns a timer id (> 0) for airssys_cancel_timer,
 * or a negative status. */
AIRSSYS_IMPORT("start_timer")
int64_t airssys_start_timer(airssys_address to, uint32_t delay_ms, const void* data, uint32_t len);
/* Cancels a pending timer: AIRSSYS_OK, or AIRSSYS_NO_SUCH_TIMER when it has
 * fired already (its message may be waiting to be handled), was cancelled,
 * or is not one of this instance's. */
AIRSSYS_IMPORT("cancel_timer") int32_t airssys_cancel_timer(int64_t timer);
/* What the message being handled is (AIRSSYS_PLAIN_MESSAGE ...), or
 * AIRSSYS_NO_REQUEST outside airssys_handle. */
AIRSSYS_IMPORT("message_kind") int32_t airssys_message_kind(void);
/* Ends this component: AIRSSYS_EXIT_NORMAL (0) is a normal exit and
 * AIRSSYS_EXIT_SHUTDOWN an exit with reason shutdown (a transient component
 * is restarted after neither), anything else a failure with `reason` as its
 * detail. Does not return. */
AIRSSYS_IMPORT("exit")
__attribute__((noreturn)) void airssys_exit(int32_t code, const char* reason, uint32_t len);

/* --- memory ------------------------------------------------------------- */

/* 1 when the SDK is built on a C library (wasi-libc, --target=wasm32-wasi):
 * the heap is libc's malloc and free, and libc provides memcpy and friends.
 * 0 freestanding (--target=wasm32): the SDK has its own heap and memcpy,
 * memmove, memset and memcmp. Define it to choose (-DAIRSSYS_LIBC=0 for a
 * wasm32-wasi build without libc). */
#ifndef AIRSSYS_LIBC
#if defined(__wasi__)
#define AIRSSYS_LIBC 1
#else
#define AIRSSYS_LIBC 0
#endif
#endif

/* The freestanding heap's bound: it never grows the linear memory past this
 * many bytes, and airssys_malloc returns NULL instead. Keep it at most the
 * component's memory_limit (16 MiB unless configured), since memory.grow past
 * that stops the component (memory_limit); define it when building airssys.c
 * (-DAIRSSYS_HEAP_LIMIT=1048576). */
#ifndef AIRSSYS_HEAP_LIMIT
#define AIRSSYS_HEAP_LIMIT (16u << 20)
#endif

/* `size` bytes aligned to 16, or NULL when the heap cannot grow. Freestanding:
 * a first-fit free list from __heap_base up that merges neighbours when they
 * are freed and grows the memory a page at a time, up to AIRSSYS_HEAP_LIMIT;
 * freeing a pointer that is not one of its live blocks (one it did not hand
 * out, or one freed already and not handed out again) traps. */
void* airssys_malloc(size_t size);
/* `count` * `size` zeroed bytes, or NULL (also when the product overflows). */
void* airssys_calloc(size_t count, size_t size);
/* A block of `size` bytes holding the first bytes of `ptr` (airssys_malloc
 * when `ptr` is NULL; `ptr` itself when it is large enough already), or NULL,
 * leaving `ptr` as it was, when the heap cannot grow. */
void* airssys_realloc(void* ptr, size_t size);
/* Returns a block to the heap; NULL is ignored. */
void airssys_free(void* ptr);

/* --- small helpers ------------------------------------------------------ */

static inline uint32_t airssys_strlen(const char* s) {
  uint32_t n = 0;
  while (s[n] != 0) ++n;
  return n;
}
static inline int32_t airssys_reply_str(const char* s) {
  return airssys_reply(s, airssys_strlen(s));
}
static inline int32_t airssys_send_name_str(const char* name, const char* s) {
  return airssys_send_name(name, airssys_strlen(name), s, airssys_strlen(s));
}
static inline void airssys_log_str(int32_t level, const char* s) {
  airssys_log(level, s, airssys_strlen(s));
}
static inline int airssys_equals(const uint8_t* data, uint32_t len, const char* s) {
  uint32_t n = airssys_strlen(s);
  if (n != len) return 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (data[i] != (uint8_t)s[i]) return 0;
  }
  return 1;
}
static inline int airssys_starts_with(const uint8_t* data, uint32_t len, const char* s) {
  uint32_t n = airssys_strlen(s);
  if (n > len) return 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (data[i] != (uint8_t)s[i]) return 0;
  }
  return 1;
}
/* Writes `value` in decimal to `out` (at least 21 bytes); returns the length. */
static inline uint32_t airssys_format_u64(uint64_t value, char* out) {
  char tmp[21];
  uint32_t n = 0;
  do {
    tmp[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (uint32_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

#ifdef __cplusplus
}
#endif

#endif /* AIRSSYS_H */
