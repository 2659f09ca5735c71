#pragma once

#include <cstdint>

namespace airssys::supervisor {

// Where a supervised child is in its life (the seed's SupervisionState).
enum class SupervisionState : std::uint8_t {
  initializing,            // being started for the first time
  running,                 // started and ready
  scheduling_restart,      // exited; waiting out its backoff (messages are stashed)
  restarting,              // a fresh instance is being started
  stopped,                 // stopped on purpose, or exited and not restarted; spec kept
  restart_limit_exceeded,  // its supervisor gave up (restart intensity reached)
  terminated,              // gone for good (temporary, deleted, or supervisor stopped)
};

const char* to_string(SupervisionState state) noexcept;

}  // namespace airssys::supervisor
