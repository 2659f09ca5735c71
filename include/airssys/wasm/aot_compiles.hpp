// Stopping the aot engine's C compiles at shutdown, and whether they can
// run at all.
#pragma once

#include "airssys/rt/result.hpp"

namespace airssys::wasm {

// The C compiler the aot engine would run (AIRSSYS_CC, else `cc`) exists and
// answers `--version`, and the AIRSSYS_AOT_COMPILE_* limits read well; the
// error says which is not so.
Result<void> aot_compiler_available();

// Kills every C compiler the aot engine is running (each compile's whole
// process group) and makes every later aot compile fail at once with
// ErrorCode::system_stopping; modules already compiled keep running. For
// process shutdown: there is no undo.
void cancel_aot_compiles();

}  // namespace airssys::wasm
