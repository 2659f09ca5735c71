// Messages between actors on two nodes of an airssys cluster, against the
// raw libnats floor (nats_raw_bench.cpp) on the same servers in the same
// run: a 64-byte request and its reply through the nodes' proxies
// (route:0 both nodes on one server, route:1 across a route), and the
// throughput of plain sends, which proxies batch.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "airssys/cluster/cluster_node.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "bench_nats.hpp"
#include "bench_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace cl = airssys::cluster;
namespace rt = airssys::rt;

struct BenchNode {
  BenchNode(const std::string& cluster, const std::string& node, const std::string& url) {
    system = std::make_unique<rt::ActorSystem>(rt::ActorSystemConfig{2});
    cl::ClusterConfig config;
    config.urls = {url};
    config.name = cluster;
    config.node = node;
    auto joined = cl::ClusterNode::join(*system, config, {});
    if (joined) {
      this->node = std::move(*joined);
    } else {
      error = joined.error().message;
    }
  }
  ~BenchNode() {
    if (node) node->leave();
    system->shutdown();
  }
  std::unique_ptr<rt::ActorSystem> system;
  std::unique_ptr<cl::ClusterNode> node;
  std::string error;
};

// Where `name` resolves on `n` once its registration reached it.
std::optional<rt::Address> await_name(BenchNode& n, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto a = n.system->whereis(name)) return a;
  }
  return std::nullopt;
}

std::string fresh_cluster_name() {
  static std::atomic<int> n{0};
  return "bench" + std::to_string(++n);
}

void BM_ClusterRequestReply(benchmark::State& state) {
  const bool routed = state.range(0) != 0;
  auto& servers = airssys::bench::nats_cluster();
  const std::string name = fresh_cluster_name();
  BenchNode a(name, "a", servers.url(0));
  BenchNode b(name, "b", servers.url(routed ? 1 : 0));
  if (!a.node || !b.node) {
    state.SkipWithError(("join failed: " + a.error + b.error).c_str());
    return;
  }
  rt::SpawnOptions named;
  named.name = "echo";
  auto echo = b.system->spawn(
      rt::Behavior([](rt::ActorContext& ctx, const rt::Bytes& m) { (void)ctx.reply(m); }), named);
  auto far = echo ? await_name(a, "echo") : std::nullopt;
  if (!far) {
    state.SkipWithError("the echo's name never reached the other node");
    return;
  }
  rt::ScopedActor client(*a.system);
  const rt::Bytes payload(64, 'x');
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    const auto began = std::chrono::steady_clock::now();
    auto reply = client.request<rt::Bytes>(*far, payload, 5s);
    if (!reply) {
      state.SkipWithError(reply.error().message.c_str());
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - began)
                     .count());
  }
  airssys::bench::percentiles(state, us);
}
BENCHMARK(BM_ClusterRequestReply)
    ->ArgName("route")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Counts 64-byte messages and tells the driver when a batch is in.
struct Sink final : rt::Actor {
  explicit Sink(std::uint64_t batch) : batch(batch) {}
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override {
    if (!msg.is<rt::Bytes>()) return false;
    if (++seen % batch == 0) (void)ctx.reply(rt::Bytes{1});
    return true;
  }
  std::uint64_t batch;
  std::uint64_t seen = 0;
};

void BM_ClusterSendThroughput(benchmark::State& state) {
  auto& servers = airssys::bench::nats_cluster();
  const std::string name = fresh_cluster_name();
  BenchNode a(name, "a", servers.url(0));
  BenchNode b(name, "b", servers.url(1));
  if (!a.node || !b.node) {
    state.SkipWithError(("join failed: " + a.error + b.error).c_str());
    return;
  }
  const std::uint64_t batch = airssys::bench::sized<std::uint64_t>(10000);
  rt::SpawnOptions named;
  named.name = "sink";
  auto sink = b.system->spawn(std::make_unique<Sink>(batch), named);
  auto far = sink ? await_name(a, "sink") : std::nullopt;
  if (!far) {
    state.SkipWithError("the sink's name never reached the other node");
    return;
  }
  rt::ScopedActor driver(*a.system);
  const rt::Bytes payload(64, 'x');
  const auto frames_before = a.node->stats().frames_sent;
  for (auto _ : state) {
    // Every message of the batch from the driver: the last one's sender
    // gets the sink's answer.
    for (std::uint64_t i = 0; i < batch; ++i) (void)driver.send(*far, payload);
    if (!driver.receive_as<rt::Bytes>(30s)) {
      state.SkipWithError("the batch did not arrive");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  const auto frames = a.node->stats().frames_sent - frames_before;
  state.counters["msgs_per_frame"] = static_cast<double>(state.iterations() * batch) /
                                     static_cast<double>(std::max<std::uint64_t>(frames, 1));
}
BENCHMARK(BM_ClusterSendThroughput)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
