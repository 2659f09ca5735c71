// Modules made by tests: a writer of the binary format for what the text
// format cannot say (names and sections of any bytes, counts far beyond
// what text would be written for), and WebAssembly text through wabt's
// parser for the rest.
#pragma once

#include <wabt/binary-writer.h>
#include <wabt/ir.h>
#include <wabt/resolve-names.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "airssys/rt/result.hpp"

namespace airssys::wasm::test {

// WebAssembly text to a binary module, with wabt's default features or
// `features`; the parse error when it does not parse (a mistake in a test,
// not in the host).
inline Result<std::vector<std::uint8_t>> wat_to_wasm(const std::string& wat,
                                                     const std::string& name,
                                                     const wabt::Features& features = {}) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer(name, wat.data(), wat.size(), &errors);
  wabt::WastParseOptions parse_options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)) ||
      wabt::Failed(wabt::ResolveNamesModule(module.get(), &errors))) {
    return Error{ErrorCode::invalid_argument,
                 name + ": " + (errors.empty() ? std::string("parse error") : errors[0].message)};
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options;
  write_options.features = features;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
    return Error{ErrorCode::internal, name + ": cannot write the binary"};
  }
  return stream.output_buffer().data;
}

// Bytes of the binary format, written in order.
class Bytes {
 public:
  Bytes& u8(std::uint8_t b) {
    data_.push_back(b);
    return *this;
  }
  Bytes& leb(std::uint64_t v) {
    do {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      if (v != 0) b |= 0x80;
      data_.push_back(b);
    } while (v != 0);
    return *this;
  }
  Bytes& sleb(std::int64_t v) {
    for (;;) {
      const std::uint8_t b = v & 0x7f;
      v >>= 7;
      const bool done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
      data_.push_back(done ? b : (b | 0x80));
      if (done) return *this;
    }
  }
  Bytes& name(std::string_view s) {
    leb(s.size());
    data_.insert(data_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& raw(const std::vector<std::uint8_t>& b) {
    data_.insert(data_.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& raw(std::initializer_list<std::uint8_t> b) {
    data_.insert(data_.end(), b.begin(), b.end());
    return *this;
  }
  // A section: its id, its size, then `payload`.
  Bytes& section(std::uint8_t id, const Bytes& payload) {
    u8(id);
    leb(payload.data_.size());
    return raw(payload.data_);
  }
  std::size_t size() const { return data_.size(); }
  const std::vector<std::uint8_t>& data() const { return data_; }

 private:
  std::vector<std::uint8_t> data_;
};

inline constexpr std::uint8_t kI32 = 0x7f;
inline constexpr std::uint8_t kI64 = 0x7e;
inline constexpr std::uint8_t kFuncRef = 0x70;

// The sections of a guest that speaks the ABI and ends at its first
// message: types 0-3 are ()->i32, (i32)->i32, (i64 i32 i32)->i32 and
// (i32 i32 i32)->(); function 0 is the import airssys.exit, 1-3 are
// airssys_abi_version, airssys_alloc and airssys_handle (which calls
// exit(0), a normal exit, unless given another body); one memory page. `extra_*` add more of each;
// bodies are given whole (locals and code, without their size).
struct GuestParts {
  std::vector<Bytes> extra_types;
  std::vector<std::uint32_t> extra_funcs;  // their type indices
  std::vector<Bytes> extra_bodies;
  // name, kind (0: defined function 1 + i % functions, 3: the global)
  std::vector<std::pair<std::string, std::uint8_t>> extra_exports;
  std::vector<std::pair<std::string, Bytes>> customs;  // name, content
  std::uint32_t memory_pages = 1;
  bool one_global = false;  // an i32 global (index 0) to export
  Bytes handle_body;        // defaults to `i32.const 0`
};

// A body that calls exit(0, 0, 0) and returns 0.
inline Bytes exit_normally(Bytes b = Bytes().leb(0)) {
  return b.u8(0x41).sleb(0).u8(0x41).sleb(0).u8(0x41).sleb(0).u8(0x10).leb(0).u8(0x41).sleb(0).u8(
      0x0b);
}

inline std::vector<std::uint8_t> guest_module(const GuestParts& p) {
  Bytes m;
  m.raw({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  for (const auto& [name, content] : p.customs) {
    Bytes c;
    c.name(name).raw(content.data());
    m.section(0, c);
  }
  Bytes types;
  types.leb(4 + p.extra_types.size());
  types.raw({0x60, 0x00, 0x01, kI32});
  types.raw({0x60, 0x01, kI32, 0x01, kI32});
  types.raw({0x60, 0x03, kI64, kI32, kI32, 0x01, kI32});
  types.raw({0x60, 0x03, kI32, kI32, kI32, 0x00});
  for (const auto& t : p.extra_types) types.raw(t.data());
  m.section(1, types);
  Bytes imports;
  imports.leb(1).name("airssys").name("exit").u8(0x00).leb(3);
  m.section(2, imports);
  Bytes funcs;
  funcs.leb(3 + p.extra_funcs.size()).leb(0).leb(1).leb(2);
  for (auto t : p.extra_funcs) funcs.leb(t);
  m.section(3, funcs);
  Bytes memory;
  memory.leb(1).u8(0x00).leb(p.memory_pages);
  m.section(5, memory);
  if (p.one_global) {
    Bytes globals;
    globals.leb(1).u8(kI32).u8(0x00).u8(0x41).sleb(0).u8(0x0b);
    m.section(6, globals);
  }
  Bytes exports;
  exports.leb(4 + p.extra_exports.size());
  exports.name("memory").u8(0x02).leb(0);
  exports.name("airssys_abi_version").u8(0x00).leb(1);
  exports.name("airssys_alloc").u8(0x00).leb(2);
  exports.name("airssys_handle").u8(0x00).leb(3);
  for (std::size_t i = 0; i < p.extra_exports.size(); ++i) {
    const auto& [name, kind] = p.extra_exports[i];
    exports.name(name).u8(kind).leb(kind == 0 ? 1 + i % (3 + p.extra_funcs.size()) : 0);
  }
  m.section(7, exports);
  auto body = [](const Bytes& code) {
    Bytes b;
    b.leb(code.size()).raw(code.data());
    return b;
  };
  Bytes code;
  code.leb(3 + p.extra_bodies.size());
  code.raw(body(Bytes().leb(0).u8(0x41).sleb(1).u8(0x0b)).data());
  code.raw(body(Bytes().leb(0).u8(0x41).sleb(1024).u8(0x0b)).data());
  code.raw(body(p.handle_body.size() != 0 ? p.handle_body : exit_normally()).data());
  for (const auto& b : p.extra_bodies) code.raw(body(b).data());
  m.section(10, code);
  return m.data();
}

}  // namespace airssys::wasm::test
