// Payloads the runtime itself delivers to actors.
#pragma once

#include <cstdint>

#include "airssys/rt/address.hpp"
#include "airssys/rt/exit_reason.hpp"

namespace airssys::rt {

using MonitorRef = std::uint64_t;

// Delivered to an actor that traps exits when a linked actor exits or when
// someone calls exit() on it (Erlang's {'EXIT', From, Reason}).
struct ExitMessage {
  Address from;
  ExitReason reason;
  bool from_link = false;  // true when sent because of a link, false for exit()
  // Only to the spawner of an actor spawned with SpawnOptions::keep_address:
  // the address is parked, messages to it are stashed, and the receiver must
  // respawn() a fresh actor behind it or release() it.
  bool address_kept = false;
};

// Delivered to a monitoring actor when the monitored actor exits
// (Erlang's {'DOWN', Ref, process, Pid, Reason}).
struct DownMessage {
  MonitorRef ref = 0;
  Address actor;
  ExitReason reason;
};

}  // namespace airssys::rt
