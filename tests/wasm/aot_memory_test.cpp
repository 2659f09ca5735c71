// The aot linear memories' pool: a freed small memory comes back zeroed to
// the next instance of its size, and no more than kKeptMemoryBytes are kept.
#include "aot/aot_memory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace airssys::wasm::detail {
namespace {

constexpr std::uint64_t kPage = 65536;

bool all_zero(const void* data, std::uint64_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  return std::all_of(p, p + bytes, [](unsigned char c) { return c == 0; });
}

TEST(AotMemory, AFreedMemoryComesBackZeroedToTheNextOfItsSize) {
  for (std::uint64_t pages : {1, 2, 4}) {
    void* first = map_aot_memory(pages * kPage);
    ASSERT_NE(first, nullptr);
    EXPECT_TRUE(all_zero(first, pages * kPage));
    std::memset(first, 0xab, pages * kPage);
    // Kept unless the pool is full (other tests in this process free memories too).
    const bool room = kept_memory_bytes() + pages * kPage <= kKeptMemoryBytes;
    unmap_aot_memory(first, pages * kPage);
    void* second = map_aot_memory(pages * kPage);
    ASSERT_NE(second, nullptr);
    if (room) {
      EXPECT_EQ(second, first) << pages << " pages: the kept mapping is reused";
    }
    EXPECT_TRUE(all_zero(second, pages * kPage)) << pages << " pages";
    unmap_aot_memory(second, pages * kPage);
  }
}

TEST(AotMemory, NoMoreThanTheBoundIsKeptAndLargeMemoriesAreNotKept) {
  std::vector<std::pair<void*, std::uint64_t>> live;
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t bytes = (1 + i % 4) * kPage;
    live.emplace_back(map_aot_memory(bytes), bytes);
    ASSERT_NE(live.back().first, nullptr);
    std::memset(live.back().first, 1, bytes);
  }
  for (auto [data, bytes] : live) unmap_aot_memory(data, bytes);
  EXPECT_LE(kept_memory_bytes(), kKeptMemoryBytes);
  EXPECT_GT(kept_memory_bytes(), kKeptMemoryBytes / 2);

  const std::uint64_t before = kept_memory_bytes();
  void* large = map_aot_memory(kLargestKeptMemory + kPage);
  ASSERT_NE(large, nullptr);
  unmap_aot_memory(large, kLargestKeptMemory + kPage);
  EXPECT_EQ(kept_memory_bytes(), before);

  // Every kept memory comes back zeroed, whatever was in it.
  std::vector<std::pair<void*, std::uint64_t>> again;
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t bytes = (1 + i % 4) * kPage;
    again.emplace_back(map_aot_memory(bytes), bytes);
    ASSERT_NE(again.back().first, nullptr);
    EXPECT_TRUE(all_zero(again.back().first, bytes)) << i;
  }
  for (auto [data, bytes] : again) unmap_aot_memory(data, bytes);
}

}  // namespace
}  // namespace airssys::wasm::detail
