// Which engine runs a component's wasm code.
#pragma once

#include <optional>
#include <string_view>

namespace airssys::wasm {

enum class EngineKind {
  interp,  // wabt's interpreter: loads any module at once (the default)
  aot,     // wasm2c + the system C compiler + dlopen, cached by module hash
};

const char* to_string(EngineKind kind) noexcept;
std::optional<EngineKind> parse_engine_kind(std::string_view text);

}  // namespace airssys::wasm
