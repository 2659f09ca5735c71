// Fuzz target: the metering pass on its own, on any module wabt accepts
// (the input is WebAssembly text; the ABI checks that guard it in load()
// are skipped, so the pass sees every shape of code). Whatever validates
// before the pass must validate after it.
#include <wabt/ir.h>
#include <wabt/resolve-names.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "metering_pass.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("fuzz.wat", data, size, &errors);
  wabt::Features features;
  features.disable_simd();
  wabt::WastParseOptions parse_options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options))) return 0;
  if (wabt::Failed(wabt::ResolveNamesModule(module.get(), &errors))) return 0;
  const wabt::ValidateOptions validate(features);
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, validate))) return 0;
  if (!airssys::wasm::detail::instrument_module(*module)) return 0;  // refused: fine
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, validate))) std::abort();
  return 0;
}
