// The HTTP admin endpoint of a running system (libmicrohttpd): health,
// readiness, the tree, components, pools, the cluster (when the system is a
// node of one), Prometheus metrics, and restart / stop / start / send /
// delete of components and start / stop of pool instances. Mutating
// requests need the bearer token whenever one is configured, and one must
// be configured to listen beyond loopback. What clients can hold is bounded
// (AdminLimits): connections, the size of a request head and body, the time
// to send a request, idle time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "airssys/rt/result.hpp"
#include "system_runner.hpp"

namespace airssys::app {

// What the admin endpoint lets clients hold. One event-loop thread reads
// every connection, so a slow client holds a connection, never a thread.
struct AdminLimits {
  // Connections open at once; one more is closed as soon as it is
  // accepted, without an answer.
  std::size_t max_connections = 64;
  // Bytes of a request head (request line and headers): a larger head gets
  // 431 and the connection is closed.
  std::size_t max_head_bytes = std::size_t{16} << 10;
  // Bytes of a request body: a larger body is read and dropped, then 413.
  std::size_t max_body_bytes = std::size_t{1} << 20;
  // Bytes of the config a pool instance is started with: it is kept for
  // the instance's restarts, so a pool of `max` instances holds at most
  // `max` times this; a larger one gets 413 and starts nothing.
  std::size_t max_pool_config_bytes = std::size_t{64} << 10;
  // From the accept (or, on a kept-alive connection, the previous answer)
  // to the request's last byte, head and body: a connection still sending
  // then is closed, however steadily it trickles.
  std::chrono::milliseconds receive_timeout{10'000};
  // A connection that sends and reads nothing for this long is closed:
  // between requests on a kept-alive one, within a request, and while an
  // answer waits to be read (whole seconds, at least 1).
  std::chrono::seconds idle_timeout{5};
};

class AdminServer {
 public:
  explicit AdminServer(SystemRunner& runner, AdminLimits limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds "host:port" (port 0 picks a free one) and serves on a thread.
  Result<void> start(const std::string& address, const std::string& token);
  // Answers the actions under way (queued ones get 503), then closes every
  // connection.
  void stop();
  int port() const;
  // Connections open now (ones closed at once over the limit not counted).
  std::size_t open_connections() const;

  // Prometheus text exposition of the system's metrics.
  static std::string metrics_text(SystemRunner& runner);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airssys::app
