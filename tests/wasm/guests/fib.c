/* A call-heavy guest: a message "<n>" (decimal) computes the n-th Fibonacci
 * number by plain recursion and replies with it as 8 bytes. The compiler
 * turns the second call into a loop, so fib(27) is 317,811 calls of one
 * small function, at most 27 deep, each with about one loop round: what
 * per-call instrumentation costs (the fuel charge and depth count at each
 * function entry, and on aot the native stack check). */
#include "airssys.h"

__attribute__((noinline)) static uint64_t fib(uint64_t n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint64_t parse_u64(const uint8_t* data, uint32_t len) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < len && data[i] >= '0' && data[i] <= '9'; ++i)
    n = n * 10 + (data[i] - '0');
  return n;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  const uint64_t result = fib(parse_u64(data, len));
  return airssys_reply(&result, sizeof result) == AIRSSYS_OK ? 0 : 1;
}
