#pragma once

#include <string>

namespace airssys::rt {

struct SpawnOptions {
  // Registered before the actor runs; spawning fails if the name is taken.
  std::string name;
  // Exit signals from links arrive as ExitMessage instead of terminating it.
  bool trap_exit = false;
  // Only from inside an actor (ActorContext::spawn): link the new actor to the
  // spawning one before it runs, so no exit can be missed (spawn_link).
  bool link = false;
};

}  // namespace airssys::rt
