// The native stack of the passes over a module that recurse once per
// nesting level of a function body: wabt's binary writer, C writer and IR
// destructors, and the metering pass's walk. At the default nesting limit
// (4,096 levels) they take 1 to 2 MiB of stack in an optimised build and
// several times that under AddressSanitizer, more than the thread that
// loads or compiles a module may have (a worker, a compile thread, the
// thread of an embedding program). So the passes over a module nested
// deeper than a few levels run on a thread of their own, whose stack is
// sized for the module's deepest nesting: whatever the caller's stack, a
// module within the limits never overflows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "airssys/rt/result.hpp"

namespace airssys::wasm::detail {

// The stack the passes over a module nested `nesting` levels deep get.
std::size_t pass_stack_bytes(std::uint32_t nesting);

// Runs `passes` on the calling thread when `nesting` is shallow, otherwise
// on a thread with pass_stack_bytes(nesting) of stack, waiting for it.
// What `passes` throws is thrown here. A thread that cannot be started
// (no memory for its stack) is a resource_exhausted error naming `what`.
Result<void> run_passes(std::uint32_t nesting, const std::string& what,
                        const std::function<Result<void>()>& passes);

}  // namespace airssys::wasm::detail
