/* Recursion for the stack-limit tests: down(n) nests n calls and returns n.
 * The store after the call keeps the compiler from turning it into a loop. */
#pragma once

#include <stdint.h>

static volatile uint64_t deep_call_sink;

__attribute__((noinline)) static uint64_t down(uint64_t n) {
  volatile uint64_t frame[2];
  frame[0] = n;
  if (n == 0) return 0;
  uint64_t r = down(n - 1);
  deep_call_sink = r + frame[0];
  return r + 1;
}
