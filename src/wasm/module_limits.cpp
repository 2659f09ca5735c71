// The loader's first pass over module bytes: a streaming read (wabt's
// BinaryReader with a delegate that keeps counters only) that checks every
// size the module declares against ModuleLimits before any later pass
// allocates for it or recurses over it. wabt's reader bounds each count it
// reads by the bytes left in its section, so this pass costs O(1) memory.
#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>

#include <algorithm>
#include <string>

#include "module_features.hpp"
#include "module_limits_check.hpp"

namespace airssys::wasm {

Result<void> ModuleLimits::validate() const {
  if (module_size < 8) return Error{ErrorCode::invalid_argument, "module_size must be at least 8"};
  if (nesting == 0) return Error{ErrorCode::invalid_argument, "nesting must be at least 1"};
  if (nesting > kMaxNesting) {
    return Error{ErrorCode::invalid_argument, "nesting must be at most " +
                                                  std::to_string(kMaxNesting) + " (it is " +
                                                  std::to_string(nesting) + ")"};
  }
  return {};
}

namespace detail {
namespace {

class LimitsReader final : public wabt::BinaryReaderNop {
 public:
  explicit LimitsReader(const ModuleLimits& limits) : limits_(limits) {}

  // The first limit exceeded, as "<what> (<value>) exceeds the limit of <n>".
  const std::string& violation() const { return violation_; }
  std::uint32_t deepest_nesting() const { return static_cast<std::uint32_t>(deepest_); }

  bool OnError(const wabt::Error&) override { return true; }

  wabt::Result OnTypeCount(wabt::Index count) override {
    return check("types", count, limits_.types);
  }
  wabt::Result OnFuncType(wabt::Index index, wabt::Index params, wabt::Type*, wabt::Index results,
                          wabt::Type*) override {
    const std::string what = "function type " + std::to_string(index);
    if (wabt::Failed(check(what + " parameters", params, limits_.params))) {
      return wabt::Result::Error;
    }
    return check(what + " results", results, limits_.results);
  }
  wabt::Result OnImportCount(wabt::Index count) override {
    return check("imports", count, limits_.imports);
  }
  wabt::Result OnImportFunc(wabt::Index, std::string_view, std::string_view, wabt::Index,
                            wabt::Index) override {
    return add_functions(1);
  }
  wabt::Result OnImportTable(wabt::Index, std::string_view, std::string_view, wabt::Index index,
                             wabt::Type, const wabt::Limits* limits) override {
    return table(index, *limits);
  }
  wabt::Result OnFunctionCount(wabt::Index count) override { return add_functions(count); }
  wabt::Result OnTableCount(wabt::Index count) override {
    return check("tables", count, limits_.tables);
  }
  wabt::Result OnTable(wabt::Index index, wabt::Type, const wabt::Limits* limits) override {
    return table(index, *limits);
  }
  wabt::Result OnGlobalCount(wabt::Index count) override {
    return check("globals", count, limits_.globals);
  }
  wabt::Result OnExportCount(wabt::Index count) override {
    return check("exports", count, limits_.exports);
  }
  wabt::Result OnElemSegmentCount(wabt::Index count) override {
    return check("element segments", count, limits_.elem_segments);
  }
  wabt::Result OnDataSegmentCount(wabt::Index count) override {
    return check("data segments", count, limits_.data_segments);
  }

  wabt::Result BeginFunctionBody(wabt::Index index, wabt::Offset size) override {
    function_ = index;
    locals_ = 0;
    depth_ = 0;
    return check("function " + std::to_string(index) + " body bytes", size, limits_.function_size);
  }
  wabt::Result OnLocalDecl(wabt::Index, wabt::Index count, wabt::Type) override {
    locals_ += count;
    total_locals_ += count;
    if (wabt::Failed(
            check("function " + std::to_string(function_) + " locals", locals_, limits_.locals))) {
      return wabt::Result::Error;
    }
    return check("locals of all functions", total_locals_, limits_.total_locals);
  }
  wabt::Result OnBlockExpr(wabt::Type) override { return open(); }
  wabt::Result OnLoopExpr(wabt::Type) override { return open(); }
  wabt::Result OnIfExpr(wabt::Type) override { return open(); }
  wabt::Result OnTryExpr(wabt::Type) override { return open(); }
  wabt::Result OnEndExpr() override {
    if (depth_ > 0) --depth_;  // the body's own end closes no block
    return wabt::Result::Ok;
  }

 private:
  wabt::Result check(const std::string& what, std::uint64_t value, std::uint64_t limit) {
    if (value <= limit) return wabt::Result::Ok;
    if (violation_.empty()) {
      violation_ =
          what + " (" + std::to_string(value) + ") exceeds the limit of " + std::to_string(limit);
    }
    return wabt::Result::Error;
  }
  wabt::Result add_functions(std::uint64_t n) {
    functions_ += n;
    return check("functions", functions_, limits_.functions);
  }
  wabt::Result table(wabt::Index index, const wabt::Limits& limits) {
    return check("table " + std::to_string(index) + " initial size", limits.initial,
                 limits_.table_size);
  }
  wabt::Result open() {
    ++depth_;
    deepest_ = std::max(deepest_, depth_);
    return check("function " + std::to_string(function_) + " nesting depth", depth_,
                 limits_.nesting);
  }

  const ModuleLimits& limits_;
  std::string violation_;
  std::uint64_t functions_ = 0;
  std::uint64_t total_locals_ = 0;
  std::uint64_t locals_ = 0;
  std::uint64_t depth_ = 0;
  std::uint64_t deepest_ = 0;
  wabt::Index function_ = 0;
};

}  // namespace

Result<DeclaredSizes> check_module_limits(const std::vector<std::uint8_t>& bytes,
                                          const ModuleLimits& limits) {
  if (bytes.size() > limits.module_size) {
    return Error{ErrorCode::resource_exhausted, "module size (" + std::to_string(bytes.size()) +
                                                    " bytes) exceeds the limit of " +
                                                    std::to_string(limits.module_size)};
  }
  const wabt::Features features = guest_features();
  LimitsReader reader(limits);
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  const wabt::Result read = wabt::ReadBinary(bytes.data(), bytes.size(), &reader, options);
  if (!reader.violation().empty()) {
    return Error{ErrorCode::resource_exhausted, reader.violation()};
  }
  // A malformed module is reported by the validating pass that follows,
  // with wabt's own message; until then, it may nest as deep as allowed.
  return DeclaredSizes{.deepest_nesting =
                           wabt::Succeeded(read) ? reader.deepest_nesting() : limits.nesting};
}

}  // namespace detail
}  // namespace airssys::wasm
