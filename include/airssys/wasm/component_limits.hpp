// Per-component resource limits. Exceeding any of them is a crash of the
// component with a precise exit reason; the host and the other components
// carry on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::wasm {

struct ComponentLimits {
  // Fuel for one call into the guest (one message, init, health, shutdown).
  // One unit is roughly one wasm instruction. 0 = unmetered.
  std::uint64_t fuel_per_message = 10'000'000;
  // Wall-clock time one call may take; checked whenever a fuel slice runs
  // out, so it stops a guest even with unlimited fuel.
  rt::Duration call_deadline = std::chrono::seconds(5);
  // Linear memory, in bytes (rounded down to 64 KiB pages).
  std::size_t memory_limit = std::size_t{16} << 20;
  // Elements of all the component's tables together (initial sizes and
  // table.grow); an element costs the host 16 to 24 bytes.
  std::uint32_t table_limit = 100'000;
  // Nested guest calls (wasm frames) before stack_overflow. Frames of leaf
  // functions (those that call no other guest function) are not counted:
  // they cannot deepen the stack further.
  std::uint32_t stack_limit = 1000;
  // Largest payload a component accepts or sends.
  std::size_t max_message_size = std::size_t{1} << 20;
  // Messages waiting in the component's mailbox; a send beyond it fails
  // (the guest's send returns AIRSSYS_MAILBOX_FULL) and the message is a
  // dead letter (`mailbox_full`) with an event. 0 = unbounded.
  std::size_t mailbox_capacity = 10'000;
  // Log lines an instance may write a second (0 = unlimited), in bursts of
  // up to log_burst; lines beyond are dropped, counted in the component's
  // status and reported in a warning when logging resumes. A line is at
  // most 4 KiB, so this bounds the volume too.
  std::uint32_t log_rate = 100;
  std::uint32_t log_burst = 200;
  // Timers an instance may have pending (send_after, start_timer), and the
  // bytes they carry together; arming one more returns AIRSSYS_TIMER_LIMIT.
  // An instance's timers are cancelled when it ends.
  std::uint32_t max_timers = 1000;
  std::size_t timer_bytes = std::size_t{16} << 20;

  Result<void> validate() const;
};

}  // namespace airssys::wasm
