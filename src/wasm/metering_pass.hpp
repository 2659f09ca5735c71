// The instrumentation every module goes through once, at load, on wabt's IR
// (so both engines run the same instrumented code):
//  - fuel: a mutable i64 global charged at each function entry and loop
//    header with the cost of the straight-line code that follows; when it
//    drops below zero the guest calls airssys_meter.out_of_fuel, where the
//    host refills the next slice or stops the guest;
//  - stack: a mutable i32 global counting the frames still allowed,
//    decremented on entry and restored on every exit; below zero traps;
//  - memory: memory.grow becomes a call to airssys_meter.memory_grow, where
//    the host enforces the component's memory limit;
//  - bulk operations: memory.fill/copy/init and table.fill/copy/init are
//    charged by their length before they run;
//  - tables: table.grow first reports the elements all tables would hold
//    to airssys_meter.table_grow, where the host enforces the table limit;
//  - native stack (aot only): every function starts with a call to
//    airssys_meter.stack_check.
#pragma once

#include "airssys/rt/result.hpp"

namespace wabt {
struct Module;
}

namespace airssys::wasm::detail {

struct MeteringOptions {
  // false leaves out the fuel charges (the fuel global and import stay, so
  // the engines bind the same way): only for measuring what metering costs.
  bool fuel = true;
  // Calls airssys_meter.stack_check at every function entry: for native
  // code, whose frames live on the worker's own stack.
  bool native_stack_check = false;
};

Result<void> instrument_module(wabt::Module& module, MeteringOptions options = {});

}  // namespace airssys::wasm::detail
