#include "airssys/wasm/component_actor.hpp"

#include <string>

#include "component/component_host.hpp"

namespace airssys::wasm {

const char* to_string(ComponentHealth h) noexcept {
  switch (h) {
    case ComponentHealth::healthy: return "healthy";
    case ComponentHealth::degraded: return "degraded";
    case ComponentHealth::unhealthy: return "unhealthy";
  }
  return "unknown";
}

ComponentActor::ComponentActor(std::shared_ptr<const ComponentSpec> spec,
                               std::shared_ptr<ComponentStatus> status, rt::Address supervisor)
    : host_(std::make_unique<detail::ComponentHost>(std::move(spec), std::move(status))),
      supervisor_(supervisor) {}

ComponentActor::~ComponentActor() = default;

void ComponentActor::on_start(rt::ActorContext& ctx) {
  if (auto failed = host_->start(ctx)) {
    ctx.stop(std::move(*failed));
    return;
  }
  if (!supervisor_.is_none()) (void)supervisor::report_ready(ctx, supervisor_);
}

bool ComponentActor::on_message(rt::ActorContext& ctx, rt::Message& msg) {
  if (host_->crashed()) return false;
  if (msg.kind != rt::MessageKind::user && msg.kind != rt::MessageKind::request) return false;

  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  if (msg.is<rt::Bytes>()) {
    data = msg.as<rt::Bytes>().data();
    len = msg.as<rt::Bytes>().size();
  } else if (msg.is<std::string>()) {
    data = reinterpret_cast<const std::uint8_t*>(msg.as<std::string>().data());
    len = msg.as<std::string>().size();
  } else if (msg.is<CheckHealth>()) {
    ComponentHealth health = ComponentHealth::healthy;
    if (auto failed = host_->health(ctx, health)) {
      ctx.stop(std::move(*failed));
      return true;
    }
    (void)ctx.reply(health);
    return true;
  } else {
    return false;  // not for a component: a dead letter (unhandled)
  }

  const std::size_t limit = host_->spec().limits.max_message_size;
  if (len > limit) {
    if (msg.kind == rt::MessageKind::request) {
      (void)ctx.reply_error(Error{ErrorCode::resource_exhausted,
                                  "message of " + std::to_string(len) +
                                      " bytes exceeds max_message_size " + std::to_string(limit) +
                                      " of component " + host_->spec().name});
      return true;
    }
    return false;  // refused: a dead letter with an event
  }
  if (auto failed = host_->handle(ctx, data, len)) ctx.stop(std::move(*failed));
  return true;
}

void ComponentActor::on_stop(rt::ActorContext& ctx, const rt::ExitReason& reason) {
  if (!reason.is_abnormal()) {
    host_->shutdown(ctx);
  } else if (!host_->crashed()) {
    // Stopped from outside with an abnormal reason (e.g. a linked failure):
    // the guest gets no shutdown call, as an Erlang process killed by a link.
    host_->status().set_failed(reason.to_string());
  }
}

}  // namespace airssys::wasm
