#include "metering_pass.hpp"

#include <wabt/cast.h>
#include <wabt/ir.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "guest_abi.hpp"

namespace airssys::wasm::detail {
namespace {

using wabt::Expr;
using wabt::ExprList;
using wabt::ExprType;
using wabt::Index;
using wabt::Opcode;
using wabt::Type;
using wabt::Var;

// Index of a func type (params) -> (results), added when missing.
Index find_or_add_func_type(wabt::Module& m, const wabt::TypeVector& params,
                            const wabt::TypeVector& results) {
  for (Index i = 0; i < m.types.size(); ++i) {
    auto* ft = wabt::dyn_cast<wabt::FuncType>(m.types[i]);
    if (ft != nullptr && ft->sig.param_types == params && ft->sig.result_types == results) {
      return i;
    }
  }
  auto field = std::make_unique<wabt::TypeModuleField>();
  auto type = std::make_unique<wabt::FuncType>();
  type->sig.param_types = params;
  type->sig.result_types = results;
  field->type = std::move(type);
  m.AppendField(std::move(field));  // also registers it in m.types
  return static_cast<Index>(m.types.size() - 1);
}

// Calls f on every expression of `list` and of the blocks, loops and ifs
// nested in it.
template <class List, class F>
void for_each_expr(List& list, F&& f) {
  for (auto& e : list) {
    f(e);
    switch (e.type()) {
      case ExprType::Block: for_each_expr(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, f); break;
      case ExprType::Loop: for_each_expr(wabt::cast<wabt::LoopExpr>(&e)->block.exprs, f); break;
      case ExprType::If: {
        auto* if_expr = wabt::cast<wabt::IfExpr>(&e);
        for_each_expr(if_expr->true_.exprs, f);
        for_each_expr(if_expr->false_, f);
        break;
      }
      default: break;
    }
  }
}

// Function imports are numbered before defined functions, so adding two
// imports shifts every defined function's index by two.
class FunctionRenumbering {
 public:
  FunctionRenumbering(Index first_shifted, Index shift) : first_(first_shifted), shift_(shift) {}

  void var(Var& v) const {
    if (v.is_index() && v.index() >= first_) v.set_index(v.index() + shift_);
  }

  void exprs(ExprList& list) const {
    for_each_expr(list, [this](Expr& e) {
      if (e.type() == ExprType::Call) var(wabt::cast<wabt::CallExpr>(&e)->var);
      if (e.type() == ExprType::RefFunc) var(wabt::cast<wabt::RefFuncExpr>(&e)->var);
    });
  }

 private:
  Index first_;
  Index shift_;
};

// Straight-line cost of `list`: every instruction counts one, nested blocks
// and ifs count their contents, loops are charged at their own header.
std::uint64_t straight_line_cost(const ExprList& list) {
  std::uint64_t cost = 0;
  for (const Expr& e : list) {
    ++cost;
    switch (e.type()) {
      case ExprType::Block:
        cost += straight_line_cost(wabt::cast<wabt::BlockExpr>(&e)->block.exprs);
        break;
      case ExprType::If: {
        const auto* if_expr = wabt::cast<wabt::IfExpr>(&e);
        cost += straight_line_cost(if_expr->true_.exprs) + straight_line_cost(if_expr->false_);
        break;
      }
      default: break;
    }
  }
  return cost;
}

// True when `list` calls no function the module defines, directly or
// through a table. Such a function adds only its own frame to the stack, so
// it needs no depth accounting. Imports run host code, which never calls
// back into the guest.
bool calls_no_guest_function(const ExprList& list, Index num_func_imports) {
  bool calls = false;
  for_each_expr(list, [&](const Expr& e) {
    switch (e.type()) {
      case ExprType::Call: {
        const Var& v = wabt::cast<wabt::CallExpr>(&e)->var;
        calls = calls || !v.is_index() || v.index() >= num_func_imports;
        break;
      }
      case ExprType::CallIndirect:
      case ExprType::CallRef:
      case ExprType::ReturnCall:
      case ExprType::ReturnCallIndirect: calls = true; break;
      default: break;
    }
  });
  return !calls;
}

// Scratch locals one function's instrumentation needs, appended after its
// own locals on first use (one per type).
class Scratch {
 public:
  explicit Scratch(wabt::Func& f) : f_(f) {}

  Index local(Type type) {
    for (const auto& [t, index] : made_) {
      if (t == type) return index;
    }
    const Index index = f_.GetNumParamsAndLocals();
    f_.local_types.AppendDecl(type, 1);
    made_.emplace_back(type, index);
    return index;
  }

 private:
  wabt::Func& f_;
  std::vector<std::pair<Type, Index>> made_;
};

// Bulk memory operations are charged one unit per this many bytes (about
// what a loop storing i64s pays), table operations one per element.
constexpr std::int64_t kBulkBytesPerFuelShift = 3;

struct Instrumenter {
  Index fuel_global;
  Index depth_global;
  Index out_of_fuel_func;
  Index memory_grow_func;
  Index table_grow_func;
  Index stack_check_func;
  bool fuel;
  bool native_stack_check;
  const wabt::Module* module;

  template <class T, class... Args>
  static std::unique_ptr<Expr> make(Args&&... args) {
    return std::make_unique<T>(std::forward<Args>(args)...);
  }

  // With the cost (an i64) on the stack: fuel -= cost; if (fuel < 0)
  // airssys_meter.out_of_fuel();
  void pay(ExprList& out) const {
    out.push_back(make<wabt::BinaryExpr>(Opcode::I64Sub));
    out.push_back(make<wabt::GlobalSetExpr>(Var(fuel_global, {})));
    out.push_back(make<wabt::GlobalGetExpr>(Var(fuel_global, {})));
    out.push_back(make<wabt::ConstExpr>(wabt::Const::I64(0)));
    out.push_back(make<wabt::CompareExpr>(Opcode::I64LtS));
    auto if_expr = std::make_unique<wabt::IfExpr>();
    if_expr->true_.exprs.push_back(make<wabt::CallExpr>(Var(out_of_fuel_func, {})));
    out.push_back(std::move(if_expr));
  }

  // fuel -= cost; if (fuel < 0) airssys_meter.out_of_fuel();
  ExprList charge(std::uint64_t cost) const {
    ExprList out;
    if (!fuel) return out;
    out.push_back(make<wabt::GlobalGetExpr>(Var(fuel_global, {})));
    out.push_back(make<wabt::ConstExpr>(wabt::Const::I64(cost)));
    pay(out);
    return out;
  }

  // The operand on top of the stack (a length, an i32) stays where it is
  // and is charged: fuel -= len >> shift; if (fuel < 0) out_of_fuel();
  // The charge comes before the operation, so one that the budget cannot
  // pay never runs, and a long one brings the next deadline check closer.
  ExprList charge_top(Scratch& scratch, std::int64_t shift) const {
    ExprList out;
    if (!fuel) return out;
    const Index len = scratch.local(Type::I32);
    out.push_back(make<wabt::LocalTeeExpr>(Var(len, {})));
    out.push_back(make<wabt::GlobalGetExpr>(Var(fuel_global, {})));
    out.push_back(make<wabt::LocalGetExpr>(Var(len, {})));
    out.push_back(make<wabt::ConvertExpr>(Opcode::I64ExtendI32U));
    if (shift != 0) {
      out.push_back(make<wabt::ConstExpr>(wabt::Const::I64(static_cast<std::uint64_t>(shift))));
      out.push_back(make<wabt::BinaryExpr>(Opcode::I64ShrU));
    }
    pay(out);
    return out;
  }

  // Before `table.grow t` ([init, delta] on the stack): the elements all
  // tables would hold after it go to airssys_meter.table_grow, where the
  // host enforces the component's table limit; then the grow runs as
  // written.
  ExprList table_grow_check(Scratch& scratch, Index table) const {
    ExprList out;
    const Index delta = scratch.local(Type::I32);
    const Index init = scratch.local(module->tables[table]->elem_type);
    out.push_back(make<wabt::LocalSetExpr>(Var(delta, {})));
    out.push_back(make<wabt::LocalSetExpr>(Var(init, {})));
    out.push_back(make<wabt::LocalGetExpr>(Var(delta, {})));
    out.push_back(make<wabt::ConvertExpr>(Opcode::I64ExtendI32U));
    for (Index t = 0; t < module->tables.size(); ++t) {
      out.push_back(make<wabt::TableSizeExpr>(Var(t, {})));
      out.push_back(make<wabt::ConvertExpr>(Opcode::I64ExtendI32U));
      out.push_back(make<wabt::BinaryExpr>(Opcode::I64Add));
    }
    out.push_back(make<wabt::CallExpr>(Var(table_grow_func, {})));
    out.push_back(make<wabt::LocalGetExpr>(Var(init, {})));
    out.push_back(make<wabt::LocalGetExpr>(Var(delta, {})));
    return out;
  }

  // depth -= 1; if (depth < 0) unreachable;  (the host reads depth < 0 as
  // stack_overflow)
  ExprList enter() const {
    ExprList out;
    out.push_back(make<wabt::GlobalGetExpr>(Var(depth_global, {})));
    out.push_back(make<wabt::ConstExpr>(wabt::Const::I32(1)));
    out.push_back(make<wabt::BinaryExpr>(Opcode::I32Sub));
    out.push_back(make<wabt::GlobalSetExpr>(Var(depth_global, {})));
    out.push_back(make<wabt::GlobalGetExpr>(Var(depth_global, {})));
    out.push_back(make<wabt::ConstExpr>(wabt::Const::I32(0)));
    out.push_back(make<wabt::CompareExpr>(Opcode::I32LtS));
    auto if_expr = std::make_unique<wabt::IfExpr>();
    if_expr->true_.exprs.push_back(make<wabt::UnreachableExpr>());
    out.push_back(std::move(if_expr));
    return out;
  }

  ExprList leave() const {
    ExprList out;
    out.push_back(make<wabt::GlobalGetExpr>(Var(depth_global, {})));
    out.push_back(make<wabt::ConstExpr>(wabt::Const::I32(1)));
    out.push_back(make<wabt::BinaryExpr>(Opcode::I32Add));
    out.push_back(make<wabt::GlobalSetExpr>(Var(depth_global, {})));
    return out;
  }

  static void prepend(ExprList& list, ExprList prefix) {
    while (!prefix.empty()) list.push_front(prefix.extract_back());
  }

  // Walks a body `depth` labels inside the function's wrapper block:
  // charges loop headers, turns `return` into a branch to the wrapper (so
  // the frame is restored on the one exit) and memory.grow into the host
  // call that enforces the memory limit.
  Result<void> walk(ExprList& list, Index depth, Scratch& scratch) const {
    for (auto it = list.begin(); it != list.end(); ++it) {
      Expr& e = *it;
      switch (e.type()) {
        case ExprType::Block: {
          auto& block = wabt::cast<wabt::BlockExpr>(&e)->block;
          if (auto r = walk(block.exprs, depth + 1, scratch); !r) return r;
          break;
        }
        case ExprType::Loop: {
          auto& block = wabt::cast<wabt::LoopExpr>(&e)->block;
          if (auto r = walk(block.exprs, depth + 1, scratch); !r) return r;
          prepend(block.exprs, charge(straight_line_cost(block.exprs) + 1));
          break;
        }
        case ExprType::If: {
          auto* if_expr = wabt::cast<wabt::IfExpr>(&e);
          if (auto r = walk(if_expr->true_.exprs, depth + 1, scratch); !r) return r;
          if (auto r = walk(if_expr->false_, depth + 1, scratch); !r) return r;
          break;
        }
        case ExprType::MemoryFill:
        case ExprType::MemoryCopy:
        case ExprType::MemoryInit:
          list.splice(it, charge_top(scratch, kBulkBytesPerFuelShift));
          break;
        case ExprType::TableFill:
        case ExprType::TableCopy:
        case ExprType::TableInit: list.splice(it, charge_top(scratch, 0)); break;
        case ExprType::TableGrow:
          list.splice(it, table_grow_check(scratch, module->GetTableIndex(
                                                        wabt::cast<wabt::TableGrowExpr>(&e)->var)));
          break;
        case ExprType::Return: {
          auto br = std::make_unique<wabt::BrExpr>(Var(depth, e.loc));
          it = list.insert(it, std::move(br));
          auto old = std::next(it);
          list.erase(old);
          break;
        }
        case ExprType::MemoryGrow: {
          auto call = std::make_unique<wabt::CallExpr>(Var(memory_grow_func, e.loc));
          it = list.insert(it, std::move(call));
          auto old = std::next(it);
          list.erase(old);
          break;
        }
        case ExprType::Try:
        case ExprType::ReturnCall:
        case ExprType::ReturnCallIndirect:
        case ExprType::CallRef:
          return Error{ErrorCode::invalid_argument,
                       std::string("unsupported instruction ") + wabt::GetExprTypeName(e.type())};
        default: break;
      }
    }
    return {};
  }

  Result<void> function(wabt::Module& m, wabt::Func& f) const {
    Scratch scratch(f);
    if (auto r = walk(f.exprs, 0, scratch); !r) return r;
    const std::uint64_t entry_cost = straight_line_cost(f.exprs) + 1;

    auto wrapper = std::make_unique<wabt::BlockExpr>();
    wrapper->block.exprs = std::move(f.exprs);
    const auto& results = f.decl.sig.result_types;
    wrapper->block.decl.sig.result_types = results;
    if (results.size() > 1) {
      wrapper->block.decl.has_func_type = true;
      wrapper->block.decl.type_var = Var(find_or_add_func_type(m, {}, results), {});
    }

    // A leaf function cannot deepen the stack beyond its own frame, so it
    // is not counted: the depth checks would be most of the code of the
    // small leaves that are called most (accessors, health checks).
    const bool leaf = calls_no_guest_function(wrapper->block.exprs, m.num_func_imports);
    ExprList body;
    // Native code: every frame, leaves too, checks the native stack first
    // (a frame's size depends on its locals, not on the wasm depth).
    if (native_stack_check) body.push_back(make<wabt::CallExpr>(Var(stack_check_func, {})));
    if (!leaf) {
      ExprList counted = enter();
      body.splice(body.end(), counted);
    }
    ExprList fuel = charge(entry_cost);
    body.splice(body.end(), fuel);
    body.push_back(std::move(wrapper));
    if (!leaf) {
      ExprList exit = leave();
      body.splice(body.end(), exit);
    }
    f.exprs = std::move(body);
    return {};
  }
};

std::unique_ptr<wabt::ImportModuleField> meter_import(std::string_view field, Index type_index,
                                                      const wabt::FuncSignature& sig) {
  auto import =
      std::make_unique<wabt::FuncImport>(std::string("$airssys_meter_") + std::string(field));
  import->module_name = std::string(kMeterModule);
  import->field_name = std::string(field);
  import->func.decl.has_func_type = true;
  import->func.decl.type_var = Var(type_index, {});
  import->func.decl.sig = sig;
  return std::make_unique<wabt::ImportModuleField>(std::move(import));
}

Index add_global(wabt::Module& m, Type type, std::string_view export_name) {
  auto field = std::make_unique<wabt::GlobalModuleField>();
  field->global.type = type;
  field->global.mutable_ = true;
  field->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(
      type == Type::I64 ? wabt::Const::I64(0) : wabt::Const::I32(0)));
  m.AppendField(std::move(field));
  const auto index = static_cast<Index>(m.globals.size() - 1);

  auto exp = std::make_unique<wabt::ExportModuleField>();
  exp->export_.name = std::string(export_name);
  exp->export_.kind = wabt::ExternalKind::Global;
  exp->export_.var = Var(index, {});
  m.AppendField(std::move(exp));
  return index;
}

}  // namespace

// A host function as a value (in a table, or from ref.func) is refused:
// the aot engine's C (wasm2c 1.0.32) stores, for an imported function in a
// table, the address of the instance's field that holds the import's
// instance instead of its value, and a call through the table would hand
// the host a wrong pointer. Refused on both engines, so they agree.
Result<void> check_no_import_as_value(wabt::Module& m) {
  const Index imports = m.num_func_imports;
  std::optional<Index> found;
  auto visit = [&](const Expr& e) {
    if (e.type() != ExprType::RefFunc) return;
    const Var& v = wabt::cast<wabt::RefFuncExpr>(&e)->var;
    if (v.is_index() && v.index() < imports && !found) found = v.index();
  };
  for (Index i = imports; i < m.funcs.size(); ++i) for_each_expr(m.funcs[i]->exprs, visit);
  for (wabt::Global* g : m.globals) for_each_expr(g->init_expr, visit);
  for (wabt::ElemSegment* seg : m.elem_segments) {
    for (ExprList& list : seg->elem_exprs) for_each_expr(list, visit);
  }
  if (!found) return {};
  return Error{ErrorCode::invalid_argument,
               "imported function " + std::to_string(*found) +
                   " is used as a value (in a table or by ref.func): host functions can only "
                   "be called directly"};
}

Result<void> instrument_module(wabt::Module& m, MeteringOptions options) {
  if (auto r = check_no_import_as_value(m); !r) return r;
  const Index first_defined = m.num_func_imports;
  constexpr Index kAdded = kMeterImportCount;

  // Renumber before adding, while m.funcs still has the old layout.
  FunctionRenumbering renumber(first_defined, kAdded);
  for (Index i = first_defined; i < m.funcs.size(); ++i) renumber.exprs(m.funcs[i]->exprs);
  for (wabt::Global* g : m.globals) renumber.exprs(g->init_expr);
  for (wabt::ElemSegment* seg : m.elem_segments) {
    for (ExprList& list : seg->elem_exprs) renumber.exprs(list);
  }
  for (wabt::Export* e : m.exports) {
    if (e->kind == wabt::ExternalKind::Func) renumber.var(e->var);
  }
  for (Var* start : m.starts) renumber.var(*start);

  // The meter imports go after the existing function imports, in the order
  // of HostImport from meter_out_of_fuel on.
  auto insert_pos = m.fields.begin();
  for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
    if (it->type() == wabt::ModuleFieldType::Import) insert_pos = std::next(it);
  }
  std::vector<wabt::Func*> meter_funcs;
  for (std::size_t k = 0; k < kMeterImportCount; ++k) {
    const FunctionShape& shape = kHostImports[kFirstMeterImport + k];
    wabt::FuncSignature sig;
    for (char c : shape.params) sig.param_types.push_back(c == 'I' ? Type::I64 : Type::I32);
    for (char c : shape.results) sig.result_types.push_back(c == 'I' ? Type::I64 : Type::I32);
    const Index type = find_or_add_func_type(m, sig.param_types, sig.result_types);
    auto import = meter_import(shape.name, type, sig);
    meter_funcs.push_back(&wabt::cast<wabt::FuncImport>(import->import.get())->func);
    // Keep m.imports in import order: the meter imports must follow the
    // guest's function imports in the function index space, which m.funcs
    // encodes.
    m.imports.push_back(import->import.get());
    insert_pos = std::next(m.fields.insert(insert_pos, std::move(import)));
  }
  m.funcs.insert(m.funcs.begin() + first_defined, meter_funcs.begin(), meter_funcs.end());
  m.num_func_imports += kAdded;

  Instrumenter inst{};
  inst.out_of_fuel_func = first_defined;
  inst.memory_grow_func = first_defined + 1;
  inst.table_grow_func = first_defined + 2;
  inst.stack_check_func = first_defined + 3;
  inst.fuel = options.fuel;
  inst.native_stack_check = options.native_stack_check;
  inst.module = &m;
  inst.fuel_global = add_global(m, Type::I64, kFuelGlobalExport);
  inst.depth_global = add_global(m, Type::I32, kDepthGlobalExport);

  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    if (auto r = inst.function(m, *m.funcs[i]); !r) {
      return Error{r.error().code,
                   "function " + std::to_string(i - kAdded) + ": " + r.error().message};
    }
  }
  return {};
}

}  // namespace airssys::wasm::detail
