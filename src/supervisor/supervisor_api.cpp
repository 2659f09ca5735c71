#include <memory>

#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "supervisor_actor.hpp"

namespace airssys::supervisor {

Result<rt::Address> start_supervisor(rt::ActorSystem& system, SupervisorSpec spec,
                                     rt::Duration timeout) {
  if (auto valid = spec.validate(); !valid) return valid.error();
  if (!spec.tree) {
    // Not owned: the tree reads the system's clock only while the system runs.
    spec.tree = std::make_shared<SupervisionTree>(
        std::shared_ptr<rt::Clock>(std::shared_ptr<void>{}, &system.clock()));
  }
  rt::ScopedActor waiter(system);
  std::string path = spec.name;
  auto actor = std::make_unique<detail::SupervisorActor>(std::move(spec), path, "",
                                                         waiter.address(), rt::Address{});
  rt::SpawnOptions options;
  options.name = path;  // a supervisor is registered under its name
  options.local_name = true;
  auto spawned = system.spawn(std::move(actor), options);
  if (!spawned) {
    return Error{spawned.error().code,
                 "supervisor '" + path + "' cannot start: " + spawned.error().message};
  }
  rt::MessagePtr answer = waiter.receive_if(
      [](const rt::Message& m) { return m.is<ChildReady>() || m.is<detail::InitFailed>(); },
      timeout);
  if (!answer) {
    (void)system.exit(*spawned, rt::ExitReason::kill());
    return Error{ErrorCode::timeout, "supervisor '" + path + "' did not start in time"};
  }
  if (answer->is<detail::InitFailed>()) {
    return Error{ErrorCode::internal, "supervisor '" + path + "' failed to start: " +
                                          answer->as<detail::InitFailed>().reason.to_string()};
  }
  return *spawned;
}

ChildSpec supervisor_child(std::string id, SupervisorSpec spec, RestartPolicy restart) {
  spec.name = id;
  auto shared = std::make_shared<const SupervisorSpec>(std::move(spec));
  ChildSpec child = ChildSpec::permanent(std::move(id), [shared](const ChildStartInfo& info) {
    SupervisorSpec copy = *shared;
    copy.tree = info.tree;
    if (!copy.events) copy.events = info.events;
    const std::string parent_path = info.path.substr(0, info.path.rfind('/'));
    return StartResult::start(std::make_unique<detail::SupervisorActor>(
        std::move(copy), info.path, parent_path, info.supervisor, info.supervisor));
  });
  child.restart = restart;
  child.name = child.id;  // registered under its name, as the root is
  child.type = ChildType::supervisor;
  child.shutdown = ShutdownPolicy::infinity();
  child.startup_timeout = rt::Duration::max();
  return child;
}

namespace {

template <class R, class T>
Result<R> ask(rt::ActorSystem& system, rt::Address to, T&& request, rt::Duration timeout) {
  return system.request<R>(to, std::forward<T>(request), timeout);
}

Result<void> as_void(const Result<bool>& r) {
  if (!r) return r.error();
  return {};
}

}  // namespace

Result<std::vector<ChildInfo>> SupervisorRef::which_children() {
  return ask<std::vector<ChildInfo>>(system_, address_, protocol::WhichChildren{}, timeout_);
}

Result<ChildCounts> SupervisorRef::count_children() {
  return ask<ChildCounts>(system_, address_, protocol::CountChildren{}, timeout_);
}

Result<rt::Address> SupervisorRef::start_child(ChildSpec spec) {
  return ask<rt::Address>(system_, address_, protocol::StartChild{std::move(spec)}, timeout_);
}

Result<rt::Address> SupervisorRef::start_child(std::any args) {
  return ask<rt::Address>(system_, address_, protocol::StartDynamicChild{std::move(args)},
                          timeout_);
}

Result<void> SupervisorRef::terminate_child(const std::string& id) {
  return as_void(ask<bool>(system_, address_, protocol::TerminateChild{id, {}}, timeout_));
}

Result<void> SupervisorRef::terminate_child(rt::Address child) {
  return as_void(ask<bool>(system_, address_, protocol::TerminateChild{{}, child}, timeout_));
}

Result<rt::Address> SupervisorRef::restart_child(const std::string& id) {
  return ask<rt::Address>(system_, address_, protocol::RestartChild{id}, timeout_);
}

Result<void> SupervisorRef::delete_child(const std::string& id) {
  return as_void(ask<bool>(system_, address_, protocol::DeleteChild{id}, timeout_));
}

Result<SupervisionHandle> SupervisorRef::handle(const std::string& id) {
  return ask<SupervisionHandle>(system_, address_, protocol::GetHandle{id}, timeout_);
}

Result<rt::ExitReason> SupervisorRef::stop() {
  rt::ScopedActor waiter(system_);
  const rt::MonitorRef ref = waiter.monitor(address_);
  if (auto sent = system_.exit(address_, rt::ExitReason::shutdown()); !sent) return sent.error();
  auto down = waiter.await_down(ref, timeout_);
  if (!down) return down.error();
  return down->reason;
}

}  // namespace airssys::supervisor
