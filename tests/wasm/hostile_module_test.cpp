// Hostile modules: valid modules, or modules that declare far more than
// any guest needs, built by the tests to break the host. Each is refused
// at load with the limit it exceeds, or runs to a precise exit reason on
// both engines; the host process survives every one (a crash here is a
// crash of the test binary).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aot/c_translation.hpp"
#include "component_fixture.hpp"
#include "elf_symbols.hpp"
#include "module_bytes.hpp"
#include "sanitized_build.hpp"

namespace airssys::wasm::test {
namespace {

// ---------------------------------------------------------------------------
// Running a module as a component

struct Outcome {
  std::string reason;  // the exit reason, or "start: <why>" when it did not start
  std::uint64_t fuel_used = 0;
};

Outcome run_once(const std::vector<std::uint8_t>& binary, const std::string& name,
                 EngineKind engine, const ComponentLimits& limits = {}) {
  auto module = WasmModule::load(binary, name + ".wasm");
  if (!module) return {"load: " + module.error().message};
  // Compiled first, without a timeout: what is measured is the run (a large
  // module's aot compile on a loaded machine may outlast a startup timeout).
  if (auto compiled = precompile(**module, engine); !compiled) {
    return {"compile: " + compiled.error().message};
  }
  rt::ActorSystem system;
  ComponentRegistry registry;
  ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  auto spec = ComponentSpec::of(name, *module).with_engine(engine);
  spec.limits = limits;
  spec.restart = supervisor::RestartPolicy::temporary;
  spec.logger = [](const std::string&, int, std::string_view) {};
  auto a = spawner.spawn_component(spec);
  if (!a) return {"start: " + a.error().message};
  auto status = registry.status(name);
  const bool settled = status->wait_until(
      [](ComponentState s, std::uint64_t) {
        return s == ComponentState::ready || s == ComponentState::failed ||
               s == ComponentState::terminated;
      },
      kWait);
  if (!settled || status->state() != ComponentState::ready) {
    return {"start: " + status->last_failure()};
  }
  auto ref = me.monitor(*a);
  if (!me.send(*a, bytes("go")).ok()) return {"error: send"};
  auto down = me.await_down(ref, kWait);
  if (!down) return {"error: did not exit"};
  if (down->reason == rt::ExitReason::normal()) return {"normal", status->fuel_used()};
  return {down->reason.detail(), status->fuel_used()};
}

std::vector<std::uint8_t> wasm(const std::string& wat) {
  auto b = wat_to_wasm(wat, "case.wat");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return b.ok() ? *b : std::vector<std::uint8_t>{};
}

// A guest whose airssys_handle runs `handler` (leaving an i32), then
// exits normally; next to `fields`; `pages` of memory.
std::string guest_wat(const std::string& handler, const std::string& fields, int pages = 1) {
  return "(module (import \"airssys\" \"exit\" (func $exit (param i32 i32 i32)))\n"
         "(memory (export \"memory\") " +
         std::to_string(pages) + ")\n" + fields +
         R"(
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32) (drop )" +
         handler + ") (call $exit (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 0)))";
}

class HostileModule : public ::testing::TestWithParam<EngineKind> {};

// ---------------------------------------------------------------------------
// Names: nothing a module wrote reaches the generated C

// Strings that would change a C program if copied into one: comment and
// string terminators, line breaks, backslashes (line splices), trigraphs,
// preprocessor lines, bytes that are not text.
std::vector<std::string> hostile_names(std::size_t n) {
  const std::vector<std::string> pieces = {"*/",
                                           "/*",
                                           "\n",
                                           "\r\n",
                                           "\\",
                                           "\"",
                                           "'",
                                           "?"
                                           "?/",
                                           "?"
                                           "?=",
                                           "#define airssys_aot_call x",
                                           "//",
                                           "}",
                                           "\x00",
                                           "\xc3\xa9\xe2\x80\xae",
                                           "system(\"id\");",
                                           "*\\\n/"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string s = "x" + std::to_string(i);
    for (std::size_t k = 0; k <= i % 4; ++k) s += pieces[(i * 7 + k * 3) % pieces.size()];
    s += "airssys_injected_" + std::to_string(i);
    out.push_back(s);
  }
  return out;
}

TEST(HostileModuleNames, NoNameOrSectionReachesTheGeneratedC) {
  const auto names = hostile_names(48);
  GuestParts p;
  p.one_global = true;
  // Functions of their own, exported under the hostile names (and the
  // global too), custom sections named and filled with them, and a name
  // section naming every function and local with them.
  for (int i = 0; i < 4; ++i) {
    p.extra_funcs.push_back(0);
    p.extra_bodies.push_back(Bytes().leb(1).leb(2).u8(kI32).u8(0x41).sleb(i).u8(0x0b));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    p.extra_exports.emplace_back(names[i], i % 5 == 4 ? 3 : 0);
    p.customs.emplace_back(names[i], Bytes().name(names[(i + 1) % names.size()]));
  }
  Bytes func_names;
  func_names.leb(8);
  for (int f = 0; f < 8; ++f) func_names.leb(f).name(names[f]);
  Bytes local_names;
  local_names.leb(4);
  for (int f = 4; f < 8; ++f)
    local_names.leb(f).leb(2).leb(0).name(names[f + 10]).leb(1).name(names[f + 20]);
  Bytes name_section;
  name_section.u8(0).leb(Bytes().name(names[30]).size()).raw(Bytes().name(names[30]).data());
  name_section.u8(1).leb(func_names.size()).raw(func_names.data());
  name_section.u8(2).leb(local_names.size()).raw(local_names.data());
  p.customs.emplace_back("name", name_section);
  const auto binary = guest_module(p);

  auto module = WasmModule::load(binary, "hostile_names.wasm");
  ASSERT_TRUE(module.ok()) << module.error().describe();
  // `inspect` still shows what the module exports.
  EXPECT_TRUE((*module)->exports_function(names[0]));

  auto c = detail::translate_to_c(**module);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  for (const std::string* text : {&c->module_c, &c->module_h, &c->glue_c}) {
    EXPECT_EQ(text->find("airssys_injected_"), std::string::npos);
    EXPECT_EQ(text->find("system("), std::string::npos);
    EXPECT_EQ(text->find("?"
                         "?"),
              std::string::npos);
    // Plain printable ASCII and line breaks, nothing else.
    const auto odd = std::find_if(text->begin(), text->end(), [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return !(u == '\n' || u == '\t' || (u >= 0x20 && u < 0x7f));
    });
    EXPECT_EQ(odd, text->end()) << "byte " << static_cast<int>(*odd) << " in the generated C";
  }

  auto so = precompile(**module, EngineKind::aot);
  ASSERT_TRUE(so.ok()) << so.error().describe();
  const std::set<std::string> expected(std::begin(detail::kAotEntryPoints),
                                       std::end(detail::kAotEntryPoints));
  EXPECT_EQ(aot_defined_symbols(*so), expected);

  for (EngineKind engine : engines()) {
    EXPECT_EQ(run_once(binary, "hostile_names", engine).reason, "normal") << to_string(engine);
  }
}

// Exports under the ABI's names that are not functions would be taken for
// functions by the engines: refused at load.
TEST(HostileModuleNames, AbiExportOfTheWrongKindIsRefused) {
  for (const char* name : {"airssys_health", "airssys_shutdown", "_initialize"}) {
    GuestParts p;
    p.one_global = true;
    p.extra_exports.emplace_back(name, 3);
    auto r = WasmModule::load(guest_module(p), "kind.wasm");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.error().message.find(std::string("export ") + name + " must be a function"),
              std::string::npos)
        << r.error().message;
  }
}

// ---------------------------------------------------------------------------
// Declared sizes: refused at load, before anything is allocated for them

struct Oversized {
  const char* name;
  std::vector<std::uint8_t> binary;
  const char* message;  // what the refusal must say
};

std::vector<std::uint8_t> nested_blocks(std::size_t depth) {
  Bytes b;
  b.leb(0);
  for (std::size_t i = 0; i < depth; ++i) b.u8(0x02).u8(0x40);  // block (empty type)
  for (std::size_t i = 0; i < depth; ++i) b.u8(0x0b);
  GuestParts p;
  p.handle_body = exit_normally(b);
  return guest_module(p);
}

std::vector<Oversized> oversized_modules() {
  const ModuleLimits d;
  std::vector<Oversized> out;
  {
    GuestParts p;  // one local declaration of more than 50,000 i64
    p.handle_body = Bytes().leb(1).leb(50'000'000).u8(kI64).u8(0x41).sleb(0).u8(0x0b);
    out.push_back({"locals", guest_module(p), "locals (50000000) exceeds the limit of 50000"});
  }
  out.push_back(
      {"nesting", nested_blocks(200'000), "nesting depth (4097) exceeds the limit of 4096"});
  {
    GuestParts p;  // a type with more parameters than any call takes
    Bytes t;
    t.u8(0x60).leb(d.params + 1);
    for (std::uint32_t i = 0; i <= d.params; ++i) t.u8(kI32);
    t.leb(0);
    p.extra_types.push_back(t);
    out.push_back({"params", guest_module(p), "parameters (1001) exceeds the limit of 1000"});
  }
  {
    GuestParts p;  // more types than the limit, each ()->()
    for (std::uint32_t i = 0; i < d.types; ++i) p.extra_types.push_back(Bytes().raw({0x60, 0, 0}));
    out.push_back({"types", guest_module(p), "types (100004) exceeds the limit of 100000"});
  }
  {
    // (table 0xffffffff funcref) next to the guest's sections.
    auto m = guest_module({});
    Bytes table;
    table.leb(1).u8(kFuncRef).u8(0x00).leb(0xffffffffu);
    Bytes with;
    with.raw(std::vector<std::uint8_t>(m.begin(), m.begin() + 8));
    // Sections must be in order: type(1) func(3) table(4) memory(5) ...
    std::size_t pos = 8;
    while (pos < m.size()) {
      const std::uint8_t id = m[pos];
      std::size_t len = 0;
      std::size_t shift = 0;
      std::size_t q = pos + 1;
      for (;;) {
        const std::uint8_t b = m[q++];
        len |= static_cast<std::size_t>(b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) break;
      }
      if (id == 5) with.section(4, table);
      with.raw(std::vector<std::uint8_t>(m.begin() + pos, m.begin() + q + len));
      pos = q + len;
    }
    out.push_back(
        {"table", with.data(), "table 0 initial size (4294967295) exceeds the limit of 10000000"});
  }
  return out;
}

TEST(HostileModuleLimits, EveryDeclaredSizeOverItsLimitIsRefusedNamingIt) {
  for (const Oversized& o : oversized_modules()) {
    auto r = WasmModule::load(o.binary, std::string(o.name) + ".wasm");
    ASSERT_FALSE(r.ok()) << o.name << " loaded";
    EXPECT_NE(r.error().message.find(o.message), std::string::npos)
        << o.name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(std::string(o.name) + ".wasm: "), std::string::npos)
        << r.error().message;
  }
}

// Every limit is the host's to set: each one, lowered below what a small
// generated module declares, refuses it, and names the limit's value.
TEST(HostileModuleLimits, EachLimitIsEnforcedAsConfigured) {
  GuestParts p;
  p.one_global = true;
  for (int f = 0; f < 3; ++f) {
    p.extra_funcs.push_back(0);
    p.extra_bodies.push_back(Bytes()
                                 .leb(1)
                                 .leb(3)
                                 .u8(kI32)
                                 .u8(0x02)
                                 .u8(0x40)
                                 .u8(0x02)
                                 .u8(0x40)
                                 .u8(0x0b)
                                 .u8(0x0b)
                                 .u8(0x41)
                                 .sleb(0)
                                 .u8(0x0b));
    p.extra_exports.emplace_back("e" + std::to_string(f), 0);
  }
  const auto binary = guest_module(p);
  ASSERT_TRUE(WasmModule::load(binary, "small.wasm").ok());
  struct Case {
    const char* what;
    void (*lower)(ModuleLimits&);
  };
  const Case cases[] = {
      {"module size", [](ModuleLimits& l) { l.module_size = 64; }},
      {"types (4)", [](ModuleLimits& l) { l.types = 3; }},
      {"imports (1)", [](ModuleLimits& l) { l.imports = 0; }},
      {"functions (7)", [](ModuleLimits& l) { l.functions = 6; }},
      {"exports (7)", [](ModuleLimits& l) { l.exports = 6; }},
      {"globals (1)", [](ModuleLimits& l) { l.globals = 0; }},
      {"locals (3)", [](ModuleLimits& l) { l.locals = 2; }},
      {"locals of all functions (9)", [](ModuleLimits& l) { l.total_locals = 8; }},
      {"nesting depth (2)", [](ModuleLimits& l) { l.nesting = 1; }},
      {"body bytes", [](ModuleLimits& l) { l.function_size = 4; }},
  };
  for (const Case& c : cases) {
    ModuleLimits limits;
    c.lower(limits);
    auto r = WasmModule::load(binary, "small.wasm", limits);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.error().message.find(c.what), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("exceeds the limit of"), std::string::npos)
        << r.error().message;
  }
}

// Nesting at the limit loads, translates and runs on both engines: the
// passes over it (ours and wabt's C writer) stay within the stack.
TEST_P(HostileModule, NestingAtTheLimitRuns) {
  const auto binary = nested_blocks(ModuleLimits{}.nesting);
  EXPECT_EQ(run_once(binary, "nested", GetParam()).reason, "normal");
}

// ---------------------------------------------------------------------------
// Module files

class ModuleFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("airssys-hostile-files-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string load_error(const std::filesystem::path& p) {
    auto r = WasmModule::load_file(p);
    EXPECT_FALSE(r.ok()) << p;
    return r.ok() ? std::string() : r.error().message;
  }
  std::filesystem::path dir_;
};

TEST_F(ModuleFiles, AHugeFileIsRefusedBeforeItIsRead) {
  const auto p = dir_ / "huge.wasm";
  {
    std::ofstream out(p, std::ios::binary);
    out.write("\0asm\1\0\0\0", 8);
  }
  // Sparse: 6 GB that occupy no disk and would take seconds to read.
  std::filesystem::resize_file(p, std::uintmax_t{6} << 30);
  const std::string msg = load_error(p);
  EXPECT_NE(msg.find("exceeds the module size limit of 67108864 bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("huge.wasm"), std::string::npos) << msg;
}

TEST_F(ModuleFiles, FifosDirectoriesAndLoopsAreRefusedSayingWhat) {
  const auto fifo = dir_ / "fifo.wasm";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // No writer ever opens it: a reader that waited for one would hang here.
  EXPECT_NE(load_error(fifo).find("module file is a FIFO"), std::string::npos);
  EXPECT_NE(load_error(dir_).find("module file is a directory"), std::string::npos);
  std::filesystem::create_symlink(dir_ / "b.wasm", dir_ / "a.wasm");
  std::filesystem::create_symlink(dir_ / "a.wasm", dir_ / "b.wasm");
  EXPECT_NE(load_error(dir_ / "a.wasm").find("symbolic links"), std::string::npos);
  EXPECT_NE(load_error(dir_ / "absent.wasm").find("module file not found"), std::string::npos);
}

TEST_F(ModuleFiles, AReadErrorIsReportedNotThrown) {
  // /proc/self/mem: a regular file whose first page is unmapped (EIO).
  const std::string msg = load_error("/proc/self/mem");
  EXPECT_NE(msg.find("cannot read module file"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------
// Valid modules the engines must run, not crash on

TEST_P(HostileModule, ATypeOfManyParametersIsCalledIndirectly) {
  std::string params;
  std::string args;
  for (int i = 0; i < 200; ++i) {
    params += " i64";
    args += " (i64.const " + std::to_string(i) + ")";
  }
  const std::string fields = "(type $wide (func (param" + params + ") (result i32)))\n" +
                             "(table 1 funcref) (elem (i32.const 0) $w)\n" +
                             "(func $w (type $wide) (i32.wrap_i64 (local.get 199)))";
  const std::string handler =
      "(drop (call_indirect (type $wide)" + args + " (i32.const 0))) (i32.const 0)";
  EXPECT_EQ(run_once(wasm(guest_wat(handler, fields)), "wide", GetParam()).reason, "normal");
}

TEST_P(HostileModule, ManyDistinctTypesRun) {
  std::string fields =
      "(table 1 funcref) (elem (i32.const 0) $f)\n"
      "(func $f (param i32) (result i32) (local.get 0))\n";
  // More types than the aot runtime once had room for (4,096) on interp.
  // On aot, C compilers take time superlinear in the types (gcc -O2: 4 s
  // for 500, 40 s for 1,000 on this machine), which the compile time limit
  // bounds: 600 there.
  const int types = GetParam() == EngineKind::aot ? 600 : 5000;
  for (int i = 0; i < types; ++i) {
    // Distinct signatures: i written in binary as i32 and i64 parameters.
    std::string sig;
    for (int b = 0; b < 13; ++b) sig += (i >> b) & 1 ? " i64" : " i32";
    fields += "(type (func (param" + sig + ")))\n";
  }
  const std::string handler =
      "(call_indirect (param i32) (result i32) (i32.const 0) (i32.const 0))";
  EXPECT_EQ(run_once(wasm(guest_wat(handler, fields)), "types", GetParam()).reason, "normal");
}

TEST_P(HostileModule, TablesCountAgainstTheTableLimit) {
  ComponentLimits limits;
  limits.table_limit = 1000;
  // Declared beyond the limit: refused when the instance is made, before
  // the engine allocates it.
  const auto big = run_once(wasm(guest_wat("(i32.const 0)", "(table 5000 funcref)")), "big_table",
                            GetParam(), limits);
  EXPECT_NE(
      big.reason.find("table_limit: initial tables of 5000 elements exceed the limit of 1000"),
      std::string::npos)
      << big.reason;
  // Grown beyond it, one table.grow at a time across two tables.
  const std::string grow =
      "(block (loop (br_if 1 (i32.eq (table.grow $a (ref.null func) (i32.const 100)) (i32.const "
      "-1)))"
      " (drop (table.grow $b (ref.null extern) (i32.const 100))) (br 0))) (i32.const 0)";
  const auto grown =
      run_once(wasm(guest_wat(grow, "(table $a 10 funcref) (table $b 10 externref)")), "grow_table",
               GetParam(), limits);
  EXPECT_EQ(grown.reason, "table_limit");
}

// One bulk instruction is charged for its length: a budget too small for
// the length stops the guest before the operation runs.
TEST_P(HostileModule, BulkOperationsAreChargedByLength) {
  struct Case {
    const char* name;
    std::string handler;
    std::string fields;
    std::uint64_t charge;  // at least this much fuel for one run of the handler
  };
  const Case cases[] = {
      {"memory.fill", "(memory.fill (i32.const 0) (i32.const 7) (i32.const 1048576)) (i32.const 0)",
       "", 1048576 / 8},
      {"memory.copy",
       "(memory.copy (i32.const 0) (i32.const 524288) (i32.const 524288)) (i32.const 0)", "",
       524288 / 8},
      {"memory.init",
       "(memory.init $d (i32.const 0) (i32.const 0) (i32.const 65536)) (i32.const 0)",
       "(data $d \"" + std::string(65536, 'a') + "\")", 65536 / 8},
      {"table.fill",
       "(table.fill $t (i32.const 0) (ref.null func) (i32.const 50000)) (i32.const 0)",
       "(table $t 50000 funcref)", 50000},
      {"table.copy",
       "(table.copy $t $t (i32.const 0) (i32.const 25000) (i32.const 25000)) (i32.const 0)",
       "(table $t 50000 funcref)", 25000},
      {"table.init", "(table.init $t $e (i32.const 0) (i32.const 0) (i32.const 2)) (i32.const 0)",
       "(table $t 4 funcref) (elem $e func $x $x) (func $x)", 2},
  };
  for (const Case& c : cases) {
    ComponentLimits limits;
    limits.memory_limit = 32u << 20;
    const auto bin = wasm(guest_wat(c.handler, c.fields, 17));
    // Enough fuel: the operation runs and its length is in the fuel used.
    const Outcome ok = run_once(bin, "bulk", GetParam(), limits);
    EXPECT_EQ(ok.reason, "normal") << c.name;
    EXPECT_GE(ok.fuel_used, c.charge) << c.name;
    // Less than the length costs: stopped.
    limits.fuel_per_message = c.charge > 100 ? c.charge / 2 : 1;
    if (c.charge > 100) {
      EXPECT_EQ(run_once(bin, "bulk", GetParam(), limits).reason, "fuel_exhausted") << c.name;
    }
  }
}

// A loop of bulk operations with no fuel limit is stopped by the call
// deadline, as a loop of any other instruction is.
TEST_P(HostileModule, ABulkLoopIsStoppedByTheDeadline) {
  ComponentLimits limits;
  limits.fuel_per_message = 0;
  limits.call_deadline = std::chrono::milliseconds(100);
  limits.memory_limit = 8u << 20;
  const std::string handler =
      "(loop (memory.fill (i32.const 0) (i32.const 1) (i32.const 4194304)) (br 0)) (i32.const 0)";
  EXPECT_EQ(run_once(wasm(guest_wat(handler, "", 64)), "fill_loop", GetParam(), limits).reason,
            "deadline");
}

// Frames of many live locals: the native stack of an aot guest is checked
// at every entry, so deep recursion ends as stack_overflow on both
// engines, whatever the frame sizes (the wasm depth limit is far away).
TEST_P(HostileModule, LargeFramesOverflowIntoStackOverflowNotACrash) {
  constexpr int kLocals = 4000;
  std::string locals;
  std::string set;
  std::string sum = "(local.get 0)";
  for (int i = 1; i <= kLocals; ++i) {
    locals += " i64";
    set += "(local.set " + std::to_string(i) + " (i64.add (local.get 0) (i64.const " +
           std::to_string(i) + ")))\n";
    sum = "(i64.add " + sum + " (local.get " + std::to_string(i) + "))";
  }
  // Every local is live across the recursive call, so each is in the frame.
  const std::string fields = "(func $deep (param i64) (result i64) (local" + locals + ")\n" + set +
                             "(drop (call $deep (i64.add (local.get 0) (i64.const 1))))\n" + sum +
                             ")";
  ComponentLimits limits;
  limits.stack_limit = 100'000;
  limits.fuel_per_message = 0;
  limits.call_deadline = std::chrono::seconds(60);
  const Outcome r = run_once(wasm(guest_wat("(i32.wrap_i64 (call $deep (i64.const 0)))", fields)),
                             "big_frames", GetParam(), limits);
  EXPECT_EQ(r.reason.rfind("stack_overflow", 0), 0u) << r.reason;
}

// ---------------------------------------------------------------------------
// Resident memory

// A field of /proc/self/status, in bytes.
std::size_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoul(line.substr(field.size() + 1)) << 10;
  }
  ADD_FAILURE() << "no " << field << " in /proc/self/status";
  return 0;
}

// What a component may cost the process's resident set: its memory (on
// interp twice: wabt's memory is a vector that copies itself to grow, and
// the heap keeps the chunk it left), its tables (an element is 8 bytes on
// interp and for externref on aot, a funcref 24 on aot; twice that while
// a table grows, by reallocation), and a fixed overhead for the instance,
// its compiled code and the host's state (docs/reliability.md, "Resident
// memory").
std::size_t resident_bound(const ComponentLimits& limits, EngineKind engine) {
  constexpr std::size_t kOverhead = std::size_t{16} << 20;
  const std::size_t memory = limits.memory_limit * (engine == EngineKind::interp ? 2 : 1);
  return memory + std::size_t{limits.table_limit} * 24 * 2 + kOverhead;
}

// Guests that take everything their limits allow: memory grown a page at
// a time, each new page filled; two tables grown by 1,000 elements at a
// time, filled as they grow. One takes memory to its limit (64 MiB) and
// then tables until the table limit stops it, the other tables to theirs
// and then memory until the memory limit stops it. For each, the process's
// peak resident set (VmHWM, reset first) rises by no more than the
// component's memory and table limits plus the overhead
// docs/reliability.md states, which a limit that did not hold, or a table
// element that cost more than it says, would exceed.
TEST_P(HostileModule, ResidentMemoryStaysWithinTheLimitsPlusTheOverhead) {
  if (detail::kSanitizedBuild) {
    GTEST_SKIP() << "a sanitizer's heap (redzones, the quarantine of freed chunks) is not the "
                    "resident set a component costs";
  }
  ComponentLimits limits;
  limits.memory_limit = std::size_t{64} << 20;
  limits.table_limit = 1'000'000;
  limits.fuel_per_message = 0;
  limits.call_deadline = std::chrono::seconds(60);
  const std::string pages = std::to_string(limits.memory_limit >> 16);
  const std::string table_limit = std::to_string(limits.table_limit);
  const std::string grow_page =
      "(br_if 1 (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))"
      "(memory.fill (i32.mul (i32.sub (memory.size) (i32.const 1)) (i32.const 65536)) "
      "(i32.const 1) (i32.const 65536))";
  const std::string memory_to_limit = "(block (loop (br_if 1 (i32.ge_u (memory.size) (i32.const " +
                                      pages + ")))" + grow_page + " (br 0)))";
  const std::string memory_past_limit = "(block (loop " + grow_page + " (br 0)))";
  const std::string grow_tables =
      "(br_if 1 (i32.eq (table.grow $a (ref.func $f) (i32.const 1000)) (i32.const -1)))"
      "(drop (table.grow $b (ref.null extern) (i32.const 1000)))";
  const std::string tables_to_limit =
      "(block (loop (br_if 1 (i32.gt_u (i32.add (i32.add (table.size $a) (table.size $b))"
      " (i32.const 2000)) (i32.const " +
      table_limit + ")))" + grow_tables + " (br 0)))";
  const std::string tables_past_limit = "(block (loop " + grow_tables + " (br 0)))";
  const std::string fields =
      "(table $a 1 funcref) (table $b 1 externref) (func $f) (elem declare func $f)";
  struct Case {
    std::string handler;
    const char* stopped_by;
  };
  const Case cases[] = {{memory_to_limit + tables_past_limit + "(i32.const 0)", "table_limit"},
                        {tables_to_limit + memory_past_limit + "(i32.const 0)", "memory_limit"}};
  for (const Case& c : cases) {
    const auto binary = wasm(guest_wat(c.handler, fields));
    // Peak from here: writing 5 to clear_refs resets VmHWM to VmRSS.
    {
      std::ofstream clear("/proc/self/clear_refs");
      clear << "5" << std::flush;
      if (!clear) GTEST_SKIP() << "/proc/self/clear_refs cannot be written: no peak to measure";
    }
    const std::size_t before = status_bytes("VmRSS");
    ASSERT_LE(status_bytes("VmHWM"), before + (std::size_t{4} << 20)) << "the peak was not reset";
    const Outcome r = run_once(binary, "greedy", GetParam(), limits);
    EXPECT_EQ(r.reason, c.stopped_by);
    const std::size_t peak = status_bytes("VmHWM");
    const std::size_t grown = peak > before ? peak - before : 0;
    std::printf("stopped by %s: resident %zu KiB before, peak %zu KiB: +%zu KiB\n", c.stopped_by,
                before >> 10, peak >> 10, grown >> 10);
    EXPECT_LE(grown, resident_bound(limits, GetParam()))
        << "peak resident set grew by " << grown << " bytes, stopped by " << c.stopped_by;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileModule, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test

namespace airssys::wasm::test {
namespace {

// A guest that logs "in" at its first message and then fills memory forever:
// with no fuel limit and a deadline an hour away only a kill ends it.
constexpr const char* kFillForever = R"((module
  (import "airssys" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 64)
  (data (i32.const 16) "in")
  (func (export "airssys_abi_version") (result i32) (i32.const 1))
  (func (export "airssys_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (call $log (i32.const 2) (i32.const 16) (i32.const 2))
    (loop (memory.fill (i32.const 0) (i32.const 1) (i32.const 4194304)) (br 0))
    (i32.const 0)))
)";

class BulkLoopStop : public ComponentTest {};

// A supervisor's brutal_kill, and the kill after a shutdown timeout, stop
// a guest in the middle of a bulk loop: the kill is noticed at the next
// fuel slice, which bulk charges bring round quickly.
TEST_P(BulkLoopStop, ABulkLoopEndsOnBrutalKillAndAfterItsShutdownTimeout) {
  auto module = WasmModule::load(wasm(kFillForever), "fill_forever.wasm");
  ASSERT_TRUE(module.ok()) << module.error().describe();
  for (const bool brutal : {true, false}) {
    const std::string name = brutal ? "brutal" : "patient";
    auto s = ComponentSpec::of(name, *module).with_engine(GetParam());
    auto in_loop = std::make_shared<std::promise<void>>();
    s.logger = [in_loop](const std::string&, int, std::string_view text) {
      if (text == "in") in_loop->set_value();
    };
    s.limits.fuel_per_message = 0;
    s.limits.call_deadline = std::chrono::hours(1);
    s.limits.memory_limit = 8u << 20;
    s.shutdown = brutal ? supervisor::ShutdownPolicy::brutal_kill()
                        : supervisor::ShutdownPolicy::after(std::chrono::seconds(5));
    const auto root = supervise("root_" + name, supervisor::SupervisorConfig::one_for_one(), {s});
    ASSERT_TRUE(me_.send(*registry_.lookup(name), bytes("go")).ok());
    // The guest logged from its handler: it is in its loop now.
    ASSERT_EQ(in_loop->get_future().wait_for(kWait), std::future_status::ready);
    supervisor::SupervisorRef ref(system_, root);
    if (!brutal) {
      // The shutdown signal cannot reach a guest that never returns; the
      // supervisor kills it when its shutdown timeout passes.
      std::thread advance([&] {
        EXPECT_TRUE(events_->await(Kind::child_stopping, name));
        clock_->advance(std::chrono::seconds(6));
      });
      auto stopped = ref.stop();
      advance.join();
      ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
    } else {
      auto stopped = ref.stop();
      ASSERT_TRUE(stopped.ok()) << stopped.error().describe();
    }
    EXPECT_NE(status(name)->state(), ComponentState::ready) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, BulkLoopStop, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
