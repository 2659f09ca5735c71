// What one module may declare. The loader checks every size a module
// declares against these before anything is allocated for it: a module over
// a limit is refused at load with a message naming the limit and the value.
// The defaults follow the implementation limits browsers agree on (the
// WebAssembly JS API's), tightened where airssys's engines need it: nesting
// and locals bound the native stack of the loader's passes and of AOT code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "airssys/rt/result.hpp"

namespace airssys::wasm {

struct ModuleLimits {
  // Bytes of the module file (checked before it is read).
  std::size_t module_size = std::size_t{64} << 20;
  std::uint32_t types = 100'000;
  // Parameters, and results, of one function type.
  std::uint32_t params = 1'000;
  std::uint32_t results = 1'000;
  // Functions, imported and defined.
  std::uint32_t functions = 1'000'000;
  std::uint32_t imports = 100'000;
  std::uint32_t exports = 100'000;
  std::uint32_t globals = 100'000;
  std::uint32_t tables = 100;
  // Elements a table may declare initially (the component's table_limit
  // bounds what its instances hold).
  std::uint32_t table_size = 10'000'000;
  std::uint32_t data_segments = 100'000;
  std::uint32_t elem_segments = 100'000;
  // Locals of one function (parameters not included), and of all of them.
  std::uint32_t locals = 50'000;
  std::uint64_t total_locals = 10'000'000;
  // Bytes of one function body.
  std::uint32_t function_size = 7'654'321;
  // Blocks, loops and ifs open at once in one function. The loader's
  // passes over a deeply nested module run on a thread whose stack is
  // sized for its depth (2 KiB per level), so this bounds that stack.
  std::uint32_t nesting = 4'096;
  static constexpr std::uint32_t kMaxNesting = 65'536;

  Result<void> validate() const;
};

}  // namespace airssys::wasm
