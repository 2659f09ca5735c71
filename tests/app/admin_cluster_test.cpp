// The operator's view of a cluster: two real `airssys run` processes as
// nodes on a real nats-server. GET /cluster on one lists both nodes up, and
// the other down once it is killed with SIGKILL; /metrics has the cluster's
// series with the values the nodes' traffic gives; `airssys tree --http`
// ends with the cluster's line.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "app_support.hpp"
#include "http_probe.hpp"
#include "nats_cluster.hpp"

namespace airssys::app::test {
namespace {

using json = nlohmann::json;
using airssys::test::NatsCluster;

std::string get(int port, const std::string& path) {
  httplib::Client http("127.0.0.1", port);
  auto r = http.Get(path);
  return r && r->status == 200 ? r->body : "";
}

json cluster_of(int port) {
  return json::parse(get(port, "/cluster"), nullptr, false);
}

// The value of the sample `series` (name and labels) in a Prometheus text.
std::optional<double> sample(const std::string& metrics, const std::string& series) {
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Every line of a Prometheus text is a comment or a sample.
void expect_prometheus_text(const std::string& metrics) {
  static const std::regex sample_line(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$)");
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample_line)) << "not Prometheus text: " << line;
  }
}

std::uint64_t handled(int port, const std::string& component) {
  const auto j = json::parse(get(port, "/components/" + component), nullptr, false);
  return j.is_object() ? j.value("messages_handled", std::uint64_t{0}) : 0;
}

std::string node_system(const std::string& node, const std::string& url, const std::string& labels,
                        const std::string& component) {
  return "[system]\nname = \"ops\"\n[cluster]\nurls = [\"" + url + "\"]\nnode = \"" + node +
         "\"\nlabels = [" + labels +
         "]\nheartbeat = \"100ms\"\nmissed_heartbeats = 5\n[[component]]\nname = \"" + component +
         "\"\nmodule = \"" + guest(component) + "\"\ncapabilities = [\"send:*\"]\n";
}

TEST(AdminCluster, ClusterMetricsAndTreeShowTheNodesAndALostOne) {
  NatsCluster nats(1);
  TempDir dir;
  Program b({"run", dir.write("b.toml", node_system("b", nats.url(0), "\"gpu\"", "pong")), "--http",
             "127.0.0.1:0"});
  const int b_port = serving_port(b);
  ASSERT_GT(b_port, 0);
  Program a({"run", dir.write("a.toml", node_system("a", nats.url(0), "", "ping")), "--http",
             "127.0.0.1:0"});
  const int a_port = serving_port(a);
  ASSERT_GT(a_port, 0);

  // a joined with b in the cluster: this node first, then its peers.
  json c;
  ASSERT_TRUE(eventually([&] {
    c = cluster_of(a_port);
    return c.is_object() && c["nodes"].size() == 2 && c["nodes"][1].value("up", false);
  })) << c.dump();
  EXPECT_EQ(c["cluster"], "ops");
  EXPECT_EQ(c["node"], "a");
  EXPECT_EQ(c["nodes"][0], json({{"node", "a"},
                                 {"labels", json::array()},
                                 {"up", true},
                                 {"self", true},
                                 {"heartbeat_age_ms", 0}}));
  EXPECT_EQ(c["nodes"][1]["node"], "b");
  EXPECT_EQ(c["nodes"][1]["labels"], json::array({"gpu"}));
  EXPECT_EQ(c["nodes"][1]["self"], false);
  EXPECT_GE(c["nodes"][1]["heartbeat_age_ms"].get<std::int64_t>(), 0);
  EXPECT_EQ(c["stats"], json({{"records_sent", 0},
                              {"frames_sent", 0},
                              {"records_received", 0},
                              {"frames_refused", 0},
                              {"proxies", 0}}));
  // b sees a too.
  EXPECT_TRUE(eventually([&] {
    const auto j = cluster_of(b_port);
    return j.is_object() && j["nodes"].size() == 2 && j["nodes"][1].value("node", "") == "a" &&
           j["nodes"][1].value("up", false);
  })) << cluster_of(b_port).dump();

  // ping (on a) -> pong (on b) -> ping, three times in turn: three records
  // each way, one NATS message each (nothing else was queued to batch),
  // one proxy on each node (for pong on a, for ping on b).
  auto go = run_program({"send", "--http", "127.0.0.1:" + std::to_string(a_port), "ping", "go:3"});
  ASSERT_EQ(go.code, 0) << go.err;
  EXPECT_TRUE(eventually([&] { return handled(a_port, "ping") == 4; }));
  std::string metrics;
  auto settled = [&](int port, double sent, double received) {
    metrics = get(port, "/metrics");
    return sample(metrics, "airssys_cluster_records_sent_total") == sent &&
           sample(metrics, "airssys_cluster_records_received_total") == received;
  };
  ASSERT_TRUE(eventually([&] { return settled(a_port, 3, 3); })) << metrics;
  EXPECT_EQ(sample(metrics, "airssys_cluster_frames_sent_total"), 3);
  EXPECT_EQ(sample(metrics, "airssys_cluster_frames_refused_total"), 0);
  EXPECT_EQ(sample(metrics, "airssys_cluster_proxies_spawned_total"), 1);
  EXPECT_EQ(sample(metrics, "airssys_cluster_nodes{state=\"up\"}"), 2);
  EXPECT_EQ(sample(metrics, "airssys_cluster_nodes{state=\"down\"}"), 0);
  EXPECT_EQ(sample(metrics, "airssys_cluster_node_up{node=\"a\"}"), 1);
  EXPECT_EQ(sample(metrics, "airssys_cluster_node_up{node=\"b\"}"), 1);
  EXPECT_GE(sample(metrics, "airssys_cluster_heartbeat_age_seconds{node=\"b\"}").value_or(-1), 0);
  // This node has no heartbeat age of its own.
  EXPECT_FALSE(sample(metrics, "airssys_cluster_heartbeat_age_seconds{node=\"a\"}").has_value())
      << metrics;
  EXPECT_NE(metrics.find("# TYPE airssys_cluster_records_sent_total counter\n"), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE airssys_cluster_node_up gauge\n"), std::string::npos);
  expect_prometheus_text(metrics);
  ASSERT_TRUE(eventually([&] { return settled(b_port, 3, 3); })) << metrics;
  EXPECT_EQ(sample(metrics, "airssys_cluster_proxies_spawned_total"), 1);
  const json stats = cluster_of(a_port)["stats"];
  EXPECT_EQ(stats, json({{"records_sent", 3},
                         {"frames_sent", 3},
                         {"records_received", 3},
                         {"frames_refused", 0},
                         {"proxies", 1}}));

  const std::string a_address = "127.0.0.1:" + std::to_string(a_port);
  auto tree = run_program({"tree", "--http", a_address});
  ASSERT_EQ(tree.code, 0) << tree.err;
  EXPECT_NE(tree.out.find("ping"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("\ncluster ops: node a (this), node b up\n"), std::string::npos)
      << tree.out;

  ASSERT_EQ(::kill(b.pid(), SIGKILL), 0);
  ASSERT_TRUE(eventually([&] {
    c = cluster_of(a_port);
    return c.is_object() && c["nodes"].size() == 2 && !c["nodes"][1].value("up", true);
  })) << c.dump();
  EXPECT_EQ(c["nodes"][1]["node"], "b");
  // Down after 5 silent heartbeats of 100 ms.
  EXPECT_GE(c["nodes"][1]["heartbeat_age_ms"].get<std::int64_t>(), 500);
  EXPECT_EQ(c["nodes"][0]["up"], true);

  metrics = get(a_port, "/metrics");
  EXPECT_EQ(sample(metrics, "airssys_cluster_nodes{state=\"up\"}"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "airssys_cluster_nodes{state=\"down\"}"), 1);
  EXPECT_EQ(sample(metrics, "airssys_cluster_node_up{node=\"a\"}"), 1);
  EXPECT_EQ(sample(metrics, "airssys_cluster_node_up{node=\"b\"}"), 0);
  EXPECT_GE(sample(metrics, "airssys_cluster_heartbeat_age_seconds{node=\"b\"}").value_or(-1), 0.5);
  expect_prometheus_text(metrics);

  tree = run_program({"tree", "--http", a_address});
  ASSERT_EQ(tree.code, 0) << tree.err;
  static const std::regex down_line(
      "\ncluster ops: node a \\(this\\), node b down \\(silent [0-9]+\\.[0-9] s\\)\n");
  EXPECT_TRUE(std::regex_search(tree.out, down_line)) << tree.out;

  ::kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(), 0) << a.stderr_text();
}

}  // namespace
}  // namespace airssys::app::test
