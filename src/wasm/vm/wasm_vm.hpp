// The engine interface (one implementation per folder, as proxy-wasm's
// WasmVm): a CompiledModule instantiates fresh WasmInstances; an instance
// calls the guest ABI's exports under CallLimits and routes the guest's
// imports to a HostInterface. Fuel, stack, memory limit and deadline logic
// lives here, shared; engines only move values and traps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "airssys/rt/result.hpp"
#include "airssys/wasm/guest_fault.hpp"
#include "guest_abi.hpp"

namespace airssys::wasm {
class WasmModule;
}

namespace airssys::wasm::detail {

struct GuestMemory {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;

  bool contains(std::uint64_t ptr, std::uint64_t len) const {
    return ptr <= size && len <= size - ptr;
  }
};

// What the host does when the guest calls an import of module "airssys".
class HostInterface {
 public:
  virtual ~HostInterface() = default;
  // `args` holds the call's arguments (i32 zero-extended); functions with a
  // result store it in *result. Anything but GuestFault::none stops the guest.
  virtual GuestFault call_host(HostImport which, const std::uint64_t* args, std::uint64_t* result,
                               GuestMemory memory) = 0;
  // Asked whenever a fuel slice runs out: true stops the running call as
  // `killed` (its actor is being killed, e.g. a supervisor's brutal_kill).
  virtual bool interrupted() const { return false; }
  // The work (in fuel units, about one per byte) the last call_host did for
  // the guest; charged to its fuel, so a guest looping on a costly host call
  // meets its fuel, deadline and kill checks as if it did the work itself.
  virtual std::uint64_t take_work() { return 0; }
};

using SteadyTime = std::chrono::steady_clock::time_point;

struct CallLimits {
  std::uint64_t fuel = 0;  // 0 = unmetered (the deadline still applies)
  SteadyTime deadline = SteadyTime::max();
  GuestFault deadline_fault = GuestFault::deadline;  // startup_timeout during init
  std::uint32_t stack_limit = 1000;
  std::uint32_t memory_limit_pages = 256;
  std::uint32_t table_limit = 100'000;  // elements of all tables together
};

// What instantiating `code` would allocate, checked against `limits`
// before the engine allocates it: the memory's and the tables' initial
// sizes. The error names the limit and the values.
Result<void> check_initial_sizes(const struct ModuleCode& code, const CallLimits& limits);

struct CallOutcome {
  GuestFailure failure;
  std::uint64_t value = 0;
  bool ok() const { return failure.fault == GuestFault::none; }
};

class WasmInstance {
 public:
  virtual ~WasmInstance() = default;
  WasmInstance(const WasmInstance&) = delete;
  WasmInstance& operator=(const WasmInstance&) = delete;

  virtual bool has_export(GuestExport e) const = 0;
  virtual GuestMemory memory() = 0;

  // Calls export `e` (which must exist) with `args` under `limits`.
  CallOutcome call(GuestExport e, std::initializer_list<std::uint64_t> args,
                   const CallLimits& limits);
  // Runs the module's `_initialize`, if it has one.
  CallOutcome call_initialize(const CallLimits& limits);
  // Runs a command's `_start`.
  CallOutcome call_start(const CallLimits& limits);

  // Fuel the last call used.
  std::uint64_t fuel_used() const { return fuel_used_; }
  std::uint64_t fuel_used_total() const { return fuel_used_total_; }

 protected:
  explicit WasmInstance(HostInterface& host) : host_(host) {}

  // --- what an engine provides ---------------------------------------------
  // Calls the function behind `e` (or `_initialize` when e is nullopt-like:
  // see kInitializeSlot). Returns the engine's trap, or none.
  static constexpr int kInitializeSlot = -1;
  static constexpr int kStartSlot = -2;  // a command's `_start`
  virtual CallOutcome invoke(int slot, const std::uint64_t* args, std::size_t nargs) = 0;
  virtual std::int64_t read_fuel() = 0;
  virtual void write_fuel(std::int64_t value) = 0;
  virtual std::int32_t read_depth() = 0;
  virtual void write_depth(std::int32_t value) = 0;
  virtual std::uint32_t memory_pages() = 0;
  // Grows by `delta` pages; false when the module's own maximum forbids it.
  virtual bool grow_memory(std::uint32_t delta) = 0;

  // --- what engines call from their import trampolines ----------------------
  GuestFault on_import(HostImport which, const std::uint64_t* args, std::uint64_t* result);
  // After a failed call: the fault to report. Faults raised by the host
  // (fuel, limits, exit ...) take precedence over the engine's trap.
  GuestFailure classify(GuestFault engine_fault, std::string detail);
  // Prepares fuel and depth before instantiation (data segments and
  // `_initialize` run metered too).
  void arm(const CallLimits& limits);

 private:
  GuestFault on_out_of_fuel();
  GuestFault on_memory_grow(std::uint32_t delta, std::uint64_t* result);
  CallOutcome run(int slot, const std::uint64_t* args, std::size_t nargs, const CallLimits& limits);
  void settle_fuel();

  HostInterface& host_;
  CallLimits limits_;
  GuestFault pending_ = GuestFault::none;
  std::uint64_t budget_ = 0;
  std::uint64_t given_ = 0;
  std::uint64_t fuel_used_ = 0;
  std::uint64_t fuel_used_total_ = 0;
  bool depth_unknown_ = true;  // the depth global must be written before the next call
};

class CompiledModule {
 public:
  virtual ~CompiledModule() = default;
  // A fresh instance: new memory, new globals, nothing shared with any
  // other instance but the code.
  virtual Result<std::unique_ptr<WasmInstance>> instantiate(HostInterface& host,
                                                            const CallLimits& limits) const = 0;
};

Result<std::shared_ptr<CompiledModule>> compile_interp(const WasmModule& module);
// Reads `binary` with wabt's validating reader (the interpreter's, which
// checks each instruction as it reads it) and returns its first error.
// Module loading runs it before building wabt's IR: the IR reader trusts
// its input's structure and aborts the process on some malformed code.
Result<void> validate_binary(const std::vector<std::uint8_t>& binary, const std::string& name);
class ProcessCancel;
// Builds (or finds in the AOT cache) and loads the module's shared object.
// `cancel`, when given, kills the C compile from another thread.
Result<std::shared_ptr<CompiledModule>> compile_aot(const WasmModule& module,
                                                    ProcessCancel* cancel = nullptr);
// Where the aot engine keeps (or will keep) the module's shared object.
Result<std::filesystem::path> aot_object_path(const WasmModule& module);

// Fuel is handed out in slices; the deadline and kill requests are checked
// whenever a slice runs out.
inline constexpr std::int64_t kFuelSlice = 1 << 18;

}  // namespace airssys::wasm::detail
