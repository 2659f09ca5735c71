// Why a guest call did not complete: the precise exit reasons a component
// fails with (docs/guest-abi.md lists them).
#pragma once

#include <cstdint>
#include <string>

namespace airssys::wasm {

enum class GuestFault : std::uint8_t {
  none,
  unreachable,         // trap:unreachable (also C's abort / __builtin_trap)
  out_of_bounds,       // trap:out_of_bounds (memory or table access)
  divide_by_zero,      // trap:divide_by_zero
  integer_overflow,    // trap:integer_overflow
  invalid_conversion,  // trap:invalid_conversion (float to int)
  indirect_call,       // trap:indirect_call (null entry or signature mismatch)
  stack_overflow,      // call depth above the component's stack limit
  fuel_exhausted,      // the fuel for one message ran out
  deadline,            // the wall-clock deadline of one call passed
  startup_timeout,     // init did not finish within the startup timeout
  memory_limit,        // memory.grow beyond the component's memory limit
  table_limit,         // table.grow beyond the component's table limit
  abi_violation,       // a host call with a bad pointer, length or argument
  exited,              // the guest called airssys.exit (not a trap)
  killed,              // the call was interrupted from outside (shutdown kill)
  other_trap,          // any other engine trap; the detail says which
};

// The exit reason text: "trap:unreachable", "fuel_exhausted", ...
const char* to_string(GuestFault fault) noexcept;

// A fault with the engine's or the host's explanation.
struct GuestFailure {
  GuestFault fault = GuestFault::none;
  std::string detail;

  // "<fault>" or "<fault> (<detail>)".
  std::string describe() const;
};

}  // namespace airssys::wasm
