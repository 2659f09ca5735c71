// Generated guest modules (fuzz/module_generator.hpp) from fixed seeds, in
// every build: what fuzz_generated checks on each input, over 200 seeds
// (the loader refuses a module with the message for its first size over a
// limit, or loads it; the C translation holds no module-supplied name; the
// run on interp ends in documented exit reasons); what is too slow for a
// fuzz loop, on a sample of 10 (the aot engine compiles each, its shared
// object defines the entry points and nothing else, and both engines give
// the same record: results, exit reasons, fuel, host calls, memory); and
// every declared size ModuleLimits bounds, forced to its limit - 1, the
// limit and one beyond.
#include <gtest/gtest.h>

#include <chrono>
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

}  // namespace
}  // namespace airssys::wasm::test
