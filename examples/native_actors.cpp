// A tour of the actor runtime: named actors exchanging messages, a
// request/reply, an actor that crashes, and the monitor that sees it.
#include <chrono>
#include <cstdio>
#include <string>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"

using namespace airssys::rt;
using namespace std::chrono_literals;

namespace {

struct Add {
  int amount;
};
struct Total {};
struct Crash {
  std::string why;
};

// Prints every exit and dead letter the runtime reports.
class PrintEvents final : public EventSink {
 public:
  void on_event(const SystemEvent& e) override {
    if (e.kind == EventKind::actor_exited) {
      std::printf("  [event] actor %s exited: %s\n", e.actor.to_string().c_str(),
                  e.reason.to_string().c_str());
    } else if (e.kind == EventKind::dead_letter) {
      std::printf("  [event] dead letter to %s (%s, %s)\n", e.actor.to_string().c_str(),
                  type_name(e.dead_letter.type).c_str(), to_string(e.dead_letter.reason));
    }
  }
};

class Counter final : public Actor {
 public:
  bool on_message(ActorContext& ctx, Message& msg) override {
    if (msg.is<Add>()) {
      total_ += msg.as<Add>().amount;
      return true;
    }
    if (msg.is<Total>()) {
      (void)ctx.reply(total_);
      return true;
    }
    if (msg.is<Crash>()) throw std::runtime_error(msg.as<Crash>().why);
    return false;
  }
  void on_stop(ActorContext& ctx, const ExitReason& reason) override {
    std::printf("  counter %s stop hook: %s (total was %d)\n", ctx.self().to_string().c_str(),
                reason.to_string().c_str(), total_);
  }

 private:
  int total_ = 0;
};

}  // namespace

int main() {
  ActorSystemConfig config;
  config.events = std::make_shared<PrintEvents>();
  ActorSystem system(config);
  std::printf("actor system with %zu workers\n", system.worker_count());

  auto counter = system.spawn(std::make_unique<Counter>(), {.name = "counter"});
  if (!counter) {
    std::fprintf(stderr, "spawn failed: %s\n", counter.error().describe().c_str());
    return 1;
  }
  auto greeter = system.spawn(Behavior{[](ActorContext& ctx, const std::string& name) {
    std::printf("  greeter: hello, %s (from %s)\n", name.c_str(), ctx.sender().to_string().c_str());
    (void)ctx.send("counter", Add{1});
    (void)ctx.reply(std::string("greeted ") + name);
  }});

  std::printf("1. messages\n");
  ScopedActor me(system);
  for (const char* who : {"ada", "grace", "barbara"}) {
    auto answer = me.request<std::string>(*greeter, std::string(who), 5s);
    std::printf("  reply: %s\n", answer ? answer->c_str() : answer.error().describe().c_str());
  }
  (void)system.send("counter", Add{10});
  auto total = me.request<int>(*counter, Total{}, 5s);
  std::printf("  counter total: %d\n", total ? *total : -1);

  std::printf("2. a crash, seen by a monitor\n");
  const MonitorRef ref = me.monitor(*counter);
  (void)me.send(*counter, Crash{"asked to crash"});
  auto down = me.await_down(ref, 5s);
  if (!down) {
    std::fprintf(stderr, "no DownMessage: %s\n", down.error().describe().c_str());
    return 1;
  }
  std::printf("  monitor fired: %s exited with %s\n", down->actor.to_string().c_str(),
              down->reason.to_string().c_str());

  std::printf("3. the name was released with the actor\n");
  auto sent = system.send("counter", Add{1});
  std::printf("  send to \"counter\": %s\n", sent ? "ok" : sent.error().describe().c_str());

  std::printf("4. shutdown\n");
  auto report = system.shutdown();
  std::printf("  stopped %zu actors, %zu undelivered, %s\n", report.actors_stopped,
              report.undelivered, report.clean() ? "clean" : "stuck actors");
  return report.clean() ? 0 : 1;
}
