// A wasm component as an actor. Each ComponentActor owns exactly one fresh
// wasm instance; a restart creates a new ComponentActor (and instance)
// behind the same kept address, so no state, memory or globals survive a
// crash. A module not yet compiled for the aot engine is compiled on the
// compile threads while the actor waits, handling messages (they wait with
// it) and stop requests. See docs/guest-abi.md for what the guest sees.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/supervisor/supervised.hpp"
#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/wasm/component_spec.hpp"
#include "airssys/wasm/component_state.hpp"

namespace airssys::wasm {

namespace detail {
class ComponentHost;
}

// Ask a component for its health (request; reply: ComponentHealth). The
// periodic checks of HealthSettings run on their own.
struct CheckHealth {};

class ComponentActor final : public rt::Actor, public supervisor::Supervised {
 public:
  // `supervisor` is the supervising actor to report readiness to, or none;
  // `tree` and `path`, when given, are where its health is shown.
  ComponentActor(std::shared_ptr<const ComponentSpec> spec, std::shared_ptr<ComponentStatus> status,
                 rt::Address supervisor,
                 std::shared_ptr<supervisor::SupervisionTree> tree = nullptr,
                 std::string path = {});
  ~ComponentActor() override;

  void on_start(rt::ActorContext& ctx) override;
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override;
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override;
  bool reports_readiness() const override { return !supervisor_.is_none(); }

 private:
  // Where the start is: waiting for the module's compile, the instance
  // initialised but no health check passed yet, or Ready.
  enum class Phase { compiling, starting, ready };

  // After the instance was started (or failed to): health checks, Ready.
  void started(rt::ActorContext& ctx, std::optional<rt::ExitReason> failed);
  // The compile ended: the start goes on.
  void resume(rt::ActorContext& ctx);
  void become_ready(rt::ActorContext& ctx);
  void check_health(rt::ActorContext& ctx);
  // Arms the timer of the check due at check_due_.
  void schedule_check(rt::ActorContext& ctx);
  // Handles one message's bytes now: handled, refused for its size (the
  // caller makes it a too_large dead letter), or the component failed on it.
  enum class Delivery { handled, too_large, failed };
  Delivery deliver(rt::ActorContext& ctx, rt::Message& msg, const std::uint8_t* data,
                   std::size_t len, const rt::ActorContext::ReplyToken* token);

  std::unique_ptr<detail::ComponentHost> host_;
  rt::Address supervisor_;
  std::shared_ptr<supervisor::SupervisionTree> tree_;
  std::string path_;
  rt::ActorSystem* system_ = nullptr;
  rt::Address self_;
  Phase phase_ = Phase::starting;
  bool checks_ = false;                                 // periodic health checks run
  bool gated_ = false;                                  // Ready waits for the first passing check
  std::optional<rt::Clock::time_point> backlog_since_;  // stuck detection
  std::uint64_t incarnation_ = 0;  // tells this instance's check timers from older ones
  // When the next check is due: initial_delay after start, then every
  // interval (fixed rate, so checks do not drift by their own run time).
  rt::Clock::time_point check_due_;
  std::uint32_t failures_ = 0;  // failed checks in a row
  // Messages that arrived before the first health check passed, with how
  // to answer them; handled in order once Ready.
  struct Waiting {
    rt::MessagePtr msg;
    rt::ActorContext::ReplyToken token;
  };
  std::deque<Waiting> waiting_;
};

}  // namespace airssys::wasm
