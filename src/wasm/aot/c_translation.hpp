// The instrumented module as C, for the aot engine: wabt's C writer output
// (module.c, module.h) and the glue that gives the host a fixed entry-point
// table; the glue includes module.c, and the two compile as one unit. Generated C is a trust
// boundary: the translation reads the module without its name section, the loader kept only exports
// and imports whose names are the host's own (guest_abi.hpp), and every name left in the IR is
// checked against a charset that cannot end a comment, a string or a line before any C is written.
#pragma once

#include <string>

#include "airssys/rt/result.hpp"

namespace airssys::wasm {
class WasmModule;
}

namespace airssys::wasm::detail {

// The glue's longjmp code when a host call stops the guest.
inline constexpr int kHostTrap = 200;

struct TranslatedModule {
  std::string module_c;
  std::string module_h;
  std::string glue_c;
};

Result<TranslatedModule> translate_to_c(const WasmModule& module);

// The symbols an AOT shared object defines for the host (everything else
// the compiler is told to keep hidden).
inline constexpr const char* kAotEntryPoints[] = {
    "airssys_aot_setup", "airssys_aot_instance_size", "airssys_aot_instantiate",
    "airssys_aot_free",  "airssys_aot_memory",        "airssys_aot_fuel",
    "airssys_aot_depth", "airssys_aot_call",          "airssys_aot_grow_memory",
};

}  // namespace airssys::wasm::detail
