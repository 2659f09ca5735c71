// The loader's checks of what kind of wasm a module is (module_features.hpp):
// its header, then one streaming read (wabt's BinaryReader with a delegate
// that keeps no more than the first finding) with the refused proposals
// enabled, so that their instructions and types are read and named rather
// than reported as unreadable bytes.
#include "module_features.hpp"

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/opcode.h>

#include <algorithm>
#include <iterator>
#include <string>

namespace airssys::wasm::detail {

wabt::Features guest_features() {
  wabt::Features f;  // MVP + mutable globals, sign-ext, sat-conv, multi-value,
  f.disable_simd();  // bulk memory, reference types; nothing the AOT path lacks
  return f;
}

namespace {

constexpr std::uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};

std::string hex(unsigned v) {
  static const char* digits = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xf];
  return out;
}

const wabt::Result kOk = wabt::Result::Ok;

// Records the first use of a refused proposal: "<proposal> (<what>)".
class FeatureReader final : public wabt::BinaryReaderNop {
 public:
  FeatureReader() : allowed_(guest_features()) {}

  const std::string& finding() const { return finding_; }
  const std::string& hint() const { return hint_; }

  bool OnError(const wabt::Error&) override { return true; }

  wabt::Result OnFuncType(wabt::Index index, wabt::Index params, wabt::Type* param_types,
                          wabt::Index results, wabt::Type* result_types) override {
    for (wabt::Index i = 0; i < params; ++i) {
      if (param_types[i] == wabt::Type::V128) {
        return simd("a v128 parameter in type " + std::to_string(index));
      }
    }
    for (wabt::Index i = 0; i < results; ++i) {
      if (result_types[i] == wabt::Type::V128) {
        return simd("a v128 result in type " + std::to_string(index));
      }
    }
    return wabt::Result::Ok;
  }
  wabt::Result OnImportGlobal(wabt::Index, std::string_view, std::string_view, wabt::Index,
                              wabt::Type type, bool) override {
    return type == wabt::Type::V128 ? simd("a v128 global") : kOk;
  }
  wabt::Result BeginGlobal(wabt::Index, wabt::Type type, bool) override {
    return type == wabt::Type::V128 ? simd("a v128 global") : kOk;
  }
  wabt::Result OnImportMemory(wabt::Index, std::string_view, std::string_view, wabt::Index,
                              const wabt::Limits* limits) override {
    return memory(*limits);
  }
  wabt::Result OnMemory(wabt::Index, const wabt::Limits* limits) override {
    return memory(*limits);
  }
  wabt::Result OnTagCount(wabt::Index count) override {
    return count == 0 ? kOk : found("exception handling (a tag section)");
  }
  wabt::Result OnImportTag(wabt::Index, std::string_view, std::string_view, wabt::Index,
                           wabt::Index) override {
    return found("exception handling (an imported tag)");
  }
  wabt::Result BeginFunctionBody(wabt::Index index, wabt::Offset) override {
    function_ = index;
    return wabt::Result::Ok;
  }
  wabt::Result OnLocalDecl(wabt::Index, wabt::Index, wabt::Type type) override {
    return type == wabt::Type::V128 ? simd("a v128 local in " + in_function()) : kOk;
  }
  wabt::Result OnOpcode(wabt::Opcode op) override {
    if (op.IsEnabled(allowed_)) return wabt::Result::Ok;
    const std::string what = std::string(op.GetName()) + " in " + in_function();
    switch (op) {
      case wabt::Opcode::Try:
      case wabt::Opcode::Catch:
      case wabt::Opcode::CatchAll:
      case wabt::Opcode::Throw:
      case wabt::Opcode::Rethrow:
      case wabt::Opcode::Delegate: return found("exception handling (" + what + ")");
      case wabt::Opcode::ReturnCall:
      case wabt::Opcode::ReturnCallIndirect: return found("tail calls (" + what + ")");
      default: break;
    }
    if (op.GetPrefix() == 0xfd) return simd(what);
    if (op.GetPrefix() == 0xfe) return found("threads (" + what + ")");
    return found("the instruction " + what);
  }

 private:
  std::string in_function() const { return "function " + std::to_string(function_); }
  wabt::Result memory(const wabt::Limits& limits) {
    return limits.is_shared ? found("threads (a shared memory)") : kOk;
  }
  wabt::Result simd(const std::string& what) {
    hint_ = "; with clang, build without -msimd128";
    return found("SIMD (" + what + ")");
  }
  // Stops the read at the first finding.
  wabt::Result found(const std::string& what) {
    finding_ = what;
    return wabt::Result::Error;
  }

  wabt::Features allowed_;
  std::string finding_;
  std::string hint_;
  wabt::Index function_ = 0;
};

}  // namespace

Result<void> check_header(const std::vector<std::uint8_t>& bytes) {
  const auto fail = [](const std::string& what) {
    return Error{ErrorCode::invalid_argument, what};
  };
  if (bytes.size() < 4 || !std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) {
    return fail("not a wasm module (no \\0asm header)");
  }
  if (bytes.size() < 8)
    return fail("truncated wasm header (" + std::to_string(bytes.size()) +
                " bytes; a header is 8)");
  // After the magic: the version, then the layer (little-endian u16 each).
  // Core modules are version 1, layer 0; the Component Model's binaries
  // are layer 1 (its version, 0x0d before 1.0, changes as it evolves).
  const unsigned version = bytes[4] | bytes[5] << 8;
  const unsigned layer = bytes[6] | bytes[7] << 8;
  if (layer == 1) {
    return fail("a Component Model component: airssys runs core modules; see guest-abi.md");
  }
  if (version != 1 || layer != 0) {
    return fail("unknown wasm binary version " + hex(version) +
                (layer != 0 ? ", layer " + hex(layer) : std::string()) +
                ": airssys runs core modules of version 1; see guest-abi.md");
  }
  return {};
}

Result<void> check_features(const std::vector<std::uint8_t>& bytes) {
  wabt::Features read_with = guest_features();
  read_with.enable_simd();
  read_with.enable_threads();
  read_with.enable_exceptions();
  read_with.enable_tail_call();
  FeatureReader reader;
  wabt::ReadBinaryOptions options(read_with, nullptr, /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  (void)wabt::ReadBinary(bytes.data(), bytes.size(), &reader, options);
  if (reader.finding().empty()) return {};
  return Error{ErrorCode::invalid_argument, "uses " + reader.finding() +
                                                ", which guests may not use (see guest-abi.md, "
                                                "Module shape)" +
                                                reader.hint()};
}

}  // namespace airssys::wasm::detail
