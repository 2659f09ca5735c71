// The node's one connection to NATS (libnats), and its JetStream KV buckets:
// RAII over the C client, each failure as an Error that names the call.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "airssys/cluster/cluster_config.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::cluster {

// "<what>: <libnats status text> (<its last error>)".
Error nats_error(const std::string& what, natsStatus s);

// An entry of a KV bucket.
struct KvEntry {
  std::string key;
  std::string value;
  std::uint64_t revision = 0;
  bool deleted = false;  // a delete or purge marker
};

class KvBucket {
 public:
  KvBucket(kvStore* kv, std::string name) : kv_(kv), name_(std::move(name)) {}
  ~KvBucket();
  KvBucket(const KvBucket&) = delete;
  KvBucket& operator=(const KvBucket&) = delete;

  // Creates `key` when it has no live value: the exclusive claim.
  Result<std::uint64_t> create(const std::string& key, const std::string& value);
  // Replaces `key` only when its revision is still `last`.
  Result<std::uint64_t> update(const std::string& key, const std::string& value,
                               std::uint64_t last);
  // The live value of `key`; nothing when it has none.
  Result<std::optional<KvEntry>> get(const std::string& key);
  Result<void> erase(const std::string& key);
  // The keys with a live value; at most `limit` of them.
  Result<std::vector<std::string>> keys(std::size_t limit);

  // Every change of the bucket, its current contents first: `on_entry` for
  // each, `on_current` once the contents are through, on the calling
  // thread, until stop_watch() (from another thread; seen within 100 ms)
  // or a failure.
  Result<void> watch(const std::function<void(const KvEntry&)>& on_entry,
                     const std::function<void()>& on_current);
  void stop_watch();
  const std::string& name() const { return name_; }

 private:
  kvStore* kv_;
  std::string name_;
  std::mutex watch_mutex_;
  bool stopped_ = false;
};

class NatsLink {
 public:
  using Handler = std::function<void(const std::string& subject, std::span<const std::uint8_t>)>;

  // What the client reports on its own threads: messages it dropped
  // because a subscription fell behind (its pending limit), and the like.
  using ProblemFn = std::function<void(const std::string&)>;

  // Connects to the servers of `config` (credentials, TLS) within its
  // connect_timeout; reconnects by itself afterwards.
  static Result<std::unique_ptr<NatsLink>> connect(const ClusterConfig& config,
                                                   ProblemFn on_problem = {});
  ~NatsLink();
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  // Sent at once (the connection sends as soon as asked, no batching delay).
  Result<void> publish(const std::string& subject, std::span<const std::uint8_t> data);
  // `handler` runs on the client's thread for this subscription, one
  // message at a time. Subscriptions end with the link.
  Result<void> subscribe(const std::string& subject, Handler handler);
  // The bucket `name`, created when it does not exist (replicated on up to
  // three servers, as many as the cluster has).
  Result<std::unique_ptr<KvBucket>> bucket(const std::string& name, std::int32_t max_value);
  bool connected() const;
  // The largest message the servers take.
  std::size_t max_payload() const;
  // Ends the subscriptions and the connection now (what a lost node looks
  // like to the others, without the process ending).
  void close();

 private:
  NatsLink() = default;
  struct Subscription {
    natsSubscription* sub = nullptr;
    Handler handler;
    // Set by the client once the handler can no longer run: only then may
    // what the handler uses go away.
    std::mutex mutex;
    std::condition_variable cv;
    bool complete = false;
  };
  static void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  static void on_complete(void* closure);
  static void on_error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure);

  ProblemFn on_problem_;

  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  // Shared by publishers, exclusive for subscribing and closing: nothing
  // uses the connection while it goes.
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<Subscription>> subs_;
};

}  // namespace airssys::cluster
