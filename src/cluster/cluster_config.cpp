#include "airssys/cluster/cluster_config.hpp"

#include <algorithm>

namespace airssys::cluster {

bool is_token(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenLength) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

namespace {

bool is_server_url(std::string_view u) {
  for (std::string_view scheme : {"nats://", "tls://"}) {
    if (u.substr(0, scheme.size()) == scheme && u.size() > scheme.size()) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> validate(const ClusterConfig& c) {
  std::vector<std::string> problems;
  const std::string token_rule = "1 to 64 letters, digits, '_' or '-'";
  if (c.urls.empty()) problems.push_back("urls: at least one NATS server is needed");
  for (const auto& u : c.urls) {
    if (!is_server_url(u) || u.size() > 1024 ||
        std::any_of(u.begin(), u.end(), [](unsigned char ch) { return ch <= ' ' || ch == ','; })) {
      problems.push_back("urls: '" + u.substr(0, 80) +
                         "' is not a server address (nats://host:port or tls://host:port)");
    }
  }
  if (!is_token(c.name)) problems.push_back("name: the cluster's name must be " + token_rule);
  if (!is_token(c.node)) problems.push_back("node: the node's name must be " + token_rule);
  if (c.labels.size() > 64) problems.push_back("labels: at most 64");
  for (const auto& l : c.labels) {
    if (!is_token(l)) problems.push_back("labels: '" + l.substr(0, 80) + "' must be " + token_rule);
  }
  if (c.heartbeat < std::chrono::milliseconds(10) || c.heartbeat > std::chrono::seconds(60)) {
    problems.push_back("heartbeat: must be between 10ms and 60s");
  }
  if (c.missed_heartbeats < 2 || c.missed_heartbeats > 100) {
    problems.push_back("missed_heartbeats: must be between 2 and 100");
  }
  if (c.connect_timeout < std::chrono::milliseconds(100) ||
      c.connect_timeout > std::chrono::minutes(10)) {
    problems.push_back("connect_timeout: must be between 100ms and 10m");
  }
  if (c.max_proxies == 0 || c.max_proxies > 10'000'000) {
    problems.push_back("max_proxies: must be between 1 and 10000000");
  }
  if (c.tls && (c.tls->cert.empty() != c.tls->key.empty())) {
    problems.push_back("tls: cert and key go together");
  }
  return problems;
}

}  // namespace airssys::cluster
