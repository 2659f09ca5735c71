// Names beyond this process: what a cluster adds to register and whereis.
// Without a directory names are the local registry's alone.
#pragma once

#include <optional>
#include <string_view>

#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::rt {

// Called by the runtime from any thread (spawns, sends by name, exits), so
// an implementation is thread-safe. None of its calls may call back into the
// name functions of the system that calls it.
class NameDirectory {
 public:
  virtual ~NameDirectory() = default;

  // `name` was just registered here for `local`: claim it everywhere. An
  // error undoes the local registration, and the spawn or register fails
  // with that error.
  virtual Result<void> claim(std::string_view name, Address local) = 0;
  // A name of `local` was given up (unregistered, its actor exited, or its
  // kept address was released).
  virtual void release(std::string_view name, Address local) = 0;
  // A name no local actor holds: the address it is reached at here (a proxy
  // for an actor elsewhere), or nothing.
  virtual std::optional<Address> resolve(std::string_view name) = 0;
};

}  // namespace airssys::rt
