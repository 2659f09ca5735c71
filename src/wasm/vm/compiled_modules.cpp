#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

Result<std::shared_ptr<CompiledModule>> compiled_for(const WasmModule& module, EngineKind kind) {
  const ModuleCode& code = module.code();
  const auto slot = static_cast<std::size_t>(kind);
  std::lock_guard<std::mutex> lock(code.compile_mutex);
  if (code.compiled[slot]) return code.compiled[slot];
  auto compiled = kind == EngineKind::aot ? compile_aot(module) : compile_interp(module);
  if (!compiled) return compiled.error();
  code.compiled[slot] = *compiled;
  return *compiled;
}

}  // namespace airssys::wasm::detail

namespace airssys::wasm {

Result<std::string> precompile(const WasmModule& module, EngineKind engine) {
  auto compiled = detail::compiled_for(module, engine);
  if (!compiled) return compiled.error();
  if (engine == EngineKind::aot) {
    auto path = detail::aot_object_path(module);
    if (!path) return path.error();
    return path->string();
  }
  return std::string("decoded for the interpreter");
}

}  // namespace airssys::wasm
