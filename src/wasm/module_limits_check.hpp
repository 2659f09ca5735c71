// The loader's check of a module's declared sizes against ModuleLimits
// (module_limits.cpp), run on the raw bytes before any other pass.
#pragma once

#include <cstdint>
#include <vector>

#include "airssys/rt/result.hpp"
#include "airssys/wasm/module_limits.hpp"

namespace airssys::wasm::detail {

// What the check measured of a module within its limits.
struct DeclaredSizes {
  // Of the function bodies, the most blocks, loops and ifs open at once:
  // what the passes that recurse over nesting need stack for.
  std::uint32_t deepest_nesting = 0;
};

// The first limit `bytes` exceeds, or what it declares. Says nothing about
// whether the module is well-formed: the validating read that follows does.
Result<DeclaredSizes> check_module_limits(const std::vector<std::uint8_t>& bytes,
                                          const ModuleLimits& limits);

}  // namespace airssys::wasm::detail
