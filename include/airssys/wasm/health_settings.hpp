// When and how a component's health is checked: through its airssys_health
// export (a component without one is healthy while it handles messages) and,
// if asked, by whether its mailbox drains.
#pragma once

#include <chrono>
#include <cstdint>

#include "airssys/rt/clock.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::wasm {

struct HealthSettings {
  bool enabled = true;
  rt::Duration interval = std::chrono::seconds(5);
  // How long one airssys_health call may take; longer counts as a failure.
  rt::Duration timeout = std::chrono::seconds(1);
  // Consecutive failed checks (unhealthy, trap, timeout) after which the
  // component fails with health_failed; one passing check resets the count.
  std::uint32_t failures = 3;
  // Before the first check; until it passes the component is not Ready.
  rt::Duration initial_delay = rt::Duration::zero();
  // Stuck detection: a check that finds messages waiting, when every check
  // for this long has found some, fails ("mailbox has not drained"). Works
  // without a health export too. Zero turns it off.
  rt::Duration stuck_after = rt::Duration::zero();

  Result<void> validate() const;
};

}  // namespace airssys::wasm
