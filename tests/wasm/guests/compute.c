/* A loop-heavy guest: a message "<n>" (decimal) runs n rounds of an integer
 * mixing loop over a 64-entry table and replies with the 8-byte result.
 * The benchmarks use it for the cost of fuel metering; the tests for a
 * guest that computes for a bounded, chosen time. */
#include "airssys.h"

static uint64_t table[64];

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  (void)config;
  (void)len;
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (uint32_t i = 0; i < 64; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    table[i] = x;
  }
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
  const uint64_t rounds = parse_u64(data, len);
  uint64_t acc = 1;
  for (uint64_t r = 0; r < rounds; ++r) {
    for (uint32_t i = 0; i < 64; ++i) {
      acc = (acc ^ table[i]) * 0x100000001b3ULL + (acc >> 29);
      if (acc & 1) table[i] += acc;
    }
  }
  return airssys_reply(&acc, sizeof acc) == AIRSSYS_OK ? 0 : 1;
}
