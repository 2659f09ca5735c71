// How a supervisor stops a child (OTP's shutdown).
#pragma once

#include <chrono>

#include "airssys/rt/clock.hpp"

namespace airssys::supervisor {

struct ShutdownPolicy {
  enum class Kind {
    brutal_kill,  // exit(child, kill) at once
    timeout,      // exit(child, shutdown); after `timeout` exit(child, kill)
    infinity,     // exit(child, shutdown) and wait as long as it takes (child supervisors)
  };
  Kind kind = Kind::timeout;
  rt::Duration timeout = std::chrono::seconds(5);

  static ShutdownPolicy brutal_kill() { return {Kind::brutal_kill, rt::Duration::zero()}; }
  static ShutdownPolicy after(rt::Duration t) { return {Kind::timeout, t}; }
  static ShutdownPolicy infinity() { return {Kind::infinity, rt::Duration::zero()}; }
};

}  // namespace airssys::supervisor
