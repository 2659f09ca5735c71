// The supervisor's admin protocol (OTP's which_children, count_children,
// start_child, terminate_child, restart_child, delete_child), answered by
// the supervisor actor. Queries are answered at once; a change to a child
// of one_for_one or simple_one_for_one is that child's own business and
// never waits for its siblings; in one_for_all and rest_for_one a change is
// a step of the group's plan.
#include "supervisor_actor.hpp"

namespace airssys::supervisor::detail {

using rt::ActorContext;
using rt::Address;

bool SupervisorActor::is_admin(const rt::Message& msg) {
  return is_query(msg) || msg.is<protocol::StartChild>() || msg.is<protocol::StartDynamicChild>() ||
         msg.is<protocol::TerminateChild>() || msg.is<protocol::RestartChild>() ||
         msg.is<protocol::DeleteChild>();
}

bool SupervisorActor::is_query(const rt::Message& msg) {
  return msg.is<protocol::WhichChildren>() || msg.is<protocol::CountChildren>() ||
         msg.is<protocol::GetHandle>();
}

void SupervisorActor::answer_started(ActorContext& ctx, Child& child) {
  for (const auto& to : child.start_replies) {
    (void)ctx.reply_to(to, child.alive() ? child.address : Address{});
  }
  child.start_replies.clear();
}

void SupervisorActor::answer_start_failed(ActorContext& ctx, Child& child, const std::string& why) {
  for (const auto& to : child.start_replies) {
    (void)ctx.reply_error_to(
        to, Error{shutting_down_ ? ErrorCode::system_stopping : ErrorCode::internal,
                  "supervisor '" + path_ + "': child '" + child.id + "' failed to start: " + why});
  }
  child.start_replies.clear();
}

void SupervisorActor::answer_stopped(ActorContext& ctx, Child& child) {
  for (const auto& to : child.stop_replies) (void)ctx.reply_to(to, true);
  child.stop_replies.clear();
}

void SupervisorActor::handle_admin(ActorContext& ctx, rt::Message& msg, const ReplyToken& to) {
  auto fail = [&](ErrorCode code, std::string text) {
    (void)ctx.reply_error_to(to, Error{code, "supervisor '" + path_ + "': " + std::move(text)});
  };
  if (shutting_down_) return fail(ErrorCode::system_stopping, "shutting down");
  const bool simple = spec_.config.strategy == Strategy::simple_one_for_one;

  if (msg.is<protocol::WhichChildren>()) {
    std::vector<ChildInfo> out;
    out.reserve(children_.size());
    for (auto& c : children_) out.push_back(info(*c));
    (void)ctx.reply_to(to, std::move(out));
    return;
  }
  if (msg.is<protocol::CountChildren>()) {
    ChildCounts counts;
    counts.specs = simple ? 1 : children_.size();
    counts.active = alive_;
    for (auto& c : children_) {
      if (c->spec->type == ChildType::supervisor)
        ++counts.supervisors;
      else
        ++counts.workers;
    }
    (void)ctx.reply_to(to, counts);
    return;
  }
  if (msg.is<protocol::GetHandle>()) {
    Child* c = find(msg.as<protocol::GetHandle>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found, "no child '" + msg.as<protocol::GetHandle>().id + "'");
    auto handle = tree_->handle(c->path);
    if (!handle) return fail(ErrorCode::internal, "child '" + c->id + "' is not in the tree");
    (void)ctx.reply_to(to, std::move(*handle));
    return;
  }

  // Starts answer when the child is ready (or failed), stops when it stopped.
  auto start = [&](Child& child, OnStartFailure on_failure) {
    child.start_replies.push_back(to);
    if (is_group()) {
      plan_.emplace_back(StartStep{child.key, on_failure});
    } else {
      start_child(ctx, child, on_failure);
    }
  };
  auto busy = [](const Child& c) {
    return c.alive() ? "is running" : c.waits_for_restart() ? "is being restarted" : nullptr;
  };

  if (msg.is<protocol::StartChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument,
                  "simple_one_for_one takes start arguments, not specs");
    ChildSpec& spec = msg.as<protocol::StartChild>().spec;
    if (auto r = spec.validate(); !r) return fail(ErrorCode::invalid_argument, r.error().message);
    if (find(spec.id) != nullptr)
      return fail(ErrorCode::name_taken, "child '" + spec.id + "' already present");
    std::string id = spec.id;
    start(add_child(std::make_shared<ChildSpec>(std::move(spec)), std::move(id), {}),
          OnStartFailure::reply_and_remove);
    return;
  }
  if (msg.is<protocol::StartDynamicChild>()) {
    if (!simple)
      return fail(ErrorCode::invalid_argument,
                  "only simple_one_for_one supervisors start children from arguments");
    auto templ = std::make_shared<ChildSpec>(spec_.children.front());
    std::string id = templ->id + "-" + std::to_string(++dynamic_serial_);
    templ->name.clear();  // many children from one spec cannot share a name
    start(add_child(std::move(templ), std::move(id),
                    std::move(msg.as<protocol::StartDynamicChild>().args)),
          OnStartFailure::reply_and_remove);
    return;
  }
  if (msg.is<protocol::TerminateChild>()) {
    const auto& request = msg.as<protocol::TerminateChild>();
    Child* c = request.address ? find(request.address) : find(request.id);
    if (c == nullptr) {
      return fail(
          ErrorCode::name_not_found,
          "no child '" + (request.address ? request.address.to_string() : request.id) + "'");
    }
    if (!c->alive() && !c->waits_for_restart()) {
      // Already stopped: nothing to do (OTP answers ok).
      (void)ctx.reply_to(to, true);
      return;
    }
    c->stop_replies.push_back(to);
    if (is_group()) {
      plan_.emplace_back(StopStep{c->key, true, SupervisionState::stopped});
    } else {
      stop_child(ctx, *c, true, SupervisionState::stopped);
    }
    return;
  }
  if (msg.is<protocol::RestartChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument,
                  "simple_one_for_one children cannot be restarted by id");
    Child* c = find(msg.as<protocol::RestartChild>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found,
                  "no child '" + msg.as<protocol::RestartChild>().id + "'");
    if (const char* why = busy(*c))
      return fail(ErrorCode::invalid_argument, "child '" + c->id + "' " + why);
    start(*c, OnStartFailure::reply_and_keep);
    return;
  }
  if (msg.is<protocol::DeleteChild>()) {
    if (simple)
      return fail(ErrorCode::invalid_argument, "simple_one_for_one children cannot be deleted");
    Child* c = find(msg.as<protocol::DeleteChild>().id);
    if (c == nullptr)
      return fail(ErrorCode::name_not_found,
                  "no child '" + msg.as<protocol::DeleteChild>().id + "'");
    if (const char* why = busy(*c))
      return fail(ErrorCode::invalid_argument, "child '" + c->id + "' " + why);
    remove_child(c->key);
    (void)ctx.reply_to(to, true);
    return;
  }
}

}  // namespace airssys::supervisor::detail
