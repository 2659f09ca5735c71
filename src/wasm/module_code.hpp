// What the engines get from a loaded module: the instrumented binary, what
// each imported function is bound to, and the compiled form per engine,
// built once on first use and shared by every instance.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "guest_abi.hpp"

namespace airssys::wasm::detail {

class CompiledModule;

struct ModuleCode {
  std::vector<std::uint8_t> binary;         // after the metering pass (interp)
  std::vector<std::uint8_t> native_binary;  // the same with native stack checks (aot)
  std::vector<HostImport> func_imports;  // what each imported function is, in index order
  std::array<bool, kGuestExportCount> has_export{};
  bool has_wasi_initialize = false;  // `_initialize` (reactor) runs before airssys_init
  std::uint32_t initial_pages = 0;
  std::uint64_t initial_table_elements = 0;  // all tables together

  mutable std::mutex compile_mutex;
  mutable std::array<std::shared_ptr<CompiledModule>, 2> compiled;

  static Result<void> prepare(WasmModule& module, const std::vector<std::uint8_t>& bytes,
                              const ModuleLimits& limits, bool meter_fuel = true);
  // A module whose code charges no fuel (fuel limits and call deadlines do
  // not apply to it): the benchmarks' baseline for the cost of metering.
  // Never used to run components.
  static Result<std::shared_ptr<const WasmModule>> load_without_fuel_metering(
      const std::vector<std::uint8_t>& bytes, std::string name);
};

// The module compiled for `kind`, compiling it on first use.
Result<std::shared_ptr<CompiledModule>> compiled_for(const WasmModule& module, EngineKind kind);

}  // namespace airssys::wasm::detail
