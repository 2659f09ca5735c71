// Names as keys of the names bucket: every name has one key, made of the
// characters NATS KV takes, and it maps back to that name alone.
#include "name_key.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace airssys::cluster {
namespace {

bool kv_key_chars(const std::string& k) {
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '/' || c == '_' || c == '=' || c == '.';
    if (!ok) return false;
  }
  return !k.empty() && k.front() != '.' && k.back() != '.';
}

TEST(NameKey, PlainNamesStayReadable) {
  EXPECT_EQ(name_key("echo"), "echo");
  EXPECT_EQ(name_key("pool-1.worker_2"), "pool-1.worker_2");
}

TEST(NameKey, EveryGeneratedNameMapsToOneKeyAndBack) {
  std::mt19937_64 rng(3);
  std::set<std::string> keys;
  std::set<std::string> names;
  const std::string alphabet = std::string("aZ09_-.=/* >\x01\xff", 15) + std::string(1, '\0');
  for (int i = 0; i < 5000; ++i) {
    std::string name(1 + rng() % 20, ' ');
    for (auto& c : name) c = alphabet[rng() % alphabet.size()];
    if (!names.insert(name).second) continue;
    const std::string key = name_key(name);
    EXPECT_TRUE(kv_key_chars(key)) << key;
    EXPECT_TRUE(keys.insert(key).second) << "two names share key " << key;
    auto back = key_name(key);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, name);
  }
}

TEST(NameKey, KeysNoNameMapsToAreRefused) {
  EXPECT_FALSE(key_name("="));
  EXPECT_FALSE(key_name("=6"));
  EXPECT_FALSE(key_name("=zz"));
  EXPECT_FALSE(key_name("=6563686f"));  // "echo" in hex: its key is "echo"
  EXPECT_FALSE(key_name(""));
  EXPECT_FALSE(key_name("a..b"));
}

}  // namespace
}  // namespace airssys::cluster
