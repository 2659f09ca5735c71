// What the cluster's tests and benchmarks use of libnats: owning handles
// for its objects, a connect with the options they need, and a status with
// libnats' last error as text.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace airssys::test {

template <class T, void (*Destroy)(T*)>
struct NatsDestroy {
  void operator()(T* p) const { Destroy(p); }
};
template <class T, void (*Destroy)(T*)>
using NatsHandle = std::unique_ptr<T, NatsDestroy<T, Destroy>>;

using Connection = NatsHandle<natsConnection, natsConnection_Destroy>;
using Subscription = NatsHandle<natsSubscription, natsSubscription_Destroy>;
using Message = NatsHandle<natsMsg, natsMsg_Destroy>;
using JetStream = NatsHandle<jsCtx, jsCtx_Destroy>;
using KeyValue = NatsHandle<kvStore, kvStore_Destroy>;
using KeyValueEntry = NatsHandle<kvEntry, kvEntry_Destroy>;
using StreamInfo = NatsHandle<jsStreamInfo, jsStreamInfo_Destroy>;
using Options = NatsHandle<natsOptions, natsOptions_Destroy>;

// "NATS_ERR: <libnats' last error>", for failure messages.
inline std::string describe(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (s != NATS_OK && detail != nullptr && *detail != '\0') text += std::string(": ") + detail;
  return text;
}

struct ClientOptions {
  // Publish at once instead of buffering (natsOptions_SetSendAsap).
  bool send_asap = false;
  // Try the servers in the order given (else libnats shuffles them).
  bool in_order = true;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{50};
  int max_reconnects = 100;
};

// A connection to the first of `urls` that answers; throws with libnats'
// error when none does.
inline Connection connect(const std::vector<std::string>& urls, const ClientOptions& o = {}) {
  natsOptions* raw = nullptr;
  natsStatus s = natsOptions_Create(&raw);
  Options opts(raw);
  std::vector<const char*> servers;
  for (const auto& u : urls) servers.push_back(u.c_str());
  if (s == NATS_OK) {
    s = natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(opts.get(), o.in_order);
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts.get(), o.send_asap);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), o.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), o.reconnect_wait.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), o.max_reconnects);
  natsConnection* nc = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&nc, opts.get());
  if (s != NATS_OK) {
    std::string all;
    for (const auto& u : urls) all += (all.empty() ? "" : ",") + u;
    throw std::runtime_error("connect to " + all + ": " + describe(s));
  }
  return Connection(nc);
}

inline Connection connect(const std::string& url, const ClientOptions& o = {}) {
  return connect(std::vector<std::string>{url}, o);
}

// The url of the server `nc` is connected to; empty when none.
inline std::string connected_url(natsConnection* nc) {
  char buf[256] = {};
  if (natsConnection_GetConnectedUrl(nc, buf, sizeof buf) != NATS_OK) return {};
  return buf;
}

}  // namespace airssys::test
