// What a supervised child can tell its supervisor beyond "I exited".
#pragma once

#include "airssys/rt/actor_context.hpp"

namespace airssys::supervisor {

// Sent by a child to its supervisor when it is ready. For plain actors the
// supervisor's wrapper sends it as soon as on_start returns; actors that
// become ready later (a nested supervisor once its own children are up, a
// component after its first health check) implement Supervised and send it
// themselves with report_ready().
struct ChildReady {};

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

}  // namespace airssys::supervisor
