// OTP supervisors for rt actors, native and wasm alike. A supervisor is an
// actor: it starts its children in order, watches them through links, and
// carries out every restart decision itself (see docs/supervision.md).
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"
#include "airssys/supervisor/child_spec.hpp"
#include "airssys/supervisor/supervision_handle.hpp"
#include "airssys/supervisor/supervisor_config.hpp"

namespace airssys::supervisor {

// Starts a root supervisor and waits until all its children are ready (or
// its start failed: the error says which child and why).
Result<rt::Address> start_supervisor(rt::ActorSystem& system, SupervisorSpec spec,
                                     rt::Duration timeout = std::chrono::seconds(30));

// A child spec that runs a nested supervisor (type supervisor, shutdown
// infinity: it stops its own children first).
ChildSpec supervisor_child(std::string id, SupervisorSpec spec,
                           RestartPolicy restart = RestartPolicy::permanent);

struct ChildInfo {
  std::string id;
  rt::Address address;  // none when not running
  ChildType type = ChildType::worker;
  SupervisionState state = SupervisionState::initializing;
};

struct ChildCounts {
  std::size_t specs = 0;
  std::size_t active = 0;
  std::size_t supervisors = 0;
  std::size_t workers = 0;
};

// The request messages a supervisor answers (for actors talking to it
// asynchronously); SupervisorRef wraps them for plain threads.
namespace protocol {
struct WhichChildren {};  // -> std::vector<ChildInfo>
struct CountChildren {};  // -> ChildCounts
struct StartChild {       // -> rt::Address
  ChildSpec spec;
};
struct StartDynamicChild {  // simple_one_for_one -> rt::Address
  std::any args;
};
struct TerminateChild {  // -> bool
  std::string id;
  rt::Address address;  // simple_one_for_one children are named by address
};
struct RestartChild {  // -> rt::Address
  std::string id;
};
struct DeleteChild {  // -> bool
  std::string id;
};
struct GetHandle {  // -> SupervisionHandle
  std::string id;
};
}  // namespace protocol

// OTP's supervisor API for plain threads (blocking requests).
class SupervisorRef {
 public:
  SupervisorRef(rt::ActorSystem& system, rt::Address supervisor,
                rt::Duration timeout = std::chrono::seconds(30))
      : system_(system), address_(supervisor), timeout_(timeout) {}

  rt::Address address() const { return address_; }

  Result<std::vector<ChildInfo>> which_children();
  Result<ChildCounts> count_children();
  Result<rt::Address> start_child(ChildSpec spec);
  Result<rt::Address> start_child(std::any args);  // simple_one_for_one
  Result<void> terminate_child(const std::string& id);
  Result<void> terminate_child(rt::Address child);  // simple_one_for_one
  Result<rt::Address> restart_child(const std::string& id);
  Result<void> delete_child(const std::string& id);
  Result<SupervisionHandle> handle(const std::string& id);
  // exit(supervisor, shutdown) and wait until it (and so its children) stopped.
  Result<rt::ExitReason> stop();

 private:
  rt::ActorSystem& system_;
  rt::Address address_;
  rt::Duration timeout_;
};

}  // namespace airssys::supervisor
