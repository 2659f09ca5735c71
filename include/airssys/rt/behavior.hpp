// Typed handlers for native actors:
//
//   Behavior{
//     [](ActorContext& ctx, const Ping& p) { ctx.reply(Pong{p.n}); },
//     [](ActorContext& ctx, const DownMessage& d) { ... },
//   }
//
// A handler's second parameter selects the payload type it takes; a handler
// taking `Message&` receives whatever no typed handler took.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/type_id.hpp"

namespace airssys::rt {

namespace detail {

template <class F>
struct handler_traits : handler_traits<decltype(&F::operator())> {};

template <class C, class R, class Ctx, class Arg>
struct handler_traits<R (C::*)(Ctx, Arg) const> {
  using arg = std::remove_cv_t<std::remove_reference_t<Arg>>;
  using result = R;
};
template <class C, class R, class Ctx, class Arg>
struct handler_traits<R (C::*)(Ctx, Arg)> {
  using arg = std::remove_cv_t<std::remove_reference_t<Arg>>;
  using result = R;
};
template <class R, class Ctx, class Arg>
struct handler_traits<R (*)(Ctx, Arg)> {
  using arg = std::remove_cv_t<std::remove_reference_t<Arg>>;
  using result = R;
};

}  // namespace detail

class Behavior {
 public:
  using Handler = std::function<bool(ActorContext&, Message&)>;

  Behavior() = default;
  template <class... Fs>
  explicit Behavior(Fs&&... handlers) {
    handlers_.reserve(sizeof...(Fs));
    (add(std::forward<Fs>(handlers)), ...);
  }

  // Adds a handler; its second parameter's type selects the messages it takes.
  template <class F>
  Behavior& add(F&& f) {
    using traits = detail::handler_traits<std::decay_t<F>>;
    using Arg = typename traits::arg;
    using R = typename traits::result;
    static_assert(std::is_void_v<R> || std::is_same_v<R, bool>,
                  "a handler returns void, or bool (false = not handled)");
    if constexpr (std::is_same_v<Arg, Message>) {
      fallback_ = [fn = std::forward<F>(f)](ActorContext& ctx, Message& m) mutable -> bool {
        if constexpr (std::is_void_v<R>) {
          fn(ctx, m);
          return true;
        } else {
          return fn(ctx, m);
        }
      };
    } else {
      handlers_.push_back(
          {type_id<Arg>(),
           [fn = std::forward<F>(f)](ActorContext& ctx, Message& m) mutable -> bool {
             if constexpr (std::is_void_v<R>) {
               fn(ctx, m.as<Arg>());
               return true;
             } else {
               return fn(ctx, m.as<Arg>());
             }
           }});
    }
    return *this;
  }

  Behavior& on_start(std::function<void(ActorContext&)> f) {
    start_ = std::move(f);
    return *this;
  }
  Behavior& on_stop(std::function<void(ActorContext&, const ExitReason&)> f) {
    stop_ = std::move(f);
    return *this;
  }

  bool handle(ActorContext& ctx, Message& m) {
    for (auto& h : handlers_) {
      if (h.type == m.type()) return h.fn(ctx, m);
    }
    return fallback_ ? fallback_(ctx, m) : false;
  }
  void start(ActorContext& ctx) {
    if (start_) start_(ctx);
  }
  void stop(ActorContext& ctx, const ExitReason& r) {
    if (stop_) stop_(ctx, r);
  }

 private:
  struct Entry {
    TypeId type;
    Handler fn;
  };
  std::vector<Entry> handlers_;
  Handler fallback_;
  std::function<void(ActorContext&)> start_;
  std::function<void(ActorContext&, const ExitReason&)> stop_;
};

// Adapts a Behavior to the Actor interface.
class BehaviorActor final : public Actor {
 public:
  explicit BehaviorActor(Behavior b) : behavior_(std::move(b)) {}
  void on_start(ActorContext& ctx) override { behavior_.start(ctx); }
  bool on_message(ActorContext& ctx, Message& m) override { return behavior_.handle(ctx, m); }
  void on_stop(ActorContext& ctx, const ExitReason& r) override { behavior_.stop(ctx, r); }

 private:
  Behavior behavior_;
};

}  // namespace airssys::rt
