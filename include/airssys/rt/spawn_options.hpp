#pragma once

#include <cstddef>
#include <string>

namespace airssys::rt {

struct SpawnOptions {
  // Registered before the actor runs; spawning fails if the name is taken.
  std::string name;
  // The name is this process's alone: a cluster's name directory is not
  // told of it (every node runs its own supervisors, under the same names).
  bool local_name = false;
  // Exit signals from links arrive as ExitMessage instead of terminating it.
  bool trap_exit = false;
  // The actor passes messages on rather than making requests of its own (a
  // cluster's proxy for an actor on another node): replies, error replies
  // and downs reach its handler as they are, not matched against requests
  // and monitors of its own.
  bool relay = false;
  // Only from inside an actor (ActorContext::spawn): link the new actor to the
  // spawning one before it runs, so no exit can be missed (spawn_link).
  bool link = false;
  // Only with `link`: when the actor exits, its address is not freed but
  // parked for the spawning actor (its supervisor), which gets an
  // ExitMessage with address_kept and then respawns a fresh actor behind the
  // same address (ActorContext::respawn) or gives it up (release). While
  // parked, messages are kept in a stash of `stash_capacity`; beyond that
  // they become dead letters (`rejected`), with an event. Monitors fire only
  // when the address is released.
  bool keep_address = false;
  std::size_t stash_capacity = 1024;
  // Ordinary messages and requests queued beyond this many are refused: the
  // send fails with resource_exhausted (a request at once, not by its
  // timeout) and the message is a dead letter (`mailbox_full`) with an
  // event. System messages (exit signals, downs, replies) are never refused.
  // Senders racing each other may overshoot the bound by one message each.
  // 0 = unbounded.
  std::size_t mailbox_capacity = 0;
};

}  // namespace airssys::rt
