/* A memcpy-heavy guest: a message "<n>" (decimal) runs n rounds of filling
 * a 64 KiB block and copying it to another, and replies with an 8-byte
 * checksum. Built with -mbulk-memory, __builtin_memset and __builtin_memcpy
 * are single memory.fill and memory.copy instructions, so a round is two
 * bulk operations of 64 KiB each and a few instructions around them. The
 * benchmarks use it for the cost of metering bulk operations, which are
 * charged by their length. */
#include "airssys.h"

#define BLOCK (64u * 1024u)

static uint8_t* from;
static uint8_t* to;

/* The two blocks live in two pages of their own past the module's first
 * page (the data, the stack and the inbox); the payload is read before
 * either block is written. */
int32_t airssys_init(const uint8_t* config, uint32_t len) {
  (void)config;
  (void)len;
  const unsigned long first = __builtin_wasm_memory_grow(0, 2);
  if (first == (unsigned long)-1) return 1;
  from = (uint8_t*)(uintptr_t)(first * 65536u);
  to = from + BLOCK;
  return 0;
}

static uint64_t parse_u64(const uint8_t* data, uint32_t len) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < len && data[i] >= '0' && data[i] <= '9'; ++i)
    n = n * 10 + (data[i] - '0');
  return n;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (from == 0) return 1;
  const uint64_t rounds = parse_u64(data, len);
  uint64_t acc = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    __builtin_memset(from, (int)(r & 0xff), BLOCK);
    /* One byte written between the fill and the copy, so the compiler
     * cannot turn the copy of a block it just filled into a second fill. */
    from[(r * 7919u + acc) % BLOCK] = (uint8_t)acc;
    __builtin_memcpy(to, from, BLOCK);
    acc = acc * 31u + to[(r * 104729u) % BLOCK];
  }
  return airssys_reply(&acc, sizeof acc) == AIRSSYS_OK ? 0 : 1;
}
