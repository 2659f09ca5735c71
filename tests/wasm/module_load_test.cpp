// Loading: valid guests load and report their ABI; every kind of broken
// module is refused with a message that names the problem.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "guest_path.hpp"
#include "module_bytes.hpp"

namespace airssys::wasm {
namespace {

using test::guest;
using test::read_guest;

std::string load_error(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  auto r = WasmModule::load(bytes, name);
  EXPECT_FALSE(r.ok()) << name << " loaded but should not have";
  return r.ok() ? std::string() : r.error().message;
}

TEST(ModuleLoad, CGuestLoadsWithItsAbiAndImports) {
  auto m = WasmModule::load_file(guest("ping"));
  ASSERT_TRUE(m.ok()) << m.error().describe();
  EXPECT_EQ((*m)->abi_version(), 1u);
  EXPECT_TRUE((*m)->exports_function("airssys_handle"));
  EXPECT_EQ((*m)->initial_pages(), 1u);
  bool imports_send_name = false;
  for (const auto& imp : (*m)->imports()) {
    EXPECT_EQ(imp.module, "airssys");
    imports_send_name = imports_send_name || imp.name == "send_name";
  }
  EXPECT_TRUE(imports_send_name);
  EXPECT_EQ((*m)->hash().size(), 16u);
}

TEST(ModuleLoad, NotWasmIsRefused) {
  const std::string text = "this is not a wasm module";
  auto msg = load_error({text.begin(), text.end()}, "notes.txt");
  EXPECT_NE(msg.find("notes.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a wasm module"), std::string::npos) << msg;
}

// The header after \0asm is a version and a layer (u16 each): layer 1 is
// the Component Model's, whatever its version (0x0d before 1.0).
TEST(ModuleLoad, AComponentModelComponentIsNamedAsOne) {
  for (const std::uint8_t version : {0x0a, 0x0c, 0x0d, 0x0e, 0x01}) {
    // A component's header and the start of its first section.
    const std::vector<std::uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, version, 0x00,
                                             0x01, 0x00, 0x01, 0x04, 0x00};
    EXPECT_EQ(load_error(bytes, "component.wasm"),
              "component.wasm: a Component Model component: airssys runs core modules; see "
              "guest-abi.md")
        << int{version};
  }
}

TEST(ModuleLoad, AnUnknownBinaryVersionIsNamed) {
  struct Case {
    std::vector<std::uint8_t> header;
    std::string message;
  };
  const std::string runs = ": airssys runs core modules of version 1; see guest-abi.md";
  const Case cases[] = {
      {{0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00},
       "v.wasm: unknown wasm binary version 0x0002" + runs},
      {{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x00, 0x00},
       "v.wasm: unknown wasm binary version 0x000d" + runs},
      {{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x02, 0x00},
       "v.wasm: unknown wasm binary version 0x0001, layer 0x0002" + runs},
      {{0x00, 0x61, 0x73, 0x6d, 0x00, 0x01, 0x00, 0x00},
       "v.wasm: unknown wasm binary version 0x0100" + runs},
      {{0x00, 0x61, 0x73, 0x6d, 0x01}, "v.wasm: truncated wasm header (5 bytes; a header is 8)"},
  };
  for (const Case& c : cases) EXPECT_EQ(load_error(c.header, "v.wasm"), c.message);
}

// A guest in text whose handler is `body`, after `memory` (its memory and
// anything else at module level).
std::string guest_wat(const std::string& memory, const std::string& body) {
  return "(module " + memory +
         " (func (export \"airssys_abi_version\") (result i32) (i32.const 1))"
         " (func (export \"airssys_alloc\") (param i32) (result i32) (i32.const 1024))"
         " (func (export \"airssys_handle\") (param i64 i32 i32) (result i32) " +
         body + "))";
}

// What guests may not use is named, with where it is; the same module
// without it loads.
TEST(ModuleLoad, SimdThreadsExceptionsAndTailCallsAreRefusedByName) {
  wabt::Features all;
  all.enable_simd();
  all.enable_threads();
  all.enable_exceptions();
  all.enable_tail_call();
  const std::string memory = "(memory (export \"memory\") 1 1)";
  const auto plain = test::wat_to_wasm(guest_wat(memory, "(i32.const 0)"), "plain.wat", all);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_TRUE(WasmModule::load(*plain, "plain.wasm").ok());
  struct Case {
    std::string memory;
    std::string body;
    std::string finding;
    bool simd = false;  // the message says how to build without it
  };
  const Case cases[] = {
      {memory, "(i32x4.extract_lane 0 (i32x4.splat (local.get 2)))",
       "SIMD (i32x4.splat in function 2)", true},
      {memory, "(local v128) (i32.const 0)", "SIMD (a v128 local in function 2)", true},
      {memory + " (func (param v128))", "(i32.const 0)", "SIMD (a v128 parameter in type 0)", true},
      {memory + " (global v128 (v128.const i32x4 0 0 0 0))", "(i32.const 0)",
       "SIMD (a v128 global)", true},
      {"(memory (export \"memory\") 1 1 shared)", "(i32.const 0)", "threads (a shared memory)"},
      {memory, "(i32.atomic.load (i32.const 0))", "threads (i32.atomic.load in function 2)"},
      {memory + " (tag $e)", "(try (do (throw $e)) (catch $e)) (i32.const 0)",
       "exception handling (a tag section)"},
      {memory, "(return_call 1 (i32.const 0))", "tail calls (return_call in function 2)"},
  };
  for (const Case& c : cases) {
    const auto binary = test::wat_to_wasm(guest_wat(c.memory, c.body), "f.wat", all);
    ASSERT_TRUE(binary.ok()) << binary.error().message;
    EXPECT_EQ(load_error(*binary, "f.wasm"),
              "f.wasm: uses " + c.finding +
                  ", which guests may not use (see guest-abi.md, Module shape)" +
                  (c.simd ? "; with clang, build without -msimd128" : ""));
  }
}

TEST(ModuleLoad, TruncatedModuleIsRefused) {
  auto bytes = read_guest("echo");
  ASSERT_GT(bytes.size(), 40u);
  bytes.resize(bytes.size() / 2);
  auto msg = load_error(bytes, "echo-truncated.wasm");
  EXPECT_NE(msg.find("malformed or invalid module"), std::string::npos) << msg;
}

// Found by fuzz_module (fuzz/regressions/module): a code section whose
// structure wabt's IR reader trusts and aborts on. Its `try` is named
// first now, by the read that looks for what guests may not use (which
// must not abort on it either).
TEST(ModuleLoad, CodeThatWouldAbortTheIrReaderIsRefused) {
  const std::string path =
      std::string(AIRSSYS_SOURCE_DIR) +
      "/fuzz/regressions/module/crash-c79b711edef8511fabd16593ac1996fee80d6672";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto msg = load_error(bytes, "crash.wasm");
  EXPECT_EQ(msg.rfind("crash.wasm: uses exception handling (try in function ", 0), 0u) << msg;
}

TEST(ModuleLoad, MissingHandleExportIsNamed) {
  auto msg = load_error(read_guest("missing_handle"), "missing_handle.wasm");
  EXPECT_NE(msg.find("missing export airssys_handle"), std::string::npos) << msg;
}

TEST(ModuleLoad, ForeignImportIsNamed) {
  auto msg = load_error(read_guest("foreign_import"), "foreign_import.wasm");
  EXPECT_NE(msg.find("env.printf"), std::string::npos) << msg;
}

TEST(ModuleLoad, WrongSignatureIsNamed) {
  auto msg = load_error(read_guest("bad_signature"), "bad_signature.wasm");
  EXPECT_NE(msg.find("airssys_handle has signature (i)->(i)"), std::string::npos) << msg;
}

TEST(ModuleLoad, UngrantedImportIsRefusedByCapabilities) {
  auto m = WasmModule::load(read_guest("ungranted_send"), "ungranted_send.wasm");
  ASSERT_TRUE(m.ok()) << m.error().describe();
  auto none = Capabilities::parse({});
  ASSERT_TRUE(none.ok());
  auto denied = (*m)->check_capabilities(*none);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message.find("airssys.send"), std::string::npos)
      << denied.error().message;
  EXPECT_NE(denied.error().message.find("needs capability \"send:<name>\""), std::string::npos)
      << denied.error().message;
  // A request grant is not a send grant.
  auto requests = Capabilities::parse({"request:*"});
  ASSERT_TRUE(requests.ok());
  EXPECT_FALSE((*m)->check_capabilities(*requests).ok());
  // Any send grant loads it; which addresses it reaches is decided at the
  // call.
  for (const char* grant : {"send:*", "send:somebody"}) {
    auto granted = Capabilities::parse({grant});
    ASSERT_TRUE(granted.ok());
    EXPECT_TRUE((*m)->check_capabilities(*granted).ok()) << grant;
  }
}

TEST(ModuleLoad, UnknownCapabilityIsAnError) {
  auto caps = Capabilities::parse({"send:*", "teleport"});
  ASSERT_FALSE(caps.ok());
  EXPECT_NE(caps.error().message.find("teleport"), std::string::npos);
}

TEST(ModuleLoad, MissingFileIsAnIoError) {
  auto m = WasmModule::load_file("/nonexistent/dir/x.wasm");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::io_error);
  EXPECT_NE(m.error().message.find("/nonexistent/dir/x.wasm"), std::string::npos);
}

}  // namespace
}  // namespace airssys::wasm
