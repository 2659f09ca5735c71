// What the engines get from a loaded module: the instrumented binary, what
// each imported function is bound to, and the compiled form per engine,
// built once on first use and shared by every instance; compiling it on the
// caller's thread (compiled_for) or on the compile threads (compile_async).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "guest_abi.hpp"

namespace airssys::wasm::detail {

class CompiledModule;
class CompileJob;

// What the metering pass puts into a module's code; every component runs
// with all of it. The benchmarks leave parts out to measure what each costs.
struct Instrumentation {
  bool fuel = true;                // the fuel charges (both engines)
  bool native_stack_check = true;  // aot: the native stack check at every function entry
};

struct ModuleCode {
  std::vector<std::uint8_t> binary;         // after the metering pass (interp)
  std::vector<std::uint8_t> native_binary;  // the same with native stack checks (aot)
  std::vector<HostImport> func_imports;     // what each imported function is, in index order
  std::array<bool, kGuestExportCount> has_export{};
  bool has_wasi_initialize = false;  // `_initialize` (reactor) runs before airssys_init
  bool has_wasi_start = false;       // `_start`: a command, run to completion
  std::uint32_t initial_pages = 0;
  std::uint64_t initial_table_elements = 0;  // all tables together
  std::uint32_t deepest_nesting = 0;         // of the bodies (pass_stack.hpp)

  // Per engine: the compiled form, and the compile of it that is running.
  mutable std::mutex compile_mutex;
  mutable std::array<std::shared_ptr<CompiledModule>, 2> compiled;
  mutable std::array<std::shared_ptr<CompileJob>, 2> compiling;

  static Result<void> prepare(WasmModule& module, const std::vector<std::uint8_t>& bytes,
                              const ModuleLimits& limits, Instrumentation what = {});
  // A module whose code charges no fuel (fuel limits and call deadlines do
  // not apply to it): the benchmarks' baseline for the cost of metering.
  // Never used to run components.
  static Result<std::shared_ptr<const WasmModule>> load_without_fuel_metering(
      const std::vector<std::uint8_t>& bytes, std::string name);
  // A module with only `what` of the instrumentation (without the native
  // stack check, a runaway recursion on aot overflows the worker's stack):
  // the benchmarks' baselines. Never used to run components.
  static Result<std::shared_ptr<const WasmModule>> load_instrumented(
      const std::vector<std::uint8_t>& bytes, std::string name, Instrumentation what);
};

using CompileResult = Result<std::shared_ptr<CompiledModule>>;

// The module compiled for `kind` if it is already; nullptr otherwise.
std::shared_ptr<CompiledModule> compiled_now(const WasmModule& module, EngineKind kind);

// The module compiled for `kind`, compiling it on first use on this thread;
// a compile of it already running (on a compile thread) is waited for.
CompileResult compiled_for(const WasmModule& module, EngineKind kind);

// One party waiting for a compile that runs on the compile threads. A
// compile nobody waits for any more is cancelled: when the last wait is
// left (or destroyed) before it ends, its C compiler is killed.
class CompileWait {
 public:
  CompileWait() = default;
  CompileWait(CompileWait&& other) noexcept;
  CompileWait& operator=(CompileWait&& other) noexcept;
  CompileWait(const CompileWait&) = delete;
  CompileWait& operator=(const CompileWait&) = delete;
  ~CompileWait() { leave(); }

  // Waiting (not yet left)?
  bool active() const { return job_ != nullptr; }
  // The compile's result once it has ended, from any thread.
  std::optional<CompileResult> result() const;
  // Stops waiting: this wait's callback is not called after leave()
  // returns. The last one to leave a compile still running cancels it.
  void leave();
  // Stops holding the compile without leaving it: the callback still runs
  // when it ends, and the compile is never cancelled on this wait's account.
  void detach() { job_.reset(); }

 private:
  friend CompileWait compile_async(std::shared_ptr<const WasmModule> module, EngineKind kind,
                                   std::function<void(const CompileResult&)> done);
  CompileWait(std::shared_ptr<CompileJob> job, std::uint64_t id) : job_(std::move(job)), id_(id) {}
  std::shared_ptr<CompileJob> job_;
  std::uint64_t id_ = 0;  // 0: the module was compiled already, nothing to call
};

// Waits for `module` compiled for `kind` without blocking: joins the
// compile of it that is running, or starts one on the compile threads (at
// most one per core run at once). When the module is compiled already,
// result() has it at once and `done` is never called; otherwise `done` runs
// on the thread that ran the compile when it ends (unless the wait is left
// first), under a lock every joiner takes: it must be short and must not
// wait for anything.
CompileWait compile_async(std::shared_ptr<const WasmModule> module, EngineKind kind,
                          std::function<void(const CompileResult&)> done);

}  // namespace airssys::wasm::detail
