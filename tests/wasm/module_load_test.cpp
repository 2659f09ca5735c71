// Loading: valid guests load and report their ABI; every kind of broken
// module is refused with a message that names the problem.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "guest_path.hpp"

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

TEST(ModuleLoad, TruncatedModuleIsRefused) {
  auto bytes = read_guest("echo");
  ASSERT_GT(bytes.size(), 40u);
  bytes.resize(bytes.size() / 2);
  auto msg = load_error(bytes, "echo-truncated.wasm");
  EXPECT_NE(msg.find("malformed or invalid module"), std::string::npos) << msg;
}

// Found by fuzz_module (fuzz/regressions/module): a code section whose
// structure wabt's IR reader trusts and aborts on; refused as invalid.
TEST(ModuleLoad, CodeThatWouldAbortTheIrReaderIsRefused) {
  const std::string path =
      std::string(AIRSSYS_SOURCE_DIR) +
      "/fuzz/regressions/module/crash-c79b711edef8511fabd16593ac1996fee80d6672";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto msg = load_error(bytes, "crash.wasm");
  EXPECT_NE(msg.find("crash.wasm: malformed or invalid module"), std::string::npos) << msg;
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
