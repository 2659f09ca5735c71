// The C SDK's memory on each engine: the heap (airssys_malloc and friends,
// freestanding; libc's malloc on wasi-libc) and the inbox payloads arrive
// in, which is one of the heap's blocks, so neither overwrites the other.
#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

using SdkHeap = ComponentTest;

// heap: the SDK's own allocator; libc_heap: wasi-libc's malloc.
TEST_P(SdkHeap, PayloadsNeverOverwriteTheComponentsOwnBlocks) {
  for (const char* guest : {"heap", "libc_heap"}) {
    SCOPED_TRACE(guest);
    auto s = spec(guest, guest);
    s.limits.fuel_per_message = 0;  // "check" reads every kept byte
    const auto a = start(s);
    EXPECT_EQ(ask(a, "keep 1000"), "kept 0");
    EXPECT_EQ(ask(a, "keep 70000"), "kept 1");
    EXPECT_EQ(ask(a, "keep 10"), "kept 2");
    // Each payload larger than the inbox so far: the inbox moves to a new
    // block, past the kept ones, and the memory grows.
    for (const std::size_t size :
         {std::size_t{5'000}, std::size_t{200'000}, std::size_t{900'000}}) {
      EXPECT_EQ(ask(a, std::string(size, 'x')), "got " + std::to_string(size));
      EXPECT_EQ(ask(a, "check"), "ok 3");
    }
    EXPECT_EQ(ask(a, "keep 300000"), "kept 3");
    EXPECT_EQ(ask(a, std::string(950'000, 'y')), "got 950000");
    EXPECT_EQ(ask(a, "check"), "ok 4");
    EXPECT_EQ(status(guest)->state(), ComponentState::ready);
  }
}

TEST_P(SdkHeap, MallocCallocReallocAndFreeKeepEveryLiveBlockIntact) {
  auto s = spec("heap", "heap");
  s.limits.fuel_per_message = 0;
  s.limits.call_deadline = 60s;  // a few seconds on the interpreter of a debug build
  const auto a = start(s);
  for (const char* seed : {"1", "2", "3"}) EXPECT_EQ(ask(a, std::string("stress ") + seed), "ok");
  EXPECT_EQ(ask(a, "keep 100"), "kept 0");
  EXPECT_EQ(ask(a, "check"), "ok 1");
}

// AIRSSYS_HEAP_LIMIT (16 MiB, the default memory_limit) bounds the heap:
// past it airssys_malloc returns NULL and the component carries on; what it
// frees is merged and taken again.
TEST_P(SdkHeap, MallocReturnsNullAtTheHeapLimitAndFreedBlocksAreReused) {
  auto s = spec("heap", "heap");
  s.limits.fuel_per_message = 0;
  const auto a = start(s);
  const std::string first = ask(a, "exhaust");
  const int blocks = std::atoi(first.c_str());
  // 16 MiB less the data, the stack and a header per block, in 64 KiB blocks.
  EXPECT_GT(blocks, 240) << first;
  EXPECT_LT(blocks, 256) << first;
  EXPECT_EQ(ask(a, "exhaust"), first);
  EXPECT_EQ(ask(a, "keep 1000"), "kept 0");
  EXPECT_EQ(ask(a, "check"), "ok 1");
  EXPECT_EQ(status("heap")->state(), ComponentState::ready);
}

// A heap limit above the component's memory_limit is a memory_limit
// failure when the heap reaches the memory limit (guest-abi.md).
TEST_P(SdkHeap, AMemoryLimitBelowTheHeapLimitStopsTheComponent) {
  auto s = spec("heap", "heap");
  s.limits.memory_limit = 1 << 20;
  const auto a = start(s);
  EXPECT_EQ(exit_reason_of(a, "exhaust").detail(), "memory_limit");
}

TEST_P(SdkHeap, TheSdkRunsOnWasiLibc) {
  const auto a = start(spec("libc", "libc_heap"));
  EXPECT_EQ(ask(a, "sort pear fig apple"), "apple fig pear");
  EXPECT_EQ(ask(a, "sort one"), "one");
  for (const auto& imp : module("libc_heap")->imports()) EXPECT_EQ(imp.module, "airssys");
}

INSTANTIATE_TEST_SUITE_P(Engines, SdkHeap, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
