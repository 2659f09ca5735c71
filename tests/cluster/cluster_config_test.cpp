#include "airssys/cluster/cluster_config.hpp"

#include <gtest/gtest.h>

namespace airssys::cluster {
namespace {

ClusterConfig good() {
  ClusterConfig c;
  c.urls = {"nats://127.0.0.1:4222"};
  c.name = "demo";
  c.node = "n1";
  return c;
}

bool mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const auto& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(ClusterConfig, TheDefaultsNoticeALostNodeWithinOneAndAHalfSeconds) {
  EXPECT_TRUE(validate(good()).empty());
  EXPECT_LE(good().detection_bound(), std::chrono::milliseconds(1500));
}

TEST(ClusterConfig, EachBadKeyIsNamed) {
  auto c = good();
  c.urls = {};
  EXPECT_TRUE(mentions(validate(c), "urls"));
  c = good();
  c.urls = {"http://x:1"};
  EXPECT_TRUE(mentions(validate(c), "urls"));
  c = good();
  c.urls = {"nats://a:1,nats://b:2"};
  EXPECT_TRUE(mentions(validate(c), "urls"));
  c = good();
  c.name = "a.b";  // would be two subject tokens
  EXPECT_TRUE(mentions(validate(c), "name"));
  c = good();
  c.node = "*";
  EXPECT_TRUE(mentions(validate(c), "node"));
  c = good();
  c.node = std::string(65, 'a');
  EXPECT_TRUE(mentions(validate(c), "node"));
  c = good();
  c.labels = {"gpu", "has space"};
  EXPECT_TRUE(mentions(validate(c), "labels"));
  c = good();
  c.heartbeat = std::chrono::milliseconds(1);
  EXPECT_TRUE(mentions(validate(c), "heartbeat"));
  c = good();
  c.missed_heartbeats = 1;
  EXPECT_TRUE(mentions(validate(c), "missed_heartbeats"));
  c = good();
  c.tls = TlsSettings{"", "cert.pem", ""};
  EXPECT_TRUE(mentions(validate(c), "tls"));
}

TEST(ClusterConfig, TokensAreWhatSubjectsTake) {
  EXPECT_TRUE(is_token("node-1_a"));
  for (const char* bad : {"", "a.b", "a b", "a*", "a>", "\xc3\xa9"}) {
    EXPECT_FALSE(is_token(bad)) << bad;
  }
}

}  // namespace
}  // namespace airssys::cluster
