// The engines agree on every exit reason: each trap a guest can hit, on
// both engines, from a small module generated from WebAssembly text. A case
// is run as a component (the exit reason is what a user sees: events, the
// component's status, its supervisor) on interp and on aot, and both must
// give the expected reason, word for word.
#include <memory>
#include <string>
#include <vector>

#include "component_fixture.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm::test {
namespace {

// A component around `handler` (the body of airssys_handle, which leaves an
// i32) and `fields` (more module fields). The table has 2 slots: 0 holds
// $f (type $v_i), 1 is null. $g has type $i_i; $deep recurses forever.
std::string component_wat(const std::string& handler, const std::string& fields) {
  return R"((module
  (type $v_i (func (result i32)))
  (type $i_i (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 2 funcref)
  (elem (i32.const 0) $f)
  (func $f (result i32) (i32.const 7))
  (func $g (param i32) (result i32) (local.get 0))
  (func $deep (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    )" + handler +
         ")\n" + fields + ")";
}

struct TrapCase {
  const char* name;
  const char* handler;    // the body of airssys_handle
  const char* fields;     // further module fields
  const char* reason;     // the exit reason both engines must give
  bool at_start = false;  // the trap happens when the instance is created
  std::uint32_t stack_limit = 1000;
  std::int64_t fuel = -1;  // fuel_per_message; -1 keeps the default
  rt::Duration call_deadline = 5s;
};

// Segments that do not fit trap while the instance is created, and the
// engines word that failure in their instantiate(), not through the trap
// mapping: interp "instantiation failed: <wabt's message>", aot
// "instantiation failed (trap <code>)". Until both map the trap as a call's
// trap is mapped, those cases check that neither engine starts the
// component and skip the comparison, saying what each engine gave.
// clang-format off
const TrapCase kCases[] = {
    {"unreachable", "(unreachable)", "", "trap:unreachable"},
    {"call_indirect_index_out_of_range",
     "(call_indirect (type $v_i) (i32.const 2))", "", "trap:indirect_call"},
    {"call_indirect_index_far_out_of_range",
     "(call_indirect (type $v_i) (i32.const -1))", "", "trap:indirect_call"},
    {"call_indirect_null_element",
     "(call_indirect (type $v_i) (i32.const 1))", "", "trap:indirect_call"},
    {"call_indirect_signature_mismatch",
     "(call_indirect (type $i_i) (i32.const 5) (i32.const 0))", "", "trap:indirect_call"},
    {"load_out_of_bounds", "(i32.load (i32.const 65536))", "", "trap:out_of_bounds"},
    {"load_straddling_the_end", "(i32.load (i32.const 65534))", "", "trap:out_of_bounds"},
    {"load_offset_out_of_bounds", "(i32.load offset=0xffffffff (i32.const 1))", "",
     "trap:out_of_bounds"},
    {"store_out_of_bounds", "(i64.store (i32.const 65535) (i64.const 1)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"memory_fill_out_of_bounds",
     "(memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"memory_copy_out_of_bounds",
     "(memory.copy (i32.const 0) (i32.const 65000) (i32.const 1000)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"memory_init_out_of_bounds",
     "(memory.init $d (i32.const 65535) (i32.const 0) (i32.const 4)) (i32.const 0)",
     "(data $d \"abcd\")", "trap:out_of_bounds"},
    {"memory_init_dropped_segment",
     "(data.drop $d) (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)) (i32.const 0)",
     "(data $d \"abcd\")", "trap:out_of_bounds"},
    {"table_get_out_of_bounds", "(ref.is_null (table.get $t (i32.const 2)))", "",
     "trap:out_of_bounds"},
    {"table_set_out_of_bounds", "(table.set $t (i32.const 9) (ref.null func)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"table_fill_out_of_bounds",
     "(table.fill $t (i32.const 1) (ref.null func) (i32.const 5)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"table_copy_out_of_bounds",
     "(table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 2)) (i32.const 0)", "",
     "trap:out_of_bounds"},
    {"table_init_out_of_bounds",
     "(table.init $t $e (i32.const 1) (i32.const 0) (i32.const 2)) (i32.const 0)",
     "(elem $e func $f $g)", "trap:out_of_bounds"},
    {"table_init_dropped_segment",
     "(elem.drop $e) (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1)) (i32.const 0)",
     "(elem $e func $f)", "trap:out_of_bounds"},
    {"i32_div_s_overflow", "(i32.div_s (i32.const 0x80000000) (i32.const -1))", "",
     "trap:integer_overflow"},
    {"i64_div_s_overflow",
     "(i32.wrap_i64 (i64.div_s (i64.const 0x8000000000000000) (i64.const -1)))", "",
     "trap:integer_overflow"},
    {"i32_div_u_by_zero", "(i32.div_u (i32.const 1) (i32.const 0))", "", "trap:divide_by_zero"},
    {"i32_rem_s_by_zero", "(i32.rem_s (i32.const 1) (i32.const 0))", "", "trap:divide_by_zero"},
    {"i64_div_s_by_zero", "(i32.wrap_i64 (i64.div_s (i64.const 1) (i64.const 0)))", "",
     "trap:divide_by_zero"},
    {"i64_rem_u_by_zero", "(i32.wrap_i64 (i64.rem_u (i64.const 1) (i64.const 0)))", "",
     "trap:divide_by_zero"},
    {"trunc_nan", "(i32.trunc_f32_s (f32.const nan))", "", "trap:invalid_conversion"},
    {"trunc_f64_nan_to_i64", "(i32.wrap_i64 (i64.trunc_f64_u (f64.const -nan)))", "",
     "trap:invalid_conversion"},
    {"trunc_out_of_range", "(i32.trunc_f64_s (f64.const 1e10))", "", "trap:integer_overflow"},
    {"trunc_negative_to_unsigned", "(i32.trunc_f32_u (f32.const -1))", "",
     "trap:integer_overflow"},
    {"stack_overflow_at_the_limit", "(call $deep (i32.const 0))", "", "stack_overflow"},
    {"stack_overflow_at_the_highest_limit", "(call $deep (i32.const 0))", "", "stack_overflow",
     false, 100000},
    // The limits the host sets: the same on both engines by construction
    // (the shared instance code), checked here all the same.
    {"fuel_exhausted", "(loop $spin (br $spin)) (i32.const 0)", "", "fuel_exhausted", false, 1000,
     100000},
    {"deadline_of_an_unmetered_loop", "(loop $spin (br $spin)) (i32.const 0)", "", "deadline",
     false, 1000, 0, 50ms},
    {"memory_grow_past_the_limit", "(drop (memory.grow (i32.const 300))) (i32.const 0)", "",
     "memory_limit"},
    {"data_segment_out_of_bounds", "(i32.const 0)", "(data (i32.const 65530) \"0123456789\")",
     "init_failed: trap:out_of_bounds", true},
    {"elem_segment_out_of_bounds", "(i32.const 0)", "(elem (i32.const 1) $f $g)",
     "init_failed: trap:out_of_bounds", true},
};
// clang-format on

std::string case_name(const ::testing::TestParamInfo<TrapCase>& info) {
  return info.param.name;
}

class EngineTraps : public ::testing::TestWithParam<TrapCase> {};

// The exit reason of a component running `c` on `engine`.
std::string exit_reason(const TrapCase& c, EngineKind engine) {
  auto binary = wat_to_wasm(component_wat(c.handler, c.fields), std::string(c.name) + ".wat");
  if (!binary) return "error: " + binary.error().message;
  auto module = WasmModule::load(*binary, std::string(c.name) + ".wasm");
  if (!module) return "error: " + module.error().message;
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  auto spec = ComponentSpec::of(c.name, *module).with_engine(engine);
  spec.limits.stack_limit = c.stack_limit;
  if (c.fuel >= 0) spec.limits.fuel_per_message = static_cast<std::uint64_t>(c.fuel);
  spec.limits.call_deadline = c.call_deadline;
  spec.logger = [](const std::string&, int, std::string_view) {};
  auto a = spawner.spawn_component(spec);
  if (!a) return "error: " + a.error().message;
  auto status = registry.status(c.name);
  if (!c.at_start) {
    if (!status->wait_for(ComponentState::ready, 1, kWait)) {
      return "error: not ready: " + status->last_failure();
    }
    auto ref = me.monitor(*a);
    if (!me.send(*a, bytes("go")).ok()) return "error: send";
    auto down = me.await_down(ref, kWait);
    if (!down) return "error: did not exit";
    return down->reason.detail();
  }
  if (!status->wait_for(ComponentState::failed, 1, kWait)) return "error: did not fail";
  return status->last_failure();
}

TEST_P(EngineTraps, BothEnginesGiveTheExpectedExitReason) {
  const TrapCase& c = GetParam();
  const std::string interp = exit_reason(c, EngineKind::interp);
  const std::string aot = exit_reason(c, EngineKind::aot);
  EXPECT_EQ(interp, aot);
  EXPECT_EQ(interp, c.reason);
  EXPECT_EQ(aot, c.reason);
}

INSTANTIATE_TEST_SUITE_P(Cases, EngineTraps, ::testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace airssys::wasm::test
