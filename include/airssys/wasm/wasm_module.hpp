// A loaded guest module: validated, checked against the guest ABI and
// instrumented for fuel, stack and memory limits once, then shared by every
// instance (and every restart) of every component that runs it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/result.hpp"
#include "airssys/wasm/capabilities.hpp"
#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/module_limits.hpp"

namespace airssys::wasm {

namespace detail {
struct ModuleCode;
struct ModuleAccess;
}  // namespace detail

struct ImportInfo {
  std::string module;
  std::string name;
  std::string kind;  // "func", "memory", "table", "global"
};

struct ExportInfo {
  std::string name;
  std::string kind;
};

class WasmModule {
 public:
  // Parses and prepares `bytes`. `name` appears in every error ("echo.wasm:
  // missing export airssys_handle"). Fails on anything that is not a valid
  // module speaking guest ABI v1, or that declares more than `limits` allow.
  static Result<std::shared_ptr<const WasmModule>> load(const std::vector<std::uint8_t>& bytes,
                                                        std::string name,
                                                        const ModuleLimits& limits = {});
  static Result<std::shared_ptr<const WasmModule>> load_file(const std::filesystem::path& path,
                                                             const ModuleLimits& limits = {});
  // The bytes of a module file: a regular file (not a FIFO, device or
  // directory; symlinks followed) of at most `max_bytes`, checked before
  // reading; never blocks on a file that has no data.
  static Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path,
                                                     std::size_t max_bytes);

  const std::string& name() const { return name_; }
  // FNV-1a 64 of the original bytes, hex: names the module in output
  // (`airssys inspect`). The AOT cache has keys of its own (SHA-256 of the
  // instrumented module, the compiler and its flags).
  const std::string& hash() const { return hash_; }
  std::uint32_t abi_version() const { return abi_version_; }
  const std::vector<ImportInfo>& imports() const { return imports_; }
  const std::vector<ExportInfo>& exports() const { return exports_; }
  bool exports_function(std::string_view name) const;
  std::uint32_t initial_pages() const { return initial_pages_; }
  // A WASI command (exports `_start`, none of the component exports): it
  // runs to completion once started, and its exit is the component's.
  bool is_command() const { return is_command_; }

  // Every import is either always granted or granted by `caps`; the error
  // names the first one that is not.
  Result<void> check_capabilities(const Capabilities& caps) const;

  // The prepared code, for the engines.
  const detail::ModuleCode& code() const { return *code_; }

  WasmModule(const WasmModule&) = delete;
  WasmModule& operator=(const WasmModule&) = delete;
  ~WasmModule();

 private:
  WasmModule();
  friend struct detail::ModuleCode;
  friend struct detail::ModuleAccess;

  std::string name_;
  std::string hash_;
  std::uint32_t abi_version_ = 0;
  std::uint32_t initial_pages_ = 0;
  bool is_command_ = false;
  std::vector<ImportInfo> imports_;
  std::vector<ExportInfo> exports_;
  std::unique_ptr<detail::ModuleCode> code_;
};

using WasmModulePtr = std::shared_ptr<const WasmModule>;

// Compiles `module` for `engine` now, on this thread, instead of at its
// first instance. For aot the result is the cached shared object's path
// (built if missing). A compile of the module already running is joined.
Result<std::string> precompile(const WasmModule& module, EngineKind engine);

// precompile() on the compile threads (at most one per core at once):
// returns at once; the future has precompile()'s result. Dropping the
// future does not stop the compile; cancel_aot_compiles() does.
std::future<Result<std::string>> precompile_async(WasmModulePtr module, EngineKind engine);

}  // namespace airssys::wasm
