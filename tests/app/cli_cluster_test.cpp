// `airssys run` as nodes of a cluster: real airssys processes, a real
// nats-server, real wasm guests. A component on one node reaches one on
// another by name; a node killed with SIGKILL is reported by the other.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "app_support.hpp"
#include "http_probe.hpp"
#include "nats_cluster.hpp"

namespace airssys::app::test {
namespace {

using json = nlohmann::json;
using airssys::test::NatsCluster;

std::uint64_t handled(int port, const std::string& component) {
  httplib::Client http("127.0.0.1", port);
  auto r = http.Get("/components/" + component);
  if (!r || r->status != 200) return 0;
  return json::parse(r->body, nullptr, false).value("messages_handled", std::uint64_t{0});
}

std::string node_system(const std::string& node, const std::string& urls,
                        const std::string& components) {
  return "[system]\nname = \"pingpong\"\n[cluster]\nurls = [\"" + urls + "\"]\nnode = \"" + node +
         "\"\nheartbeat = \"100ms\"\nmissed_heartbeats = 5\n" + components;
}

TEST(CliCluster, ComponentsOnTwoNodesTalkByNameAndAKilledNodeIsReported) {
  NatsCluster nats(1);
  TempDir dir;
  const std::string b_file =
      dir.write("b.toml", node_system("b", nats.url(0),
                                      "[[component]]\nname = \"pong\"\nmodule = \"" +
                                          guest("pong") + "\"\ncapabilities = [\"send:*\"]\n"));
  const std::string a_file =
      dir.write("a.toml", node_system("a", nats.url(0),
                                      "[[component]]\nname = \"ping\"\nmodule = \"" +
                                          guest("ping") + "\"\ncapabilities = [\"send:*\"]\n"));
  Program b({"run", b_file, "--http", "127.0.0.1:0"});
  const int b_port = serving_port(b);
  ASSERT_GT(b_port, 0);
  Program a({"run", a_file, "--http", "127.0.0.1:0"});
  const int a_port = serving_port(a);
  ASSERT_GT(a_port, 0);
  // a joined a cluster that b was in: its joined event counts b.
  EXPECT_NE(a.stdout_text().find("1 other node(s) up"), std::string::npos) << a.stdout_text();

  auto go = run_program({"send", "--http", "127.0.0.1:" + std::to_string(a_port), "ping", "go:3"});
  ASSERT_EQ(go.code, 0) << go.err;
  // ping -> pong (on b) -> ping, three times: pong's answers find their way
  // back through the proxy standing for ping on b.
  EXPECT_TRUE(eventually([&] { return handled(b_port, "pong") == 3; })) << handled(b_port, "pong");
  EXPECT_TRUE(eventually([&] { return handled(a_port, "ping") == 4; })) << handled(a_port, "ping");

  const auto killed = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(b.pid(), SIGKILL), 0);
  ASSERT_TRUE(a.read_until("\"event\":\"node_down\"")) << a.stdout_text();
  const auto noticed = std::chrono::steady_clock::now() - killed;
  // 5 x 100 ms, with room for a heartbeat tick and a loaded machine.
  EXPECT_LT(noticed, std::chrono::milliseconds(1500));
  EXPECT_NE(a.stdout_text().find("\"node\":\"b\""), std::string::npos);
  // A send to the lost node's component is a dead letter with its event.
  auto again =
      run_program({"send", "--http", "127.0.0.1:" + std::to_string(a_port), "ping", "go:1"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(a.read_until("\"event\":\"dead_letter\"")) << a.stdout_text();
  ::kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(), 0) << a.stderr_text();
}

TEST(CliCluster, AStoppedNodeIsDownAndRejoinsWhenItContinues) {
  NatsCluster nats(1);
  TempDir dir;
  const std::string b_file =
      dir.write("b.toml", node_system("b", nats.url(0),
                                      "[[component]]\nname = \"pong\"\nmodule = \"" +
                                          guest("pong") + "\"\ncapabilities = [\"send:*\"]\n"));
  const std::string a_file =
      dir.write("a.toml", node_system("a", nats.url(0),
                                      "[[component]]\nname = \"ping\"\nmodule = \"" +
                                          guest("ping") + "\"\ncapabilities = [\"send:*\"]\n"));
  Program b({"run", b_file, "--http", "127.0.0.1:0"});
  const int b_port = serving_port(b);
  ASSERT_GT(b_port, 0);
  Program a({"run", a_file, "--http", "127.0.0.1:0"});
  const int a_port = serving_port(a);
  ASSERT_GT(a_port, 0);
  // A partition, as the others see it: b stops answering, then comes back.
  ASSERT_EQ(::kill(b.pid(), SIGSTOP), 0);
  ASSERT_TRUE(a.read_until("\"event\":\"node_down\"")) << a.stdout_text();
  ASSERT_EQ(::kill(b.pid(), SIGCONT), 0);
  ASSERT_TRUE(a.read_until("\"event\":\"node_up\"")) << a.stdout_text();
  // And it works as before: ping's messages reach pong and come back.
  auto go = run_program({"send", "--http", "127.0.0.1:" + std::to_string(a_port), "ping", "go:2"});
  ASSERT_EQ(go.code, 0) << go.err;
  EXPECT_TRUE(eventually([&] { return handled(b_port, "pong") == 2; })) << handled(b_port, "pong");
  ::kill(b.pid(), SIGTERM);
  EXPECT_EQ(b.wait(), 0) << b.stderr_text();
  ::kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(), 0) << a.stderr_text();
}

TEST(CliCluster, AnUnreachableServerIsAClearErrorAndExitOne) {
  TempDir dir;
  const std::string file = dir.write(
      "a.toml",
      node_system("a", "nats://127.0.0.1:1",
                  "[[component]]\nname = \"echo\"\nmodule = \"" + guest("echo") + "\"\n"));
  auto r = run_program({"run", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot join cluster 'pingpong' as node 'a'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(CliCluster, ClusterOptionsOnTheCommandLineAreChecked) {
  TempDir dir;
  const std::string file =
      dir.write("a.toml", "[[component]]\nname = \"echo\"\nmodule = \"" + guest("echo") + "\"\n");
  auto bad_url = run_program({"run", file, "--cluster", "http://x:1", "--node", "n1"});
  EXPECT_EQ(bad_url.code, 1);
  EXPECT_NE(bad_url.err.find("urls"), std::string::npos) << bad_url.err;
  auto bad_node = run_program({"run", file, "--cluster", "nats://127.0.0.1:1", "--node", "a.b"});
  EXPECT_EQ(bad_node.code, 1);
  EXPECT_NE(bad_node.err.find("node"), std::string::npos) << bad_node.err;
  auto node_alone = run_program({"run", file, "--node", "n1"});
  EXPECT_EQ(node_alone.code, 1);
  EXPECT_NE(node_alone.err.find("--node needs --cluster"), std::string::npos) << node_alone.err;
}

}  // namespace
}  // namespace airssys::app::test
