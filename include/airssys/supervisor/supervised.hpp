// What a supervised child can tell its supervisor beyond "I exited".
#pragma once

#include <string>
#include <utility>

#include "airssys/rt/actor_context.hpp"

namespace airssys::supervisor {

// Sent by a child to its supervisor when it is ready. For plain actors the
// supervisor's wrapper sends it as soon as on_start returns; actors that
// become ready later (a nested supervisor once its own children are up, a
// component after its first health check) implement Supervised and send it
// themselves with report_ready().
struct ChildReady {};

// Sent by a child that reports readiness itself, while it starts: what its
// start is still waiting for (a component whose module is being compiled).
// If the startup timeout passes before the child is ready, the start fails
// with "startup_timeout: <detail>" rather than a bare "startup_timeout". An
// empty detail clears it.
struct ChildStarting {
  std::string detail;
};

class Supervised {
 public:
  virtual ~Supervised() = default;
  // True when the actor calls report_ready() itself instead of being ready
  // when on_start returns.
  virtual bool reports_readiness() const { return false; }
};

inline Result<void> report_ready(rt::ActorContext& ctx, rt::Address supervisor) {
  return ctx.send(supervisor, ChildReady{});
}

inline Result<void> report_starting(rt::ActorContext& ctx, rt::Address supervisor,
                                    std::string detail) {
  return ctx.send(supervisor, ChildStarting{std::move(detail)});
}

}  // namespace airssys::supervisor
