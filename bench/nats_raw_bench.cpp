// Raw NATS through libnats, the floor under the cluster's remote messages:
// a 64-byte request and its reply, both clients publishing at once
// (natsOptions_SetSendAsap), on one server (route:0) or across a route
// between two servers of a three-server cluster (route:1). The cluster is
// the tests' harness, started once for the process on first use.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench_nats.hpp"
#include "bench_support.hpp"
#include "nats_client.hpp"

namespace {

using airssys::test::Connection;
using airssys::test::NatsCluster;
using airssys::test::Subscription;

void reply_with_request(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg),
                         natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

void BM_NatsRawRequestReply(benchmark::State& state) {
  const bool routed = state.range(0) != 0;
  NatsCluster& c = airssys::bench::nats_cluster();
  const Connection asker = airssys::test::connect(c.url(0), {.send_asap = true});
  const Connection responder = airssys::test::connect(c.url(routed ? 1 : 0), {.send_asap = true});
  natsSubscription* raw = nullptr;
  if (natsConnection_Subscribe(&raw, responder.get(), "bench.echo", reply_with_request, nullptr) !=
          NATS_OK ||
      natsConnection_Flush(responder.get()) != NATS_OK) {
    state.SkipWithError("subscribe failed");
    return;
  }
  const Subscription sub(raw);
  const std::string payload(64, 'x');
  const auto request = [&]() {
    natsMsg* reply = nullptr;
    const natsStatus s = natsConnection_Request(&reply, asker.get(), "bench.echo", payload.data(),
                                                static_cast<int>(payload.size()), 5000);
    natsMsg_Destroy(reply);
    return s;
  };
  // The subscription reaches server 0 over the route a little later.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  natsStatus s;
  while ((s = request()) == NATS_NO_RESPONDERS && std::chrono::steady_clock::now() < deadline) {
  }
  if (s != NATS_OK) {
    state.SkipWithError(("no reply before the run: " + airssys::test::describe(s)).c_str());
    return;
  }
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    const auto began = std::chrono::steady_clock::now();
    if (request() != NATS_OK) {
      state.SkipWithError("request failed");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - began)
                     .count());
  }
  airssys::bench::percentiles(state, us);
}
BENCHMARK(BM_NatsRawRequestReply)
    ->ArgName("route")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
