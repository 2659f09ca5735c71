// A generator of valid guest modules, driven by a fuzzer's bytes or by a
// seed: what fuzz_generated feeds the loader and the engines, and what
// tests/wasm/generated_module_test.cpp runs over fixed seeds. Each module
// speaks guest ABI v1 (memory, airssys_abi_version returning 1,
// airssys_alloc, airssys_handle; sometimes airssys_init, airssys_health,
// airssys_shutdown, _initialize) and imports from "airssys" only; around
// that it declares sizes near and beyond every ModuleLimits bound (types,
// parameters, results, imports, functions, exports, globals, tables, table
// sizes, data and element segments, locals, body bytes, nesting), has
// bodies from a subset of instructions that always validates (integer and
// float arithmetic, locals, globals, blocks, loops, ifs, br, br_if,
// br_table, return, calls, call_indirect, recursion, loads, stores, memory
// and table bulk operations, references), and names every export, custom
// section and name-section entry with hostile pieces (comment terminators,
// line breaks, backslashes, quotes, trigraphs, NUL, non-ASCII UTF-8), each
// around kInjectedMarker.
//
// Every choice reads the next input bytes, and reads 0 once they run out;
// choice 0 is the smallest or the one that ends a list, so any input gives
// a module, the empty input the smallest one. One module in eight is held
// to lowered limits (every limit reached in a few bytes), one in four is
// extreme (each bounded size, one time in six, at its limit - 1, the limit
// or one beyond, as far as that stays cheap: cap()), and one in eight has
// active segments that may not fit (its instantiation fails).
//
// The generator also writes down, in the loader's reading order, every
// size it declared against the limits it chose: `refusal` is the message
// of the first one over its limit, which the loader must give word for
// word (src/wasm/module_limits.cpp), or empty when the module is within
// every limit and must load.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airssys/wasm/module_limits.hpp"
#include "module_bytes.hpp"

namespace airssys::fuzz {

using wasm::test::Bytes;

// The next choices from the input; 0 once it is used up.
class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  explicit Choices(const std::vector<std::uint8_t>& bytes) : Choices(bytes.data(), bytes.size()) {}

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  // 0 .. n-1 (0 for n <= 1), from as many bytes as n needs.
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    std::uint64_t v = 0;
    for (std::uint64_t span = 1; span < n && span != 0; span <<= 8) v = (v << 8) | byte();
    return v % n;
  }
  // True one time in n (never once the input is used up).
  bool one_in(std::uint64_t n) { return below(n) == n - 1; }
  std::uint32_t u32() { return static_cast<std::uint32_t>(below(std::uint64_t{1} << 32)); }
  std::uint64_t u64() { return (std::uint64_t{u32()} << 32) | u32(); }
  bool used_up() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// `n` bytes from `seed` (splitmix64): the ctest's inputs.
inline std::vector<std::uint8_t> seed_bytes(std::uint64_t seed, std::size_t n) {
  std::vector<std::uint8_t> out;
  out.reserve(n);
  std::uint64_t x = seed;
  while (out.size() < n) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 8 && out.size() < n; ++i)
      out.push_back(static_cast<std::uint8_t>(z >> (8 * i)));
  }
  return out;
}

// In every name the module supplies, and in no text the host writes.
inline constexpr std::string_view kInjectedMarker = "airssys_injected_";

// Each size a module declares that ModuleLimits bounds.
enum class Dim : std::uint8_t {
  types,
  params,
  results,
  imports,
  functions,
  exports,
  globals,
  tables,
  table_size,
  data_segments,
  elem_segments,
  locals,
  total_locals,
  function_size,
  nesting,
  module_size,
};
inline constexpr Dim kDims[] = {
    Dim::types,        Dim::params,        Dim::results,       Dim::imports,
    Dim::functions,    Dim::exports,       Dim::globals,       Dim::tables,
    Dim::table_size,   Dim::data_segments, Dim::elem_segments, Dim::locals,
    Dim::total_locals, Dim::function_size, Dim::nesting,       Dim::module_size,
};

inline const char* to_string(Dim d) {
  switch (d) {
    case Dim::types: return "types";
    case Dim::params: return "params";
    case Dim::results: return "results";
    case Dim::imports: return "imports";
    case Dim::functions: return "functions";
    case Dim::exports: return "exports";
    case Dim::globals: return "globals";
    case Dim::tables: return "tables";
    case Dim::table_size: return "table_size";
    case Dim::data_segments: return "data_segments";
    case Dim::elem_segments: return "elem_segments";
    case Dim::locals: return "locals";
    case Dim::total_locals: return "total_locals";
    case Dim::function_size: return "function_size";
    case Dim::nesting: return "nesting";
    case Dim::module_size: return "module_size";
  }
  return "?";
}

struct GeneratorOptions {
  // Sizes a C compiler translates in a few seconds (the aot samples): no
  // declared size near a default limit, few functions, short bodies.
  bool compile_friendly = false;
  // Declare `force` at its limit + `delta` (-1, 0 or 1), under the default
  // limits where that is cheap, else under a lowered limit.
  std::optional<Dim> force = std::nullopt;
  int delta = 0;
};

struct GeneratedModule {
  std::vector<std::uint8_t> binary;
  wasm::ModuleLimits limits;  // what to load it with
  // The loader's message for the first declared size over its limit, or
  // empty: within every limit, the module must load.
  std::string refusal;
  std::vector<std::uint8_t> message;  // what airssys_handle is given
  std::string summary;                // what it declares, for failure reports
};

namespace generator_detail {

using namespace std::string_view_literals;

inline constexpr std::uint8_t kI32 = 0x7f;
inline constexpr std::uint8_t kI64 = 0x7e;
inline constexpr std::uint8_t kF32 = 0x7d;
inline constexpr std::uint8_t kF64 = 0x7c;
inline constexpr std::uint8_t kFuncRef = 0x70;
inline constexpr std::uint8_t kExternRef = 0x6f;
inline constexpr std::uint8_t kVoid = 0x40;

// Pieces that would change a C program if a name were copied into one.
inline constexpr std::string_view kHostilePieces[] = {
    "*/"sv,
    "/*"sv,
    "\n"sv,
    "\r\n"sv,
    "\\"sv,
    "\""sv,
    "'"sv,
    "?"
    "?/"sv,
    "?"
    "?="sv,
    "?"
    "?'"sv,
    "#define airssys_aot_call x\n"sv,
    "//"sv,
    "}"sv,
    "\0"sv,
    "\xc3\xa9\xe2\x80\xae"sv,  // e acute, right-to-left override
    "\xf0\x9f\x92\xa9"sv,      // four bytes
    "\xef\xbb\xbf"sv,          // byte order mark
    "system(\"id\");"sv,
    "*\\\n/"sv,
    "\t%s%n$@`"sv,
    "\x7f\x01\x1b[2J"sv,
    " airssys_aot_setup "sv,
    "\\u002a/"sv,
};

struct Sig {
  std::vector<std::uint8_t> params;
  std::vector<std::uint8_t> results;
};

struct Table {
  std::uint8_t type = kFuncRef;
  std::uint32_t initial = 0;
  std::optional<std::uint32_t> max;
};

struct ElemSeg {
  enum Mode : std::uint8_t { active, passive, declarative } mode = active;
  std::uint32_t table = 0;
  std::uint32_t offset = 0;
  bool as_exprs = false;            // ref.func / ref.null expressions, not indices
  std::vector<std::int64_t> funcs;  // -1: ref.null (expressions only)
};

struct DataSeg {
  bool active = true;
  std::uint32_t offset = 0;
  std::string bytes;
};

struct Local {
  std::uint32_t first;
  std::uint32_t count;
  std::uint8_t type;
};

struct Label {
  std::vector<std::uint8_t> types;  // what a branch to it carries
};

// What every body may refer to.
struct Model {
  std::vector<Sig> types;
  std::vector<std::uint32_t> func_types;  // imports first
  std::vector<std::uint8_t> global_types;
  std::vector<bool> global_mutable;
  std::vector<Table> tables;
  std::vector<ElemSeg> elems;
  std::size_t data_segments = 0;
  std::vector<std::uint32_t> declared_funcs;  // ref.func may name these
  std::optional<std::uint32_t> exit_func;     // the import airssys.exit
  bool compile_friendly = false;
};

// The loader's checks (module_limits.cpp), replayed in its reading order:
// the first value over its limit, in the loader's words.
class Ledger {
 public:
  void check(const std::string& what, std::uint64_t value, std::uint64_t limit) {
    if (value > limit && first_.empty()) {
      first_ =
          what + " (" + std::to_string(value) + ") exceeds the limit of " + std::to_string(limit);
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// One function body: locals, then code that validates against the model.
class BodyGen {
 public:
  struct Plan {
    std::uint32_t type = 0;
    std::vector<std::pair<std::uint32_t, std::uint8_t>> locals;  // groups: count, type
    std::uint32_t budget = 40;                                   // instructions, roughly
    std::uint32_t max_expr_depth = 5;
    std::optional<std::uint64_t> nest;    // one nest this deep, at the body's top level
    std::optional<std::uint32_t> pad_to;  // body bytes (with nops), when it fits
    bool simple = false;                  // no statements: locals and results only
  };

  BodyGen(Choices& c, const Model& m, const Plan& plan) : c_(c), m_(m), plan_(plan) {
    const Sig& sig = m_.types[plan.type];
    std::uint32_t index = 0;
    for (std::uint8_t t : sig.params) locals_.push_back({index++, 1, t});
    for (const auto& [n, t] : plan.locals) {
      if (n != 0) locals_.push_back({index, n, t});
      index += n;
    }
    budget_ = plan.budget;
  }

  // The body as the code section holds it, without its size.
  Bytes body() {
    const Sig& sig = m_.types[plan_.type];
    Bytes b;
    b.leb(plan_.locals.size());
    for (const auto& [n, t] : plan_.locals) b.leb(n).u8(t);
    labels_.push_back({sig.results});
    if (!plan_.simple) {
      const std::uint64_t before = c_.below(3);
      for (std::uint64_t i = 0; i < before; ++i) statement(0);
      if (plan_.nest) deep_nest(*plan_.nest);
      statements(0);
    }
    for (std::uint8_t t : sig.results) simple_value(t);
    labels_.pop_back();
    if (plan_.pad_to) {
      for (std::size_t now = b.size() + code_.size() + 1; now < *plan_.pad_to; ++now) {
        code_.u8(0x01);  // nop
      }
    }
    b.raw(code_.data());
    b.u8(0x0b);
    return b;
  }

  // Blocks, loops and ifs open at once, at most (as the loader counts them).
  std::uint64_t max_depth() const { return max_depth_; }

 private:
  // --- values ---------------------------------------------------------------

  void simple_value(std::uint8_t t) {
    if (t == kFuncRef || t == kExternRef) {
      code_.u8(0xd0).u8(t);
      return;
    }
    if (const Local* l = local_of(t); l != nullptr && c_.one_in(2)) {
      code_.u8(0x20).leb(l->first + c_.below(l->count));
      return;
    }
    constant(t);
  }

  void constant(std::uint8_t t) {
    static constexpr std::int64_t kInteresting[] = {
        0, 1, -1, 2, 7, 8, 16, 1024, 65535, 65536, 0x7fffffff, -0x7fffffff - 1, 0xffff, 100000};
    switch (t) {
      case kI32: {
        const std::int64_t v = c_.one_in(3) ? static_cast<std::int32_t>(c_.u32())
                                            : kInteresting[c_.below(std::size(kInteresting))];
        code_.u8(0x41).sleb(static_cast<std::int32_t>(v));
        break;
      }
      case kI64: {
        const std::int64_t v = c_.one_in(3) ? static_cast<std::int64_t>(c_.u64())
                                            : kInteresting[c_.below(std::size(kInteresting))];
        code_.u8(0x42).sleb(v);
        break;
      }
      case kF32: {
        const std::uint32_t bits = c_.one_in(2) ? c_.u32() : 0x3f800000u * c_.below(2);
        code_.u8(0x43);
        for (int i = 0; i < 4; ++i) code_.u8(static_cast<std::uint8_t>(bits >> (8 * i)));
        break;
      }
      case kF64: {
        const std::uint64_t bits = c_.one_in(2) ? c_.u64() : 0x3ff0000000000000ULL * c_.below(2);
        code_.u8(0x44);
        for (int i = 0; i < 8; ++i) code_.u8(static_cast<std::uint8_t>(bits >> (8 * i)));
        break;
      }
      default: code_.u8(0xd0).u8(t); break;
    }
  }

  const Local* local_of(std::uint8_t t) {
    std::size_t n = 0;
    for (const Local& l : locals_) n += l.type == t;
    if (n == 0) return nullptr;
    std::size_t pick = c_.below(n);
    for (const Local& l : locals_) {
      if (l.type != t) continue;
      if (pick-- == 0) return &l;
    }
    return nullptr;
  }

  std::optional<std::uint32_t> global_of(std::uint8_t t, bool mutable_only) {
    std::vector<std::uint32_t> ok;
    for (std::uint32_t g = 0; g < m_.global_types.size() && g < 256; ++g) {
      if (m_.global_types[g] == t && (!mutable_only || m_.global_mutable[g])) ok.push_back(g);
    }
    if (ok.empty()) return std::nullopt;
    return ok[c_.below(ok.size())];
  }

  std::optional<std::uint32_t> table_of(std::optional<std::uint8_t> type) {
    std::vector<std::uint32_t> ok;
    for (std::uint32_t t = 0; t < m_.tables.size(); ++t) {
      if (!type || m_.tables[t].type == *type) ok.push_back(t);
    }
    if (ok.empty()) return std::nullopt;
    return ok[c_.below(ok.size())];
  }

  // A function whose results are `results` (any, for nullptr): imports,
  // the ABI's functions, the others, this one (recursion).
  std::optional<std::uint32_t> func_returning(const std::vector<std::uint8_t>* results) {
    std::vector<std::uint32_t> ok;
    for (std::uint32_t f = 0; f < m_.func_types.size() && ok.size() < 256; ++f) {
      if (results == nullptr || m_.types[m_.func_types[f]].results == *results) ok.push_back(f);
    }
    if (ok.empty()) return std::nullopt;
    return ok[c_.below(ok.size())];
  }
  // A type for call_indirect: mostly one of a function a segment or an
  // export declares (those are the ones in tables), else any.
  std::optional<std::uint32_t> type_returning(const std::vector<std::uint8_t>* results) {
    std::vector<std::uint32_t> ok;
    if (c_.below(4) != 0) {
      for (std::uint32_t f : m_.declared_funcs) {
        const std::uint32_t t = m_.func_types[f];
        if (results == nullptr || m_.types[t].results == *results) ok.push_back(t);
      }
      if (!ok.empty()) return ok[c_.below(ok.size())];
    }
    for (std::uint32_t t = 0; t < m_.types.size() && ok.size() < 256; ++t) {
      if (results == nullptr || m_.types[t].results == *results) ok.push_back(t);
    }
    if (ok.empty()) return std::nullopt;
    return ok[c_.below(ok.size())];
  }

  bool spend() {
    if (budget_ == 0) return false;
    --budget_;
    return true;
  }

  // An i32 address: mostly inside the first page, sometimes anywhere.
  void address(int d) {
    switch (c_.below(8)) {
      case 0:
      case 1:
      case 2: code_.u8(0x41).sleb(static_cast<std::int32_t>(c_.below(1024))); return;
      case 3:
      case 4:
        value(kI32, d + 1);
        code_.u8(0x41).sleb(0xfff).u8(0x71);  // i32.and
        return;
      case 5: value(kI32, d + 1); return;
      default:
        value(kI32, d + 1);
        code_.u8(0x41).sleb(0xffff).u8(0x71);
        return;
    }
  }

  // An i32 length for a bulk operation: mostly short, sometimes huge.
  void length(int d) {
    switch (c_.below(6)) {
      case 0: code_.u8(0x41).sleb(static_cast<std::int32_t>(c_.below(64))); return;
      case 1: code_.u8(0x41).sleb(static_cast<std::int32_t>(c_.below(70000))); return;
      case 2: code_.u8(0x41).sleb(1 << 20); return;
      case 3: code_.u8(0x41).sleb(-1); return;
      default:
        value(kI32, d + 1);
        code_.u8(0x41).sleb(0x3ff).u8(0x71);
        return;
    }
  }

  void ref_value(std::uint8_t type, int d) {
    if (type == kFuncRef && !m_.declared_funcs.empty() && c_.one_in(2)) {
      code_.u8(0xd2).leb(m_.declared_funcs[c_.below(m_.declared_funcs.size())]);  // ref.func
      return;
    }
    if (auto t = table_of(type); t && c_.one_in(3)) {
      value(kI32, d + 1);
      code_.u8(0x25).leb(*t);  // table.get
      return;
    }
    code_.u8(0xd0).u8(type);  // ref.null
  }

  void args_for(const Sig& s, int d) {
    for (std::uint8_t p : s.params) value(p, d + 1);
  }

  void memarg(std::uint32_t max_align) {
    code_.leb(c_.below(max_align + 1));
    code_.leb(c_.one_in(16) ? c_.u32() : c_.below(64));
  }

  void indirect_index(std::uint32_t table, int d) {
    if (c_.one_in(4)) {
      value(kI32, d + 1);
    } else {
      const std::uint64_t size = m_.tables[table].initial;
      code_.u8(0x41).sleb(
          static_cast<std::int32_t>(c_.below(std::min<std::uint64_t>(size, 1000) + 2)));
    }
  }

  // One value of type `t` on the stack.
  void value(std::uint8_t t, int d) {
    if (t != kI32 && t != kI64 && t != kF32 && t != kF64) return simple_value(t);
    if (d >= static_cast<int>(plan_.max_expr_depth) || !spend()) return simple_value(t);
    if (t == kF32 || t == kF64) return float_value(t, d);
    const bool i32 = t == kI32;
    const std::vector<std::uint8_t> one{t};
    switch (c_.below(20)) {
      case 0: constant(t); return;
      case 1: simple_value(t); return;
      case 2:  // binary: add .. rotr
        value(t, d + 1);
        value(t, d + 1);
        code_.u8(static_cast<std::uint8_t>((i32 ? 0x6a : 0x7c) + c_.below(15)));
        return;
      case 3:  // a comparison (an i32; extended for i64)
        switch (c_.below(5)) {
          case 0:
            value(kI32, d + 1);
            value(kI32, d + 1);
            code_.u8(static_cast<std::uint8_t>(0x46 + c_.below(10)));
            break;
          case 1:
            value(kI64, d + 1);
            value(kI64, d + 1);
            code_.u8(static_cast<std::uint8_t>(0x51 + c_.below(10)));
            break;
          case 2: {
            const bool f64 = c_.one_in(2);
            value(f64 ? kF64 : kF32, d + 1);
            value(f64 ? kF64 : kF32, d + 1);
            code_.u8(static_cast<std::uint8_t>((f64 ? 0x61 : 0x5b) + c_.below(6)));
            break;
          }
          case 3:
            value(kI64, d + 1);
            code_.u8(0x50);  // i64.eqz
            break;
          default:
            value(kI32, d + 1);
            code_.u8(0x45);  // i32.eqz
            break;
        }
        if (!i32) code_.u8(static_cast<std::uint8_t>(c_.one_in(2) ? 0xac : 0xad));
        return;
      case 4: {  // unary
        value(t, d + 1);
        static constexpr std::uint8_t k32[] = {0x67, 0x68, 0x69, 0xc0, 0xc1};
        static constexpr std::uint8_t k64[] = {0x79, 0x7a, 0x7b, 0xc2, 0xc3, 0xc4};
        code_.u8(i32 ? k32[c_.below(std::size(k32))] : k64[c_.below(std::size(k64))]);
        return;
      }
      case 5:  // from the other integer type
        value(i32 ? kI64 : kI32, d + 1);
        code_.u8(i32 ? 0xa7 : (c_.one_in(2) ? 0xac : 0xad));
        return;
      case 6: {  // load
        address(d);
        static constexpr std::pair<std::uint8_t, std::uint32_t> k32[] = {
            {0x28, 2}, {0x2c, 0}, {0x2d, 0}, {0x2e, 1}, {0x2f, 1}};
        static constexpr std::pair<std::uint8_t, std::uint32_t> k64[] = {
            {0x29, 3}, {0x30, 0}, {0x31, 0}, {0x32, 1}, {0x33, 1}, {0x34, 2}, {0x35, 2}};
        const auto [op, align] =
            i32 ? k32[c_.below(std::size(k32))] : k64[c_.below(std::size(k64))];
        code_.u8(op);
        memarg(align);
        return;
      }
      case 7:
        if (!i32) break;
        if (c_.one_in(2)) {
          code_.u8(0x3f).u8(0x00);  // memory.size
        } else {
          value(kI32, d + 1);
          code_.u8(0x40).u8(0x00);  // memory.grow
        }
        return;
      case 8:
        if (auto g = global_of(t, false)) {
          code_.u8(0x23).leb(*g);
          return;
        }
        break;
      case 9:
        if (auto f = func_returning(&one)) {
          args_for(m_.types[m_.func_types[*f]], d);
          code_.u8(0x10).leb(*f);
          return;
        }
        break;
      case 10:
        if (auto table = table_of(kFuncRef)) {
          if (auto type = type_returning(&one)) {
            args_for(m_.types[*type], d);
            indirect_index(*table, d);
            code_.u8(0x11).leb(*type).leb(*table);
            return;
          }
        }
        break;
      case 11:  // block (result t)
        code_.u8(0x02).u8(t);
        open({t});
        statements(d + 1);
        value(t, d + 1);
        close();
        return;
      case 12:  // if (result t) ... else ...
        value(kI32, d + 1);
        code_.u8(0x04).u8(t);
        open({t});
        statements(d + 1);
        value(t, d + 1);
        code_.u8(0x05);
        statements(d + 1);
        value(t, d + 1);
        close();
        return;
      case 13:  // loop (result t)
        code_.u8(0x03).u8(t);
        open({});
        statements(d + 1);
        value(t, d + 1);
        close();
        return;
      case 14:  // select
        value(t, d + 1);
        value(t, d + 1);
        value(kI32, d + 1);
        if (c_.one_in(2)) {
          code_.u8(0x1b);
        } else {
          code_.u8(0x1c).leb(1).u8(t);
        }
        return;
      case 15:
        if (const Local* l = local_of(t)) {
          value(t, d + 1);
          code_.u8(0x22).leb(l->first + c_.below(l->count));  // local.tee
          return;
        }
        break;
      case 16:
        if (!i32) break;
        if (auto table = table_of(std::nullopt)) {
          if (c_.one_in(2)) {
            code_.u8(0xfc).leb(16).leb(*table);  // table.size
          } else {
            ref_value(m_.tables[*table].type, d + 1);
            length(d);
            code_.u8(0xfc).leb(15).leb(*table);  // table.grow
          }
          return;
        }
        break;
      case 17:
        if (!i32) break;
        ref_value(c_.one_in(2) ? kFuncRef : kExternRef, d + 1);
        code_.u8(0xd1);  // ref.is_null
        return;
      case 18: {  // float to integer: trapping or saturating
        const bool f64 = c_.one_in(2);
        value(f64 ? kF64 : kF32, d + 1);
        const std::uint8_t k = static_cast<std::uint8_t>((f64 ? 2 : 0) + c_.below(2));
        if (c_.one_in(2)) {
          code_.u8(0xfc).leb((i32 ? 0 : 4) + k);  // trunc_sat
        } else {
          code_.u8(static_cast<std::uint8_t>((i32 ? 0xa8 : 0xae) + k));
        }
        return;
      }
      default: break;
    }
    simple_value(t);
  }

  // Floats are made, converted and compared, never stored or
  // reinterpreted: a NaN's payload, which engines may choose, stays
  // invisible.
  void float_value(std::uint8_t t, int d) {
    const bool f32 = t == kF32;
    switch (c_.below(7)) {
      case 0: constant(t); return;
      case 1: {  // from an integer, signed or unsigned
        const bool from64 = c_.one_in(2);
        value(from64 ? kI64 : kI32, d + 1);
        code_.u8(static_cast<std::uint8_t>((f32 ? 0xb2 : 0xb7) + (from64 ? 2 : 0) + c_.below(2)));
        return;
      }
      case 2:
        value(t, d + 1);
        value(t, d + 1);
        code_.u8(f32 ? 0x92 : 0xa0);  // add
        return;
      case 3:
        value(t, d + 1);
        code_.u8(static_cast<std::uint8_t>((f32 ? 0x8b : 0x99) + c_.below(2)));  // abs, neg
        return;
      case 4:
        value(f32 ? kF64 : kF32, d + 1);
        code_.u8(f32 ? 0xb6 : 0xbb);  // demote, promote
        return;
      case 5:
        address(d);
        code_.u8(f32 ? 0x2a : 0x2b);  // load
        memarg(f32 ? 2 : 3);
        return;
      default: simple_value(t); return;
    }
  }

  // --- statements -----------------------------------------------------------

  void open(std::vector<std::uint8_t> types) {
    labels_.push_back({std::move(types)});
    max_depth_ = std::max<std::uint64_t>(max_depth_, labels_.size() - 1);
  }
  void close() {
    code_.u8(0x0b);
    labels_.pop_back();
  }

  void statements(int d) {
    const std::uint64_t n = d > 3 ? c_.below(3) : c_.below(7);
    for (std::uint64_t i = 0; i < n && budget_ > 0; ++i) statement(d);
  }

  // The values a branch to `l` carries (a copy: making them may open
  // blocks, which moves the labels).
  void branch_values(Label l, int d) {
    for (std::uint8_t t : l.types) value(t, d + 1);
  }

  std::uint64_t many(std::uint64_t most) {
    return m_.compile_friendly ? c_.below(std::min<std::uint64_t>(most, 64)) : c_.below(most);
  }

  // A call of `f` (any function), its results dropped.
  void call(std::uint32_t f, int d) {
    const Sig& s = m_.types[m_.func_types[f]];
    args_for(s, d);
    code_.u8(0x10).leb(f);
    for (std::size_t i = 0; i < s.results.size(); ++i) code_.u8(0x1a);
  }

  void statement(int d) {
    if (!spend()) return;
    switch (c_.below(24)) {
      case 0:
        if (const Local* l = local_of(c_.one_in(2) ? kI64 : kI32)) {
          value(l->type, d + 1);
          code_.u8(0x21).leb(l->first + c_.below(l->count));  // local.set
          return;
        }
        break;
      case 1: {
        static constexpr std::uint8_t kTypes[] = {kI32, kI64, kF32, kF64};
        value(kTypes[c_.below(4)], d + 1);
        code_.u8(0x1a);  // drop
        return;
      }
      case 2: {
        const std::uint8_t t = c_.one_in(2) ? kI64 : kI32;
        if (auto g = global_of(t, true)) {
          value(t, d + 1);
          code_.u8(0x24).leb(*g);  // global.set
          return;
        }
        break;
      }
      case 3: {  // store (integers only)
        address(d);
        static constexpr std::pair<std::uint8_t, std::uint32_t> kStores[] = {
            {0x36, 2}, {0x37, 3}, {0x3a, 0}, {0x3b, 1}, {0x3c, 0}, {0x3d, 1}, {0x3e, 2}};
        const auto [op, align] = kStores[c_.below(std::size(kStores))];
        value(op == 0x36 || op == 0x3a || op == 0x3b ? kI32 : kI64, d + 1);
        code_.u8(op);
        memarg(align);
        return;
      }
      case 4:
        code_.u8(0x02).u8(kVoid);
        open({});
        statements(d + 1);
        close();
        return;
      case 5:
        code_.u8(0x03).u8(kVoid);
        open({});
        statements(d + 1);
        if (c_.one_in(2)) {
          value(kI32, d + 1);
          code_.u8(0x0d).leb(0);  // br_if 0: round again
        }
        close();
        return;
      case 6:
        value(kI32, d + 1);
        code_.u8(0x04).u8(kVoid);
        open({});
        statements(d + 1);
        if (c_.one_in(2)) {
          code_.u8(0x05);
          statements(d + 1);
        }
        close();
        return;
      case 7: {  // br
        const auto l = static_cast<std::uint32_t>(c_.below(labels_.size()));
        branch_values(labels_[labels_.size() - 1 - l], d);
        code_.u8(0x0c).leb(l);
        return;
      }
      case 8: {  // br_if, then drop what stays
        const auto l = static_cast<std::uint32_t>(c_.below(labels_.size()));
        const Label label = labels_[labels_.size() - 1 - l];
        branch_values(label, d);
        value(kI32, d + 1);
        code_.u8(0x0d).leb(l);
        for (std::size_t i = 0; i < label.types.size(); ++i) code_.u8(0x1a);
        return;
      }
      case 9: {  // br_table over labels of one shape
        const auto def = static_cast<std::uint32_t>(c_.below(labels_.size()));
        const Label label = labels_[labels_.size() - 1 - def];
        std::vector<std::uint32_t> same;
        for (std::uint32_t l = 0; l < labels_.size(); ++l) {
          if (labels_[labels_.size() - 1 - l].types == label.types) same.push_back(l);
        }
        const std::uint64_t n = c_.one_in(16) ? many(5000) : c_.below(8);
        branch_values(label, d);
        value(kI32, d + 1);
        code_.u8(0x0e).leb(n);
        for (std::uint64_t i = 0; i < n; ++i) code_.leb(same[c_.below(same.size())]);
        code_.leb(def);
        return;
      }
      case 10:  // return
        branch_values(labels_.front(), d);
        code_.u8(0x0f);
        return;
      case 11:
      case 12:
        if (auto f = func_returning(nullptr)) {
          if (*f == m_.exit_func && !c_.one_in(8)) break;  // exit ends the run: rarely
          call(*f, d);
          return;
        }
        break;
      case 13:
        if (auto table = table_of(kFuncRef)) {
          if (auto type = type_returning(nullptr)) {
            const Sig& s = m_.types[*type];
            args_for(s, d);
            indirect_index(*table, d);
            code_.u8(0x11).leb(*type).leb(*table);
            for (std::size_t i = 0; i < s.results.size(); ++i) code_.u8(0x1a);
            return;
          }
        }
        break;
      case 14:  // memory.fill
        address(d);
        value(kI32, d + 1);
        length(d);
        code_.u8(0xfc).leb(11).u8(0x00);
        return;
      case 15:  // memory.copy
        address(d);
        address(d);
        length(d);
        code_.u8(0xfc).leb(10).u8(0x00).u8(0x00);
        return;
      case 16:
        if (m_.data_segments == 0) break;
        if (c_.one_in(4)) {
          code_.u8(0xfc).leb(9).leb(
              c_.below(std::min<std::size_t>(m_.data_segments, 64)));  // data.drop
        } else {
          address(d);
          code_.u8(0x41).sleb(static_cast<std::int32_t>(c_.below(8)));
          length(d);
          code_.u8(0xfc)
              .leb(8)
              .leb(c_.below(std::min<std::size_t>(m_.data_segments, 64)))
              .u8(0x00);  // memory.init
        }
        return;
      case 17:
        if (auto table = table_of(std::nullopt)) {  // table.fill
          value(kI32, d + 1);
          ref_value(m_.tables[*table].type, d + 1);
          length(d);
          code_.u8(0xfc).leb(17).leb(*table);
          return;
        }
        break;
      case 18:
        if (auto dst = table_of(std::nullopt)) {  // table.copy
          const auto src = table_of(m_.tables[*dst].type);
          value(kI32, d + 1);
          value(kI32, d + 1);
          length(d);
          code_.u8(0xfc).leb(14).leb(*dst).leb(*src);
          return;
        }
        break;
      case 19:
        if (!m_.elems.empty()) {
          const auto seg =
              static_cast<std::uint32_t>(c_.below(std::min<std::size_t>(m_.elems.size(), 64)));
          const auto table = table_of(kFuncRef);
          if (!table || c_.one_in(4)) {
            code_.u8(0xfc).leb(13).leb(seg);  // elem.drop
          } else {
            value(kI32, d + 1);
            code_.u8(0x41).sleb(static_cast<std::int32_t>(c_.below(4)));
            length(d);
            code_.u8(0xfc).leb(12).leb(seg).leb(*table);  // table.init
          }
          return;
        }
        break;
      case 20:
        if (auto table = table_of(std::nullopt)) {  // table.set
          indirect_index(*table, d);
          ref_value(m_.tables[*table].type, d + 1);
          code_.u8(0x26).leb(*table);
          return;
        }
        break;
      case 21:
        if (c_.one_in(4)) {
          code_.u8(0x00);  // unreachable
          return;
        }
        break;
      case 22:
        if (d < 3 && c_.one_in(4)) {
          deep_nest(c_.below(64));
          return;
        }
        break;
      default: break;
    }
    code_.u8(0x01);  // nop
  }

  // `k` blocks, loops and ifs inside each other (written without
  // recursion, however deep), with a branch or a call at the bottom that
  // opens nothing more.
  void deep_nest(std::uint64_t k) {
    const std::uint8_t pattern = c_.byte();
    for (std::uint64_t i = 0; i < k; ++i) {
      std::uint8_t kind = pattern % 4;
      if (kind == 3) kind = static_cast<std::uint8_t>(i % 3);
      if (kind == 2) code_.u8(0x41).sleb(1).u8(0x04).u8(kVoid);  // if
      if (kind == 1) code_.u8(0x03).u8(kVoid);                   // loop
      if (kind == 0) code_.u8(0x02).u8(kVoid);                   // block
      open({});
    }
    switch (c_.below(3)) {
      case 1:
        if (k > 0) {
          // br to one of the nest's own labels (to a loop: round again)
          code_.u8(0x0c).leb(c_.below(k));
        }
        break;
      case 2: {
        // a call with constant arguments: recursion from deep inside
        if (auto f = func_returning(nullptr); f && *f != m_.exit_func) {
          const Sig& s = m_.types[m_.func_types[*f]];
          for (std::uint8_t p : s.params) constant(p);
          code_.u8(0x10).leb(*f);
          for (std::size_t i = 0; i < s.results.size(); ++i) code_.u8(0x1a);
        }
        break;
      }
      default: break;
    }
    for (std::uint64_t i = 0; i < k; ++i) close();
  }

  Choices& c_;
  const Model& m_;
  const Plan& plan_;
  std::vector<Local> locals_;
  std::vector<Label> labels_;
  Bytes code_;
  std::uint32_t budget_ = 0;
  std::uint64_t max_depth_ = 0;
};

// The module: plans every index space from the input, then writes the
// sections in order, replaying the loader's limit checks as it goes.
class ModuleGen {
 public:
  ModuleGen(Choices& c, const GeneratorOptions& o) : c_(c), o_(o) {}

  GeneratedModule run() {
    choose_limits();
    extreme_ = !o_.compile_friendly && !o_.force && c_.one_in(4);
    misfit_ = c_.one_in(8);
    model_.compile_friendly = o_.compile_friendly;
    plan_types();
    plan_imports();
    plan_functions();
    plan_tables();
    plan_memory_and_globals();
    plan_exports();
    plan_elems();
    plan_data();
    plan_bodies();
    GeneratedModule out;
    out.binary = assemble();
    out.limits = limits_;
    out.refusal = ledger_.first();
    if (out.binary.size() > limits_.module_size) {
      out.refusal = "module size (" + std::to_string(out.binary.size()) +
                    " bytes) exceeds the limit of " + std::to_string(limits_.module_size);
    }
    const std::uint64_t len = c_.below(48);
    for (std::uint64_t i = 0; i < len; ++i) out.message.push_back(c_.byte());
    out.summary = summary(out);
    return out;
  }

 private:
  struct Export {
    std::string name;
    std::uint8_t kind;  // 0 func, 1 table, 2 memory, 3 global
    std::uint32_t index;
  };
  struct Import {
    std::string_view field;
    std::uint32_t type;
  };

  // --- limits and sizes -----------------------------------------------------

  void choose_limits() {
    if (o_.force) {
      // Dimensions too costly to fill at their default limit get a lower one.
      switch (*o_.force) {
        case Dim::imports: limits_.imports = 20; break;
        case Dim::functions: limits_.functions = 40; break;
        case Dim::exports: limits_.exports = 30; break;
        case Dim::total_locals: limits_.total_locals = 300; break;
        case Dim::function_size: limits_.function_size = 1'000'000; break;
        case Dim::module_size: limits_.module_size = 1u << 20; break;
        default: break;
      }
      return;
    }
    if (o_.compile_friendly || !c_.one_in(8)) return;
    small_limits_ = true;
    limits_.types = static_cast<std::uint32_t>(7 + c_.below(40));
    // Mostly room for the ABI's own signatures, so that bodies get read.
    limits_.params = static_cast<std::uint32_t>(c_.one_in(4) ? c_.below(3) : 3 + c_.below(16));
    limits_.results = static_cast<std::uint32_t>(c_.one_in(4) ? 0 : 1 + c_.below(8));
    limits_.imports = static_cast<std::uint32_t>(1 + c_.below(8));
    limits_.functions = static_cast<std::uint32_t>(4 + c_.below(40));
    limits_.exports = static_cast<std::uint32_t>(4 + c_.below(30));
    limits_.globals = static_cast<std::uint32_t>(c_.below(12));
    limits_.tables = static_cast<std::uint32_t>(c_.below(5));
    limits_.table_size = static_cast<std::uint32_t>(c_.below(64));
    limits_.data_segments = static_cast<std::uint32_t>(c_.below(16));
    limits_.elem_segments = static_cast<std::uint32_t>(c_.below(16));
    limits_.locals = static_cast<std::uint32_t>(c_.below(64));
    limits_.total_locals = c_.below(256);
    limits_.function_size = static_cast<std::uint32_t>(16 + c_.below(1000));
    limits_.nesting = static_cast<std::uint32_t>(1 + c_.below(32));
    if (c_.one_in(4)) limits_.module_size = 8 + c_.below(3000);
  }

  std::uint64_t limit_of(Dim d) const {
    switch (d) {
      case Dim::types: return limits_.types;
      case Dim::params: return limits_.params;
      case Dim::results: return limits_.results;
      case Dim::imports: return limits_.imports;
      case Dim::functions: return limits_.functions;
      case Dim::exports: return limits_.exports;
      case Dim::globals: return limits_.globals;
      case Dim::tables: return limits_.tables;
      case Dim::table_size: return limits_.table_size;
      case Dim::data_segments: return limits_.data_segments;
      case Dim::elem_segments: return limits_.elem_segments;
      case Dim::locals: return limits_.locals;
      case Dim::total_locals: return limits_.total_locals;
      case Dim::function_size: return limits_.function_size;
      case Dim::nesting: return limits_.nesting;
      case Dim::module_size: return limits_.module_size;
    }
    return 0;
  }

  // The most this generator writes for `d` (what it can write and the
  // loader and the interpreter digest in well under a second).
  static std::uint64_t cap(Dim d) {
    switch (d) {
      case Dim::types:
      case Dim::globals:
      case Dim::data_segments:
      case Dim::elem_segments: return 100'001;
      case Dim::params:
      case Dim::results: return 1'001;
      case Dim::imports:
      case Dim::functions:
      case Dim::exports: return 3'000;
      case Dim::tables: return 101;
      case Dim::table_size: return 0xffffffffu;
      case Dim::locals: return 1u << 20;
      case Dim::total_locals:
      case Dim::function_size: return 300'000;
      case Dim::nesting: return 200'001;
      case Dim::module_size: return 1u << 20;
    }
    return 0;
  }

  // The size to declare for `d`: `natural`, or (forced, or one time in six
  // in an extreme module) the limit minus one, the limit or one beyond.
  std::uint64_t size(Dim d, std::uint64_t natural) {
    const std::uint64_t lim = limit_of(d);
    if (o_.force && *o_.force == d) {
      return o_.delta < 0 && lim == 0 ? 0 : lim + static_cast<std::uint64_t>(o_.delta);
    }
    if (!extreme_ || !c_.one_in(6)) return natural;
    const std::uint64_t v = lim + c_.below(3);
    if (v == 0) return natural;
    return v - 1 <= cap(d) ? v - 1 : natural;
  }

  // --- names ----------------------------------------------------------------

  std::string hostile_name() {
    std::string s;
    const std::uint64_t n = 1 + c_.below(4);
    for (std::uint64_t i = 0; i < n; ++i) s += kHostilePieces[c_.below(std::size(kHostilePieces))];
    s += kInjectedMarker;
    s += std::to_string(names_++);
    if (c_.one_in(2)) s += kHostilePieces[c_.below(std::size(kHostilePieces))];
    return s;
  }

  // --- plans ----------------------------------------------------------------

  std::uint8_t value_type() {
    static constexpr std::uint8_t kTypes[] = {kI32, kI32, kI64, kI64, kF32, kF64};
    return kTypes[c_.below(std::size(kTypes))];
  }

  void plan_types() {
    auto& t = model_.types;
    t.push_back({{}, {kI32}});                  // 0 ()->i32: abi_version, health
    t.push_back({{kI32}, {kI32}});              // 1 alloc
    t.push_back({{kI64, kI32, kI32}, {kI32}});  // 2 handle, send
    t.push_back({{kI32, kI32, kI32}, {}});      // 3 exit, log
    t.push_back({{}, {kI64}});                  // 4 self, now
    t.push_back({{kI32, kI32}, {kI32}});        // 5 init
    t.push_back({{}, {}});                      // 6 shutdown, _initialize
    const std::uint64_t workers = 1 + c_.below(o_.compile_friendly ? 3 : 5);
    for (std::uint64_t i = 0; i < workers; ++i) {
      Sig s;
      const std::uint64_t params = c_.below(5);
      for (std::uint64_t p = 0; p < params; ++p) s.params.push_back(value_type());
      const std::uint64_t results = c_.below(3);
      for (std::uint64_t r = 0; r < results; ++r) s.results.push_back(value_type());
      worker_types_.push_back(static_cast<std::uint32_t>(t.size()));
      t.push_back(std::move(s));
    }
    if (const std::uint64_t p = size(Dim::params, 0); p > 0) {
      Sig s;
      for (std::uint64_t i = 0; i < p; ++i) s.params.push_back(i % 3 == 0 ? kI64 : kI32);
      s.results.push_back(kI32);
      wide_types_.push_back(static_cast<std::uint32_t>(t.size()));
      t.push_back(std::move(s));
    }
    if (const std::uint64_t r = size(Dim::results, 0); r > 0) {
      Sig s;
      for (std::uint64_t i = 0; i < r; ++i) s.results.push_back(i % 2 == 0 ? kI32 : kI64);
      wide_types_.push_back(static_cast<std::uint32_t>(t.size()));
      t.push_back(std::move(s));
    }
    const std::uint64_t types = size(Dim::types, t.size() + c_.below(4));
    while (t.size() < types) {
      // Distinct signatures while they are short, then the same one.
      Sig s;
      const std::size_t i = t.size();
      if (i < 600) {
        for (int b = 0; b < 10; ++b) s.params.push_back((i >> b) & 1 ? kI64 : kI32);
        s.params.push_back(kF64);
      }
      t.push_back(std::move(s));
    }
  }

  void plan_imports() {
    static constexpr Import kOptional[] = {{"log", 3}, {"self", 4}, {"now", 4}, {"send", 2}};
    std::vector<Import> imports;
    for (const Import& i : kOptional) {
      if (c_.one_in(2)) imports.push_back(i);
    }
    const auto exit_at = static_cast<std::size_t>(c_.below(imports.size() + 1));
    imports.insert(imports.begin() + static_cast<std::ptrdiff_t>(exit_at), Import{"exit", 3});
    const std::uint64_t n = size(Dim::imports, imports.size());
    while (imports.size() < n) imports.push_back({"now", 4});
    imports_ = std::move(imports);
    model_.exit_func = static_cast<std::uint32_t>(exit_at);
    for (const Import& i : imports_) model_.func_types.push_back(i.type);
  }

  void plan_functions() {
    auto add = [&](std::uint32_t type) {
      model_.func_types.push_back(type);
      return static_cast<std::uint32_t>(model_.func_types.size() - 1);
    };
    abi_version_ = add(0);
    alloc_ = add(1);
    handle_ = add(2);
    if (c_.one_in(3)) init_ = add(5);
    if (c_.one_in(3)) health_ = add(0);
    if (c_.one_in(4)) shutdown_ = add(6);
    if (c_.one_in(6)) initialize_ = add(6);
    const std::uint64_t workers = c_.below(o_.compile_friendly ? 4 : 6);
    for (std::uint64_t i = 0; i < workers; ++i) {
      const auto type = c_.one_in(4) ? static_cast<std::uint32_t>(c_.below(7))
                                     : worker_types_[c_.below(worker_types_.size())];
      generated_.push_back(add(type));
    }
    for (std::uint32_t type : wide_types_) generated_.push_back(add(type));
    const std::uint64_t functions = size(Dim::functions, model_.func_types.size());
    while (model_.func_types.size() < functions) padding_.push_back(add(6));
  }

  void plan_tables() {
    std::uint64_t n = size(Dim::tables, c_.below(4));
    if (o_.force == Dim::table_size && n == 0) n = 1;
    for (std::uint64_t i = 0; i < n; ++i) {
      Table t;
      t.type = i == 0 || c_.one_in(2) ? kFuncRef : kExternRef;
      t.initial = i == 0 ? static_cast<std::uint32_t>(size(Dim::table_size, c_.below(17)))
                         : static_cast<std::uint32_t>(c_.below(9));
      if (c_.one_in(3)) {
        t.max = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(std::uint64_t{t.initial} + c_.below(8), 0xffffffffu));
      }
      model_.tables.push_back(t);
    }
  }

  void plan_memory_and_globals() {
    switch (c_.below(10)) {
      case 8: pages_ = 0; break;
      case 9: pages_ = static_cast<std::uint32_t>(c_.below(24)); break;
      default: pages_ = 1; break;
    }
    if (c_.one_in(3)) max_pages_ = pages_ + static_cast<std::uint32_t>(c_.below(4));
    const std::uint64_t natural = c_.below(5);
    const std::uint64_t n = size(Dim::globals, natural);
    for (std::uint64_t i = 0; i < n; ++i) {
      const bool plain = i >= natural;
      model_.global_types.push_back(plain || c_.one_in(2) ? kI32 : kI64);
      model_.global_mutable.push_back(!plain && c_.one_in(2));
    }
  }

  void plan_exports() {
    exports_.push_back({"memory", 2, 0});
    exports_.push_back({"airssys_abi_version", 0, abi_version_});
    exports_.push_back({"airssys_alloc", 0, alloc_});
    exports_.push_back({"airssys_handle", 0, handle_});
    if (init_) exports_.push_back({"airssys_init", 0, *init_});
    if (health_) exports_.push_back({"airssys_health", 0, *health_});
    if (shutdown_) exports_.push_back({"airssys_shutdown", 0, *shutdown_});
    if (initialize_) exports_.push_back({"_initialize", 0, *initialize_});
    const std::uint64_t n = size(Dim::exports, exports_.size() + c_.below(6));
    while (exports_.size() < n) {
      Export e{hostile_name(), 0, 0};
      switch (c_.below(6)) {
        case 3:
          if (!model_.global_types.empty()) {
            e.kind = 3;
            e.index = static_cast<std::uint32_t>(c_.below(model_.global_types.size()));
            break;
          }
          [[fallthrough]];
        case 4:
          if (!model_.tables.empty()) {
            e.kind = 1;
            e.index = static_cast<std::uint32_t>(c_.below(model_.tables.size()));
            break;
          }
          [[fallthrough]];
        case 5: e.kind = 2; break;
        default: e.index = static_cast<std::uint32_t>(c_.below(model_.func_types.size())); break;
      }
      exports_.push_back(std::move(e));
    }
    // Every function export declares its function for ref.func, those the
    // engines do not use too (the loader must keep them declared).
    // Imports are left out: a host function used as a value is refused at
    // load (GeneratedRegressions.AnImportUsedAsAValueIsRefusedAtLoad).
    for (const Export& e : exports_) {
      if (e.kind == 0 && e.index >= imports_.size()) model_.declared_funcs.push_back(e.index);
    }
  }

  // A function a table may hold: a defined one (the guest ABI's exports
  // are always defined, so there is one).
  std::uint32_t defined_func() {
    const auto first = static_cast<std::uint32_t>(imports_.size());
    return first + static_cast<std::uint32_t>(c_.below(model_.func_types.size() - first));
  }

  void plan_elems() {
    const std::uint64_t natural = c_.below(4);
    const std::uint64_t n = size(Dim::elem_segments, natural);
    // Segments come with a table here; segments without one are
    // GeneratedRegressions.ElementSegmentsWithoutATableTranslateToC's.
    if (n > 0 && model_.tables.empty()) model_.tables.push_back({kFuncRef, 0, std::nullopt});
    std::vector<std::uint32_t> funcref_tables;
    for (std::uint32_t t = 0; t < model_.tables.size(); ++t) {
      if (model_.tables[t].type == kFuncRef) funcref_tables.push_back(t);
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      ElemSeg s;
      if (i >= natural) {  // padding: passive and empty
        s.mode = ElemSeg::passive;
        model_.elems.push_back(s);
        continue;
      }
      s.as_exprs = c_.one_in(3);
      if (!funcref_tables.empty() && !c_.one_in(3)) {
        s.mode = ElemSeg::active;
        s.table = funcref_tables[c_.below(funcref_tables.size())];
        const std::uint32_t size = model_.tables[s.table].initial;
        s.offset = misfit_ && c_.one_in(2)
                       ? c_.u32()
                       : static_cast<std::uint32_t>(c_.below(std::uint64_t{size} + 1));
        const std::uint64_t room = size >= s.offset ? size - s.offset : 0;
        const std::uint64_t count =
            misfit_ ? c_.below(8) : c_.below(std::min<std::uint64_t>(room, 8) + 1);
        for (std::uint64_t k = 0; k < count; ++k) s.funcs.push_back(defined_func());
      } else {
        s.mode = c_.one_in(2) ? ElemSeg::passive : ElemSeg::declarative;
        const std::uint64_t count = c_.below(6);
        for (std::uint64_t k = 0; k < count; ++k) {
          s.funcs.push_back(s.as_exprs && c_.one_in(4) ? -1
                                                       : static_cast<std::int64_t>(defined_func()));
        }
      }
      for (std::int64_t f : s.funcs) {
        if (f >= 0) model_.declared_funcs.push_back(static_cast<std::uint32_t>(f));
      }
      model_.elems.push_back(std::move(s));
    }
  }

  void plan_data() {
    const std::uint64_t natural = c_.below(4);
    const std::uint64_t n = size(Dim::data_segments, natural);
    for (std::uint64_t i = 0; i < n; ++i) {
      DataSeg s;
      if (i >= natural) {
        s.active = false;
      } else {
        // Active segments fit the memory unless the module is meant to
        // fail at instantiation.
        s.active = !c_.one_in(3) && (pages_ > 0 || misfit_);
        s.offset = misfit_ && c_.one_in(2) ? c_.u32() : static_cast<std::uint32_t>(c_.below(60000));
        const std::uint64_t pieces = c_.below(4);
        for (std::uint64_t k = 0; k < pieces; ++k) {
          s.bytes += kHostilePieces[c_.below(std::size(kHostilePieces))];
        }
        const std::uint64_t extra = c_.below(16);
        for (std::uint64_t k = 0; k < extra; ++k) s.bytes += static_cast<char>(c_.byte());
      }
      data_.push_back(std::move(s));
    }
    model_.data_segments = data_.size();
  }

  BodyGen::Plan natural_plan(std::uint32_t type) {
    BodyGen::Plan p;
    p.type = type;
    const std::uint64_t groups = c_.below(4);
    for (std::uint64_t g = 0; g < groups; ++g) {
      static constexpr std::uint8_t kLocalTypes[] = {kI32, kI32, kI64,     kI64,
                                                     kF32, kF64, kFuncRef, kExternRef};
      p.locals.emplace_back(static_cast<std::uint32_t>(c_.below(o_.compile_friendly ? 4 : 8)),
                            kLocalTypes[c_.below(std::size(kLocalTypes))]);
    }
    p.budget = static_cast<std::uint32_t>(8 + c_.below(o_.compile_friendly ? 40 : 120));
    p.max_expr_depth = static_cast<std::uint32_t>(3 + c_.below(4));
    return p;
  }

  static std::uint64_t locals_of(const BodyGen::Plan& p) {
    std::uint64_t n = 0;
    for (const auto& [count, type] : p.locals) n += count;
    return n;
  }

  void plan_bodies() {
    const auto first = static_cast<std::uint32_t>(imports_.size());
    const std::size_t defined = model_.func_types.size() - first;
    plans_.resize(defined);
    std::vector<std::uint32_t> generated{handle_};
    for (auto f : {init_, health_, shutdown_, initialize_}) {
      if (f) generated.push_back(*f);
    }
    generated.insert(generated.end(), generated_.begin(), generated_.end());
    if (c_.one_in(8)) generated.push_back(alloc_);
    for (std::uint32_t f : generated) plans_[f - first] = natural_plan(model_.func_types[f]);
    for (std::uint32_t f : padding_) {
      BodyGen::Plan p;
      p.type = 6;
      p.simple = true;
      plans_[f - first] = p;
    }
    // The function that declares the extreme sizes.
    const std::uint32_t big = c_.one_in(2) ? handle_ : generated[c_.below(generated.size())];
    BodyGen::Plan& bp = *plans_[big - first];
    const std::uint64_t natural = locals_of(bp);
    if (const std::uint64_t l = size(Dim::locals, natural); l > natural) {
      bp.locals.emplace_back(static_cast<std::uint32_t>(l - natural), value_type());
    }
    std::uint64_t total = 0;
    for (std::uint32_t f : generated) total += locals_of(*plans_[f - first]);
    if (const std::uint64_t want = size(Dim::total_locals, total); want > total) {
      std::uint64_t more = want - total;
      for (std::uint32_t f : generated) {
        BodyGen::Plan& p = *plans_[f - first];
        const std::uint64_t has = locals_of(p);
        const std::uint64_t room = limits_.locals > has ? limits_.locals - has : 0;
        const std::uint64_t add = std::min(room, more);
        if (add > 0) p.locals.emplace_back(static_cast<std::uint32_t>(add), kI32);
        more -= add;
      }
    }
    if (const std::uint64_t depth = size(Dim::nesting, 0); depth > 0) bp.nest = depth;
    if (const std::uint64_t bytes = size(Dim::function_size, 0); bytes > 0) {
      bp.simple = true;
      bp.nest.reset();
      bp.pad_to = static_cast<std::uint32_t>(bytes);
    }
    big_ = big;
  }

  // --- sections -------------------------------------------------------------

  static Bytes const_expr(std::uint32_t v) {
    return Bytes().u8(0x41).sleb(static_cast<std::int32_t>(v)).u8(0x0b);
  }

  void custom_sections(Bytes& m, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      Bytes content;
      content.name(hostile_name());
      const std::string text = hostile_name();
      content.raw(std::vector<std::uint8_t>(text.begin(), text.end()));
      m.section(0, content);
    }
  }

  void name_section(Bytes& m) {
    Bytes content;
    content.name("name");
    if (c_.one_in(8)) {  // malformed: the loader must not care
      const std::uint64_t n = c_.below(32);
      for (std::uint64_t i = 0; i < n; ++i) content.u8(c_.byte());
      m.section(0, content);
      return;
    }
    Bytes module_name;
    module_name.name(hostile_name());
    content.u8(0).leb(module_name.size()).raw(module_name.data());
    Bytes funcs;
    std::vector<std::uint32_t> named;
    for (std::uint32_t f = 0; f < model_.func_types.size() && named.size() < 64; ++f) {
      if (c_.below(3) != 0) named.push_back(f);
    }
    funcs.leb(named.size());
    for (std::uint32_t f : named) funcs.leb(f).name(hostile_name());
    content.u8(1).leb(funcs.size()).raw(funcs.data());
    Bytes locals;
    std::vector<std::uint32_t> with_locals;
    for (std::uint32_t f : named) {
      if (f >= imports_.size() && c_.one_in(2)) with_locals.push_back(f);
    }
    locals.leb(with_locals.size());
    for (std::uint32_t f : with_locals) {
      const std::uint64_t n = 1 + c_.below(3);
      locals.leb(f).leb(n);
      for (std::uint64_t k = 0; k < n; ++k) locals.leb(k).name(hostile_name());
    }
    content.u8(2).leb(locals.size()).raw(locals.data());
    m.section(0, content);
  }

  std::vector<std::uint8_t> assemble() {
    Bytes m;
    m.raw({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
    custom_sections(m, c_.below(3));

    Bytes types;
    types.leb(model_.types.size());
    ledger_.check("types", model_.types.size(), limits_.types);
    for (std::size_t i = 0; i < model_.types.size(); ++i) {
      const Sig& s = model_.types[i];
      types.u8(0x60).leb(s.params.size());
      for (auto t : s.params) types.u8(t);
      types.leb(s.results.size());
      for (auto t : s.results) types.u8(t);
      const std::string what = "function type " + std::to_string(i);
      ledger_.check(what + " parameters", s.params.size(), limits_.params);
      ledger_.check(what + " results", s.results.size(), limits_.results);
    }
    m.section(1, types);

    Bytes imports;
    imports.leb(imports_.size());
    ledger_.check("imports", imports_.size(), limits_.imports);
    for (std::size_t i = 0; i < imports_.size(); ++i) {
      imports.name("airssys").name(imports_[i].field).u8(0x00).leb(imports_[i].type);
      ledger_.check("functions", i + 1, limits_.functions);
    }
    m.section(2, imports);

    Bytes funcs;
    const std::size_t defined = model_.func_types.size() - imports_.size();
    funcs.leb(defined);
    for (std::size_t f = imports_.size(); f < model_.func_types.size(); ++f) {
      funcs.leb(model_.func_types[f]);
    }
    ledger_.check("functions", model_.func_types.size(), limits_.functions);
    m.section(3, funcs);

    if (!model_.tables.empty()) {
      Bytes tables;
      tables.leb(model_.tables.size());
      ledger_.check("tables", model_.tables.size(), limits_.tables);
      for (std::size_t i = 0; i < model_.tables.size(); ++i) {
        const Table& t = model_.tables[i];
        tables.u8(t.type).u8(t.max ? 0x01 : 0x00).leb(t.initial);
        if (t.max) tables.leb(*t.max);
        ledger_.check("table " + std::to_string(i) + " initial size", t.initial,
                      limits_.table_size);
      }
      m.section(4, tables);
    }

    Bytes memory;
    memory.leb(1).u8(max_pages_ ? 0x01 : 0x00).leb(pages_);
    if (max_pages_) memory.leb(*max_pages_);
    m.section(5, memory);

    if (!model_.global_types.empty()) {
      Bytes globals;
      globals.leb(model_.global_types.size());
      ledger_.check("globals", model_.global_types.size(), limits_.globals);
      for (std::size_t g = 0; g < model_.global_types.size(); ++g) {
        const std::uint8_t t = model_.global_types[g];
        globals.u8(t).u8(model_.global_mutable[g] ? 0x01 : 0x00);
        globals.u8(t == kI32 ? 0x41 : 0x42).sleb(static_cast<std::int64_t>(g * 7)).u8(0x0b);
      }
      m.section(6, globals);
    }

    Bytes exports;
    exports.leb(exports_.size());
    ledger_.check("exports", exports_.size(), limits_.exports);
    for (const Export& e : exports_) exports.name(e.name).u8(e.kind).leb(e.index);
    m.section(7, exports);

    if (!model_.elems.empty()) {
      Bytes elems;
      elems.leb(model_.elems.size());
      ledger_.check("element segments", model_.elems.size(), limits_.elem_segments);
      for (const ElemSeg& s : model_.elems) elem_segment(elems, s);
      m.section(9, elems);
    }

    if (!data_.empty()) m.section(12, Bytes().leb(data_.size()));

    Bytes code;
    code.leb(defined);
    std::uint64_t total_locals = 0;
    for (std::size_t i = 0; i < defined; ++i) {
      const auto f = static_cast<std::uint32_t>(imports_.size() + i);
      Bytes body;
      std::uint64_t depth = 0;
      if (f == abi_version_) {
        body.leb(0).u8(0x41).sleb(1).u8(0x0b);
      } else if (!plans_[i]) {
        body.leb(0).u8(0x41).sleb(1024).u8(0x0b);  // airssys_alloc: a fixed buffer
      } else {
        BodyGen g(c_, model_, *plans_[i]);
        body = g.body();
        depth = g.max_depth();
      }
      const std::string what = "function " + std::to_string(f);
      ledger_.check(what + " body bytes", body.size(), limits_.function_size);
      std::uint64_t locals = 0;
      static const decltype(BodyGen::Plan::locals) kNone;
      for (const auto& [n, t] : plans_[i] ? plans_[i]->locals : kNone) {
        locals += n;
        total_locals += n;
        ledger_.check(what + " locals", locals, limits_.locals);
        ledger_.check("locals of all functions", total_locals, limits_.total_locals);
      }
      if (depth > limits_.nesting)
        ledger_.check(what + " nesting depth", limits_.nesting + 1, limits_.nesting);
      code.leb(body.size()).raw(body.data());
    }
    m.section(10, code);

    if (!data_.empty()) {
      Bytes data;
      data.leb(data_.size());
      ledger_.check("data segments", data_.size(), limits_.data_segments);
      for (const DataSeg& s : data_) {
        if (s.active) {
          data.leb(0).raw(const_expr(s.offset).data());
        } else {
          data.leb(1);
        }
        data.name(s.bytes);
      }
      m.section(11, data);
    }

    custom_sections(m, c_.below(2));
    if (c_.one_in(2)) name_section(m);
    const std::uint64_t target = size(Dim::module_size, 0);
    if (target > 0) pad_to(m, target);
    return m.data();
  }

  void elem_segment(Bytes& b, const ElemSeg& s) {
    auto items = [&](bool exprs) {
      b.leb(s.funcs.size());
      for (std::int64_t f : s.funcs) {
        if (!exprs) {
          b.leb(static_cast<std::uint64_t>(f));
        } else if (f < 0) {
          b.u8(0xd0).u8(kFuncRef).u8(0x0b);
        } else {
          b.u8(0xd2).leb(static_cast<std::uint64_t>(f)).u8(0x0b);
        }
      }
    };
    switch (s.mode) {
      case ElemSeg::active:
        if (s.table == 0 && !s.as_exprs) {
          b.leb(0).raw(const_expr(s.offset).data());
          items(false);
        } else if (s.table == 0) {
          b.leb(4).raw(const_expr(s.offset).data());
          items(true);
        } else if (!s.as_exprs) {
          b.leb(2).leb(s.table).raw(const_expr(s.offset).data()).u8(0x00);
          items(false);
        } else {
          b.leb(6).leb(s.table).raw(const_expr(s.offset).data()).u8(kFuncRef);
          items(true);
        }
        return;
      case ElemSeg::passive:
        if (s.as_exprs) {
          b.leb(5).u8(kFuncRef);
        } else {
          b.leb(1).u8(0x00);
        }
        items(s.as_exprs);
        return;
      case ElemSeg::declarative:
        if (s.as_exprs) {
          b.leb(7).u8(kFuncRef);
        } else {
          b.leb(3).u8(0x00);
        }
        items(s.as_exprs);
        return;
    }
  }

  // A custom section that brings the module to `target` bytes, when it is
  // not there yet.
  static void pad_to(Bytes& m, std::uint64_t target) {
    const std::uint64_t now = m.size();
    auto leb_size = [](std::uint64_t v) {
      std::uint64_t n = 1;
      while (v >= 0x80) {
        v >>= 7;
        ++n;
      }
      return n;
    };
    // id + size + name ("pad": 1 + 3) + content
    for (std::uint64_t content = 0; content <= target; ++content) {
      const std::uint64_t payload = 4 + content;
      if (now + 1 + leb_size(payload) + payload == target) {
        Bytes c;
        c.name("pad").raw(std::vector<std::uint8_t>(content, 0x20));
        m.section(0, c);
        return;
      }
      if (now + 1 + leb_size(payload) + payload > target) return;
    }
  }

  std::string summary(const GeneratedModule& out) const {
    const BodyGen::Plan& big = *plans_[big_ - imports_.size()];
    std::string s = std::to_string(out.binary.size()) +
                    " bytes: " + std::to_string(model_.types.size()) + " types, " +
                    std::to_string(imports_.size()) + " imports, " +
                    std::to_string(model_.func_types.size()) + " functions, " +
                    std::to_string(model_.tables.size()) + " tables";
    if (!model_.tables.empty()) s += " (table 0: " + std::to_string(model_.tables[0].initial) + ")";
    s += ", " + std::to_string(pages_) + " pages, " + std::to_string(model_.global_types.size()) +
         " globals, " + std::to_string(exports_.size()) + " exports, " +
         std::to_string(model_.elems.size()) + " element segments, " +
         std::to_string(data_.size()) + " data segments; function " + std::to_string(big_) +
         " has " + std::to_string(locals_of(big)) + " locals" +
         (big.nest ? ", a nest " + std::to_string(*big.nest) + " deep" : std::string()) +
         (small_limits_ ? "; lowered limits" : "") + (extreme_ ? "; extreme" : "");
    return s;
  }

  Choices& c_;
  GeneratorOptions o_;
  wasm::ModuleLimits limits_;
  bool small_limits_ = false;
  bool extreme_ = false;
  bool misfit_ = false;  // active segments may not fit: instantiation fails
  Ledger ledger_;
  Model model_;
  std::vector<std::uint32_t> worker_types_;
  std::vector<std::uint32_t> wide_types_;
  std::vector<Import> imports_;
  std::uint32_t abi_version_ = 0, alloc_ = 0, handle_ = 0, big_ = 0;
  std::optional<std::uint32_t> init_, health_, shutdown_, initialize_;
  std::vector<std::uint32_t> generated_;
  std::vector<std::uint32_t> padding_;
  std::uint32_t pages_ = 1;
  std::optional<std::uint32_t> max_pages_;
  std::vector<Export> exports_;
  std::vector<DataSeg> data_;
  std::vector<std::optional<BodyGen::Plan>> plans_;  // none: a fixed body
  std::uint64_t names_ = 0;
};

}  // namespace generator_detail

// A module from `c`'s choices.
inline GeneratedModule generate_module(Choices& c, const GeneratorOptions& options = {}) {
  return generator_detail::ModuleGen(c, options).run();
}

inline GeneratedModule generate_module(const std::vector<std::uint8_t>& input,
                                       const GeneratorOptions& options = {}) {
  Choices c(input);
  return generate_module(c, options);
}

}  // namespace airssys::fuzz
