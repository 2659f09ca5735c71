// Nodes of one cluster on a real three-server NATS cluster: each test runs
// two (or three) actor systems in this process, each joined as a node of
// its own, with its own connection, as separate processes would be.
#include "airssys/cluster/cluster_node.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <nats/nats.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "airssys/rt/scoped_actor.hpp"
#include "airssys/rt/system_messages.hpp"
#include "nats_client.hpp"
#include "nats_cluster.hpp"
#include "wire_frame.hpp"

namespace airssys::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = 10s;

// The cluster's events of one node, waited on.
class Events {
 public:
  ClusterEventFn sink() {
    return [this](const ClusterEvent& e) {
      std::lock_guard lock(mutex_);
      seen_.push_back({e, Clock::now()});
      cv_.notify_all();
    };
  }
  // When `kind` about `node` was first seen from the `from`th event on.
  std::optional<Clock::time_point> wait(ClusterEventKind kind, const std::string& node,
                                        std::chrono::milliseconds timeout = 10s,
                                        std::size_t from = 0) {
    std::unique_lock lock(mutex_);
    std::optional<Clock::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      for (std::size_t i = from; i < seen_.size(); ++i) {
        if (seen_[i].first.kind == kind && seen_[i].first.node == node) {
          at = seen_[i].second;
          return true;
        }
      }
      return false;
    });
    return at;
  }
  std::size_t count(ClusterEventKind kind) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [e, at] : seen_) n += e.kind == kind ? 1 : 0;
    return n;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::string detail_of(ClusterEventKind kind) const {
    std::lock_guard lock(mutex_);
    for (const auto& [e, at] : seen_) {
      if (e.kind == kind) return e.detail;
    }
    return {};
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<ClusterEvent, Clock::time_point>> seen_;
};

// An actor that answers every bytes message with the same bytes (a reply
// to a request, an answer to a plain message).
rt::Behavior echo() {
  return rt::Behavior([](rt::ActorContext& ctx, const rt::Bytes& b) { (void)ctx.reply(b); });
}

rt::Bytes bytes(const std::string& s) {
  return rt::Bytes(s.begin(), s.end());
}

// A node: its own actor system and its membership.
struct Node {
  Node(const test::NatsCluster& nats, const std::string& name, std::vector<std::string> urls = {}) {
    config.urls = urls.empty() ? nats.url_list() : std::move(urls);
    config.name = "t";
    config.node = name;
    config.heartbeat = 100ms;
    config.missed_heartbeats = 5;
    system = std::make_unique<rt::ActorSystem>(rt::ActorSystemConfig{2});
  }
  Result<void> join() {
    auto joined = ClusterNode::join(*system, config, events.sink());
    if (!joined) return joined.error();
    node = std::move(*joined);
    return {};
  }
  ~Node() {
    if (node) node->leave();
    system->shutdown();
  }
  // Where `name` resolves here, once its registration has reached this node.
  std::optional<rt::Address> await_name(const std::string& name) {
    const auto deadline = Clock::now() + kWait;
    while (Clock::now() < deadline) {
      if (auto a = system->whereis(name)) return a;
      std::this_thread::yield();
    }
    return std::nullopt;
  }
  ClusterConfig config;
  Events events;
  std::unique_ptr<rt::ActorSystem> system;
  std::unique_ptr<ClusterNode> node;
};

class ClusterNodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nats_ = std::make_unique<test::NatsCluster>(3); }
  static void TearDownTestSuite() { nats_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(nats_);
    // Each test its own cluster name: buckets and subjects of one test are
    // not another's.
    static int n = 0;
    cluster_name_ = "t" + std::to_string(++n);
  }
  std::unique_ptr<Node> node(const std::string& name) {
    auto n = std::make_unique<Node>(*nats_, name);
    n->config.name = cluster_name_;
    return n;
  }
  // Nodes a and b, joined and each seen up by the other; null on failure.
  std::pair<std::unique_ptr<Node>, std::unique_ptr<Node>> two_nodes() {
    auto a = node("a");
    auto b = node("b");
    if (auto r = a->join(); !r) {
      ADD_FAILURE() << "a: " << r.error().message;
      return {};
    }
    if (auto r = b->join(); !r) {
      ADD_FAILURE() << "b: " << r.error().message;
      return {};
    }
    if (!a->events.wait(ClusterEventKind::node_up, "b") ||
        !b->events.wait(ClusterEventKind::node_up, "a")) {
      ADD_FAILURE() << "a and b never saw each other up";
      return {};
    }
    return {std::move(a), std::move(b)};
  }
  // An echo registered as `name` on `home`, as `from` reaches it.
  static std::optional<rt::Address> echo_on(Node& home, Node& from, const std::string& name) {
    rt::SpawnOptions named;
    named.name = name;
    if (!home.system->spawn(echo(), named)) return std::nullopt;
    return from.await_name(name);
  }
  static std::unique_ptr<test::NatsCluster> nats_;
  std::string cluster_name_;
};
std::unique_ptr<test::NatsCluster> ClusterNodeTest::nats_;

TEST_F(ClusterNodeTest, NodesThatJoinSeeEachOther) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join()) << "a";
  const auto second = Clock::now();
  ASSERT_TRUE(b->join()) << "b";
  // The cluster answers the hello at once: no heartbeat period is waited.
  EXPECT_LT(Clock::now() - second, b->config.detection_bound());
  EXPECT_TRUE(a->events.wait(ClusterEventKind::node_up, "b"));
  EXPECT_TRUE(b->events.wait(ClusterEventKind::node_up, "a"));
  EXPECT_TRUE(b->events.wait(ClusterEventKind::joined, "b"));
  // b learnt of a from its hello, before it said it joined.
  EXPECT_NE(b->events.detail_of(ClusterEventKind::joined).find("1 other node(s) up"),
            std::string::npos)
      << b->events.detail_of(ClusterEventKind::joined);
  bool b_up = false;
  for (const auto& n : a->node->nodes()) b_up |= n.node == "b" && n.up && !n.self;
  EXPECT_TRUE(b_up);
}

TEST_F(ClusterNodeTest, ARequestByNameReachesAnActorOnAnotherNodeAndIsAnswered) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  auto far = echo_on(*b, *a, "echo");
  ASSERT_TRUE(far) << "the name registered on b never resolved on a";
  EXPECT_FALSE(b->system->whereis("missing"));
  rt::ScopedActor client(*a->system);
  for (int i = 0; i < 50; ++i) {
    const std::string text = "ping " + std::to_string(i);
    auto reply = client.request<rt::Bytes>(*far, bytes(text), kWait);
    ASSERT_TRUE(reply) << reply.error().describe();
    EXPECT_EQ(*reply, bytes(text));
  }
  // A plain send by name: b's answer comes back through the proxy that
  // stands for the client on b.
  ASSERT_TRUE(client.send(*far, bytes("plain")));
  auto answer = client.receive_as<rt::Bytes>(kWait);
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, bytes("plain"));
  EXPECT_GE(a->node->stats().records_sent, 51U);
  EXPECT_GE(b->node->stats().records_received, 51U);
}

TEST_F(ClusterNodeTest, OrderIsKeptBetweenTwoActorsAcrossNodes) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  rt::ScopedActor sink(*b->system);
  ASSERT_TRUE(b->system->register_name("sink", sink.address()));
  auto far = a->await_name("sink");
  ASSERT_TRUE(far);
  rt::ScopedActor sender(*a->system);
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(sender.send(*far, bytes(std::to_string(i))));
  }
  for (int i = 0; i < kCount; ++i) {
    auto got = sink.receive_as<rt::Bytes>(kWait);
    ASSERT_TRUE(got) << "message " << i << " of " << kCount << " did not arrive";
    ASSERT_EQ(*got, bytes(std::to_string(i)));
  }
  // Plain sends are batched: fewer NATS messages than records.
  const auto stats = a->node->stats();
  EXPECT_EQ(stats.records_sent, static_cast<std::uint64_t>(kCount));
  EXPECT_LT(stats.frames_sent, stats.records_sent);
}

TEST_F(ClusterNodeTest, ANameIsUniqueAcrossTheCluster) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  rt::SpawnOptions named;
  named.name = "solo";
  ASSERT_TRUE(a->system->spawn(echo(), named));
  auto second = b->system->spawn(echo(), named);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::name_taken);
  EXPECT_NE(second.error().message.find("node 'a'"), std::string::npos) << second.error().message;
  // A local name (a supervisor's) is every node's own.
  rt::SpawnOptions local = named;
  local.name = "root";
  local.local_name = true;
  EXPECT_TRUE(a->system->spawn(echo(), local));
  EXPECT_TRUE(b->system->spawn(echo(), local));
}

TEST_F(ClusterNodeTest, ALostNodeIsNoticedWithinTheBoundAndItsActorsEndWithNoconnection) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  auto far = echo_on(*b, *a, "echo");
  ASSERT_TRUE(far);
  rt::ScopedActor watcher(*a->system);
  const auto ref = watcher.monitor(*far);
  rt::ScopedActor linked(*a->system);
  linked.link(*far);

  // As a crash looks from outside: the connection goes, nothing is said.
  const auto lost = Clock::now();
  b->node->sever();
  auto down_at = a->events.wait(ClusterEventKind::node_down, "b");
  ASSERT_TRUE(down_at);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(*down_at - lost);
  EXPECT_GE(took, a->config.detection_bound() - a->config.heartbeat)
      << "down before its heartbeats could have been missed";
  // Noticed at the first check past the bound: within a heartbeat of it,
  // with room for a loaded machine's scheduling.
  EXPECT_LE(took, a->config.detection_bound() + a->config.heartbeat + 500ms);
  auto down = watcher.await_down(ref, kWait);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason.kind(), rt::ExitKind::noconnection) << down->reason.to_string();
  EXPECT_NE(down->reason.detail().find("node 'b'"), std::string::npos);
  auto exit = linked.receive_as<rt::ExitMessage>(kWait);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->reason.kind(), rt::ExitKind::noconnection);
  // The name now reaches nobody: a send by name is a dead letter with an
  // error, a request to the old address fails at once.
  EXPECT_FALSE(a->system->whereis("echo"));
  auto sent = a->system->send("echo", bytes("lost"));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::name_not_found);
  const auto asked = Clock::now();
  auto reply = watcher.request<rt::Bytes>(*far, bytes("x"), kWait);
  ASSERT_FALSE(reply);
  EXPECT_LT(Clock::now() - asked, 1s) << "the request waited for its timeout";
}

TEST_F(ClusterNodeTest, LinksAndMonitorsToARemoteActorSeeItsOwnExit) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  for (const auto& [name, reason] :
       {std::pair{std::string("crashing"), rt::ExitReason::error("boom")},
        std::pair{std::string("killed"), rt::ExitReason::kill()}}) {
    rt::SpawnOptions named;
    named.name = name;
    auto here = b->system->spawn(echo(), named);
    ASSERT_TRUE(here);
    auto far = a->await_name(name);
    ASSERT_TRUE(far);
    rt::ScopedActor watcher(*a->system);
    const auto ref = watcher.monitor(*far);
    rt::ScopedActor linked(*a->system);
    linked.link(*far);
    // The proxy asked b to watch before it sent anything: a request
    // answered proves b has the watch.
    ASSERT_TRUE(watcher.request<rt::Bytes>(*far, bytes("x"), kWait));
    ASSERT_TRUE(b->system->exit(*here, reason));
    auto down = watcher.await_down(ref, kWait);
    ASSERT_TRUE(down) << name;
    const auto expected = reason.kind() == rt::ExitKind::kill ? rt::ExitReason::killed() : reason;
    EXPECT_EQ(down->reason, expected) << down->reason.to_string();
    auto exit = linked.receive_as<rt::ExitMessage>(kWait);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->reason, expected);
  }
  // b is still up: the proxies ended with their actors, not with a node.
  EXPECT_EQ(a->events.count(ClusterEventKind::node_down), 0U);
}

TEST_F(ClusterNodeTest, ANodeThatLeavesIsDownAtOnceAndCanRejoinUnderItsName) {
  auto [a, b] = two_nodes();
  ASSERT_TRUE(a && b);
  rt::SpawnOptions named;
  named.name = "echo";
  ASSERT_TRUE(b->system->spawn(echo(), named));
  ASSERT_TRUE(a->await_name("echo"));
  const auto left = Clock::now();
  b.reset();  // leaves, then its system stops
  auto down_at = a->events.wait(ClusterEventKind::node_down, "b");
  ASSERT_TRUE(down_at);
  EXPECT_LT(*down_at - left, a->config.detection_bound()) << "a leave waited for the silence";

  // The same name again: it joins without waiting (its name was given
  // back) and takes over the names its earlier run held.
  const std::size_t before = a->events.size();
  auto b2 = node("b");
  const auto rejoin = Clock::now();
  ASSERT_TRUE(b2->join());
  EXPECT_LT(Clock::now() - rejoin, b2->config.detection_bound());
  ASSERT_TRUE(a->events.wait(ClusterEventKind::node_up, "b", 10s, before));
  ASSERT_TRUE(b2->system->spawn(echo(), named));
  auto far = a->await_name("echo");
  ASSERT_TRUE(far);
  rt::ScopedActor client(*a->system);
  auto reply = client.request<rt::Bytes>(*far, bytes("again"), kWait);
  ASSERT_TRUE(reply) << reply.error().describe();
}

TEST_F(ClusterNodeTest, ACrashedNodesNameIsTakenOverAfterItsSilence) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  b->node->sever();  // its name stays claimed
  auto b2 = node("b");
  const auto started = Clock::now();
  ASSERT_TRUE(b2->join());
  EXPECT_GE(Clock::now() - started, b2->config.detection_bound() - b2->config.heartbeat);
}

TEST_F(ClusterNodeTest, ASecondNodeUnderALiveNodesNameIsRefused) {
  auto a = node("a");
  ASSERT_TRUE(a->join());
  auto twin = node("a");
  auto joined = twin->join();
  ASSERT_FALSE(joined);
  EXPECT_EQ(joined.error().code, ErrorCode::name_taken);
  EXPECT_NE(joined.error().message.find("in use"), std::string::npos) << joined.error().message;
}

TEST_F(ClusterNodeTest, NodesOfAnotherClusterAreNotSeen) {
  auto a = node("a");
  auto other = node("b");
  other->config.name = cluster_name_ + "x";
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(other->join());
  rt::SpawnOptions named;
  named.name = "echo";
  ASSERT_TRUE(other->system->spawn(echo(), named));
  // Both nodes heartbeat for several periods: no node_up crosses clusters.
  auto up = a->events.wait(ClusterEventKind::node_up, "b", 5 * a->config.heartbeat);
  EXPECT_FALSE(up);
  EXPECT_FALSE(a->system->whereis("echo"));
}

TEST_F(ClusterNodeTest, BytesThatAreNotAFrameAreRefusedAndTheNodeGoesOn) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  rt::SpawnOptions named;
  named.name = "echo";
  ASSERT_TRUE(a->system->spawn(echo(), named));
  // A client of its own publishes junk on a's subject, as any holder of
  // the cluster's credentials could.
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, nats_->url(0).c_str()), NATS_OK);
  const std::string subject = "airssys." + cluster_name_ + ".in.a.b";
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    std::string junk(rng() % 100, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 2 == 0 && junk.size() >= 8) junk.replace(0, 3, "AS\x01");
    ASSERT_EQ(
        natsConnection_Publish(nc, subject.c_str(), junk.data(), static_cast<int>(junk.size())),
        NATS_OK);
  }
  ASSERT_EQ(natsConnection_Flush(nc), NATS_OK);
  natsConnection_Destroy(nc);
  ASSERT_TRUE(a->events.wait(ClusterEventKind::frame_refused, "b"));
  auto far = b->await_name("echo");
  ASSERT_TRUE(far);
  rt::ScopedActor client(*b->system);
  auto reply = client.request<rt::Bytes>(*far, bytes("still here"), kWait);
  ASSERT_TRUE(reply) << reply.error().describe();
  EXPECT_GT(a->node->stats().frames_refused, 0U);
}

TEST_F(ClusterNodeTest, UnreachableServersFailTheJoinWithinItsTimeoutNamingTheServer) {
  Node lonely(*nats_, "x", {"nats://127.0.0.1:1"});
  lonely.config.name = cluster_name_;
  lonely.config.connect_timeout = 500ms;
  const auto started = Clock::now();
  auto joined = lonely.join();
  ASSERT_FALSE(joined);
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_NE(joined.error().message.find("127.0.0.1:1"), std::string::npos)
      << joined.error().message;
}

TEST_F(ClusterNodeTest, TheClusterKeepsWorkingWhenOneServerOfThreeIsKilled) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  rt::SpawnOptions named;
  named.name = "echo";
  ASSERT_TRUE(b->system->spawn(echo(), named));
  auto far = a->await_name("echo");
  ASSERT_TRUE(far);
  nats_->kill(0);
  // Clients on the killed server reconnect to another; a request made
  // meanwhile may be lost, so the test asks until one is answered.
  rt::ScopedActor client(*a->system);
  const auto deadline = Clock::now() + kWait;
  bool answered = false;
  while (!answered && Clock::now() < deadline) {
    // Re-resolved each time: should a node have missed its bound during
    // the reconnect, its proxy ended and a new one stands for it.
    if (auto now = a->system->whereis("echo")) far = now;
    answered = static_cast<bool>(client.request<rt::Bytes>(*far, bytes("x"), 500ms));
  }
  EXPECT_TRUE(answered);
  // Names register again once the bucket's replicas elect a new leader
  // (NATS 2.9 refuses KV writes for 4 to 8 s after its leader is killed);
  // meanwhile a registration fails with an error, it does not hang.
  named.name = "after-kill";
  const auto retry_until = Clock::now() + 20s;
  bool registered = false;
  while (!registered && Clock::now() < retry_until) {
    const auto tried = Clock::now();
    auto r = a->system->spawn(echo(), named);
    registered = static_cast<bool>(r);
    if (!registered) {
      EXPECT_LT(Clock::now() - tried, a->config.connect_timeout + 1s) << r.error().message;
    }
  }
  EXPECT_TRUE(registered);
  nats_->restart(0);
}

// A client of its own on the cluster's servers, publishing what any holder
// of the cluster's credentials could.
struct Intruder {
  explicit Intruder(const std::string& url) : nc(test::connect(url)) {}
  void publish(const std::string& subject, std::span<const std::uint8_t> data) {
    ASSERT_EQ(natsConnection_Publish(nc.get(), subject.c_str(), data.data(),
                                     static_cast<int>(data.size())),
              NATS_OK);
  }
  void flush() { ASSERT_EQ(natsConnection_Flush(nc.get()), NATS_OK); }
  test::Connection nc;
};

TEST_F(ClusterNodeTest, AFloodOfHellosIsAnsweredAtABoundedRate) {
  auto a = node("a");
  ASSERT_TRUE(a->join());
  Intruder intruder(nats_->url(0));
  std::atomic<int> heartbeats{0};
  natsSubscription* raw = nullptr;
  const std::string hb = "airssys." + cluster_name_ + ".hb.a";
  ASSERT_EQ(natsConnection_Subscribe(
                &raw, intruder.nc.get(), hb.c_str(),
                [](natsConnection*, natsSubscription*, natsMsg* m, void* n) {
                  static_cast<std::atomic<int>*>(n)->fetch_add(1);
                  natsMsg_Destroy(m);
                },
                &heartbeats),
            NATS_OK);
  test::Subscription sub(raw);
  ASSERT_EQ(natsConnection_Flush(intruder.nc.get()), NATS_OK);
  constexpr int kHellos = 5000;
  const std::string hello = "airssys." + cluster_name_ + ".hello";
  for (int i = 0; i < kHellos; ++i) intruder.publish(hello, {});
  intruder.flush();
  // Each hello answered by a heartbeat of its own would be kHellos of them
  // (and as many from every node of the cluster): the answers are bounded
  // by time, not by how many ask.
  const auto started = Clock::now();
  while (heartbeats.load() < kHellos / 2 && Clock::now() - started < 2s) {
    std::this_thread::yield();
  }
  EXPECT_LT(heartbeats.load(), 300) << "a heartbeat for every hello";
  EXPECT_GE(heartbeats.load(), 1) << "a hello is still answered";
}

TEST_F(ClusterNodeTest, AFrameAddressedToAProxyIsRefusedNotPassedOn) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  ASSERT_TRUE(a->events.wait(ClusterEventKind::node_up, "b"));
  rt::ScopedActor sink(*b->system);
  ASSERT_TRUE(b->system->register_name("sink", sink.address()));
  auto far = a->await_name("sink");
  ASSERT_TRUE(far);
  // "From b" to a's proxy for b's sink: passed on, it would come back to b
  // as a's message (a relay for anyone, and with two proxies that stand for
  // each other, a loop between the nodes).
  Record r;
  r.to = far->value();
  r.payload = bytes("relayed");
  Intruder intruder(nats_->url(0));
  intruder.publish("airssys." + cluster_name_ + ".in.a.b", encode({r}));
  intruder.flush();
  EXPECT_TRUE(a->events.wait(ClusterEventKind::frame_refused, "b"));
  EXPECT_FALSE(sink.receive_as<rt::Bytes>(300ms)) << "the record went on to b";
}

TEST_F(ClusterNodeTest, FramesFromInventedNodeNamesLeaveNothingBehind) {
  auto a = node("a");
  ASSERT_TRUE(a->join());
  Intruder intruder(nats_->url(0));
  const auto before = mallinfo2().uordblks;
  constexpr int kFrames = 100000;
  Record r;
  r.to = 12345;  // nobody: a dead letter
  r.from = 77;
  r.payload = bytes("x");
  const auto frame = encode({r});
  // In batches the node takes in before the next: a slower build (TSan)
  // must not fall past the client's pending limit, which drops messages.
  constexpr int kBatch = 5000;
  for (int sent = 0; sent < kFrames; sent += kBatch) {
    for (int i = sent; i < sent + kBatch; ++i) {
      intruder.publish("airssys." + cluster_name_ + ".in.a.invented-node-" + std::to_string(i) +
                           std::string(30, 'x'),
                       frame);
    }
    intruder.flush();
    const auto deadline = Clock::now() + 60s;
    while (a->node->stats().records_received < static_cast<std::uint64_t>(sent + kBatch) &&
           Clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ASSERT_EQ(a->node->stats().records_received, static_cast<std::uint64_t>(kFrames));
  const auto after = mallinfo2().uordblks;
  // 100,000 names of ~50 bytes kept would be well over 10 MB.
  EXPECT_LT(after > before ? after - before : 0, 5U << 20) << "bytes kept: " << (after - before);
}

TEST_F(ClusterNodeTest, LeaveCalledFromTwoThreadsAtOnceIsSafe) {
  for (int round = 0; round < 5; ++round) {
    auto a = node("a" + std::to_string(round));
    ASSERT_TRUE(a->join());
    std::promise<void> go;
    auto ready = go.get_future().share();
    std::thread t1([&] {
      ready.wait();
      a->node->leave();
    });
    std::thread t2([&] {
      ready.wait();
      a->node->leave();
    });
    go.set_value();
    t1.join();
    t2.join();
    EXPECT_EQ(a->events.count(ClusterEventKind::left), 1U);
  }
}

TEST_F(ClusterNodeTest, ARequestInFlightWhenItsNodeIsLostFailsAtOnceNotAtItsTimeout) {
  auto a = node("a");
  auto b = node("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  ASSERT_TRUE(a->events.wait(ClusterEventKind::node_up, "b"));
  // Takes requests and never answers them.
  rt::ScopedActor mute(*b->system);
  ASSERT_TRUE(b->system->register_name("mute", mute.address()));
  auto far = a->await_name("mute");
  ASSERT_TRUE(far);
  rt::ScopedActor client(*a->system);
  auto asked = std::async(std::launch::async, [&] {
    const auto at = Clock::now();
    auto reply = client.request<rt::Bytes>(*far, bytes("anyone?"), 30s);
    return std::make_pair(std::move(reply), Clock::now() - at);
  });
  ASSERT_TRUE(mute.receive_as<rt::Bytes>(kWait)) << "the request never reached b";
  b->node->sever();
  auto [reply, took] = asked.get();
  ASSERT_FALSE(reply);
  EXPECT_LT(took, a->config.detection_bound() + 3s) << reply.error().describe();
  EXPECT_NE(reply.error().message.find("node 'b'"), std::string::npos) << reply.error().describe();
}

// The JetStream servers that hold the names bucket stop answering while
// the node's connection is fine: its heartbeats must go on.
TEST(ClusterNodeStallTest, AStalledNamesBucketDoesNotStopTheHeartbeats) {
  test::NatsCluster nats(3);
  auto make = [&](const std::string& name) {
    auto n = std::make_unique<Node>(nats, name, std::vector<std::string>{nats.url(0)});
    n->config.name = "stall";
    n->config.connect_timeout = 3s;
    return n;
  };
  auto a = make("a");
  auto b = make("b");
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  ASSERT_TRUE(b->events.wait(ClusterEventKind::node_up, "a"));
  rt::ScopedActor named(*a->system);
  ASSERT_TRUE(a->system->register_name("x", named.address()));
  // Two of three servers freeze: the bucket has no quorum, requests to it
  // wait for their timeout; a and b still reach each other on server 0.
  ASSERT_EQ(::kill(nats.pid(1), SIGSTOP), 0);
  ASSERT_EQ(::kill(nats.pid(2), SIGSTOP), 0);
  const std::size_t before = b->events.size();
  ASSERT_TRUE(a->system->unregister_name("x"));  // a release, done against the bucket
  auto down = b->events.wait(ClusterEventKind::node_down, "a",
                             a->config.connect_timeout + a->config.detection_bound(), before);
  ::kill(nats.pid(1), SIGCONT);
  ::kill(nats.pid(2), SIGCONT);
  EXPECT_FALSE(down) << "a stopped heartbeating while its names bucket stalled";
}

// A proxy lives as long as its remote actor: past max_proxies of live
// remote senders, a request from a new one cannot be answered, and its
// requester is told so at once.
TEST_F(ClusterNodeTest, ARequestFromANewRemoteSenderBeyondMaxProxiesFailsAtOnce) {
  auto a = node("a");
  auto b = node("b");
  a->config.max_proxies = 4;
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  ASSERT_TRUE(b->events.wait(ClusterEventKind::node_up, "a"));
  ASSERT_TRUE(a->events.wait(ClusterEventKind::node_up, "b"));
  auto far = echo_on(*a, *b, "echo");
  ASSERT_TRUE(far);
  std::vector<std::unique_ptr<rt::ScopedActor>> clients;  // alive: their proxies stay
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<rt::ScopedActor>(*b->system));
    const auto asked = Clock::now();
    auto reply = clients.back()->request<rt::Bytes>(*far, bytes("hi"), 20s);
    if (i < 4) {
      EXPECT_TRUE(reply) << "client " << i << ": " << reply.error().describe();
      continue;
    }
    ASSERT_FALSE(reply) << "client " << i;
    EXPECT_EQ(reply.error().code, ErrorCode::resource_exhausted) << reply.error().describe();
    EXPECT_NE(reply.error().message.find("max_proxies"), std::string::npos);
    EXPECT_LT(Clock::now() - asked, 5s) << "the requester waited for its timeout";
  }
}

// The proxy of a remote sender that ended goes with it: many short-lived
// remote clients, one after the other, never exhaust max_proxies.
TEST_F(ClusterNodeTest, TheProxiesOfRemoteSendersThatEndedAreReclaimed) {
  auto a = node("a");
  auto b = node("b");
  a->config.max_proxies = 4;
  ASSERT_TRUE(a->join());
  ASSERT_TRUE(b->join());
  ASSERT_TRUE(b->events.wait(ClusterEventKind::node_up, "a"));
  ASSERT_TRUE(a->events.wait(ClusterEventKind::node_up, "b"));
  auto far = echo_on(*a, *b, "echo");
  ASSERT_TRUE(far);
  for (int i = 0; i < 40; ++i) {
    // The end of the last client reaches a shortly after it: a request
    // that meets the bound before then is told so, and asked again.
    const auto until = Clock::now() + kWait;
    bool answered = false;
    while (!answered && Clock::now() < until) {
      rt::ScopedActor client(*b->system);
      auto reply = client.request<rt::Bytes>(*far, bytes("hi"), kWait);
      answered = static_cast<bool>(reply);
      if (!answered) {
        ASSERT_EQ(reply.error().code, ErrorCode::resource_exhausted);
      }
    }
    ASSERT_TRUE(answered) << "client " << i;
  }
  EXPECT_GE(a->node->stats().proxies, 40U);
}

}  // namespace
}  // namespace airssys::cluster
