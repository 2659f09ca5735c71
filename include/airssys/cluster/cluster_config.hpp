// How a node joins a cluster: the NATS servers, the cluster's and the node's
// names, credentials, and how fast a lost node is noticed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airssys::cluster {

struct TlsSettings {
  std::string ca;    // PEM file of the CAs that sign the servers' certificates
  std::string cert;  // client certificate (PEM), with `key`
  std::string key;
};

struct ClusterConfig {
  std::vector<std::string> urls;  // nats://host:port, tls://host:port
  std::string name;               // the cluster: nodes with the same name see each other
  std::string node;               // this node, unique in the cluster
  std::vector<std::string> labels;
  std::string credentials;  // a NATS .creds file (JWT + NKey seed), or empty
  std::optional<TlsSettings> tls;
  // A heartbeat every `heartbeat`; a peer is down after `missed_heartbeats`
  // intervals without one (the defaults notice a lost node within 1.25 s).
  std::chrono::milliseconds heartbeat{250};
  std::uint32_t missed_heartbeats = 5;
  // How long joining may take (connecting, claiming the node's name).
  std::chrono::milliseconds connect_timeout{5000};
  // Local stand-ins for actors on other nodes, at most; a message from a
  // further one arrives without a sender to answer.
  std::size_t max_proxies = 100000;

  std::chrono::milliseconds detection_bound() const { return heartbeat * missed_heartbeats; }
};

// Names that become NATS subject tokens and bucket names: 1 to 64 of
// [A-Za-z0-9_-].
constexpr std::size_t kMaxTokenLength = 64;
bool is_token(std::string_view s);

// What is wrong with `c`, one sentence per problem naming the key; empty
// when it can be used.
std::vector<std::string> validate(const ClusterConfig& c);

}  // namespace airssys::cluster
