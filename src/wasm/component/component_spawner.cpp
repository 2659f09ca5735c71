#include "airssys/wasm/component_spawner.hpp"

#include <algorithm>
#include <any>
#include <memory>

#include "airssys/supervisor/supervision_tree.hpp"
#include "airssys/wasm/component_actor.hpp"

namespace airssys::wasm {
namespace {

// What args_get / environ_get would copy into the guest, bounded before any
// instance exists: `base` bytes are taken already (argv[0]).
Result<void> check_wasi_strings(const char* what, const std::vector<std::string>& strings,
                                std::size_t base, bool variables) {
  auto fail = [&](const std::string& why) {
    return Error{ErrorCode::invalid_argument, std::string(what) + ": " + why};
  };
  if (strings.size() > ComponentSpec::kMaxWasiStrings) {
    return fail(std::to_string(strings.size()) + " entries, more than " +
                std::to_string(ComponentSpec::kMaxWasiStrings));
  }
  std::size_t bytes = base;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    const std::string& s = strings[i];
    if (s.find('\0') != std::string::npos) {
      return fail("entry " + std::to_string(i) + " contains a NUL byte");
    }
    if (variables && (s.empty() || s.front() == '=' || s.find('=') == std::string::npos)) {
      return fail("entry " + std::to_string(i) + " is not NAME=value");
    }
    bytes += s.size() + 1;
    if (bytes > ComponentSpec::kMaxWasiBytes) {
      return fail("more than " + std::to_string(ComponentSpec::kMaxWasiBytes) + " bytes together");
    }
  }
  return {};
}

}  // namespace

Result<void> ComponentSpec::validate() const {
  auto fail = [&](const std::string& what) {
    return Error{ErrorCode::invalid_argument,
                 "component \"" + (name.empty() ? std::string("?") : name) + "\": " + what};
  };
  if (name.empty()) return fail("needs a name");
  if (!module) return fail("needs a module");
  if (auto r = limits.validate(); !r) return fail(r.error().message);
  if (auto r = health.validate(); !r) return fail(r.error().message);
  if (auto r = module->check_capabilities(capabilities); !r) return fail(r.error().message);
  if (auto r = check_wasi_strings("args", args, name.size() + 1, false); !r) {
    return fail(r.error().message);
  }
  if (auto r = check_wasi_strings("env", env, 0, true); !r) return fail(r.error().message);
  if (module->initial_pages() > limits.memory_limit / 65536) {
    return fail("module " + module->name() + " starts with " +
                std::to_string(module->initial_pages()) + " pages, above memory_limit");
  }
  return {};
}

std::shared_ptr<ComponentStatus> ComponentSpawner::register_status(const ComponentSpec& spec,
                                                                   Result<void>& error) {
  auto status = std::make_shared<ComponentStatus>(spec.name);
  error = registry_.add(status);
  if (!error) return nullptr;
  return status;
}

Result<rt::Address> ComponentSpawner::spawn_component(const ComponentSpec& spec) {
  Result<void> error = spec.validate();
  if (!error) return error.error();
  auto status = register_status(spec, error);
  if (!status) return error.error();
  auto shared = std::make_shared<const ComponentSpec>(spec);
  rt::SpawnOptions options;
  options.name = spec.name;
  options.mailbox_capacity = spec.limits.mailbox_capacity;
  auto address =
      system_.spawn(std::make_unique<ComponentActor>(shared, status, rt::Address::none()), options);
  if (!address) {
    registry_.remove(spec.name);
    return address.error();
  }
  status->set_address(*address);
  return address;
}

namespace {

// The child settings a component spec describes, starting with `start`.
supervisor::ChildSpec child_of(const ComponentSpec& spec, supervisor::ChildFactory start) {
  supervisor::ChildSpec child = supervisor::ChildSpec::permanent(spec.name, std::move(start));
  child.with_restart_policy(spec.restart)
      .with_shutdown(spec.shutdown)
      .with_startup_timeout(spec.startup_timeout)
      .with_stash_capacity(spec.stash_capacity)
      .with_mailbox_capacity(spec.limits.mailbox_capacity)
      .with_name(spec.name)
      .as_significant(spec.significant);
  if (spec.backoff) child.with_backoff(*spec.backoff);
  return child;
}

}  // namespace

Result<void> ComponentSpawner::check(const ComponentSpec& spec) {
  if (auto r = spec.validate(); !r) return r;
  if (auto r = child_of(spec, {}).validate_settings(); !r) {
    return Error{ErrorCode::invalid_argument,
                 "component \"" + spec.name + "\": " + r.error().message};
  }
  return {};
}

Result<supervisor::ChildSpec> ComponentSpawner::child_spec(const ComponentSpec& spec) {
  // Everything a supervisor would refuse, refused now: a tree is checked
  // whole before any of it starts.
  if (auto r = check(spec); !r) return r.error();
  Result<void> error;
  auto status = register_status(spec, error);
  if (!status) return error.error();
  auto shared = std::make_shared<const ComponentSpec>(spec);
  return child_of(spec, [shared, status](const supervisor::ChildStartInfo& info) {
    // A new actor and so a new instance on every start: nothing of a
    // crashed instance is reused.
    return supervisor::StartResult::start(
        std::make_unique<ComponentActor>(shared, status, info.supervisor, info.tree, info.path));
  });
}

std::vector<std::string> ComponentPool::instances() const {
  std::lock_guard lock(mutex_);
  return order_;
}

std::size_t ComponentPool::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

void ComponentPool::forget(const std::string& instance) {
  std::lock_guard lock(mutex_);
  if (statuses_.erase(instance) == 0) return;
  std::erase(order_, instance);
  if (registry_ != nullptr) registry_->remove(instance);
}

Result<supervisor::ChildSpec> ComponentSpawner::pool_child_spec(
    const ComponentSpec& spec, const std::shared_ptr<ComponentPool>& pool) {
  if (auto r = check(spec); !r) return r.error();
  if (!pool || pool->max() == 0) {
    return Error{ErrorCode::invalid_argument,
                 "component \"" + spec.name + "\": a pool needs room for one instance at least"};
  }
  pool->registry_ = &registry_;
  auto shared = std::make_shared<const ComponentSpec>(spec);
  ComponentRegistry* registry = &registry_;
  // Runs on the pool's supervisor, one start at a time: the count and the
  // registrations cannot race.
  return child_of(spec, [shared, pool, registry](const supervisor::ChildStartInfo& info) {
    const std::string id = info.path.substr(info.path.rfind('/') + 1);
    const std::string parent = info.path.substr(0, info.path.rfind('/'));
    std::shared_ptr<ComponentStatus> status;
    {
      std::lock_guard lock(pool->mutex_);
      if (auto it = pool->statuses_.find(id); it != pool->statuses_.end()) {
        status = it->second;  // a restart of this instance
      } else {
        // Instances that have left the tree (stopped for good) are
        // registered no longer.
        if (info.tree) {
          std::erase_if(pool->order_, [&](const std::string& n) {
            if (info.tree->handle(parent + "/" + n)) return false;
            pool->statuses_.erase(n);
            registry->remove(n);
            return true;
          });
        }
        if (pool->order_.size() >= pool->max()) {
          return supervisor::StartResult::failed("pool of '" + shared->name +
                                                 "' is at its size limit (max " +
                                                 std::to_string(pool->max()) + ")");
        }
        status = std::make_shared<ComponentStatus>(id);
        if (auto added = registry->add(status); !added) {
          return supervisor::StartResult::failed(added.error().message);
        }
        pool->statuses_.emplace(id, status);
        pool->order_.push_back(id);
      }
    }
    auto instance = std::make_shared<ComponentSpec>(*shared);
    instance->name = id;
    if (const auto* args = std::any_cast<PoolStartArgs>(&info.args))
      instance->config = args->config;
    return supervisor::StartResult::start(std::make_unique<ComponentActor>(
        std::move(instance), status, info.supervisor, info.tree, info.path));
  });
}

Result<rt::Address> ComponentSpawner::spawn_supervised_component(
    supervisor::SupervisorRef& supervisor, const ComponentSpec& spec) {
  auto child = child_spec(spec);
  if (!child) return child.error();
  auto address = supervisor.start_child(std::move(*child));
  if (!address) registry_.remove(spec.name);
  return address;
}

}  // namespace airssys::wasm
