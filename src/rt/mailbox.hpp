// An actor's mailbox: a lock-free multi-producer, single-consumer inbox.
//
// Written by hand because it is intrusive (the message is the queue node, so
// a send allocates nothing beyond the message) and costs two words per idle
// actor; general MPMC queues need per-producer blocks of kilobytes.
//
// Producers push onto a LIFO stack with one CAS. The consumer takes the whole
// stack with one exchange and reverses it into a private FIFO cache, so
// messages come out in push order (and per sender in send order).
//
// The head also carries the scheduling state: `blocked()` means "empty and
// not scheduled". The producer whose push replaces blocked() must schedule
// the actor; every other push finds it scheduled or running already.
#pragma once

#include <atomic>
#include <cstdint>

#include "airssys/rt/message.hpp"

namespace airssys::rt::detail {

class Mailbox {
 public:
  enum class PushResult { queued, queued_and_unblocked };

  // Sentinel, never dereferenced.
  static Message* blocked() {
    static char tag;
    return reinterpret_cast<Message*>(&tag);
  }

  // acq_rel: a producer that unblocks the actor goes on to schedule it, so
  // it must see everything the last worker wrote before blocking.
  PushResult push(Message* m) {
    pushed_.fetch_add(1, std::memory_order_relaxed);
    Message* head = head_.load(std::memory_order_relaxed);
    do {
      m->next = head == blocked() ? nullptr : head;
    } while (!head_.compare_exchange_weak(head, m, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return head == blocked() ? PushResult::queued_and_unblocked : PushResult::queued;
  }

  // Consumer only. nullptr when nothing is queued.
  Message* pop() {
    if (cache_ == nullptr) fetch();
    Message* m = cache_;
    if (m != nullptr) {
      cache_ = m->next;
      m->next = nullptr;
      popped_.store(popped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    return m;
  }

  // Messages queued and not yet taken by the consumer (any thread; a
  // snapshot that may be off by the pushes and pops under way).
  std::uint64_t depth() const {
    const std::uint64_t popped = popped_.load(std::memory_order_relaxed);
    const std::uint64_t pushed = pushed_.load(std::memory_order_relaxed);
    return pushed > popped ? pushed - popped : 0;
  }

  // Consumer only, with the cache empty: marks the mailbox blocked if no
  // message arrived meanwhile. After `true` the consumer must not touch the
  // actor again: the next push schedules it, possibly on another worker.
  bool try_block() {
    Message* expected = nullptr;
    return head_.compare_exchange_strong(expected, blocked(), std::memory_order_acq_rel,
                                         std::memory_order_acquire);
  }

  // Consumer only, once no producer can push any more: everything queued,
  // oldest first, as a list linked through `next`.
  Message* take_all() {
    fetch();
    Message* all = cache_;
    cache_ = nullptr;
    return all;
  }

  bool empty_for_consumer() const {
    if (cache_ != nullptr) return false;
    Message* h = head_.load(std::memory_order_acquire);
    return h == nullptr || h == blocked();
  }

 private:
  // Moves the shared stack, reversed, behind the cache.
  void fetch() {
    Message* head = head_.load(std::memory_order_acquire);
    if (head == nullptr || head == blocked()) return;
    head = head_.exchange(nullptr, std::memory_order_acq_rel);
    Message* reversed = nullptr;
    while (head != nullptr) {
      Message* next = head->next;
      head->next = reversed;
      reversed = head;
      head = next;
    }
    if (cache_ == nullptr) {
      cache_ = reversed;
    } else {
      Message* tail = cache_;
      while (tail->next != nullptr) tail = tail->next;
      tail->next = reversed;
    }
  }

  // Starts as nullptr ("scheduled"): spawning schedules the actor once.
  std::atomic<Message*> head_{nullptr};
  Message* cache_ = nullptr;
  // For depth(): producers count on the line they already write (head_);
  // the consumer publishes its count without a read-modify-write.
  std::atomic<std::uint64_t> pushed_{0};
  std::atomic<std::uint64_t> popped_{0};
};

}  // namespace airssys::rt::detail
