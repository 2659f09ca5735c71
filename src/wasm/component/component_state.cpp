#include "airssys/wasm/component_state.hpp"

#include <chrono>

namespace airssys::wasm {

const char* to_string(ComponentState state) noexcept {
  switch (state) {
    case ComponentState::creating: return "creating";
    case ComponentState::starting: return "starting";
    case ComponentState::ready: return "ready";
    case ComponentState::stopping: return "stopping";
    case ComponentState::terminated: return "terminated";
    case ComponentState::failed: return "failed";
    case ComponentState::killed: return "killed";
  }
  return "unknown";
}

const char* to_string(ComponentHealth h) noexcept {
  switch (h) {
    case ComponentHealth::unknown: return "unknown";
    case ComponentHealth::healthy: return "healthy";
    case ComponentHealth::degraded: return "degraded";
    case ComponentHealth::unhealthy: return "unhealthy";
  }
  return "unknown";
}

std::string ComponentStatus::last_failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_failure_;
}

void ComponentStatus::set_state(ComponentState s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.store(s, std::memory_order_release);
  }
  changed_.notify_all();
}

void ComponentStatus::set_failed(std::string why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_failure_ = std::move(why);
    state_.store(ComponentState::failed, std::memory_order_release);
  }
  changed_.notify_all();
}

ComponentHealth ComponentStatus::set_health(ComponentHealth h, std::uint32_t failures) {
  ComponentHealth before;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    health_failures_.store(failures, std::memory_order_relaxed);
    health_checks_.fetch_add(1, std::memory_order_relaxed);
    before = health_.exchange(h, std::memory_order_relaxed);
  }
  changed_.notify_all();
  return before;
}

void ComponentStatus::count_instance() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    instances_.fetch_add(1, std::memory_order_relaxed);
  }
  changed_.notify_all();
}

bool ComponentStatus::wait_until(
    const std::function<bool(ComponentState, std::uint64_t)>& predicate,
    rt::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return predicate(state_.load(std::memory_order_acquire),
                     instances_.load(std::memory_order_relaxed));
  });
}

bool ComponentStatus::wait_for(ComponentState state, std::uint64_t instance,
                               rt::Duration timeout) const {
  return wait_until([&](ComponentState s,
                        std::uint64_t n) { return n > instance || (n == instance && s == state); },
                    timeout);
}

}  // namespace airssys::wasm
