// A wasm component as an actor. Each ComponentActor owns exactly one fresh
// wasm instance; a restart creates a new ComponentActor (and instance)
// behind the same kept address, so no state, memory or globals survive a
// crash. See docs/guest-abi.md for what the guest sees.
#pragma once

#include <cstdint>
#include <memory>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/supervisor/supervised.hpp"
#include "airssys/wasm/component_spec.hpp"
#include "airssys/wasm/component_state.hpp"

namespace airssys::wasm {

namespace detail {
class ComponentHost;
}

// Ask a component for its health (request; reply: ComponentHealth).
struct CheckHealth {};
enum class ComponentHealth : std::uint8_t { healthy, degraded, unhealthy };
const char* to_string(ComponentHealth h) noexcept;

class ComponentActor final : public rt::Actor, public supervisor::Supervised {
 public:
  // `supervisor` is the supervising actor to report readiness to, or none.
  ComponentActor(std::shared_ptr<const ComponentSpec> spec, std::shared_ptr<ComponentStatus> status,
                 rt::Address supervisor);
  ~ComponentActor() override;

  void on_start(rt::ActorContext& ctx) override;
  bool on_message(rt::ActorContext& ctx, rt::Message& msg) override;
  void on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) override;
  bool reports_readiness() const override { return !supervisor_.is_none(); }

 private:
  std::unique_ptr<detail::ComponentHost> host_;
  rt::Address supervisor_;
};

}  // namespace airssys::wasm
