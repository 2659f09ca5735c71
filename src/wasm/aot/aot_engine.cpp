// The `aot` engine: wasm2c's C output compiled by the system C compiler into
// a shared object and dlopen'ed.
#include "airssys/wasm/wasm_module.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

Result<std::shared_ptr<CompiledModule>> compile_aot(const WasmModule& module) {
  return Error{ErrorCode::invalid_argument,
               module.name() + ": the aot engine is not available in this build yet; use interp"};
}

}  // namespace airssys::wasm::detail
