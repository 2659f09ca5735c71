// The grant decision alone: which grants parse, and which actor a grant
// lets a call reach, against a name table the test controls.
#include "airssys/wasm/capabilities.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace airssys::wasm {
namespace {

using Reach = Capabilities::Reach;

Capabilities parsed(const std::vector<std::string>& grants) {
  auto caps = Capabilities::parse(grants);
  EXPECT_TRUE(caps.ok()) << (caps.ok() ? "" : caps.error().message);
  return caps.ok() ? *caps : Capabilities{};
}

struct Names {
  std::map<std::string, rt::Address, std::less<>> table;
  std::optional<rt::Address> operator()(std::string_view name) const {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
  }
};

TEST(Capabilities, ANameGrantReachesOnlyTheAddressRegisteredUnderIt) {
  const rt::Address vault(3, 1);
  Names names{{{"vault", vault}, {"other", rt::Address(4, 1)}}};
  const auto caps = parsed({"request:vault", "send:other"});
  EXPECT_TRUE(caps.may_reach(Reach::request, vault, names));
  // A neighbour, the same slot's next generation, no address at all.
  EXPECT_FALSE(caps.may_reach(Reach::request, rt::Address(4, 1), names));
  EXPECT_FALSE(caps.may_reach(Reach::request, rt::Address(3, 2), names));
  EXPECT_FALSE(caps.may_reach(Reach::request, rt::Address::none(), names));
  // send and request are granted apart.
  EXPECT_FALSE(caps.may_reach(Reach::send, vault, names));
  EXPECT_TRUE(caps.may_reach(Reach::send, rt::Address(4, 1), names));
  EXPECT_FALSE(caps.may_reach(Reach::request, rt::Address(4, 1), names));
  // The name is resolved at the call: the grant follows the name.
  names.table["vault"] = rt::Address(9, 1);
  EXPECT_FALSE(caps.may_reach(Reach::request, vault, names));
  EXPECT_TRUE(caps.may_reach(Reach::request, rt::Address(9, 1), names));
  names.table.erase("vault");
  EXPECT_FALSE(caps.may_reach(Reach::request, rt::Address(9, 1), names));
}

TEST(Capabilities, AStarGrantReachesAnyAddressOfItsKind) {
  const Names names;
  const auto caps = parsed({"request:*", "send:x"});
  EXPECT_TRUE(caps.may_reach(Reach::request, rt::Address(12345, 7), names));
  EXPECT_TRUE(caps.may_reach_any(Reach::request));
  EXPECT_FALSE(caps.may_reach_any(Reach::send));
  EXPECT_FALSE(caps.may_reach(Reach::send, rt::Address(12345, 7), names));
  EXPECT_TRUE(caps.may_reach(Reach::request, "anyone"));
}

TEST(Capabilities, AnImportLoadsWithAnyGrantOfItsKind) {
  const auto none = parsed({});
  const auto sends = parsed({"send:x"});
  const auto requests = parsed({"request:x"});
  EXPECT_FALSE(none.grants_import("send"));
  EXPECT_FALSE(none.grants_import("request"));
  EXPECT_TRUE(none.grants_import("send_after"));  // its own timers need nothing
  EXPECT_TRUE(none.grants_import("reply"));
  EXPECT_TRUE(sends.grants_import("send"));
  EXPECT_TRUE(sends.grants_import("send_name"));
  EXPECT_FALSE(sends.grants_import("request"));
  EXPECT_TRUE(requests.grants_import("request"));
  EXPECT_FALSE(requests.grants_import("send"));
  EXPECT_EQ(Capabilities::required_for("request"), "request:<name>");
  EXPECT_EQ(Capabilities::required_for("send"), "send:<name>");
}

TEST(Capabilities, MalformedGrantsAreRefusedWithWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"request", "needs a target: \"request:<name>\" or \"request:*\""},
      {"send", "needs a target: \"send:<name>\" or \"send:*\""},
      {"send:", "names no target"},
      {"request:", "names no target"},
      {"request:a*", "mixes * into a name"},
      {"send:**", "mixes * into a name"},
      {"requests:x", "unknown capability"},
      {"lookup:x", "unknown capability"},
      {"", "unknown capability"},
  };
  for (const auto& [grant, says] : cases) {
    auto caps = Capabilities::parse({"lookup", grant});
    ASSERT_FALSE(caps.ok()) << grant;
    EXPECT_NE(caps.error().message.find(says), std::string::npos)
        << grant << ": " << caps.error().message;
  }
  EXPECT_FALSE(Capabilities::parse({"send:" + std::string(256, 'n')}).ok());
  EXPECT_TRUE(Capabilities::parse({"send:" + std::string(255, 'n')}).ok());
}

TEST(Capabilities, GrantsRoundTripThroughTheirText) {
  const auto caps = parsed({"send:a", "request:b", "request:b", "request:*", "lookup"});
  EXPECT_EQ(caps.to_strings(),
            (std::vector<std::string>{"send:a", "request:*", "request:b", "lookup"}));
  EXPECT_EQ(parsed(caps.to_strings()).to_strings(), caps.to_strings());
}

}  // namespace
}  // namespace airssys::wasm
