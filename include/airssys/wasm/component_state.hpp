// A component's lifecycle, observable from any thread. The status object
// belongs to the component's name, not to one instance: it outlives every
// restart and counts across them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "airssys/rt/address.hpp"
#include "airssys/rt/clock.hpp"

namespace airssys::wasm {

enum class ComponentState : std::uint8_t {
  creating,    // a fresh instance is being created
  starting,    // airssys_init is running
  ready,       // handling messages
  stopping,    // airssys_shutdown is running
  terminated,  // stopped without failure
  failed,      // crashed or failed to start; a supervisor may restart it
  killed,      // ended by a kill: brutal_kill, past its shutdown timeout, or the system's
};
// Every state, in the order above (for tables that list them all).
inline constexpr ComponentState kComponentStates[] = {
    ComponentState::creating, ComponentState::starting,   ComponentState::ready,
    ComponentState::stopping, ComponentState::terminated, ComponentState::failed,
    ComponentState::killed};

const char* to_string(ComponentState state) noexcept;

enum class ComponentHealth : std::uint8_t { unknown, healthy, degraded, unhealthy };
const char* to_string(ComponentHealth h) noexcept;

class ComponentStatus {
 public:
  explicit ComponentStatus(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  ComponentState state() const { return state_.load(std::memory_order_acquire); }
  rt::Address address() const {
    return rt::Address::from_value(address_.load(std::memory_order_acquire));
  }
  // Fresh instances created so far (1 after the first start).
  std::uint64_t instances() const { return instances_.load(std::memory_order_relaxed); }
  std::uint64_t messages_handled() const { return handled_.load(std::memory_order_relaxed); }
  std::uint64_t fuel_used() const { return fuel_.load(std::memory_order_relaxed); }
  // Log lines dropped over the log_rate limit, over all instances.
  std::uint64_t log_lines_dropped() const { return log_dropped_.load(std::memory_order_relaxed); }
  // The last health check's result, and failed checks in a row.
  ComponentHealth health() const { return health_.load(std::memory_order_relaxed); }
  std::uint32_t health_failures() const { return health_failures_.load(std::memory_order_relaxed); }
  // Health checks run so far, over all instances.
  std::uint64_t health_checks() const { return health_checks_.load(std::memory_order_relaxed); }
  // Linear memory of the current instance, in bytes.
  std::uint64_t memory_bytes() const { return memory_.load(std::memory_order_relaxed); }
  // Why the last instance failed ("" when none did).
  std::string last_failure() const;

  // Waits until `predicate(state, instances)` holds (true) or `timeout`
  // passes (false). Woken by every state change and health check.
  bool wait_until(const std::function<bool(ComponentState, std::uint64_t)>& predicate,
                  rt::Duration timeout) const;
  // Waits for `state` reached by instance number `instance` or a later one.
  bool wait_for(ComponentState state, std::uint64_t instance, rt::Duration timeout) const;

  // --- updated by the component ---------------------------------------------
  void set_state(ComponentState s);
  void set_failed(std::string why);
  void set_address(rt::Address a) { address_.store(a.value(), std::memory_order_release); }
  void count_instance();
  void set_memory_bytes(std::uint64_t bytes) { memory_.store(bytes, std::memory_order_relaxed); }
  // Records one check's result; returns the previous health.
  ComponentHealth set_health(ComponentHealth h, std::uint32_t failures);
  void count_log_dropped() { log_dropped_.fetch_add(1, std::memory_order_relaxed); }
  void count_message(std::uint64_t fuel) {
    handled_.fetch_add(1, std::memory_order_relaxed);
    fuel_.fetch_add(fuel, std::memory_order_relaxed);
  }

 private:
  std::string name_;
  std::atomic<ComponentState> state_{ComponentState::creating};
  std::atomic<std::uint64_t> address_{0};
  std::atomic<std::uint64_t> instances_{0};
  std::atomic<std::uint64_t> handled_{0};
  std::atomic<std::uint64_t> log_dropped_{0};
  std::atomic<std::uint64_t> fuel_{0};
  std::atomic<std::uint64_t> memory_{0};
  std::atomic<ComponentHealth> health_{ComponentHealth::unknown};
  std::atomic<std::uint32_t> health_failures_{0};
  std::atomic<std::uint64_t> health_checks_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string last_failure_;
};

}  // namespace airssys::wasm
