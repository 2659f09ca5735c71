// Uses an installed airssys through find_package: one request/reply.
#include <airssys/rt/actor_system.hpp>
#include <airssys/rt/scoped_actor.hpp>
#include <airssys/supervisor/supervisor.hpp>
#include <chrono>
#include <cstdio>

int main() {
  using namespace airssys::rt;
  ActorSystem system;
  auto echo =
      system.spawn(Behavior{[](ActorContext& ctx, const int& n) { (void)ctx.reply(n + 1); }});
  auto answer = system.request<int>(*echo, 41, std::chrono::seconds(10));
  if (!answer || *answer != 42) {
    std::fprintf(stderr, "installed airssys did not answer\n");
    return 1;
  }
  std::printf("installed airssys answered %d\n", *answer);
  return 0;
}
