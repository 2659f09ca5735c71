// A supervisor's own settings (OTP's supervisor flags) and its spec.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/backoff_strategy.hpp"
#include "airssys/supervisor/child_spec.hpp"

namespace airssys::supervisor {

enum class Strategy {
  one_for_one,         // restart the child that exited
  one_for_all,         // stop all others (reverse start order), restart all (start order)
  rest_for_one,        // stop the children started after it, restart it and them
  simple_one_for_one,  // one_for_one over many children started at run time from one spec
};

// OTP's auto_shutdown: whether significant children ending ends the supervisor.
enum class AutoShutdown { never, any_significant, all_significant };

const char* to_string(Strategy s) noexcept;
const char* to_string(AutoShutdown a) noexcept;

struct SupervisorConfig {
  Strategy strategy = Strategy::one_for_one;
  // More than max_restarts restarts within time_window: the supervisor stops
  // its children and exits (escalates). 0 = never restart.
  std::uint32_t max_restarts = 3;
  rt::Duration time_window = std::chrono::seconds(60);
  BackoffStrategy backoff = BackoffStrategy::exponential();
  AutoShutdown auto_shutdown = AutoShutdown::never;

  static SupervisorConfig one_for_one() { return with(Strategy::one_for_one); }
  static SupervisorConfig one_for_all() { return with(Strategy::one_for_all); }
  static SupervisorConfig rest_for_one() { return with(Strategy::rest_for_one); }
  static SupervisorConfig simple_one_for_one() { return with(Strategy::simple_one_for_one); }

  SupervisorConfig& with_strategy(Strategy s) {
    strategy = s;
    return *this;
  }
  SupervisorConfig& with_max_restarts(std::uint32_t n) {
    max_restarts = n;
    return *this;
  }
  SupervisorConfig& with_time_window(rt::Duration d) {
    time_window = d;
    return *this;
  }
  SupervisorConfig& with_backoff(BackoffStrategy b) {
    backoff = b;
    return *this;
  }
  SupervisorConfig& with_auto_shutdown(AutoShutdown a) {
    auto_shutdown = a;
    return *this;
  }

  Result<void> validate() const;

 private:
  static SupervisorConfig with(Strategy s) {
    SupervisorConfig c;
    c.strategy = s;
    return c;
  }
};

struct SupervisorSpec {
  std::string name;  // the supervisor's id in the tree; also registered as its name
  SupervisorConfig config;
  // Started in this order, stopped in reverse. For simple_one_for_one: the
  // one template every dynamic child is started from.
  std::vector<ChildSpec> children;
  // Shared by a whole tree; created by the root when null.
  std::shared_ptr<SupervisionEventSink> events;
  std::shared_ptr<SupervisionTree> tree;

  Result<void> validate() const;
};

}  // namespace airssys::supervisor
