// The SDKs say what the host says: every status code, message kind, reply
// status, health code and exit code of guest_abi.hpp has the same value in
// sdk/c/airssys.h, sdk/assemblyscript/assembly/airssys.ts and
// sdk/rust/src/lib.rs; the C and AssemblyScript SDKs declare every import a
// guest may use with the host's signature (the AssemblyScript SDK also wraps
// each one).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "guest_abi.hpp"

namespace airssys::wasm::test {
namespace {

using namespace detail;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kSdk = std::string(AIRSSYS_SOURCE_DIR) + "/sdk/";

// NAME -> value of every `NAME = value` (C), `NAME: i32 = value` (AssemblyScript)
// or `pub const NAME: i32 = value` (Rust) in a file.
std::map<std::string, std::int64_t> constants_in(const std::string& path, const std::regex& re) {
  const std::string text = read_text(path);
  std::map<std::string, std::int64_t> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out[(*it)[1]] = std::stoll((*it)[2], nullptr, 0);
  }
  return out;
}

TEST(SdkConstants, EverySdkSaysWhatTheHostSays) {
  struct Constant {
    std::int64_t host;
    const char* name;  // AIRSSYS_<name> in C, <name> in AssemblyScript and Rust
  };
  const Constant kConstants[] = {
      {kOk, "OK"},
      {kNoSuchActor, "NO_SUCH_ACTOR"},
      {kNotGranted, "NOT_GRANTED"},
      {kTooLarge, "TOO_LARGE"},
      {kNameNotFound, "NAME_NOT_FOUND"},
      {kNoRequest, "NO_REQUEST"},
      {kStopping, "STOPPING"},
      {kInvalidArgument, "INVALID_ARGUMENT"},
      {kMailboxFull, "MAILBOX_FULL"},
      {kTimerLimit, "TIMER_LIMIT"},
      {kNoSuchTimer, "NO_SUCH_TIMER"},
      {kPlainMessage, "PLAIN_MESSAGE"},
      {kRequestMessage, "REQUEST_MESSAGE"},
      {kUnanswerable, "UNANSWERABLE"},
      {kTimerMessage, "TIMER_MESSAGE"},
      {kReplyOk, "REPLY_OK"},
      {kReplyTimeout, "REPLY_TIMEOUT"},
      {kReplyNoSuchActor, "REPLY_NO_SUCH_ACTOR"},
      {kReplyUnhandled, "REPLY_UNHANDLED"},
      {kReplyFailed, "REPLY_FAILED"},
      {kHealthy, "HEALTHY"},
      {kDegraded, "DEGRADED"},
      {kUnhealthy, "UNHEALTHY"},
      {kExitNormal, "EXIT_NORMAL"},
      {kExitReservedFirst, "EXIT_RESERVED_FIRST"},
      {kExitShutdown, "EXIT_SHUTDOWN"},
  };
  const auto c = constants_in(kSdk + "c/airssys.h",
                              std::regex(R"(\bAIRSSYS_([A-Z_]+) = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  const auto as =
      constants_in(kSdk + "assemblyscript/assembly/airssys.ts",
                   std::regex(R"(export const ([A-Z_]+): i32 = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  const auto rust =
      constants_in(kSdk + "rust/src/lib.rs",
                   std::regex(R"(pub const ([A-Z_]+): i32 = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  for (const Constant& k : kConstants) {
    ASSERT_TRUE(c.count(k.name)) << "AIRSSYS_" << k.name << " is missing from the C SDK";
    EXPECT_EQ(c.at(k.name), k.host) << "AIRSSYS_" << k.name;
    ASSERT_TRUE(as.count(k.name)) << k.name << " is missing from the AssemblyScript SDK";
    EXPECT_EQ(as.at(k.name), k.host) << k.name;
    ASSERT_TRUE(rust.count(k.name)) << k.name << " is missing from the Rust SDK";
    EXPECT_EQ(rust.at(k.name), k.host) << k.name;
  }
  ASSERT_TRUE(rust.count("ABI_VERSION"));
  EXPECT_EQ(rust.at("ABI_VERSION"), kAbiVersion);
}

// A declaration's wasm type code (guest_abi.hpp's "i" and "I") from a C or
// AssemblyScript type; "?" for any other.
std::string type_code(std::string type) {
  type = std::regex_replace(type, std::regex(R"(\bconst\b)"), "");
  type = std::regex_replace(type, std::regex(R"(^\s+|\s+$)"), "");
  if (type.find('*') != std::string::npos) return "i";  // a wasm32 pointer
  static const std::map<std::string, std::string> kCodes = {
      {"int32_t", "i"}, {"uint32_t", "i"}, {"i32", "i"},      {"u32", "i"},
      {"usize", "i"},   {"int64_t", "I"},  {"uint64_t", "I"}, {"airssys_address", "I"},
      {"i64", "I"},     {"u64", "I"},      {"void", ""},
  };
  const auto it = kCodes.find(type);
  return it == kCodes.end() ? "?" + type : it->second;
}

// The signature "(params)->(results)" of a parameter list and result type;
// `params` is "type name, ..." (C) or "name: type, ..." (AssemblyScript).
std::string signature(const std::string& params, const std::string& result, bool c) {
  std::string out = "(";
  std::stringstream list(params);
  std::string param;
  while (std::getline(list, param, ',')) {
    if (c && std::regex_match(param, std::regex(R"(\s*void\s*)"))) continue;
    if (c) {
      // Everything but the parameter's name.
      out += type_code(std::regex_replace(param, std::regex(R"(\w+\s*$)"), ""));
    } else {
      out += type_code(param.substr(param.find(':') + 1));
    }
  }
  return out + ")->(" + type_code(result) + ")";
}

// import name -> signature of every import a file declares; `re` matches a
// declaration with the import's name, its parameters and its result type
// as the groups `name`, `params` and `result`.
std::map<std::string, std::string> imports_in(const std::string& text, const std::regex& re,
                                              int name, int params, int result, bool c) {
  std::map<std::string, std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out[(*it)[name]] = signature((*it)[params], (*it)[result], c);
  }
  return out;
}

TEST(SdkImports, BothSdksDeclareEveryImportAGuestMayUseWithTheHostsSignature) {
  const std::string c_text = read_text(kSdk + "c/airssys.h");
  const std::string as_text = read_text(kSdk + "assemblyscript/assembly/airssys.ts");
  // AIRSSYS_IMPORT("name") [__attribute__((noreturn))] result airssys_x(params);
  const auto c = imports_in(
      c_text,
      std::regex(R"re(AIRSSYS_IMPORT\("(\w+)"\)\s*(?:__attribute__\(\(noreturn\)\)\s*)?)re"
                 R"re(([\w ]+?)\s*\bairssys_\w+\(([^)]*)\);)re"),
      1, 3, 2, true);
  // @external("airssys", "name") declare function host_x(params): result;
  const auto as = imports_in(
      as_text,
      std::regex(R"re(@external\("airssys", "(\w+)"\)\s*declare function \w+\(([^)]*)\):\s*)re"
                 R"re((\w+);)re"),
      1, 2, 3, false);
  for (std::size_t i = 0; i < kGuestVisibleImportCount; ++i) {
    const FunctionShape& host = kHostImports[i];
    const std::string name(host.name);
    const std::string want =
        "(" + std::string(host.params) + ")->(" + std::string(host.results) + ")";
    ASSERT_TRUE(c.count(name)) << "the C SDK does not declare airssys." << name;
    EXPECT_EQ(c.at(name), want) << "airssys." << name << " in sdk/c/airssys.h";
    ASSERT_TRUE(as.count(name)) << "the AssemblyScript SDK does not declare airssys." << name;
    EXPECT_EQ(as.at(name), want) << "airssys." << name << " in airssys.ts";
    // Declared once, called by an exported wrapper.
    const std::regex call("host_" + name + "\\(");
    const auto uses = std::distance(std::sregex_iterator(as_text.begin(), as_text.end(), call),
                                    std::sregex_iterator());
    EXPECT_GE(uses, 2) << "the AssemblyScript SDK declares airssys." << name
                       << " but no function calls it";
  }
  EXPECT_EQ(c.size(), kGuestVisibleImportCount) << "the C SDK declares an import the host lacks";
  EXPECT_EQ(as.size(), kGuestVisibleImportCount)
      << "the AssemblyScript SDK declares an import the host lacks";
}

}  // namespace
}  // namespace airssys::wasm::test
