#include <algorithm>
#include <string>

#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

Result<void> check_initial_sizes(const ModuleCode& code, const CallLimits& limits) {
  if (code.initial_pages > limits.memory_limit_pages) {
    return Error{ErrorCode::resource_exhausted,
                 std::string(to_string(GuestFault::memory_limit)) + ": initial memory of " +
                     std::to_string(code.initial_pages) + " pages exceeds the limit of " +
                     std::to_string(limits.memory_limit_pages)};
  }
  if (code.initial_table_elements > limits.table_limit) {
    return Error{ErrorCode::resource_exhausted,
                 std::string(to_string(GuestFault::table_limit)) + ": initial tables of " +
                     std::to_string(code.initial_table_elements) +
                     " elements exceed the limit of " + std::to_string(limits.table_limit)};
  }
  return {};
}

namespace {
constexpr std::uint64_t kUnmetered = std::numeric_limits<std::uint64_t>::max();
}

void WasmInstance::arm(const CallLimits& limits) {
  // A call that returned left the depth as it found it (every counted
  // entry has its exit), so the global needs writing only after a failed
  // call or for another limit: one less cold object per call of an idle
  // instance.
  if (depth_unknown_ || limits.stack_limit != limits_.stack_limit) {
    write_depth(static_cast<std::int32_t>(limits.stack_limit));
    depth_unknown_ = false;
  }
  limits_ = limits;
  pending_ = GuestFault::none;
  budget_ = limits.fuel == 0 ? kUnmetered : limits.fuel;
  given_ = std::min<std::uint64_t>(budget_, kFuelSlice);
  write_fuel(static_cast<std::int64_t>(given_));
}

void WasmInstance::settle_fuel() {
  const std::int64_t left = read_fuel();
  // `left` is negative when the last charge overdrew the slice.
  fuel_used_ = given_ - static_cast<std::uint64_t>(std::max<std::int64_t>(left, 0)) +
               static_cast<std::uint64_t>(std::max<std::int64_t>(-left, 0));
  fuel_used_total_ += fuel_used_;
}

CallOutcome WasmInstance::run(int slot, const std::uint64_t* args, std::size_t nargs,
                              const CallLimits& limits) {
  arm(limits);
  CallOutcome out = invoke(slot, args, nargs);
  if (!out.ok()) depth_unknown_ = true;
  settle_fuel();
  return out;
}

CallOutcome WasmInstance::call(GuestExport e, std::initializer_list<std::uint64_t> args,
                               const CallLimits& limits) {
  return run(static_cast<int>(e), args.begin(), args.size(), limits);
}

CallOutcome WasmInstance::call_initialize(const CallLimits& limits) {
  return run(kInitializeSlot, nullptr, 0, limits);
}

CallOutcome WasmInstance::call_start(const CallLimits& limits) {
  return run(kStartSlot, nullptr, 0, limits);
}

GuestFault WasmInstance::on_out_of_fuel() {
  const std::int64_t left = read_fuel();
  const std::uint64_t used = given_ + static_cast<std::uint64_t>(-left);
  if (used >= budget_) {
    given_ = used;
    write_fuel(0);
    return pending_ = GuestFault::fuel_exhausted;
  }
  if (host_.interrupted()) {
    return pending_ = GuestFault::killed;
  }
  if (limits_.deadline != SteadyTime::max() &&
      std::chrono::steady_clock::now() > limits_.deadline) {
    return pending_ = limits_.deadline_fault;
  }
  const std::uint64_t next = std::min<std::uint64_t>(budget_ - used, kFuelSlice);
  given_ = used + next;
  write_fuel(static_cast<std::int64_t>(next));
  return GuestFault::none;
}

GuestFault WasmInstance::on_memory_grow(std::uint32_t delta, std::uint64_t* result) {
  const std::uint32_t pages = memory_pages();
  if (static_cast<std::uint64_t>(pages) + delta > limits_.memory_limit_pages) {
    return pending_ = GuestFault::memory_limit;
  }
  *result = grow_memory(delta) ? pages : 0xFFFFFFFFu;
  return GuestFault::none;
}

GuestFault WasmInstance::on_import(HostImport which, const std::uint64_t* args,
                                   std::uint64_t* result) {
  switch (which) {
    case HostImport::meter_out_of_fuel: return on_out_of_fuel();
    case HostImport::meter_memory_grow:
      return on_memory_grow(static_cast<std::uint32_t>(args[0]), result);
    case HostImport::meter_table_grow:
      if (args[0] > limits_.table_limit) return pending_ = GuestFault::table_limit;
      return GuestFault::none;
    case HostImport::meter_stack_check:
      return GuestFault::none;  // native code checks its stack in its own glue
    default: {
      const GuestFault f = host_.call_host(which, args, result, memory());
      if (f != GuestFault::none) return pending_ = f;
      const std::uint64_t work = host_.take_work();
      if (work == 0) return GuestFault::none;
      // Charged as if the guest ran it; when that overdraws the slice, the
      // checks of a spent slice run now (budget, kill, deadline).
      constexpr std::uint64_t kMostWork = std::uint64_t{1} << 40;
      write_fuel(read_fuel() - static_cast<std::int64_t>(std::min(work, kMostWork)));
      return read_fuel() < 0 ? on_out_of_fuel() : GuestFault::none;
    }
  }
}

GuestFailure WasmInstance::classify(GuestFault engine_fault, std::string detail) {
  if (pending_ != GuestFault::none) return {pending_, {}};
  if (engine_fault == GuestFault::unreachable && read_depth() < 0) {
    return {GuestFault::stack_overflow,
            "more than " + std::to_string(limits_.stack_limit) + " nested calls"};
  }
  return {engine_fault, std::move(detail)};
}

}  // namespace airssys::wasm::detail
