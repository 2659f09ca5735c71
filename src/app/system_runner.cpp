#include "system_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <any>
#include <cstdio>

#include "airssys/rt/scoped_actor.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/aot_compiles.hpp"

namespace airssys::app {
namespace {

// How long a killed component may take to end: a guest call returns at its
// next fuel slice (about 260k instructions), well within this.
constexpr rt::Duration kKillGrace = std::chrono::seconds(2);

}  // namespace

void ComponentStateSink::on_event(const supervisor::SupervisionEvent& e) {
  using K = supervisor::SupervisionEventKind;
  if ((e.kind == K::child_stopped || e.kind == K::child_exited) &&
      e.reason.kind() == rt::ExitKind::killed) {
    // A child id is its component's name (a pool instance's too).
    if (auto status = registry_.status(e.child)) status->set_state(wasm::ComponentState::killed);
  }
  if (e.kind == K::supervisor_stopped) {
    std::lock_guard lock(mutex_);
    stopped_.insert_or_assign(e.supervisor, e.reason);
  }
  if (next_) next_->on_event(e);
}

std::optional<rt::ExitReason> ComponentStateSink::stop_reason(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = stopped_.find(path);
  if (it == stopped_.end()) return std::nullopt;
  return it->second;
}

std::vector<AotModuleUse> aot_modules(const SystemConfig& config,
                                      std::optional<wasm::EngineKind> engine_override) {
  const wasm::EngineKind system_engine = engine_override.value_or(config.system.engine);
  std::vector<AotModuleUse> uses;
  for (const auto& c : config.components) {
    if (!c.module || c.engine.value_or(system_engine) != wasm::EngineKind::aot) continue;
    std::error_code ec;
    std::filesystem::path path = std::filesystem::weakly_canonical(c.module_path, ec);
    if (ec) path = c.module_path;
    auto same = std::find_if(uses.begin(), uses.end(),
                             [&](const AotModuleUse& u) { return u.path == path; });
    if (same == uses.end()) {
      uses.push_back({path, {c.module}, &c});
    } else if (std::find(same->modules.begin(), same->modules.end(), c.module) ==
               same->modules.end()) {
      same->modules.push_back(c.module);  // the same file, read apart (not shared)
    }
  }
  return uses;
}

SystemRunner::SystemRunner(const SystemConfig& config, std::shared_ptr<EventLog> events,
                           std::optional<wasm::EngineKind> engine_override)
    : config_(config),
      events_(std::move(events)),
      engine_(engine_override.value_or(config.system.engine)),
      tree_(std::make_shared<supervisor::SupervisionTree>()),
      guest_log_(std::make_shared<LineWriter>(STDERR_FILENO)) {
  rt::ActorSystemConfig sc;
  sc.workers = config.system.workers;
  sc.events = events_;
  sc.shutdown_timeout = config.system.shutdown_timeout;
  system_ = std::make_unique<rt::ActorSystem>(sc);
  spawner_ = std::make_unique<wasm::ComponentSpawner>(*system_, registry_);
  state_sink_ = std::make_shared<ComponentStateSink>(registry_, events_);
}

SystemRunner::~SystemRunner() {
  wasm::cancel_aot_compiles();  // a worker still in a C compile would hold up the shutdown
  // The node leaves before the actors go: its peers learn it at once, and
  // nothing arrives for actors that are ending.
  if (cluster_) cluster_->leave();
  spawner_.reset();
  system_.reset();  // shuts the actor system down
}

Result<supervisor::SupervisorSpec> SystemRunner::build(const SupervisorDecl& decl) {
  supervisor::SupervisorSpec spec;
  spec.name = decl.name;
  spec.config = decl.config;
  // Children in the order the file lists them, supervisors and components alike.
  struct Child {
    SourcePosition at;
    const SupervisorDecl* sup = nullptr;
    const ComponentDecl* comp = nullptr;
  };
  std::vector<Child> children;
  const bool is_root = &decl == &config_.root();
  for (const auto& s : config_.supervisors) {
    if (&s != &config_.root() && (s.parent == decl.name || (is_root && s.parent.empty()))) {
      children.push_back({s.at, &s, nullptr});
    }
  }
  for (const auto& c : config_.components) {
    if (c.supervisor == decl.name || (is_root && c.supervisor.empty())) {
      children.push_back({c.at, nullptr, &c});
    }
  }
  std::stable_sort(children.begin(), children.end(), [](const Child& a, const Child& b) {
    return a.at.line < b.at.line || (a.at.line == b.at.line && a.at.column < b.at.column);
  });
  for (const auto& child : children) {
    if (child.sup != nullptr) {
      auto nested = build(*child.sup);
      if (!nested) return nested.error();
      // Checked now, not when its parent starts it: nothing starts of a
      // tree that would fail part way.
      if (auto ok = nested->validate(); !ok) return ok.error();
      auto sup =
          supervisor::supervisor_child(child.sup->name, std::move(*nested), child.sup->restart);
      sup.shutdown = child.sup->shutdown;
      sup.significant = child.sup->significant;
      spec.children.push_back(std::move(sup));
      continue;
    }
    const ComponentDecl& c = *child.comp;
    wasm::ComponentSpec cs = component_spec_of(c, engine_);
    cs.on_health_change = [events = events_](const std::string& component,
                                             wasm::ComponentHealth before,
                                             wasm::ComponentHealth now, const std::string& detail) {
      events->health_changed(component, wasm::to_string(before), wasm::to_string(now), detail);
    };
    cs.log_level = log_level_;
    cs.logger = [out = guest_log_](const std::string& component, int level, std::string_view text) {
      static const char* const kLevels[] = {"debug", "info", "warn", "error"};
      // Queued for the writer thread: a slow standard error never holds
      // up the worker running the guest.
      (void)out->write("[" + component + "] " + kLevels[std::clamp(level, 0, 3)] + ": " +
                       std::string(text));
    };
    Result<supervisor::ChildSpec> spec_child = Error{};
    if (c.pool) {
      auto pool = std::make_shared<wasm::ComponentPool>(c.name, c.pool->max);
      spec_child = spawner_->pool_child_spec(cs, pool);
      pools_[decl.name] = std::move(pool);
    } else {
      spec_child = spawner_->child_spec(cs);
    }
    if (!spec_child) return spec_child.error();
    spec.children.push_back(std::move(*spec_child));
  }
  return spec;
}

Result<rt::Address> SystemRunner::start() {
  if (config_.cluster) {
    auto events = events_;
    auto joined = cluster::ClusterNode::join(
        *system_, *config_.cluster, [events](const cluster::ClusterEvent& e) {
          events->cluster_event(cluster::to_string(e.kind), e.node, e.detail);
        });
    if (!joined) {
      return Error{joined.error().code, "cannot join cluster '" + config_.cluster->name +
                                            "' as node '" + config_.cluster->node +
                                            "': " + joined.error().message};
    }
    cluster_ = std::move(*joined);
  }
  auto spec = build(config_.root());
  if (!spec) return spec.error();
  spec->events = state_sink_;
  spec->tree = tree_;
  auto root = supervisor::start_supervisor(*system_, std::move(*spec));
  if (!root) return root.error();
  root_ = *root;
  for (const auto& name : pool_names()) {
    const ComponentDecl* c = config_.pool_template(name);
    for (std::size_t i = 0; c != nullptr && i < c->pool->initial; ++i) {
      auto started = start_pool_instance(name);
      if (!started) {
        return Error{started.error().code, "pool '" + name + "': instance " +
                                               std::to_string(i + 1) + " of " +
                                               std::to_string(c->pool->initial) +
                                               " did not start: " + started.error().message};
      }
    }
  }
  return root_;
}

std::vector<std::string> SystemRunner::pool_names() const {
  std::vector<std::string> out;
  for (const auto& s : config_.supervisors) {
    if (pools_.count(s.name) != 0) out.push_back(s.name);
  }
  return out;
}

std::shared_ptr<wasm::ComponentPool> SystemRunner::pool(const std::string& supervisor) const {
  auto it = pools_.find(supervisor);
  return it == pools_.end() ? nullptr : it->second;
}

Result<PoolInstance> SystemRunner::start_pool_instance(const std::string& name,
                                                       std::optional<rt::Bytes> config) {
  auto p = pool(name);
  if (!p) return Error{ErrorCode::name_not_found, "no pool named '" + name + "'"};
  auto address = supervisor_address(name);
  if (!address) return Error{ErrorCode::system_stopping, "pool '" + name + "' is not running"};
  supervisor::SupervisorRef ref(*system_, *address, std::chrono::seconds(30));
  std::lock_guard lock(pool_starts_);
  auto children = ref.which_children();
  if (!children) return children.error();
  if (children->size() >= p->max()) {
    return Error{ErrorCode::resource_exhausted,
                 "pool '" + name + "' is at its size limit (max " + std::to_string(p->max()) + ")"};
  }
  std::any args;
  if (config) args = wasm::PoolStartArgs{std::move(*config)};
  auto started = ref.start_child(std::move(args));
  if (!started) return started.error();
  children = ref.which_children();
  if (!children) return children.error();
  for (const auto& child : *children) {
    if (child.address == *started) return PoolInstance{child.id, child.address};
  }
  // Gone already (it exited at once): its id is not known any more.
  return Error{ErrorCode::actor_exited, "the new instance of pool '" + name + "' exited at once"};
}

Result<std::string> SystemRunner::stop_pool_instance(const std::string& name,
                                                     const std::string& instance) {
  auto p = pool(name);
  if (!p) return Error{ErrorCode::name_not_found, "no pool named '" + name + "'"};
  auto sup = supervisor_address(name);
  if (!sup) return Error{ErrorCode::system_stopping, "pool '" + name + "' is not running"};
  supervisor::SupervisorRef ref(*system_, *sup, std::chrono::seconds(30));
  auto children = ref.which_children();
  if (!children) return children.error();
  const supervisor::ChildInfo* found = nullptr;
  for (const auto& child : *children) {
    if (child.id == instance || (child.address && child.address.to_string() == instance)) {
      found = &child;
    }
  }
  if (found == nullptr) {
    return Error{ErrorCode::name_not_found,
                 "pool '" + name + "' has no instance '" + instance + "'"};
  }
  const std::string stopped = found->id;
  if (auto done = ref.terminate_child(stopped); !done) return done.error();
  p->forget(stopped);
  return stopped;
}

Result<void> SystemRunner::delete_component(const std::string& name) {
  const ComponentDecl* decl = nullptr;
  for (const auto& c : config_.components) {
    if (c.name == name && !c.pool) decl = &c;
  }
  if (decl == nullptr || !registry_.status(name)) {
    for (const auto& [sup, p] : pools_) {
      const auto instances = p->instances();
      if (std::find(instances.begin(), instances.end(), name) != instances.end()) {
        return Error{ErrorCode::invalid_argument,
                     "'" + name + "' is an instance of pool '" + sup +
                         "': stop it with the pool's stop, which removes it"};
      }
    }
    return Error{ErrorCode::name_not_found, "no component named '" + name + "'"};
  }
  auto parent = supervisor_address(parent_of(name));
  if (!parent) {
    return Error{ErrorCode::system_stopping, "the supervisor of '" + name + "' is not running"};
  }
  supervisor::SupervisorRef ref(*system_, *parent, std::chrono::seconds(30));
  if (auto done = ref.delete_child(name); !done) return done.error();
  registry_.remove(name);
  return {};
}

Result<rt::ExitReason> SystemRunner::stop() {
  // Shutting down: a component still starting must not wait for its C
  // compile (nor may a restart start one).
  wasm::cancel_aot_compiles();
  if (root_.is_none() || !system_->is_alive(root_)) return rt::ExitReason::noproc();
  const rt::Duration limit = config_.system.shutdown_timeout;
  supervisor::SupervisorRef ref(*system_, root_, limit);
  auto stopped = ref.stop();
  if (stopped || stopped.error().code != ErrorCode::timeout) return stopped;

  // Past shutdown_timeout. The supervisors go first, so none restarts a
  // component killed after it; a component in a guest call ends at the
  // call's next fuel slice (interrupted as `killed`).
  rt::ScopedActor waiter(*system_);
  for (const auto& s : config_.supervisors) {
    if (auto a = system_->whereis(s.name)) (void)system_->exit(*a, rt::ExitReason::kill());
  }
  std::vector<std::pair<std::shared_ptr<wasm::ComponentStatus>, rt::MonitorRef>> dying;
  for (const auto& c : config_.components) {
    auto status = registry_.status(c.name);
    if (!status || !system_->is_alive(status->address())) continue;
    dying.emplace_back(status, waiter.monitor(status->address()));
    (void)system_->exit(status->address(), rt::ExitReason::kill());
  }
  std::string names;
  for (auto& [status, ref] : dying) {
    (void)waiter.await_down(ref, kKillGrace);
    status->set_state(wasm::ComponentState::killed);
    killed_.push_back(status->name());
    names += (names.empty() ? "" : ", ") + status->name();
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
  return Error{ErrorCode::timeout, "the tree did not stop within shutdown_timeout (" +
                                       std::to_string(ms) + " ms)" +
                                       (names.empty() ? std::string() : ": killed " + names)};
}

std::string SystemRunner::parent_of(const std::string& name) const {
  for (const auto& c : config_.components) {
    if (c.name == name) return c.supervisor.empty() ? config_.root().name : c.supervisor;
  }
  for (const auto& [sup, p] : pools_) {
    const auto instances = p->instances();
    if (std::find(instances.begin(), instances.end(), name) != instances.end()) return sup;
  }
  for (const auto& s : config_.supervisors) {
    if (s.name == name) return s.parent;
  }
  return {};
}

std::optional<rt::Address> SystemRunner::supervisor_address(const std::string& name) const {
  return system_->whereis(name);
}

std::vector<std::string> SystemRunner::component_names() const {
  std::vector<std::string> out;
  for (const auto& c : config_.components) {
    if (!c.pool) {
      if (registry_.status(c.name)) out.push_back(c.name);
      continue;
    }
    const std::string sup = c.supervisor.empty() ? config_.root().name : c.supervisor;
    if (auto p = pool(sup)) {
      for (auto& n : p->instances()) out.push_back(std::move(n));
    }
  }
  return out;
}

bool SystemRunner::is_permanent(const std::string& component) const {
  const std::string parent = parent_of(component);
  for (const auto& c : config_.components) {
    if (c.name == component ||
        (c.pool && (c.supervisor.empty() ? config_.root().name : c.supervisor) == parent)) {
      return c.restart == supervisor::RestartPolicy::permanent;
    }
  }
  return false;
}

}  // namespace airssys::app
