// Generated guest modules (fuzz/module_generator.hpp) from fixed seeds, in
// every build: what fuzz_generated checks on each input, over 200 seeds
// (the loader refuses a module with the message for its first size over a
// limit, or loads it; the C translation holds no module-supplied name; the
// run on interp ends in documented exit reasons); what is too slow for a
// fuzz loop, on a sample of 10 (the aot engine compiles each, its shared
// object defines the entry points and nothing else, and both engines give
// the same record: results, exit reasons, fuel, host calls, memory); and
// every declared size ModuleLimits bounds, forced to its limit - 1, the
// limit and one beyond. Last, what the generator found, minimised.
#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>
#include <string>

#include "airssys/wasm/wasm_module.hpp"
#include "aot/c_translation.hpp"
#include "elf_symbols.hpp"
#include "generated_checks.hpp"
#include "module_generator.hpp"

namespace airssys::wasm::test {
namespace {

using fuzz::Dim;
using fuzz::GeneratedModule;
using fuzz::GeneratorOptions;

// Bytes of choices per seed: more than any module uses.
constexpr std::size_t kInputBytes = 4096;

GeneratedModule from_seed(std::uint64_t seed, const GeneratorOptions& options = {}) {
  return fuzz::generate_module(fuzz::seed_bytes(seed, kInputBytes), options);
}

// What fuzz_generated checks, as one failure text ("" when none).
std::string interp_checks(const GeneratedModule& g, const std::string& name) {
  const auto loaded = WasmModule::load(g.binary, name, g.limits);
  if (auto e = fuzz::check_load(g, loaded); !e.empty()) return e;
  if (!loaded) return {};
  if (auto e = fuzz::check_c_translation(**loaded, fuzz::kInjectedMarker); !e.empty()) return e;
  return fuzz::check_reasons(fuzz::run_generated(**loaded, EngineKind::interp, g.message, {}));
}

// Seeds 0-199 in four batches of 50 (one ctest test each).
class GeneratedInterp : public ::testing::TestWithParam<int> {};

TEST_P(GeneratedInterp, LoadedOrRefusedAsDeclaredWithCleanCAndDocumentedExitReasons) {
  for (int i = 0; i < 50; ++i) {
    const int seed = GetParam() * 50 + i;
    const GeneratedModule g = from_seed(static_cast<std::uint64_t>(seed));
    EXPECT_EQ(interp_checks(g, "seed" + std::to_string(seed) + ".wasm"), "")
        << "seed " << seed << ": " << g.summary;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, GeneratedInterp, ::testing::Range(0, 4));

// Seeds 1000-1009, sized for the C compiler: compiled, symbols checked,
// run on both engines.
class GeneratedAot : public ::testing::TestWithParam<int> {};

TEST_P(GeneratedAot, CompilesToTheEntryPointsOnlyAndRunsAsOnInterp) {
  const auto seed = static_cast<std::uint64_t>(1000 + GetParam());
  const GeneratedModule g = from_seed(seed, {.compile_friendly = true});
  SCOPED_TRACE("seed " + std::to_string(seed) + ": " + g.summary);
  const auto loaded = WasmModule::load(g.binary, "aot_seed.wasm", g.limits);
  ASSERT_EQ(fuzz::check_load(g, loaded), "");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(fuzz::check_c_translation(**loaded, fuzz::kInjectedMarker), "");

  auto so = precompile(**loaded, EngineKind::aot);
  ASSERT_TRUE(so.ok()) << so.error().describe();
  const std::set<std::string> expected(std::begin(detail::kAotEntryPoints),
                                       std::end(detail::kAotEntryPoints));
  EXPECT_EQ(aot_defined_symbols(*so), expected);

  // Fuel, not the clock, ends a long run: both engines stop at the same
  // instruction.
  fuzz::RunLimits limits;
  limits.deadline = std::chrono::seconds(20);
  const auto on_interp = fuzz::run_generated(**loaded, EngineKind::interp, g.message, limits);
  const auto on_aot = fuzz::run_generated(**loaded, EngineKind::aot, g.message, limits);
  EXPECT_EQ(fuzz::check_reasons(on_interp), "");
  EXPECT_EQ(fuzz::check_reasons(on_aot), "");
  EXPECT_EQ(fuzz::compare_runs(on_interp, on_aot), "");
}

INSTANTIATE_TEST_SUITE_P(Seeds, GeneratedAot, ::testing::Range(0, 10));

// Each bounded size at its limit - 1 and at its limit loads and runs; one
// beyond is refused naming it.
class GeneratedAtTheLimit : public ::testing::TestWithParam<Dim> {};

TEST_P(GeneratedAtTheLimit, BelowAndAtLoadOneBeyondIsRefusedNamingIt) {
  for (const int delta : {-1, 0, 1}) {
    const GeneratedModule g = from_seed(7, {.force = GetParam(), .delta = delta});
    SCOPED_TRACE("limit " + std::to_string(delta) + ": " + g.summary);
    EXPECT_EQ(g.refusal.empty(), delta <= 0) << g.refusal;
    EXPECT_EQ(interp_checks(g, "limits.wasm"), "");
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, GeneratedAtTheLimit, ::testing::ValuesIn(fuzz::kDims),
                         [](const ::testing::TestParamInfo<Dim>& info) {
                           return std::string(fuzz::to_string(info.param));
                         });

// ---------------------------------------------------------------------------
// What the generator found, minimised (the same modules are in
// fuzz/regressions/module, where fuzz_module_replay runs them).

constexpr const char* kAbi = R"(
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024)))";

// An export declares its function for ref.func (the spec's C.refs): the
// loader keeps only the host's exports visible to the engines, and the
// instrumented module must still validate when an export of another name
// was all that declared a function (it was refused as "instrumented module
// does not validate: function 7 is not declared in any elem sections").
TEST(GeneratedRegressions, RefFuncOfAFunctionOnlyAnUnusedExportDeclaresLoads) {
  const auto binary = wat_to_wasm(std::string("(module") + kAbi + R"(
    (func (export "airssys_handle") (param i64 i32 i32) (result i32)
      (ref.is_null (ref.func $f)))
    (func $f)
    (export "f" (func $f))))",
                                  "ref_func.wat");
  ASSERT_TRUE(binary.ok()) << binary.error().message;
  const auto loaded = WasmModule::load(*binary, "ref_func.wasm");
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  for (EngineKind engine : {EngineKind::interp, EngineKind::aot}) {
    const auto run = fuzz::run_generated(**loaded, engine, {}, {});
    EXPECT_TRUE(run.faults.empty() && run.steps.back().rfind("airssys_handle: ok 0,", 0) == 0)
        << to_string(engine) << "\n"
        << run.describe();
  }
}

// A passive or declared element segment in a module without a table:
// wabt 1.0.32's ApplyNames looks up the segment's table 0 and fails, and
// translate_to_c refuses with "cannot name the module's items": the module
// runs on interp and cannot be compiled for aot.
TEST(GeneratedRegressions, ElementSegmentsWithoutATableTranslateToC) {
  for (const char* segment :
       {"(elem declare func 0)", "(elem func 0)", "(elem funcref (ref.null func))"}) {
    SCOPED_TRACE(segment);
    const auto binary = wat_to_wasm(std::string("(module") + kAbi + R"(
      (func (export "airssys_handle") (param i64 i32 i32) (result i32) (i32.const 0))
      )" + segment + ")",
                                    "segment.wat");
    ASSERT_TRUE(binary.ok()) << binary.error().message;
    const auto loaded = WasmModule::load(*binary, "segment.wasm");
    ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
    EXPECT_EQ(fuzz::check_c_translation(**loaded), "");
    EXPECT_EQ(fuzz::compare_runs(fuzz::run_generated(**loaded, EngineKind::interp, {}, {}),
                                 fuzz::run_generated(**loaded, EngineKind::aot, {}, {})),
              "");
  }
}

// An imported function in a table, called with call_indirect. wasm2c
// 1.0.32 initializes the table entry of an import with the address of the
// instance's field that holds the import's instance (module.c:
// "offsetof(Z_m_instance_t, Z_airssys_instance)", added to the instance),
// not with the pointer stored there: the glue handed that address to the
// host as its own instance, and the host died of SIGSEGV at the first such
// call. A host function used as a value is refused at load, on both
// engines, with the reason.
TEST(GeneratedRegressions, AnImportUsedAsAValueIsRefusedAtLoad) {
  const auto binary = wat_to_wasm(R"((module
    (import "airssys" "send" (func $send (param i64 i32 i32) (result i32)))
    (type $send_t (func (param i64 i32 i32) (result i32))))" +
                                      std::string(kAbi) + R"(
    (table 1 funcref)
    (elem (i32.const 0) func $send)
    (func (export "airssys_handle") (param i64 i32 i32) (result i32)
      (call_indirect (type $send_t) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))",
                                  "indirect_import.wat");
  ASSERT_TRUE(binary.ok()) << binary.error().message;
  const auto loaded = WasmModule::load(*binary, "indirect_import.wasm");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("imported function 0 is used as a value"),
            std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("indirect_import.wasm: "), std::string::npos);
}

// Blocks nested `depth` deep in the handle export, in a guest module.
std::vector<std::uint8_t> nested_guest(std::uint32_t depth) {
  Bytes body;
  body.leb(0);
  for (std::uint32_t i = 0; i < depth; ++i) body.u8(0x02).u8(0x40);  // block
  for (std::uint32_t i = 0; i < depth; ++i) body.u8(0x0b);
  GuestParts parts;
  parts.handle_body = exit_normally(body);
  return guest_module(parts);
}

// Loads `binary` under `limits` and translates it to C on a thread with
// only 256 KiB of stack, in a child process: 0 when both succeed, 1 when
// either fails, a signal when the stack overflows.
void load_and_translate_on_a_small_stack(const std::vector<std::uint8_t>& binary,
                                         const ModuleLimits& limits) {
  struct Input {
    const std::vector<std::uint8_t>* binary;
    const ModuleLimits* limits;
  } input{&binary, &limits};
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, std::size_t{256} << 10);
        pthread_t thread;
        auto load = [](void* arg) -> void* {
          const auto& in = *static_cast<const Input*>(arg);
          const auto loaded = WasmModule::load(*in.binary, "nested.wasm", *in.limits);
          if (!loaded.ok()) {
            std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
            std::exit(1);
          }
          const auto c = detail::translate_to_c(**loaded);
          if (!c.ok()) std::fprintf(stderr, "%s\n", c.error().message.c_str());
          std::exit(c.ok() ? 0 : 1);
        };
        pthread_create(&thread, &attr, load, &input);
        pthread_join(thread, nullptr);
      },
      ::testing::ExitedWithCode(0), "");
}

// The loader's passes recurse once per nesting level (wabt's binary and C
// writers and IR destructors, the metering pass): at the default limit of
// 4,096 they need more than 1 MiB of stack optimised and more than the
// main thread's 8 MiB under AddressSanitizer (fuzz_module and
// fuzz_generated died of stack overflow on such a module). They run on a
// thread sized for the module's depth, so a caller with little stack
// loads and translates a module at the limit, and at the most a
// configuration may allow.
TEST(GeneratedRegressions, ModulesAtTheNestingLimitLoadOnACallerWithLittleStack) {
  load_and_translate_on_a_small_stack(nested_guest(ModuleLimits{}.nesting), ModuleLimits{});
  ModuleLimits deepest;
  deepest.nesting = ModuleLimits::kMaxNesting;
  load_and_translate_on_a_small_stack(nested_guest(ModuleLimits::kMaxNesting), deepest);
}

}  // namespace
}  // namespace airssys::wasm::test
