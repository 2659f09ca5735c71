#include "airssys/cluster/cluster_node.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "name_key.hpp"
#include "nats_link.hpp"
#include "peer_table.hpp"
#include "remote_proxy.hpp"
#include "watch_gateway.hpp"
#include "wire_frame.hpp"

namespace airssys::cluster {

const char* to_string(ClusterEventKind kind) noexcept {
  switch (kind) {
    case ClusterEventKind::joined: return "joined";
    case ClusterEventKind::node_up: return "node_up";
    case ClusterEventKind::node_down: return "node_down";
    case ClusterEventKind::left: return "left";
    case ClusterEventKind::frame_refused: return "frame_refused";
    case ClusterEventKind::link_problem: return "link_problem";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;

// A heartbeat or a names entry is a small JSON object; anything larger is
// not one of ours and is not parsed.
constexpr std::size_t kMaxControlBytes = 4096;
constexpr std::int32_t kMaxKvValue = 1024;
// Refused frames are reported once, then at every 1,000th, so a flood of
// them costs the event log little.
constexpr std::uint64_t kRefusedReportEvery = 1000;
// Unanswered requests to one node that its loss fails at once.
constexpr std::size_t kMaxInFlight = 65536;

std::uint64_t random_incarnation() {
  std::uint64_t v = 0;
  while (v == 0) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
      v = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()) | 1U;
    }
  }
  return v;
}

std::optional<nlohmann::json> parse_object(std::string_view text) {
  if (text.size() > kMaxControlBytes) return std::nullopt;
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// Where a name lives, as its entry in the names bucket says.
struct NameEntry {
  std::string node;
  std::uint64_t incarnation = 0;
  std::uint64_t address = 0;
  std::uint64_t revision = 0;
};

std::optional<NameEntry> parse_name_entry(std::string_view value, std::uint64_t revision) {
  auto j = parse_object(value);
  if (!j) return std::nullopt;
  auto node = j->find("node");
  auto inc = j->find("incarnation");
  auto addr = j->find("address");
  if (node == j->end() || !node->is_string() || inc == j->end() || !inc->is_number_unsigned() ||
      addr == j->end() || !addr->is_number_unsigned()) {
    return std::nullopt;
  }
  NameEntry e{node->get<std::string>(), inc->get<std::uint64_t>(), addr->get<std::uint64_t>(),
              revision};
  if (!is_token(e.node)) return std::nullopt;
  return e;
}

struct Heartbeat {
  std::uint64_t incarnation = 0;
  std::vector<std::string> labels;
  bool leaving = false;
};

std::optional<Heartbeat> parse_heartbeat(std::span<const std::uint8_t> data) {
  auto j = parse_object(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  if (!j) return std::nullopt;
  Heartbeat hb;
  auto inc = j->find("incarnation");
  if (inc == j->end() || !inc->is_number_unsigned()) return std::nullopt;
  hb.incarnation = inc->get<std::uint64_t>();
  if (auto labels = j->find("labels"); labels != j->end()) {
    if (!labels->is_array() || labels->size() > 64) return std::nullopt;
    for (const auto& l : *labels) {
      if (!l.is_string() || !is_token(l.get<std::string>())) return std::nullopt;
      hb.labels.push_back(l.get<std::string>());
    }
  }
  if (auto leaving = j->find("leaving"); leaving != j->end()) {
    if (!leaving->is_boolean()) return std::nullopt;
    hb.leaving = leaving->get<bool>();
  }
  return hb;
}

// The last token of a subject ("airssys.c.hb.n1" -> "n1").
std::string last_token(const std::string& subject) {
  const auto dot = subject.rfind('.');
  return dot == std::string::npos ? subject : subject.substr(dot + 1);
}

}  // namespace

class ClusterNode::State final : public rt::NameDirectory,
                                 public FrameSender,
                                 public std::enable_shared_from_this<State> {
 public:
  State(rt::ActorSystem& system, ClusterConfig config, ClusterEventFn events)
      : system_(system),
        config_(std::move(config)),
        events_(std::move(events)),
        incarnation_(random_incarnation()),
        prefix_("airssys." + config_.name + "."),
        peers_(config_.detection_bound()) {}

  ~State() override { stop_threads(); }

  Result<void> start();
  void leave(bool tell);

  // --- NameDirectory ---
  Result<void> claim(std::string_view name, rt::Address local) override;
  void release(std::string_view name, rt::Address local) override;
  std::optional<rt::Address> resolve(std::string_view name) override;

  // --- FrameSender ---
  Result<void> send_frame(const std::string& node, std::vector<std::uint8_t> frame,
                          std::size_t records) override;
  std::size_t max_frame() const override { return max_frame_; }
  void request_sent(const std::string& node, rt::Address proxy, rt::Address requester,
                    std::uint64_t correlation) override;

  std::vector<NodeStatus> nodes() const;
  ClusterStats stats() const;
  const ClusterConfig& config() const { return config_; }

 private:
  void emit(ClusterEventKind kind, std::string node, std::string detail) {
    if (events_) events_(ClusterEvent{kind, std::move(node), std::move(detail)});
  }
  std::string heartbeat_text(bool leaving) const;
  void publish_heartbeat(bool leaving);
  void on_hello();
  void on_heartbeat(const std::string& subject, std::span<const std::uint8_t> data);
  void on_frame(const std::string& subject, std::span<const std::uint8_t> data);
  void on_peer_events(const std::vector<PeerEvent>& events);
  void on_name_entry(const KvEntry& e);
  std::optional<rt::Address> proxy_for(const std::string& node, std::uint64_t remote);
  bool is_proxy(rt::Address a);
  bool peer_up(const std::string& node) const;
  void fail_remote_request(const std::string& node, std::uint64_t requester,
                           std::uint64_t correlation, const std::string& why);
  void end_proxies(const std::string& node, const std::string& why);
  // The remote actor of one proxy ended: so does the proxy, with its reason.
  void end_proxy(const std::string& node, std::uint64_t remote, const rt::ExitReason& reason);
  bool holds_live(const NameEntry& e) const;
  Result<void> claim_node();
  void tick_loop();
  void release_loop();
  void stop_threads();

  rt::ActorSystem& system_;
  const ClusterConfig config_;
  const ClusterEventFn events_;
  const std::uint64_t incarnation_;
  const std::string prefix_;
  std::size_t max_frame_ = 0;

  std::unique_ptr<NatsLink> link_;
  rt::Address gateway_;  // the WatchGateway
  std::unique_ptr<KvBucket> nodes_kv_;
  std::unique_ptr<KvBucket> names_kv_;
  std::atomic<bool> active_{false};
  std::atomic<bool> left_{false};
  std::mutex leave_mutex_;
  // When a hello was last answered (steady clock, ns): hellos are outside
  // input, and every node answering each of them is an amplifier.
  std::atomic<std::int64_t> hello_answered_{0};

  mutable std::mutex peers_mutex_;
  std::condition_variable heard_;  // a heartbeat came in (join waits on it)
  PeerTable peers_;
  // A heartbeat under this node's own name from another incarnation: a
  // second process claims to be this node.
  bool clash_ = false;

  mutable std::mutex names_mutex_;
  std::condition_variable names_current_cv_;
  bool names_current_ = false;
  std::unordered_map<std::string, NameEntry> names_;  // by name

  std::mutex proxies_mutex_;
  std::map<std::string, std::unordered_map<std::uint64_t, rt::Address>> proxies_;
  std::size_t live_proxies_ = 0;
  std::unordered_set<std::uint64_t> proxy_addresses_;  // of every proxy in proxies_

  // Requests gone to another node and not answered yet, by node: the
  // node's loss fails them at once instead of at their timeouts. Bounded
  // per node (beyond it a request waits for its timeout, as before).
  struct InFlight {
    rt::Address proxy;  // the answer's sender
  };
  std::mutex requests_mutex_;
  std::unordered_map<std::string, std::map<std::pair<std::uint64_t, std::uint64_t>, InFlight>>
      in_flight_;  // node -> (requester, correlation)

  std::mutex tick_mutex_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  std::deque<std::pair<std::string, std::uint64_t>> releases_;  // key, address
  std::thread ticker_;
  std::thread releaser_;
  std::thread watcher_;

  std::atomic<std::uint64_t> records_sent_{0};
  std::atomic<std::uint64_t> frames_sent_{0};
  std::atomic<std::uint64_t> records_received_{0};
  std::atomic<std::uint64_t> frames_refused_{0};
  std::atomic<std::uint64_t> proxies_spawned_{0};
};

// --- joining ----------------------------------------------------------------

Result<void> ClusterNode::State::start() {
  // Reported as link problems: a flood of frames beyond what this node
  // keeps pending is dropped by the client, and said so.
  auto link = NatsLink::connect(config_, [this](const std::string& problem) {
    emit(ClusterEventKind::link_problem, config_.node, problem);
  });
  if (!link) return link.error();
  link_ = std::move(*link);
  max_frame_ = link_->max_payload();
  if (max_frame_ < kFrameHeader + kRecordHeader) {
    return Error{ErrorCode::io_error,
                 "the NATS servers take messages of only " + std::to_string(max_frame_) + " bytes"};
  }
  auto nodes = link_->bucket("airssys_" + config_.name + "_nodes", kMaxKvValue);
  if (!nodes) return nodes.error();
  nodes_kv_ = std::move(*nodes);
  auto names = link_->bucket("airssys_" + config_.name + "_names", kMaxKvValue);
  if (!names) return names.error();
  names_kv_ = std::move(*names);

  auto self = shared_from_this();
  auto gateway = system_.spawn(std::make_unique<WatchGateway>(self, config_.max_proxies));
  if (!gateway) return gateway.error();
  gateway_ = *gateway;
  for (auto r : {
           link_->subscribe(prefix_ + "hb.*",
                            [self](const std::string&subject, std::span<const std::uint8_t> d) {
                              self->on_heartbeat(subject, d);
                            }),
           // A joining node asks; everyone answers with a heartbeat at once,
           // so it learns the cluster in a round trip, not a heartbeat period.
           link_->subscribe(
               prefix_ + "hello",
               [self](const std::string&, std::span<const std::uint8_t>) { self->on_hello(); }),
           link_->subscribe(prefix_ + "in." + config_.node + ".*",
                            [self](const std::string&subject, std::span<const std::uint8_t> d) {
                              self->on_frame(subject, d);
                            }),
       }) {
    if (!r) return r.error();
  }
  if (auto r = link_->publish(prefix_ + "hello", {}); !r) return r.error();
  if (auto r = claim_node(); !r) return r;

  // The threads see `this`, not a reference: the state joins them before
  // it can go (stop_threads), and none of them may be the one that ends it.
  watcher_ = std::thread([this] {
    auto r = names_kv_->watch([&](const KvEntry& e) { on_name_entry(e); },
                              [&] {
                                std::lock_guard lock(names_mutex_);
                                names_current_ = true;
                                names_current_cv_.notify_all();
                              });
    if (!r && active_.load()) emit(ClusterEventKind::link_problem, config_.node, r.error().message);
  });
  {
    std::unique_lock lock(names_mutex_);
    if (!names_current_cv_.wait_for(lock, config_.connect_timeout,
                                    [&] { return names_current_; })) {
      return Error{ErrorCode::timeout, "the cluster's names did not arrive within connect_timeout"};
    }
  }
  active_.store(true);
  publish_heartbeat(false);
  ticker_ = std::thread([this] { tick_loop(); });
  releaser_ = std::thread([this] { release_loop(); });
  std::size_t up = 0;
  for (const auto& n : this->nodes()) up += (n.up && !n.self) ? 1 : 0;
  emit(ClusterEventKind::joined, config_.node,
       "cluster '" + config_.name + "', " + std::to_string(up) + " other node(s) up");
  return {};
}

// The node's name is claimed in the nodes bucket. Held by a node that
// answers (a live one): refused. Held by a silent one (this node's earlier
// run that crashed): taken over once it stayed silent for the detection
// bound, the time after which its peers count it down anyway.
Result<void> ClusterNode::State::claim_node() {
  nlohmann::json v{{"incarnation", incarnation_}, {"labels", config_.labels}};
  const std::string value = v.dump();
  auto listed = nodes_kv_->keys(kMaxPeers);
  if (!listed) return listed.error();
  // Wait for the nodes the bucket lists to answer the hello, at most for
  // the detection bound.
  {
    std::unique_lock lock(peers_mutex_);
    heard_.wait_for(lock, config_.detection_bound(), [&] {
      if (clash_) return true;
      for (const auto& n : *listed) {
        if (n != config_.node && !peers_.is_up(n)) return false;
      }
      // Our own name listed: its holder must have had a chance to answer.
      return std::find(listed->begin(), listed->end(), config_.node) == listed->end();
    });
    if (clash_) {
      return Error{ErrorCode::name_taken, "node name '" + config_.node +
                                              "' is in use by a running node of cluster '" +
                                              config_.name + "'"};
    }
  }
  if (nodes_kv_->create(config_.node, value)) return {};
  auto held = nodes_kv_->get(config_.node);
  if (!held) return held.error();
  if (!*held) {
    if (auto again = nodes_kv_->create(config_.node, value); !again) return again.error();
    return {};
  }
  if (auto r = nodes_kv_->update(config_.node, value, (*held)->revision); !r) {
    return Error{ErrorCode::name_taken,
                 "node name '" + config_.node + "' was claimed by another node meanwhile"};
  }
  return {};
}

// --- heartbeats and peers ------------------------------------------------------

std::string ClusterNode::State::heartbeat_text(bool leaving) const {
  nlohmann::json hb{{"incarnation", incarnation_}, {"labels", config_.labels}};
  if (leaving) hb["leaving"] = true;
  return hb.dump();
}

void ClusterNode::State::publish_heartbeat(bool leaving) {
  const std::string text = heartbeat_text(leaving);
  auto r =
      link_->publish(prefix_ + "hb." + config_.node,
                     std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  (void)r;  // a heartbeat that cannot go is what the peers' detection is for
}

// Answered at once, at most once per quarter heartbeat: a hello asked
// meanwhile is answered by the next heartbeat, in time for a join (which
// waits for the detection bound), and a flood of them costs the cluster a
// bounded rate of heartbeats, not one per hello per node.
void ClusterNode::State::on_hello() {
  if (!active_.load()) return;
  const std::int64_t now = Clock::now().time_since_epoch().count();
  const std::int64_t gap = std::chrono::nanoseconds(config_.heartbeat).count() / 4;
  std::int64_t last = hello_answered_.load();
  if (now - last < gap || !hello_answered_.compare_exchange_strong(last, now)) return;
  publish_heartbeat(false);
}

void ClusterNode::State::on_heartbeat(const std::string& subject,
                                      std::span<const std::uint8_t> data) {
  const std::string node = last_token(subject);
  auto hb = parse_heartbeat(data);
  if (!hb || !is_token(node)) return;  // not a heartbeat of ours: nothing to learn from it
  std::vector<PeerEvent> events;
  {
    std::lock_guard lock(peers_mutex_);
    if (node == config_.node) {
      if (hb->incarnation != incarnation_) clash_ = true;
    } else if (hb->leaving) {
      events = peers_.left(node, Clock::now());
    } else {
      events = peers_.heard(node, hb->incarnation, std::move(hb->labels), Clock::now());
    }
    heard_.notify_all();
  }
  if (node == config_.node && hb->incarnation != incarnation_ && active_.load()) {
    emit(ClusterEventKind::link_problem, node,
         "another process heartbeats as this node ('" + node + "')");
  }
  on_peer_events(events);
}

void ClusterNode::State::on_peer_events(const std::vector<PeerEvent>& events) {
  for (const auto& e : events) {
    if (e.change == PeerChange::down) {
      const std::string why =
          e.silent_for.count() > 0
              ? "no heartbeat for " + std::to_string(e.silent_for.count()) + " ms"
              : "it left the cluster";
      end_proxies(e.peer.node, "node '" + e.peer.node + "' is down: " + why);
      (void)system_.send(gateway_, NodeGone{e.peer.node});
      emit(ClusterEventKind::node_down, e.peer.node, why);
    } else {
      emit(ClusterEventKind::node_up, e.peer.node, "");
    }
  }
}

// Heartbeats and the peers' silence only: nothing here waits on the
// buckets, whose requests can take connect_timeout while their servers
// elect a leader, far beyond the detection bound.
void ClusterNode::State::tick_loop() {
  auto next = Clock::now();
  std::unique_lock lock(tick_mutex_);
  while (!stopping_) {
    if (Clock::now() >= next) {
      lock.unlock();
      publish_heartbeat(false);
      std::vector<PeerEvent> events;
      {
        std::lock_guard peers(peers_mutex_);
        events = peers_.check(Clock::now());
      }
      on_peer_events(events);
      lock.lock();
      next += config_.heartbeat;
      if (next < Clock::now()) next = Clock::now() + config_.heartbeat;
      continue;
    }
    tick_cv_.wait_until(lock, next, [&] { return stopping_; });
  }
}

// The names given up here leave the bucket one by one, on a thread of
// their own.
void ClusterNode::State::release_loop() {
  std::unique_lock lock(tick_mutex_);
  while (!stopping_) {
    if (releases_.empty()) {
      tick_cv_.wait(lock, [&] { return stopping_ || !releases_.empty(); });
      continue;
    }
    auto [key, address] = std::move(releases_.front());
    releases_.pop_front();
    lock.unlock();
    // Only an entry that is still this incarnation's, for this actor: a
    // name taken over meanwhile stays with its new holder.
    if (auto held = names_kv_->get(key); held && *held) {
      auto e = parse_name_entry((*held)->value, (*held)->revision);
      if (e && e->node == config_.node && e->incarnation == incarnation_ && e->address == address) {
        (void)names_kv_->erase(key);
      }
    }
    lock.lock();
  }
}

// --- names -------------------------------------------------------------------

void ClusterNode::State::on_name_entry(const KvEntry& e) {
  auto name = key_name(e.key);
  if (!name) return;  // a key no name maps to: written by something else
  std::lock_guard lock(names_mutex_);
  if (e.deleted) {
    auto it = names_.find(*name);
    if (it != names_.end() && it->second.revision <= e.revision) names_.erase(it);
    return;
  }
  auto entry = parse_name_entry(e.value, e.revision);
  if (!entry) {
    names_.erase(*name);
    return;
  }
  auto& slot = names_[*name];
  if (slot.revision <= entry->revision) slot = std::move(*entry);
}

bool ClusterNode::State::holds_live(const NameEntry& e) const {
  std::lock_guard lock(peers_mutex_);
  return peers_.incarnation(e.node) == e.incarnation;
}

Result<void> ClusterNode::State::claim(std::string_view name, rt::Address local) {
  if (!active_.load()) return {};
  const std::string key = name_key(name);
  nlohmann::json v{
      {"node", config_.node}, {"incarnation", incarnation_}, {"address", local.value()}};
  const std::string value = v.dump();
  if (value.size() > static_cast<std::size_t>(kMaxKvValue) || key.size() > 1024) {
    return Error{ErrorCode::invalid_argument,
                 "name '" + std::string(name.substr(0, 64)) + "...' is too long for the cluster"};
  }
  auto created = names_kv_->create(key, value);
  std::uint64_t revision = created ? *created : 0;
  if (!created) {
    auto held = names_kv_->get(key);
    if (!held) return held.error();
    std::optional<NameEntry> holder;
    if (*held) holder = parse_name_entry((*held)->value, (*held)->revision);
    // The entry of a node that is down (or of this node's earlier run) is
    // taken over; a live node's is not.
    if (holder && holder->node != config_.node && holds_live(*holder)) {
      return Error{ErrorCode::name_taken,
                   "name '" + std::string(name) + "' is registered on node '" + holder->node + "'"};
    }
    auto r =
        *held ? names_kv_->update(key, value, (*held)->revision) : names_kv_->create(key, value);
    if (!r) {
      return Error{ErrorCode::name_taken,
                   "name '" + std::string(name) + "' was registered on another node meanwhile"};
    }
    revision = *r;
  }
  std::lock_guard lock(names_mutex_);
  auto& slot = names_[std::string(name)];
  if (slot.revision <= revision)
    slot = NameEntry{config_.node, incarnation_, local.value(), revision};
  return {};
}

void ClusterNode::State::release(std::string_view name, rt::Address local) {
  if (!active_.load()) return;
  {
    std::lock_guard lock(tick_mutex_);
    if (stopping_) return;
    releases_.emplace_back(name_key(name), local.value());
  }
  tick_cv_.notify_all();
}

std::optional<rt::Address> ClusterNode::State::resolve(std::string_view name) {
  if (!active_.load()) return std::nullopt;
  NameEntry e;
  {
    std::lock_guard lock(names_mutex_);
    auto it = names_.find(std::string(name));
    if (it == names_.end()) return std::nullopt;
    e = it->second;
  }
  // A name of this node that the local registry does not have is gone; one
  // of a node that is down (or of its earlier run) reaches nobody.
  if (e.node == config_.node || !holds_live(e)) return std::nullopt;
  return proxy_for(e.node, e.address);
}

// --- proxies and frames ----------------------------------------------------------

std::optional<rt::Address> ClusterNode::State::proxy_for(const std::string& node,
                                                         std::uint64_t remote) {
  std::lock_guard lock(proxies_mutex_);
  auto of_node = proxies_.find(node);
  if (of_node != proxies_.end()) {
    if (auto it = of_node->second.find(remote); it != of_node->second.end()) {
      if (system_.is_alive(it->second)) return it->second;
      proxy_addresses_.erase(it->second.value());
      of_node->second.erase(it);
      --live_proxies_;
    }
  }
  {
    // Checked under proxies_mutex_: a node found down after this sweeps
    // what is created here (end_proxies takes the same lock). Only a node
    // that is up gets an entry: node names in subjects are outside input.
    std::lock_guard peers(peers_mutex_);
    if (!peers_.is_up(node)) return std::nullopt;
  }
  if (live_proxies_ >= config_.max_proxies || !active_.load()) return std::nullopt;
  rt::SpawnOptions options;
  options.relay = true;
  options.trap_exit = true;
  auto spawned =
      system_.spawn(std::make_unique<RemoteProxy>(shared_from_this(), node, remote), options);
  if (!spawned) return std::nullopt;
  proxies_[node].emplace(remote, *spawned);
  proxy_addresses_.insert(spawned->value());
  ++live_proxies_;
  proxies_spawned_.fetch_add(1, std::memory_order_relaxed);
  return *spawned;
}

bool ClusterNode::State::peer_up(const std::string& node) const {
  std::lock_guard lock(peers_mutex_);
  return peers_.is_up(node);
}

void ClusterNode::State::fail_remote_request(const std::string& node, std::uint64_t requester,
                                             std::uint64_t correlation, const std::string& why) {
  Record r;
  r.kind = RecordKind::reply_error;
  r.to = requester;
  r.correlation = correlation;
  r.payload.push_back(static_cast<std::uint8_t>(ErrorCode::resource_exhausted));
  r.payload.insert(r.payload.end(), why.begin(), why.end());
  (void)send_frame(node, encode({r}), 1);
}

bool ClusterNode::State::is_proxy(rt::Address a) {
  std::lock_guard lock(proxies_mutex_);
  return proxy_addresses_.count(a.value()) > 0;
}

void ClusterNode::State::end_proxies(const std::string& node, const std::string& why) {
  std::map<std::pair<std::uint64_t, std::uint64_t>, InFlight> unanswered;
  {
    std::lock_guard lock(requests_mutex_);
    if (auto it = in_flight_.find(node); it != in_flight_.end()) {
      unanswered.swap(it->second);
      in_flight_.erase(it);
    }
  }
  for (const auto& [key, f] : unanswered) {
    auto failed = rt::make_message(Error{ErrorCode::io_error, why}, rt::MessageKind::reply_error);
    failed->sender = f.proxy;
    failed->correlation = key.second;
    (void)system_.send_message(rt::Address::from_value(key.first), std::move(failed));
  }
  std::unordered_map<std::uint64_t, rt::Address> ended;
  {
    std::lock_guard lock(proxies_mutex_);
    auto it = proxies_.find(node);
    if (it == proxies_.end()) return;
    ended.swap(it->second);
    proxies_.erase(it);
    live_proxies_ -= ended.size();
    for (const auto& [remote, proxy] : ended) proxy_addresses_.erase(proxy.value());
  }
  for (const auto& [remote, proxy] : ended) {
    (void)system_.exit(proxy, rt::ExitReason::noconnection(why));
  }
}

void ClusterNode::State::end_proxy(const std::string& node, std::uint64_t remote,
                                   const rt::ExitReason& reason) {
  rt::Address proxy;
  {
    std::lock_guard lock(proxies_mutex_);
    auto of_node = proxies_.find(node);
    if (of_node == proxies_.end()) return;
    auto it = of_node->second.find(remote);
    if (it == of_node->second.end()) return;
    proxy = it->second;
    of_node->second.erase(it);
    --live_proxies_;
    proxy_addresses_.erase(proxy.value());
  }
  (void)system_.exit(proxy, reason);
}

void ClusterNode::State::request_sent(const std::string& node, rt::Address proxy,
                                      rt::Address requester, std::uint64_t correlation) {
  {
    std::lock_guard lock(requests_mutex_);
    bool up = false;
    {
      // A node found down after this fails what is recorded here
      // (end_proxies runs after the table says down, under this lock).
      std::lock_guard peers(peers_mutex_);
      up = active_.load() && peers_.is_up(node);
    }
    if (up) {
      auto& of_node = in_flight_[node];
      if (of_node.size() < kMaxInFlight) {
        of_node.emplace(std::make_pair(requester.value(), correlation), InFlight{proxy});
      }
      return;
    }
  }
  auto failed = rt::make_message(Error{ErrorCode::io_error, "node '" + node + "' is down"},
                                 rt::MessageKind::reply_error);
  failed->sender = proxy;
  failed->correlation = correlation;
  (void)system_.send_message(requester, std::move(failed));
}

Result<void> ClusterNode::State::send_frame(const std::string& node,
                                            std::vector<std::uint8_t> frame, std::size_t records) {
  if (!active_.load()) {
    return Error{ErrorCode::io_error, "this node has left the cluster"};
  }
  // Counted before it goes: the answer to it may be handled here before
  // publish() returns, and the counts must already include it.
  // Frames of control records alone (watch, exited) carry no message and
  // are not counted.
  const std::uint64_t frames = records > 0 ? 1 : 0;
  records_sent_.fetch_add(records, std::memory_order_relaxed);
  frames_sent_.fetch_add(frames, std::memory_order_relaxed);
  auto r = link_->publish(prefix_ + "in." + node + "." + config_.node, frame);
  if (!r) {
    records_sent_.fetch_sub(records, std::memory_order_relaxed);
    frames_sent_.fetch_sub(frames, std::memory_order_relaxed);
  }
  return r;
}

void ClusterNode::State::on_frame(const std::string& subject, std::span<const std::uint8_t> data) {
  if (!active_.load()) return;
  const std::string from = last_token(subject);
  auto refuse = [&](const std::string& why) {
    const auto n = frames_refused_.fetch_add(1, std::memory_order_relaxed);
    if (n % kRefusedReportEvery == 0) {
      emit(ClusterEventKind::frame_refused, is_token(from) ? from : "?",
           why + " (" + std::to_string(n + 1) + " refused so far)");
    }
  };
  if (!is_token(from)) return refuse("a sender that is not a node name");
  auto records = decode(data);
  if (!records) return refuse(records.error().message);
  for (auto& r : *records) {
    if (r.kind == RecordKind::watch) {
      (void)system_.send(gateway_, WatchRequest{from, r.to});
      continue;
    }
    if (r.kind == RecordKind::exited) {
      end_proxy(from, r.from, exit_reason_of(r));
      continue;
    }
    const rt::Address to = rt::Address::from_value(r.to);
    const std::uint64_t sender = r.from;
    if (r.kind == RecordKind::reply || r.kind == RecordKind::reply_error) {
      std::lock_guard lock(requests_mutex_);
      if (auto it = in_flight_.find(from); it != in_flight_.end()) {
        it->second.erase({r.to, r.correlation});
      }
    }
    // What comes from another node is for the actors of this one: a proxy
    // would pass it on to a third node as this node's message (a relay for
    // anyone; two proxies standing for each other, a loop).
    if (is_proxy(to)) {
      refuse("a record for " + to.to_string() + ", a proxy for an actor on another node");
      continue;
    }
    const RecordKind kind = r.kind;
    const std::uint64_t correlation = r.correlation;
    rt::MessagePtr msg = to_message(std::move(r));
    // The sender is reached through its own proxy here, so an answer (a
    // reply, an exit of the proxy when its node goes) finds its way.
    if (sender != 0) {
      if (auto proxy = proxy_for(from, sender)) {
        msg->sender = *proxy;
      } else if (kind == RecordKind::request && peer_up(from)) {
        // No proxy to answer through (max_proxies reached): the requester
        // learns it now instead of at its timeout.
        fail_remote_request(from, sender, correlation,
                            "node '" + config_.node + "' has max_proxies (" +
                                std::to_string(config_.max_proxies) + ") proxies");
        continue;
      }
    }
    records_received_.fetch_add(1, std::memory_order_relaxed);
    (void)system_.send_message(to, std::move(msg));  // an absent receiver: a dead letter
  }
}

// --- leaving -----------------------------------------------------------------------

void ClusterNode::State::stop_threads() {
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (releaser_.joinable()) releaser_.join();
  if (names_kv_) names_kv_->stop_watch();
  if (watcher_.joinable()) watcher_.join();
}

void ClusterNode::State::leave(bool tell) {
  // One leave at a time, and once: a second call waits for the first and
  // returns, so a later one (the destructor's, after the runner left) never
  // touches an actor system that may be gone.
  std::lock_guard leaving(leave_mutex_);
  if (left_.exchange(true)) return;
  const bool was_active = active_.exchange(false);
  stop_threads();
  if (was_active && tell) {
    publish_heartbeat(true);
    // The name goes with a graceful leave, so a restart under it does not
    // wait out the detection bound; the names stay and are taken over.
    if (auto held = nodes_kv_->get(config_.node); held && *held) {
      auto j = parse_object((*held)->value);
      if (j && j->value("incarnation", std::uint64_t{0}) == incarnation_) {
        (void)nodes_kv_->erase(config_.node);
      }
    }
  }
  if (link_) link_->close();
  if (gateway_) (void)system_.exit(gateway_, rt::ExitReason::shutdown());
  std::vector<std::string> nodes;
  {
    std::lock_guard lock(proxies_mutex_);
    for (const auto& [node, of_node] : proxies_) nodes.push_back(node);
  }
  {
    std::lock_guard lock(requests_mutex_);
    for (const auto& [node, of_node] : in_flight_) nodes.push_back(node);
  }
  for (const auto& node : nodes) end_proxies(node, "this node left the cluster");
  if (was_active) emit(ClusterEventKind::left, config_.node, tell ? "" : "connection dropped");
}

std::vector<NodeStatus> ClusterNode::State::nodes() const {
  std::vector<NodeStatus> out;
  out.push_back(NodeStatus{config_.node, config_.labels, active_.load(), true, {}});
  std::lock_guard lock(peers_mutex_);
  const auto now = Clock::now();
  for (const auto& p : peers_.peers()) {
    out.push_back(
        NodeStatus{p.node, p.labels, p.up, false,
                   std::chrono::duration_cast<std::chrono::milliseconds>(now - p.last_seen)});
  }
  return out;
}

ClusterStats ClusterNode::State::stats() const {
  ClusterStats s;
  s.records_sent = records_sent_.load();
  s.frames_sent = frames_sent_.load();
  s.records_received = records_received_.load();
  s.frames_refused = frames_refused_.load();
  s.proxies = proxies_spawned_.load();
  return s;
}

// --- ClusterNode ---------------------------------------------------------------------

Result<std::unique_ptr<ClusterNode>> ClusterNode::join(rt::ActorSystem& system,
                                                       ClusterConfig config,
                                                       ClusterEventFn events) {
  if (auto problems = validate(config); !problems.empty()) {
    std::string text = "[cluster] " + problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) text += "; " + problems[i];
    return Error{ErrorCode::invalid_argument, text};
  }
  auto state = std::make_shared<State>(system, std::move(config), std::move(events));
  if (auto r = state->start(); !r) {
    state->leave(false);
    return r.error();
  }
  system.set_name_directory(state);
  return std::unique_ptr<ClusterNode>(new ClusterNode(state));
}

ClusterNode::~ClusterNode() {
  leave();
}

void ClusterNode::leave() {
  state_->leave(true);
}

void ClusterNode::sever() {
  state_->leave(false);
}

std::vector<NodeStatus> ClusterNode::nodes() const {
  return state_->nodes();
}

ClusterStats ClusterNode::stats() const {
  return state_->stats();
}

const ClusterConfig& ClusterNode::config() const {
  return state_->config();
}

}  // namespace airssys::cluster
