// The HTTP admin endpoint of a running system (cpp-httplib): health,
// readiness, the tree, components, Prometheus metrics, and restart / stop /
// start / send. Mutating requests need the bearer token whenever one is
// configured, and one must be configured to listen beyond loopback.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "airssys/rt/result.hpp"
#include "system_runner.hpp"

namespace httplib {
class Server;
}

namespace airssys::app {

class AdminServer {
 public:
  explicit AdminServer(SystemRunner& runner);
  ~AdminServer();

  // Binds "host:port" (port 0 picks a free one) and serves on a thread.
  Result<void> start(const std::string& address, const std::string& token);
  void stop();
  int port() const { return port_; }

  // Prometheus text exposition of the system's metrics.
  static std::string metrics_text(SystemRunner& runner);

 private:
  void routes();

  SystemRunner& runner_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string token_;
  int port_ = 0;
};

}  // namespace airssys::app
