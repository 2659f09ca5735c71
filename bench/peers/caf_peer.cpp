// Peer measurements on CAF (Debian's libcaf-dev, 0.17) for airssys's
// benchmark report, on 2 scheduler threads like airssys's 2 workers:
//
//   build/caf_peer [--quick]        (built by CMake when CAF is installed)
//
// One JSON object per line on stdout:
//   {"peer":"caf","workload":"<key>","value":<number>,"unit":"<unit>"}
// Workloads:
//   spawn (ns)                 spawn one idle event-based actor, 100,000 in a
//                              loop from the main thread, kept alive
//   idle_actor_rss_bytes (B)   resident memory (VmRSS) growth per idle actor
//                              at 100,000
//   ping_pong_rtt (ns)         one message each way between two event-based
//                              actors, 1,000,000 round trips
//   many_to_one_1 / _4 (msg/s) 1 or 4 plain threads anon_send-ing to one
//                              counting actor (4,000,000 messages in all)
//   message_and_reply (ns)     request/response from a scoped_actor to an
//                              event-based actor, 200,000 round trips
// --quick runs each at a tiny size (the smoke test).
#include <caf/all.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

bool quick = false;

template <class T>
T sized(T full, T small) {
  return quick ? small : full;
}

void emit(const char* workload, double value, const char* unit) {
  std::printf("{\"peer\":\"caf\",\"workload\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", workload,
              value, unit);
  std::fflush(stdout);
}

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

long rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return 0;
}

caf::behavior idle_actor(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

void spawn_and_memory(caf::actor_system& sys) {
  const int count = sized(100000, 200);
  {  // warm-up
    std::vector<caf::actor> warm;
    for (int i = 0; i < count / 10; ++i) warm.push_back(sys.spawn(idle_actor));
  }
  std::vector<caf::actor> keep;
  keep.reserve(count);
  const long rss0 = rss_bytes();
  const auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) keep.push_back(sys.spawn(idle_actor));
  const double spent = ns_since(t0);
  // Every actor has run its start (is idle) once one spawned last answers.
  caf::scoped_actor self{sys};
  self->request(keep.back(), caf::infinite, 1).receive([](int) {}, [](caf::error&) {});
  const long rss = rss_bytes() - rss0;
  emit("spawn", spent / count, "ns");
  emit("idle_actor_rss_bytes", static_cast<double>(rss) / count, "B");
}

caf::behavior pong_actor(caf::event_based_actor* self) {
  return {[=](ping_atom, int n) {
    self->send(caf::actor_cast<caf::actor>(self->current_sender()), pong_atom::value, n);
  }};
}

caf::behavior ping_actor(caf::event_based_actor* self, caf::actor pong, int rounds,
                         caf::actor report_to) {
  auto left = std::make_shared<int>(rounds);
  self->send(pong, ping_atom::value, rounds);
  return {[=](pong_atom, int) {
    if (--*left == 0) {
      self->send(report_to, done_atom::value);
      self->quit();
    } else {
      self->send(pong, ping_atom::value, *left);
    }
  }};
}

void ping_pong(caf::actor_system& sys) {
  const int rounds = sized(1000000, 1000);
  caf::scoped_actor self{sys};
  auto pong = sys.spawn(pong_actor);
  auto run = [&](int n) {
    sys.spawn(ping_actor, pong, n, caf::actor{self});
    self->receive([](done_atom) {});
  };
  run(rounds / 10);
  const auto t0 = Clock::now();
  run(rounds);
  emit("ping_pong_rtt", ns_since(t0) / rounds, "ns");
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
}

caf::behavior counter_actor(caf::event_based_actor* self, long total, caf::actor report_to) {
  auto seen = std::make_shared<long>(0);
  return {[=](int) {
    if (++*seen == total) self->send(report_to, done_atom::value);
  }};
}

void many_to_one(caf::actor_system& sys, int senders) {
  const long total = sized(4000000L, 4000L);
  const long per_sender = total / senders;
  caf::scoped_actor self{sys};
  auto counter = sys.spawn(counter_actor, per_sender * senders, caf::actor{self});
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&] {
      for (long i = 0; i < per_sender; ++i) caf::anon_send(counter, static_cast<int>(i));
    });
  }
  for (auto& t : threads) t.join();
  self->receive([](done_atom) {});
  const double seconds = ns_since(t0) / 1e9;
  emit(senders == 1 ? "many_to_one_1" : "many_to_one_4",
       static_cast<double>(per_sender * senders) / seconds, "msg/s");
  caf::anon_send_exit(counter, caf::exit_reason::user_shutdown);
}

void message_and_reply(caf::actor_system& sys) {
  const int rounds = sized(200000, 500);
  auto echo = sys.spawn(idle_actor);
  caf::scoped_actor self{sys};
  auto run = [&](int n) {
    for (int i = 0; i < n; ++i) {
      self->request(echo, caf::infinite, i).receive([](int) {}, [](caf::error&) {});
    }
  };
  run(rounds / 10);
  const auto t0 = Clock::now();
  run(rounds);
  emit("message_and_reply", ns_since(t0) / rounds, "ns");
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) quick = quick || std::strcmp(argv[i], "--quick") == 0;
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  // A misspelled or mistyped setting only prints a warning in CAF 0.17.
  if (sys.scheduler().num_workers() != 2) {
    std::fprintf(stderr, "caf_peer: expected 2 scheduler workers, CAF runs %zu\n",
                 sys.scheduler().num_workers());
    return 1;
  }
  spawn_and_memory(sys);
  ping_pong(sys);
  many_to_one(sys, 1);
  many_to_one(sys, 4);
  message_and_reply(sys);
  return 0;
}
