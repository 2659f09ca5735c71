// The loader's check of a module's declared sizes against ModuleLimits
// (module_limits.cpp), run on the raw bytes before any other pass.
#pragma once

#include <cstdint>
#include <vector>

#include "airssys/rt/result.hpp"
#include "airssys/wasm/module_limits.hpp"

namespace airssys::wasm::detail {

// The first limit `bytes` exceeds, or success. Says nothing about whether
// the module is well-formed: the validating read that follows does.
Result<void> check_module_limits(const std::vector<std::uint8_t>& bytes,
                                 const ModuleLimits& limits);

}  // namespace airssys::wasm::detail
