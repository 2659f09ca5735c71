// What the fuzz targets share: a host that answers every import with
// "ok", for running modules outside a system; tight limits; and the check
// of the aot engine's C translation of a loaded module.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "airssys/wasm/guest_fault.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "aot/c_translation.hpp"
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

// "" when the C the aot engine would compile for `m` is clean: it exists
// (a module that loads translates), holds no `marker` (a string in every
// name the module supplied, when it is known) and no trigraph, and is
// printable ASCII, tabs and newlines only.
inline std::string check_c_translation(const wasm::WasmModule& m, std::string_view marker = {}) {
  auto c = wasm::detail::translate_to_c(m);
  if (!c) return "translate_to_c refused a loaded module: " + c.error().message;
  const std::pair<const char*, const std::string*> files[] = {
      {"module.c", &c->module_c}, {"module.h", &c->module_h}, {"glue.c", &c->glue_c}};
  for (const auto& [file, text] : files) {
    if (auto at = marker.empty() ? std::string::npos : text->find(marker);
        at != std::string::npos) {
      const std::size_t from = at > 60 ? at - 60 : 0;
      return std::string(file) + " holds a module-supplied name: ..." + text->substr(from, 120) +
             "...";
    }
    if (text->find("?"
                   "?") != std::string::npos) {
      return std::string(file) + " holds a trigraph";
    }
    const auto odd = std::find_if(text->begin(), text->end(), [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return !(u == '\n' || u == '\t' || (u >= 0x20 && u < 0x7f));
    });
    if (odd != text->end()) {
      return std::string(file) + " holds byte " + std::to_string(static_cast<unsigned char>(*odd)) +
             " at offset " + std::to_string(odd - text->begin());
    }
  }
  return {};
}

}  // namespace airssys::fuzz
