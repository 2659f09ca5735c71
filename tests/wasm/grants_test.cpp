// Grants decide every way a guest reaches another actor by address
// (request, send, timers to others); an address is not a capability. A
// prober guest (tests/wasm/guests/prober.c) calls the imports on raw
// addresses, as a guest guessing addresses would; the vault
// (tests/wasm/guests/vault.wat) answers anyone who reaches it with a secret.
#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

class Grants : public ComponentTest {
 protected:
  ComponentSpec prober(const std::string& name, const std::vector<std::string>& grants) {
    auto s = spec(name, "prober");
    auto caps = Capabilities::parse(grants);
    EXPECT_TRUE(caps.ok()) << (caps.ok() ? "" : caps.error().message);
    if (caps.ok()) s.capabilities = *caps;
    return s;
  }

  // "<op>:" followed by the addresses, as the prober reads them.
  static std::string probe(const std::string& op, const std::vector<rt::Address>& to) {
    std::string p = op + ":";
    for (const auto a : to) {
      const std::uint64_t v = a.value();
      char raw[8];
      std::memcpy(raw, &v, 8);
      p.append(raw, 8);
    }
    return p;
  }

  // Every address a guest could guess around `known`: each index up to
  // well past the ones handed out, with each generation up to past its own.
  // `except` is left out.
  static std::vector<rt::Address> guesses(rt::Address known, rt::Address except) {
    std::vector<rt::Address> out;
    for (std::uint32_t generation = 1; generation <= known.generation() + 2; ++generation) {
      for (std::uint32_t index = 0; index <= known.index() + 64; ++index) {
        const rt::Address a(index, generation);
        if (a != except) out.push_back(a);
      }
    }
    return out;
  }

  // What came back to the prober: polls "got" until it has something or
  // `patience` has passed.
  std::string came_back(rt::Address prober, rt::Duration patience) {
    std::string all;
    const auto until = std::chrono::steady_clock::now() + patience;
    do {
      all += ask(prober, "got");
      if (!all.empty()) return all;
      std::this_thread::sleep_for(5ms);
    } while (std::chrono::steady_clock::now() < until);
    return all;
  }

  std::string refused(std::size_t n) { return "ok=0 refused=" + std::to_string(n) + " other=0"; }
};

// The case the grants exist for: a component granted nothing towards the
// vault guesses addresses (the vault's among them) and requests from each.
// Every call is refused with AIRSSYS_NOT_GRANTED, the vault never hears of
// it, and nothing comes back. Neither the lookup grant (the vault's address
// is one lookup away) nor a send grant to the vault makes requests allowed.
TEST_P(Grants, RequestsToGuessedAddressesOutsideTheGrantsAreRefused) {
  const auto vault = start(spec("vault", "vault"));
  const auto friend_address = start(spec("friend", "vault"));
  const std::vector<std::vector<std::string>> without = {
      {"send:friend", "request:friend", "lookup"},
      {"send:vault", "request:friend", "lookup"},
      {"send:*", "request:friend", "lookup"},
  };
  int n = 0;
  for (const auto& grants : without) {
    const std::string name = "prober" + std::to_string(n++);
    const auto p = start(prober(name, grants));
    ASSERT_NE(status(name), nullptr);
    ASSERT_TRUE(status(name)->wait_for(ComponentState::ready, 1, kWait));
    auto to = guesses(vault, friend_address);
    ASSERT_NE(std::find(to.begin(), to.end(), vault), to.end());
    EXPECT_EQ(ask(p, probe("request", to)), refused(to.size())) << name;
    // By name, through lookup: the address lookup gives grants nothing.
    EXPECT_EQ(ask(p, "ask:vault"), "-2") << name;
    EXPECT_EQ(came_back(p, 200ms), "") << name;
    EXPECT_EQ(status("vault")->messages_handled(), 0u) << name;
    // The grant it has works.
    EXPECT_NE(ask(p, "ask:friend").rfind('-', 0), 0u) << name;
    EXPECT_EQ(came_back(p, kWait), "0:s3cret;") << name;
    EXPECT_EQ(status(name)->state(), ComponentState::ready) << name;
  }
}

TEST_P(Grants, RequestByNameGrantReachesThatComponentByItsAddress) {
  const auto vault = start(spec("vault", "vault"));
  const auto p = start(prober("p", {"send:nobody", "request:vault", "lookup"}));
  ASSERT_TRUE(status("p")->wait_for(ComponentState::ready, 1, kWait));
  // The raw address, as the test knows it: it is the vault's, so it is
  // granted.
  EXPECT_EQ(ask(p, probe("request", {vault})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(p, kWait), "0:s3cret;");
  // Through lookup.
  EXPECT_NE(ask(p, "ask:vault").rfind('-', 0), 0u);
  EXPECT_EQ(came_back(p, kWait), "0:s3cret;");
  // Every other guessed address stays refused.
  const auto others = guesses(vault, vault);
  EXPECT_EQ(ask(p, probe("request", others)), refused(others.size()));
  EXPECT_EQ(came_back(p, 100ms), "");
  EXPECT_EQ(status("vault")->messages_handled(), 2u);
}

TEST_P(Grants, RequestStarReachesAnyAddress) {
  const auto vault = start(spec("vault", "vault"));
  const auto p = start(prober("p", {"send:nobody", "request:*", "lookup"}));
  ASSERT_TRUE(status("p")->wait_for(ComponentState::ready, 1, kWait));
  EXPECT_EQ(ask(p, probe("request", {vault})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(p, kWait), "0:s3cret;");
  // An address nothing lives at gets an id and fails later: no such actor.
  const rt::Address nobody(vault.index() + 1000, 1);
  EXPECT_EQ(ask(p, probe("request", {nobody})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(p, kWait), "2:;");
}

// send by address follows the same grants: send:<name> reaches that
// component's address, nothing else; a refused address is refused whether
// or not anything lives there.
TEST_P(Grants, SendToGuessedAddressesFollowsTheSendGrants) {
  const auto vault = start(spec("vault", "vault"));
  const auto friend_address = start(spec("friend", "vault"));
  const auto p = start(prober("p", {"send:friend", "request:friend", "lookup"}));
  ASSERT_TRUE(status("p")->wait_for(ComponentState::ready, 1, kWait));
  const auto to = guesses(vault, friend_address);
  EXPECT_EQ(ask(p, probe("send", to)), refused(to.size()));
  EXPECT_EQ(came_back(p, 200ms), "");
  EXPECT_EQ(status("vault")->messages_handled(), 0u);
  // The friend answers a plain message with a message back.
  EXPECT_EQ(ask(p, probe("send", {friend_address})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(p, kWait), "msg:s3cret;");
}

// A timer is a send later: to itself always, to others by the send grants.
TEST_P(Grants, TimersToOthersNeedASendGrant) {
  const auto vault = start(spec("vault", "vault"));
  const auto p = start(prober("p", {"send:friend", "request:friend", "lookup"}));
  ASSERT_TRUE(status("p")->wait_for(ComponentState::ready, 1, kWait));
  const auto to = guesses(vault, p);
  EXPECT_EQ(ask(p, probe("timer", to)), refused(to.size()));
  EXPECT_EQ(came_back(p, 200ms), "");
  EXPECT_EQ(status("vault")->messages_handled(), 0u);
  // Its own timer.
  EXPECT_EQ(ask(p, probe("timer", {p})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(p, kWait), "msg:tell;");

  const auto q = start(prober("q", {"send:vault", "request:friend", "lookup"}));
  ASSERT_TRUE(status("q")->wait_for(ComponentState::ready, 1, kWait));
  EXPECT_EQ(ask(q, probe("timer", {vault})), "ok=1 refused=0 other=0");
  EXPECT_EQ(came_back(q, kWait), "msg:s3cret;");
}

// Answering is not reaching: the vault has no grants at all and answers
// every request above through reply: a component may answer the sender of
// the message it handles whatever its grants.
TEST_P(Grants, ReplyNeedsNoGrant) {
  const auto vault = start(spec("vault", "vault"));
  EXPECT_EQ(ask(vault, "anything"), "s3cret");
}

INSTANTIATE_TEST_SUITE_P(Engines, Grants, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
