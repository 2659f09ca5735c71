// Stopping the aot engine's C compiles at shutdown.
#pragma once

namespace airssys::wasm {

// Kills every C compiler the aot engine is running (each compile's whole
// process group) and makes every later aot compile fail at once with
// ErrorCode::system_stopping; modules already compiled keep running. For
// process shutdown: there is no undo.
void cancel_aot_compiles();

}  // namespace airssys::wasm
