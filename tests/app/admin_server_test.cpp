// The admin endpoint against hostile local clients: a real server on
// loopback in front of a real system (SystemRunner, the echo guest), real
// sockets. Slow clients, oversized heads and bodies, and more connections
// than the limit neither stop it answering nor grow what it holds; actions
// need no body.
#include "admin_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app_support.hpp"
#include "http_probe.hpp"

namespace airssys::app::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(AdminLimits, TheDefaultsAreTheDocumentedOnes) {
  const AdminLimits d;
  EXPECT_EQ(d.max_connections, 64u);
  EXPECT_EQ(d.max_head_bytes, 16u * 1024);
  EXPECT_EQ(d.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(d.receive_timeout, 10s);
  EXPECT_EQ(d.idle_timeout, 5s);
}

// One system for the suite: echo, and the admin endpoints each test starts
// in front of it with the bounds it needs.
class AdminServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const auto file = dir_->write(
        "system.toml", "[[component]]\nname = \"echo\"\nmodule = \"" + guest("echo") + "\"\n");
    auto loaded = load_system_config(file);
    ASSERT_TRUE(loaded.ok());
    config_ = new SystemConfig(std::move(*loaded.config));
    events_file_ = std::tmpfile();
    runner_ = new SystemRunner(*config_, std::make_shared<EventLog>(events_file_),
                               wasm::EngineKind::interp);
    ASSERT_TRUE(runner_->start());
  }
  static void TearDownTestSuite() {
    if (runner_ != nullptr) (void)runner_->stop();
    delete runner_;
    delete config_;
    std::fclose(events_file_);
    delete dir_;
  }

  // An endpoint on a free loopback port.
  static std::unique_ptr<AdminServer> serve(AdminLimits limits = {},
                                            const std::string& token = "") {
    auto server = std::make_unique<AdminServer>(*runner_, limits);
    auto started = server->start("127.0.0.1:0", token);
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    return server;
  }

  static void expect_healthy(int port) {
    httplib::Client http("127.0.0.1", port);
    auto r = http.Get("/healthz");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body, nullptr, false)["status"], "ok") << r->body;
  }

  static inline TempDir* dir_ = nullptr;
  static inline SystemConfig* config_ = nullptr;
  static inline std::FILE* events_file_ = nullptr;
  static inline SystemRunner* runner_ = nullptr;
};

std::string partial_head(std::mt19937& rng) {
  return "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + std::to_string(rng() % 1000) +
         ": ";
}

// A system that is not a cluster node says so at /cluster (404, a JSON
// error), has no cluster series in /metrics, and `airssys tree --http`
// prints its tree and nothing of a cluster.
TEST_F(AdminServerTest, ASystemThatIsNotAClusterNodeSaysSo) {
  auto server = serve();
  httplib::Client http("127.0.0.1", server->port());
  auto cluster = http.Get("/cluster");
  ASSERT_TRUE(cluster) << httplib::to_string(cluster.error());
  EXPECT_EQ(cluster->status, 404);
  const auto j = json::parse(cluster->body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << cluster->body;
  EXPECT_NE(j.value("error", "").find("not a cluster node"), std::string::npos) << cluster->body;
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("airssys_actors_live "), std::string::npos);
  EXPECT_EQ(metrics->body.find("airssys_cluster_"), std::string::npos) << metrics->body;
  auto tree = run_program({"tree", "--http", "127.0.0.1:" + std::to_string(server->port())});
  EXPECT_EQ(tree.code, 0) << tree.err;
  EXPECT_NE(tree.out.find("echo"), std::string::npos) << tree.out;
  EXPECT_EQ(tree.out.find("cluster"), std::string::npos) << tree.out;
}

// Slow clients each hold a connection, never a thread: while 20 to 40 of
// them trickle header bytes, every request of a well-behaved client is
// answered, and the slow ones are all still connected afterwards.
TEST_F(AdminServerTest, AnswersWhileSlowClientsTrickleTheirHeads) {
  std::mt19937 rng(42);
  for (const int slow : {20, 40}) {
    AdminLimits limits;
    limits.receive_timeout = 10min;  // they stay for the whole test
    limits.idle_timeout = 10min;
    auto server = serve(limits);
    const int port = server->port();
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < slow; ++i) {
      clients.push_back(std::make_unique<RawClient>(port));
      ASSERT_TRUE(clients.back()->connected());
      ASSERT_TRUE(clients.back()->send(partial_head(rng)));
    }
    ASSERT_TRUE(eventually([&] { return server->open_connections() == std::size_t(slow); }));
    std::atomic<bool> done{false};
    std::thread trickle([&] {
      while (!done) {
        for (auto& c : clients) (void)c->send("a");
        std::this_thread::sleep_for(20ms);  // the pace of the trickle
      }
    });
    for (int i = 0; i < 10; ++i) expect_healthy(port);
    // Still all there: those answers came while they were connected (the
    // last client's own connection may not be let go of yet).
    EXPECT_GE(server->open_connections(), std::size_t(slow));
    done = true;
    trickle.join();
  }
}

// The time to send a request is counted from the accept, not per read: a
// client trickling its head, or its body, a byte every 20 ms (never idle
// long enough for the idle timeout) is closed once the receive timeout is
// up, without an answer; then the endpoint holds nothing and answers.
TEST_F(AdminServerTest, ClosesClientsStillSendingTheirRequestAtTheReceiveTimeout) {
  std::mt19937 rng(7);
  AdminLimits limits;
  limits.receive_timeout = 1s;
  limits.idle_timeout = 10min;
  auto server = serve(limits);
  const int port = server->port();
  for (const int slow : {20, 33}) {
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < slow; ++i) {
      clients.push_back(std::make_unique<RawClient>(port));
      ASSERT_TRUE(clients.back()->connected());
      // Half trickle the head, half a body they said was long.
      const std::string start = i % 2 == 0
                                    ? partial_head(rng)
                                    : "POST /components/echo/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      "Content-Length: 1000000\r\n\r\n";
      ASSERT_TRUE(clients.back()->send(start));
    }
    std::vector<End> end(clients.size(), End::open);
    std::vector<std::string> seen(clients.size());
    const auto guard = Clock::now() + 1min;
    std::size_t ended = 0;
    while (ended < clients.size() && Clock::now() < guard) {
      for (std::size_t i = 0; i < clients.size(); ++i) {
        if (end[i] != End::open) continue;
        if (!clients[i]->send("a")) {
          end[i] = End::reset;
        } else {
          end[i] = clients[i]->ended_within(20ms / slow + 1ms, seen[i]);
        }
        if (end[i] != End::open) ++ended;
      }
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
      EXPECT_NE(end[i], End::open) << "client " << i << " was never closed";
      EXPECT_EQ(seen[i], "") << "client " << i << " got an answer to half a request";
    }
    ASSERT_TRUE(eventually([&] { return server->open_connections() == 0; }));
    expect_healthy(port);
  }
}

// A head of many lines, each of random length, to `size` bytes in all.
std::string head_of_size(std::mt19937& rng, std::size_t size, std::size_t min_line,
                         std::size_t max_line) {
  std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (int i = 0; head.size() + 2 < size; ++i) {
    const std::string name = "X-Filler-" + std::to_string(i) + ": ";
    std::size_t line = min_line + rng() % (max_line - min_line + 1);
    line = std::min(line, size - 2 - head.size());
    const std::size_t value = line > name.size() + 2 ? line - name.size() - 2 : 1;
    head += name + std::string(value, 'v') + "\r\n";
  }
  return head + "\r\n";
}

// Heads over 16 KiB get 431 with a JSON error and the connection closed;
// heads under it are answered; heads far beyond (to 2 MiB, or thousands
// of tiny lines) are refused before they are read in full. The endpoint
// answers after each.
TEST_F(AdminServerTest, RefusesARequestHeadOverTheBoundAndServesOn) {
  std::mt19937 rng(99);
  auto server = serve();
  const int port = server->port();
  const std::size_t bound = AdminLimits{}.max_head_bytes;
  for (int i = 0; i < 8; ++i) {
    const std::size_t size = bound - 1 - rng() % (bound / 2);
    const auto head = head_of_size(rng, size, 40, 1000);
    const auto a = ask_once(port, head);
    EXPECT_EQ(a.status, 200) << head.size() << " bytes";
  }
  for (int i = 0; i < 10; ++i) {
    const std::size_t size = bound + 1 + rng() % (bound + bound / 2);
    const auto head = head_of_size(rng, size, 200, 4000);
    const auto a = ask_once(port, head);
    EXPECT_EQ(a.status, 431) << head.size() << " bytes";
    auto error = json::parse(a.body, nullptr, false);
    EXPECT_TRUE(error.is_object() && error.contains("error")) << a.body;
    EXPECT_NE(a.head.find("Connection: close"), std::string::npos) << a.head;
    EXPECT_EQ(a.end, End::closed);
    expect_healthy(port);
  }
  for (int i = 0; i < 6; ++i) {
    const bool tiny_lines = i % 2 == 1;
    const std::size_t size =
        tiny_lines ? 40'000 + rng() % 60'000 : (128u << 10) + rng() % (2u << 20);
    const auto head = tiny_lines ? head_of_size(rng, size, 1, 8) : head_of_size(rng, size, 1, 8000);
    const auto a = ask_once(port, head);
    EXPECT_TRUE(a.status == 431 || (a.status == 0 && a.end != End::timed_out))
        << head.size() << " bytes: " << a.head;
    expect_healthy(port);
  }
  EXPECT_TRUE(eventually([&] { return server->open_connections() == 0; }));
}

// With max_connections held (each half-way through its head), one more
// connection is closed as soon as it is accepted, without an answer; the
// held ones are served when they finish, and once they are gone a new
// client is answered.
TEST_F(AdminServerTest, ClosesConnectionsBeyondTheLimitAndServesWhenTheyGo) {
  std::mt19937 rng(5);
  for (const std::size_t limit : {std::size_t{4}, std::size_t{23}}) {
    AdminLimits limits;
    limits.max_connections = limit;
    limits.receive_timeout = 10min;
    limits.idle_timeout = 10min;
    auto server = serve(limits);
    const int port = server->port();
    std::vector<std::unique_ptr<RawClient>> held;
    for (std::size_t i = 0; i < limit; ++i) {
      held.push_back(std::make_unique<RawClient>(port));
      ASSERT_TRUE(held.back()->send(partial_head(rng)));
    }
    ASSERT_TRUE(eventually([&] { return server->open_connections() == limit; }));
    const std::size_t extra = limit + 3 + rng() % limit;
    for (std::size_t i = 0; i < extra; ++i) {
      RawClient c(port);
      (void)c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      const auto a = c.read_to_end();
      EXPECT_TRUE(a.end == End::closed || a.end == End::reset) << i;
      EXPECT_EQ(a.bytes, "") << i;
    }
    EXPECT_EQ(server->open_connections(), limit);
    for (auto& c : held) {
      ASSERT_TRUE(c->send("x\r\nConnection: close\r\n\r\n"));
      EXPECT_EQ(c->read_to_end().status, 200);
    }
    held.clear();
    ASSERT_TRUE(eventually([&] { return server->open_connections() == 0; }));
    expect_healthy(port);
  }
}

// A kept-alive connection that sends nothing after its answer is closed
// once the idle timeout is up; one that asks again in time is answered.
TEST_F(AdminServerTest, ClosesAnIdleKeptAliveConnection) {
  AdminLimits limits;
  limits.idle_timeout = 1s;
  auto server = serve(limits);
  RawClient c(server->port());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(request));
    const auto a = c.read_answer();
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.end, End::open);
  }
  const auto a = c.read_to_end();
  EXPECT_EQ(a.end, End::closed);
  EXPECT_EQ(a.bytes, "");
}

std::string post(const std::string& path, const std::string& headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
         "Connection: close\r\n\r\n";
}

// What `curl -X POST .../stop` sends: no Content-Length, no body. Every
// action is accepted so, with the token too; send, which needs its
// message, says so in JSON, and takes an empty one given as such.
TEST_F(AdminServerTest, ActionsNeedNoBody) {
  for (const std::string token : {"", "t0ken"}) {
    auto server = serve({}, token);
    const int port = server->port();
    const std::string auth = token.empty() ? "" : "Authorization: Bearer " + token + "\r\n";
    // A random walk over the actions that are valid in each state (start
    // is for a stopped component), in both HTTP versions, back to running.
    std::mt19937 rng(static_cast<unsigned>(token.size()) + 17);
    bool running = true;
    for (int step = 0; step < 10 || !running; ++step) {
      const std::string action =
          running ? (rng() % 2 == 0 ? "stop" : "restart") : (rng() % 2 == 0 ? "start" : "restart");
      const std::string version = rng() % 2 == 0 ? "HTTP/1.1" : "HTTP/1.0";
      std::string request = post("/components/echo/" + action, auth);
      request.replace(request.find("HTTP/1.1"), 8, version);
      const auto a = ask_once(port, request);
      EXPECT_EQ(a.status, 200) << action << " " << version << ": " << a.body;
      EXPECT_EQ(json::parse(a.body, nullptr, false)["name"], "echo") << a.body;
      running = action != "stop";
    }
    if (!token.empty()) {
      const auto refused = ask_once(port, post("/components/echo/stop"));
      EXPECT_EQ(refused.status, 401);
      EXPECT_NE(refused.head.find("WWW-Authenticate: Bearer realm=\"airssys\""), std::string::npos)
          << refused.head;
    }
    const auto no_message = ask_once(port, post("/components/echo/send", auth));
    EXPECT_EQ(no_message.status, 400);
    const auto error = json::parse(no_message.body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << no_message.body;
    EXPECT_NE(error.value("error", "").find("body"), std::string::npos) << no_message.body;
    const auto empty =
        ask_once(port, post("/components/echo/send?reply=true", auth + "Content-Length: 0\r\n"));
    EXPECT_EQ(empty.status, 200) << empty.body;
    EXPECT_EQ(empty.body, "");
    const auto echoed = ask_once(
        port,
        post("/components/echo/send?reply=true", auth + "Content-Length: 2\r\n").append("hi"));
    EXPECT_EQ(echoed.status, 200) << echoed.body;
    EXPECT_EQ(echoed.body, "hi");
    expect_healthy(port);
  }
}

std::string chunked(const std::string& body, std::mt19937& rng) {
  std::string out;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t n = std::min<std::size_t>(body.size() - at, 1 + rng() % 3000);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size + body.substr(at, n) + "\r\n";
    at += n;
  }
  return out + "0\r\n\r\n";
}

// A body over the bound gets 413 in JSON, whether its length was said
// (Content-Length) or not (chunked); one within it is sent whole (echo
// answers it back).
TEST_F(AdminServerTest, BodiesOverTheBoundGet413) {
  std::mt19937 rng(3);
  AdminLimits limits;
  limits.max_body_bytes = 4096 + rng() % 4096;
  auto server = serve(limits);
  const int port = server->port();
  const std::size_t b = limits.max_body_bytes;
  for (const std::size_t size : {std::size_t{1}, b - 1 - rng() % (b / 2), b - 1, b, b + 1,
                                 b + 1 + rng() % (4 * b), 40 * b}) {
    const std::string body(size, 'm');
    for (const bool with_length : {true, false}) {
      const auto a = with_length
                         ? ask_once(port, post("/components/echo/send?reply=true",
                                               "Content-Length: " + std::to_string(size) + "\r\n") +
                                              body)
                         : ask_once(port, post("/components/echo/send?reply=true",
                                               "Transfer-Encoding: chunked\r\n") +
                                              chunked(body, rng));
      if (size <= b) {
        EXPECT_EQ(a.status, 200) << size << (with_length ? " with length" : " chunked");
        EXPECT_EQ(a.body, body) << size;
      } else {
        const auto j = json::parse(a.body, nullptr, false);
        EXPECT_EQ(a.status, 413) << size << (with_length ? " with length" : " chunked");
        EXPECT_TRUE(j.is_object() && j.contains("error")) << a.body;
      }
    }
  }
  expect_healthy(port);
}

// Generated hostile bodies for a pool's start and stop: each gets a 4xx
// with a JSON error (400, or 404 for a well-formed stop naming no
// instance), never a 5xx, and the pool stays as it was; what is well formed
// still works afterwards.
TEST(AdminPools, GeneratedBadBodiesAreRefusedAndChangeNothing) {
  TempDir dir;
  const auto file =
      dir.write("system.toml",
                "[[supervisor]]\nname = \"root\"\n[[supervisor]]\nname = \"workers\"\n"
                "parent = \"root\"\nstrategy = \"simple_one_for_one\"\n[[component]]\n"
                "name = \"w\"\nmodule = \"" +
                    guest("echo") + "\"\nsupervisor = \"workers\"\ninitial = 2\nmax = 4\n");
  auto loaded = load_system_config(file);
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].describe());
  std::FILE* events = std::tmpfile();
  {
    SystemRunner runner(*loaded.config, std::make_shared<EventLog>(events),
                        wasm::EngineKind::interp);
    ASSERT_TRUE(runner.start());
    AdminServer server(runner);
    ASSERT_TRUE(server.start("127.0.0.1:0", ""));
    httplib::Client http("127.0.0.1", server.port());

    std::mt19937 rng(2026);
    const std::vector<std::string> pieces = {"{",
                                             "}",
                                             "[",
                                             "]",
                                             "\"child\"",
                                             "\"address\"",
                                             "\"config\"",
                                             ":",
                                             ",",
                                             "\"w-1\"",
                                             "1",
                                             "null",
                                             "true",
                                             "{}",
                                             "\"\\u0",
                                             "\xff",
                                             std::string(1, '\0'),
                                             " ",
                                             "\"<1.1>\"",
                                             "\"w-99\"",
                                             "-1e999",
                                             "\"x\\\"",
                                             "\"count\""};
    auto body = [&] {
      std::string b;
      const std::size_t n = 1 + rng() % 8;
      for (std::size_t i = 0; i < n; ++i) b += pieces[rng() % pieces.size()];
      return b;
    };
    const auto instances = runner.pool("workers")->instances();
    int tried = 0;
    for (int i = 0; i < 300; ++i) {
      const std::string b = body();
      const auto j = nlohmann::json::parse(b, nullptr, false);
      for (const char* action : {"start", "stop"}) {
        const bool start = std::string(action) == "start";
        // Skip the few generated bodies that are well formed.
        const bool well_formed =
            !j.is_discarded() && j.is_object() &&
            (start
                 ? (j.empty() || (j.size() == 1 && j.contains("config") && j["config"].is_string()))
                 : (j.size() == 1 && ((j.contains("child") && j["child"].is_string()) ||
                                      (j.contains("address") && j["address"].is_string()))));
        if (well_formed) continue;
        ++tried;
        auto r = http.Post("/pools/workers/" + std::string(action), b, "application/json");
        ASSERT_TRUE(r) << action << " " << b;
        EXPECT_EQ(r->status, 400) << action << " " << b << ": " << r->body;
        const auto answer = nlohmann::json::parse(r->body, nullptr, false);
        EXPECT_TRUE(answer.is_object() && answer.contains("error")) << r->body;
      }
    }
    EXPECT_GT(tried, 400);
    EXPECT_EQ(runner.pool("workers")->instances(), instances);
    for (const std::string b : {"{\"child\": \"w-99\"}", "{\"address\": \"<1.1>\"}",
                                "{\"child\": \"\"}", "{\"child\": \"w\"}"}) {
      auto r = http.Post("/pools/workers/stop", b, "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 404) << b;
    }
    // A config kept for an instance's restarts is bounded: past the limit
    // (however far, up to a whole request body) it is refused and starts nothing.
    const std::size_t limit = AdminLimits{}.max_pool_config_bytes;
    for (const std::size_t size : {limit + 1, limit * 4, (std::size_t{1} << 20) - 64}) {
      auto r = http.Post("/pools/workers/start", "{\"config\": \"" + std::string(size, 'x') + "\"}",
                         "application/json");
      ASSERT_TRUE(r) << size;
      EXPECT_EQ(r->status, 413) << size << ": " << r->body;
      EXPECT_EQ(runner.pool("workers")->instances(), instances) << size;
    }
    auto started = http.Post("/pools/workers/start", "{\"config\": \"\"}", "application/json");
    ASSERT_TRUE(started);
    EXPECT_EQ(started->status, 201) << started->body;
    auto stopped = http.Post("/pools/workers/stop", "{\"child\": \"w-1\"}", "application/json");
    ASSERT_TRUE(stopped);
    EXPECT_EQ(stopped->status, 200) << stopped->body;
    EXPECT_EQ(runner.pool("workers")->instances(), (std::vector<std::string>{"w-2", "w-3"}));
    server.stop();
    (void)runner.stop();
  }
  std::fclose(events);
}

// A pool instance that ended on purpose (a transient job exiting with
// shutdown) has left its pool: readiness does not wait for it.
TEST(AdminPools, AnInstanceThatEndedOnPurposeDoesNotMakeTheSystemUnready) {
  TempDir dir;
  const auto file = dir.write("system.toml",
                              "[[supervisor]]\nname = \"jobs\"\nstrategy = \"simple_one_for_one\"\n"
                              "[[component]]\nname = \"job\"\nmodule = \"" +
                                  guest("as_job") + "\"\nrestart = \"transient\"\ninitial = 2\n");
  auto loaded = load_system_config(file);
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].describe());
  std::FILE* events = std::tmpfile();
  {
    SystemRunner runner(*loaded.config, std::make_shared<EventLog>(events),
                        wasm::EngineKind::interp);
    ASSERT_TRUE(runner.start());
    AdminServer server(runner);
    ASSERT_TRUE(server.start("127.0.0.1:0", ""));
    httplib::Client http("127.0.0.1", server.port());
    auto done = http.Post("/components/job-1/send", "done", "text/plain");
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, 202);
    auto status = runner.registry().status("job-1");
    ASSERT_TRUE(status);
    ASSERT_TRUE(status->wait_for(wasm::ComponentState::terminated, 1, 10s));
    auto ready = http.Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << ready->body;
    auto failed = http.Post("/components/job-2/send", "fail", "text/plain");
    ASSERT_TRUE(failed);
    ASSERT_TRUE(runner.registry().status("job-2")->wait_for(wasm::ComponentState::ready, 2, 10s));
    server.stop();
    (void)runner.stop();
  }
  std::fclose(events);
}

}  // namespace
}  // namespace airssys::app::test
