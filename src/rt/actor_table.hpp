// Maps addresses to live actors without a global lock.
//
// Slots live in fixed-size chunks that are never moved or freed while the
// system runs, so a sender can always read a slot. Each slot has one atomic
// word: generation (high 32 bits), in-flight senders ("pins", bits 1-31) and
// an alive bit (bit 0). A sender pins the slot only while the generation
// matches and the actor is alive, pushes into the mailbox, and unpins. An
// exiting actor clears the alive bit and waits for the pins to drain; after
// that nobody can touch its cell and it is freed. The generation is bumped
// when the slot is reused, so stale addresses fail cleanly.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "airssys/rt/address.hpp"

namespace airssys::rt::detail {

struct ActorCell;

class ActorTable {
 public:
  ActorTable();
  ~ActorTable();
  ActorTable(const ActorTable&) = delete;
  ActorTable& operator=(const ActorTable&) = delete;

  // A fresh address; its slot is reserved but not alive until publish().
  // Returns a none address when the table is full.
  Address allocate();
  // Makes the actor reachable.
  void publish(Address a, ActorCell* cell);
  // Stops new senders and waits for the in-flight ones.
  void retire(Address a);
  // Frees the slot for reuse under the next generation.
  void release(Address a);

  // The live cell for `a`, pinned (unpin when done), or nullptr.
  ActorCell* pin(Address a);
  void unpin(Address a);

  bool is_alive(Address a) const;

  // Cache hints for delivering a burst: fetching the slots, then the cells,
  // of many actors at once overlaps their memory latencies instead of
  // paying them one after another. Neither pins nor checks anything.
  void prefetch_slot(Address a) const {
    if (const Slot* s = slot_if_used(a.index())) __builtin_prefetch(s, 1);
  }
  void prefetch_cell(Address a) const {
    if (const Slot* s = slot_if_used(a.index())) {
      __builtin_prefetch(s->cell.load(std::memory_order_relaxed), 1);
    }
  }

  // Calls f(Address) for each actor alive at the time its slot is visited.
  template <class F>
  void for_each_live(F&& f) const {
    const std::uint32_t end = next_unused_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < end; ++i) {
      const Slot* s = slot(i);
      if (s == nullptr) continue;
      const std::uint64_t w = s->word.load(std::memory_order_acquire);
      if ((w & kAlive) != 0) f(Address{i, static_cast<std::uint32_t>(w >> 32)});
    }
  }

  // Slots ever used (live or free); sizes the table's memory.
  std::uint32_t high_water() const { return next_unused_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::uint64_t kAlive = 1;
  static constexpr std::uint64_t kPin = 2;
  static constexpr std::uint64_t kPinMask = 0xffff'fffeULL;
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr std::uint32_t kMaxChunks = 1u << 15;  // 134M actors

  struct Slot {
    std::atomic<std::uint64_t> word{std::uint64_t{1} << 32};  // generation 1, not alive
    std::atomic<ActorCell*> cell{nullptr};
    std::atomic<std::uint32_t> next_free{0};  // index + 1, 0 ends the list
  };

  Slot* slot(std::uint32_t index) const {
    if ((index >> kChunkBits) >= kMaxChunks) return nullptr;
    Slot* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[index & (kChunkSize - 1)];
  }
  Slot* ensure_slot(std::uint32_t index);
  const Slot* slot_if_used(std::uint32_t index) const {
    return index < next_unused_.load(std::memory_order_acquire) ? slot(index) : nullptr;
  }

  std::unique_ptr<std::atomic<Slot*>[]> chunks_;
  std::atomic<std::uint32_t> next_unused_{0};
  // Treiber stack of free slots: (ABA tag << 32) | (index + 1).
  std::atomic<std::uint64_t> free_head_{0};
};

}  // namespace airssys::rt::detail
