#include "system_runner.hpp"

#include <unistd.h>

#include <algorithm>
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
    } else {
      same->modules.push_back(c.module);
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
}

SystemRunner::~SystemRunner() {
  wasm::cancel_aot_compiles();  // a worker still in a C compile would hold up the shutdown
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
      spec.children.push_back(
          supervisor::supervisor_child(child.sup->name, std::move(*nested), child.sup->restart));
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
    auto spec_child = spawner_->child_spec(cs);
    if (!spec_child) return spec_child.error();
    spec.children.push_back(std::move(*spec_child));
  }
  return spec;
}

Result<rt::Address> SystemRunner::start() {
  auto spec = build(config_.root());
  if (!spec) return spec.error();
  spec->events = events_;
  spec->tree = tree_;
  auto root = supervisor::start_supervisor(*system_, std::move(*spec));
  if (!root) return root.error();
  root_ = *root;
  return root_;
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
  for (const auto& c : config_.components) out.push_back(c.name);
  return out;
}

bool SystemRunner::is_permanent(const std::string& component) const {
  for (const auto& c : config_.components) {
    if (c.name == component) return c.restart == supervisor::RestartPolicy::permanent;
  }
  return false;
}

}  // namespace airssys::app
