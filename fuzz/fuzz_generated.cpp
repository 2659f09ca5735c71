// Fuzz target: structure-aware. The input drives a generator of valid
// guest modules (module_generator.hpp) that declare sizes near and beyond
// every ModuleLimits bound, nest blocks as deep as the limit allows and
// beyond, run bodies of calls, recursion, loops, bulk memory and table
// operations, and name everything with hostile text. For each module:
//  - the loader refuses it with the message for the first size over its
//    limit, or loads it (a valid module within the limits must load);
//  - for what loads, the aot engine's C translation holds no byte of a
//    name the module supplied and is printable ASCII (no C compile here:
//    generated_module_test compiles a sample);
//  - it runs on interp under small fuel, stack and memory limits, and
//    every call ends in a documented exit reason.
// Any other outcome aborts, after printing what the module declares.
// AIRSSYS_FUZZ_DUMP=<file> writes each module there first (to keep the
// module of a crash).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "generated_checks.hpp"
#include "module_generator.hpp"

namespace {

void fail_if(const std::string& what, const airssys::fuzz::GeneratedModule& g) {
  if (what.empty()) return;
  std::fprintf(stderr, "fuzz_generated: %s\nmodule: %s\n", what.c_str(), g.summary.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = airssys::fuzz;
  namespace wasm = airssys::wasm;
  fuzz::Choices choices(data, size);
  const fuzz::GeneratedModule g = fuzz::generate_module(choices);
  if (const char* dump = std::getenv("AIRSSYS_FUZZ_DUMP")) {
    std::ofstream(dump, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(g.binary.data()),
               static_cast<std::streamsize>(g.binary.size()));
  }
  const auto loaded = wasm::WasmModule::load(g.binary, "generated.wasm", g.limits);
  fail_if(fuzz::check_load(g, loaded), g);
  if (!loaded) return 0;
  fail_if(fuzz::check_c_translation(**loaded, fuzz::kInjectedMarker), g);
  const auto run = fuzz::run_generated(**loaded, wasm::EngineKind::interp, g.message, {});
  fail_if(fuzz::check_reasons(run), g);
  return 0;
}
