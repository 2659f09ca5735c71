#include "actor_table.hpp"

#include <thread>

namespace airssys::rt::detail {

ActorTable::ActorTable() : chunks_(new std::atomic<Slot*>[kMaxChunks]) {
  for (std::uint32_t i = 0; i < kMaxChunks; ++i)
    chunks_[i].store(nullptr, std::memory_order_relaxed);
}

ActorTable::~ActorTable() {
  for (std::uint32_t i = 0; i < kMaxChunks; ++i)
    delete[] chunks_[i].load(std::memory_order_relaxed);
}

ActorTable::Slot* ActorTable::ensure_slot(std::uint32_t index) {
  auto& chunk_ref = chunks_[index >> kChunkBits];
  Slot* chunk = chunk_ref.load(std::memory_order_acquire);
  if (chunk == nullptr) {
    Slot* fresh = new Slot[kChunkSize];
    if (chunk_ref.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel)) {
      chunk = fresh;
    } else {
      delete[] fresh;  // another thread installed it first
    }
  }
  return &chunk[index & (kChunkSize - 1)];
}

Address ActorTable::allocate() {
  std::uint64_t head = free_head_.load(std::memory_order_acquire);
  while ((head & 0xffff'ffffULL) != 0) {
    const std::uint32_t index = static_cast<std::uint32_t>(head & 0xffff'ffffULL) - 1;
    const std::uint32_t next = slot(index)->next_free.load(std::memory_order_relaxed);
    const std::uint64_t new_head = (((head >> 32) + 1) << 32) | next;
    if (free_head_.compare_exchange_weak(head, new_head, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      const std::uint64_t w = slot(index)->word.load(std::memory_order_acquire);
      return Address{index, static_cast<std::uint32_t>(w >> 32)};
    }
  }
  const std::uint32_t index = next_unused_.load(std::memory_order_relaxed);
  if (index >= kMaxChunks * kChunkSize - 1) return Address::none();
  const std::uint32_t claimed = next_unused_.fetch_add(1, std::memory_order_acq_rel);
  if (claimed >= kMaxChunks * kChunkSize) return Address::none();
  Slot* s = ensure_slot(claimed);
  return Address{claimed,
                 static_cast<std::uint32_t>(s->word.load(std::memory_order_acquire) >> 32)};
}

void ActorTable::publish(Address a, ActorCell* cell) {
  Slot* s = slot(a.index());
  s->cell.store(cell, std::memory_order_release);
  s->word.store((std::uint64_t{a.generation()} << 32) | kAlive, std::memory_order_release);
}

ActorCell* ActorTable::pin(Address a) {
  if (a.index() >= next_unused_.load(std::memory_order_acquire)) return nullptr;
  Slot* s = slot(a.index());
  if (s == nullptr) return nullptr;
  std::uint64_t w = s->word.load(std::memory_order_acquire);
  for (;;) {
    if ((w >> 32) != a.generation() || (w & kAlive) == 0) return nullptr;
    if (s->word.compare_exchange_weak(w, w + kPin, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      return s->cell.load(std::memory_order_acquire);
    }
  }
}

void ActorTable::unpin(Address a) {
  slot(a.index())->word.fetch_sub(kPin, std::memory_order_release);
}

bool ActorTable::is_alive(Address a) const {
  if (a.index() >= next_unused_.load(std::memory_order_acquire)) return false;
  const Slot* s = slot(a.index());
  if (s == nullptr) return false;
  const std::uint64_t w = s->word.load(std::memory_order_acquire);
  return (w >> 32) == a.generation() && (w & kAlive) != 0;
}

void ActorTable::retire(Address a) {
  Slot* s = slot(a.index());
  std::uint64_t w = s->word.fetch_and(~kAlive, std::memory_order_acq_rel) & ~kAlive;
  // Pins are held only for one mailbox push, so this wait is short.
  for (int spins = 0; (w & kPinMask) != 0; ++spins) {
    if (spins > 64) std::this_thread::yield();
    w = s->word.load(std::memory_order_acquire);
  }
}

void ActorTable::release(Address a) {
  Slot* s = slot(a.index());
  std::uint32_t next_generation = a.generation() + 1;
  if (next_generation == 0) next_generation = 1;  // generation 0 means "no actor"
  s->cell.store(nullptr, std::memory_order_relaxed);
  s->word.store(std::uint64_t{next_generation} << 32, std::memory_order_release);
  std::uint64_t head = free_head_.load(std::memory_order_acquire);
  for (;;) {
    s->next_free.store(static_cast<std::uint32_t>(head & 0xffff'ffffULL),
                       std::memory_order_relaxed);
    const std::uint64_t new_head = (((head >> 32) + 1) << 32) | (a.index() + 1);
    if (free_head_.compare_exchange_weak(head, new_head, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      return;
    }
  }
}

}  // namespace airssys::rt::detail
