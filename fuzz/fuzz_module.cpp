// Fuzz target: module loading (parse, validate, ABI checks, the metering
// pass) and, for what loads, the aot engine's C translation (it must exist
// and be plain printable ASCII: check_c_translation), instantiation and a
// run of every ABI export under tight limits, on one engine (interp, or
// aot when built with AIRSSYS_FUZZ_AOT: each loadable input then costs a C
// compile).
//
// Must never crash, hang or leak: every input ends in an error value or a
// guest fault.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "fuzz_support.hpp"
#include "module_code.hpp"

namespace {

#ifdef AIRSSYS_FUZZ_AOT
constexpr airssys::wasm::EngineKind kEngine = airssys::wasm::EngineKind::aot;
#else
constexpr airssys::wasm::EngineKind kEngine = airssys::wasm::EngineKind::interp;
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wasm = airssys::wasm;
  const std::vector<std::uint8_t> bytes(data, data + size);
  auto module = wasm::WasmModule::load(bytes, "fuzz.wasm");
  if (!module) {
    // The pass must keep every module it accepts valid.
    if (module.error().message.find("instrumented module does not validate") != std::string::npos) {
      std::abort();
    }
    return 0;
  }
  // What loads, the aot engine must be able to write as C.
  if (const auto c = airssys::fuzz::check_c_translation(**module); !c.empty()) {
    std::fprintf(stderr, "fuzz_module: %s\n", c.c_str());
    std::abort();
  }
  auto compiled = wasm::detail::compiled_for(**module, kEngine);
  if (!compiled) return 0;
  airssys::fuzz::NullHost host;
  auto limits = airssys::fuzz::tight_limits();
  auto instance = (*compiled)->instantiate(host, limits);
  if (!instance) return 0;
  auto& inst = **instance;
  using wasm::detail::GuestExport;
  if (!inst.call_initialize(limits).ok()) return 0;
  auto buffer = inst.has_export(GuestExport::alloc)
                    ? inst.call(GuestExport::alloc, {16}, airssys::fuzz::tight_limits())
                    : wasm::detail::CallOutcome{};
  if (!buffer.ok()) return 0;
  if (inst.has_export(GuestExport::init)) {
    if (!inst.call(GuestExport::init, {buffer.value, 16}, airssys::fuzz::tight_limits()).ok()) {
      return 0;
    }
  }
  if (inst.has_export(GuestExport::handle)) {
    (void)inst.call(GuestExport::handle, {1, buffer.value, 16}, airssys::fuzz::tight_limits());
  }
  if (inst.has_export(GuestExport::health)) {
    (void)inst.call(GuestExport::health, {}, airssys::fuzz::tight_limits());
  }
  return 0;
}
