// What the fuzz targets share: the guests' directory and a host that
// answers every import with "ok", for running modules outside a system.
#pragma once

#include <cstdint>
#include <string>

#include "airssys/wasm/guest_fault.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::fuzz {

class NullHost final : public wasm::detail::HostInterface {
 public:
  wasm::GuestFault call_host(wasm::detail::HostImport, const std::uint64_t*, std::uint64_t* result,
                             wasm::detail::GuestMemory) override {
    *result = 0;
    return wasm::GuestFault::none;
  }
};

// Tight limits: a fuzzed module may loop, recurse or grow for ever.
inline wasm::detail::CallLimits tight_limits() {
  wasm::detail::CallLimits l;
  l.fuel = 200'000;
  l.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  l.stack_limit = 200;
  l.memory_limit_pages = 16;
  return l;
}

}  // namespace airssys::fuzz
