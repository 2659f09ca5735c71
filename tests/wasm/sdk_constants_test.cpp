// The SDKs' constants are the host's: every status code, message kind,
// health code and exit code of guest_abi.hpp has the same value in
// sdk/c/airssys.h, sdk/assemblyscript/assembly/airssys.ts and
// sdk/rust/src/lib.rs, and so does every reply status in the C and Rust SDKs.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "guest_abi.hpp"

namespace airssys::wasm::test {
namespace {

using namespace detail;

// NAME -> value of every `NAME = value` (C), `NAME: i32 = value` (AssemblyScript)
// or `pub const NAME: i32 = value` (Rust) in a file.
std::map<std::string, std::int64_t> constants_in(const std::string& path, const std::regex& re) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
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
      {kHealthy, "HEALTHY"},
      {kDegraded, "DEGRADED"},
      {kUnhealthy, "UNHEALTHY"},
      {kExitNormal, "EXIT_NORMAL"},
      {kExitReservedFirst, "EXIT_RESERVED_FIRST"},
      {kExitShutdown, "EXIT_SHUTDOWN"},
  };
  const std::string sdk = std::string(AIRSSYS_SOURCE_DIR) + "/sdk/";
  const auto c = constants_in(sdk + "c/airssys.h",
                              std::regex(R"(\bAIRSSYS_([A-Z_]+) = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  const auto as =
      constants_in(sdk + "assemblyscript/assembly/airssys.ts",
                   std::regex(R"(export const ([A-Z_]+): i32 = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  const auto rust =
      constants_in(sdk + "rust/src/lib.rs",
                   std::regex(R"(pub const ([A-Z_]+): i32 = (-?(?:0x[0-9a-fA-F]+|[0-9]+)))"));
  for (const Constant& k : kConstants) {
    ASSERT_TRUE(c.count(k.name)) << "AIRSSYS_" << k.name << " is missing from the C SDK";
    EXPECT_EQ(c.at(k.name), k.host) << "AIRSSYS_" << k.name;
    ASSERT_TRUE(as.count(k.name)) << k.name << " is missing from the AssemblyScript SDK";
    EXPECT_EQ(as.at(k.name), k.host) << k.name;
    ASSERT_TRUE(rust.count(k.name)) << k.name << " is missing from the Rust SDK";
    EXPECT_EQ(rust.at(k.name), k.host) << k.name;
  }
  // Reply statuses (the AssemblyScript SDK makes no requests).
  const Constant kReplyStatuses[] = {
      {kReplyOk, "REPLY_OK"},
      {kReplyTimeout, "REPLY_TIMEOUT"},
      {kReplyNoSuchActor, "REPLY_NO_SUCH_ACTOR"},
      {kReplyUnhandled, "REPLY_UNHANDLED"},
      {kReplyFailed, "REPLY_FAILED"},
  };
  for (const Constant& k : kReplyStatuses) {
    ASSERT_TRUE(c.count(k.name)) << "AIRSSYS_" << k.name << " is missing from the C SDK";
    EXPECT_EQ(c.at(k.name), k.host) << "AIRSSYS_" << k.name;
    ASSERT_TRUE(rust.count(k.name)) << k.name << " is missing from the Rust SDK";
    EXPECT_EQ(rust.at(k.name), k.host) << k.name;
  }
  ASSERT_TRUE(rust.count("ABI_VERSION"));
  EXPECT_EQ(rust.at("ABI_VERSION"), kAbiVersion);
}

}  // namespace
}  // namespace airssys::wasm::test
