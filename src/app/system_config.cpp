#include "airssys/app/system_config.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>

#include "admin_address.hpp"
#include "airssys/app/units.hpp"
#include "airssys/supervisor/supervisor.hpp"
#include "airssys/wasm/aot_compiles.hpp"
#include "airssys/wasm/component_spawner.hpp"

namespace airssys::app {

std::string ConfigError::describe() const {
  std::string s = file;
  if (at.line != 0) s += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
  return s + ": " + message;
}

namespace {

namespace sv = supervisor;

SourcePosition position_of(const toml::source_region& r) {
  return {static_cast<std::uint32_t>(r.begin.line), static_cast<std::uint32_t>(r.begin.column)};
}

// Reads one table against a fixed set of keys, recording every error.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string what, std::vector<ConfigError>& errors,
              const std::string& file)
      : table_(table), what_(std::move(what)), errors_(errors), file_(file) {}

  void allow(std::initializer_list<const char*> keys) {
    for (const auto& entry : table_) {
      const toml::key& key = entry.first;
      const bool known =
          std::any_of(keys.begin(), keys.end(), [&](const char* k) { return key.str() == k; });
      if (!known) {
        std::string list;
        for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
        error(key.source(), "unknown key '" + std::string(key.str()) + "' in " + what_ +
                                " (known: " + list + ")");
      }
    }
  }

  void error(const toml::source_region& at, const std::string& message) {
    errors_.push_back({file_, position_of(at), message});
  }
  void error_here(const std::string& message) { error(table_.source(), message); }

  const toml::node* node(const char* key) const { return table_.get(key); }

  std::optional<std::string> string(const char* key, bool required = false) {
    const toml::node* n = node(key);
    if (n == nullptr) {
      if (required) error_here(what_ + " needs '" + key + "'");
      return std::nullopt;
    }
    if (!n->is_string()) {
      error(n->source(),
            "'" + std::string(key) + "' in " + what_ + " must be a string, not " + type_name(*n));
      return std::nullopt;
    }
    return n->value<std::string>();
  }

  // An array of strings; each wrong item is an error of its own.
  std::optional<std::vector<std::string>> strings(const char* key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_array()) {
      error(n->source(), "'" + std::string(key) + "' in " + what_ +
                             " must be an array of strings, not " + type_name(*n));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : *n->as_array()) {
      if (!item.is_string()) {
        error(item.source(), "'" + std::string(key) + "' in " + what_ +
                                 " must be an array of strings, not one with " + type_name(item));
        continue;
      }
      out.push_back(*item.value<std::string>());
    }
    return out;
  }

  std::optional<std::int64_t> integer(const char* key, std::int64_t min, std::int64_t max) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) {
      error(n->source(),
            "'" + std::string(key) + "' in " + what_ + " must be an integer, not " + type_name(*n));
      return std::nullopt;
    }
    const auto v = *n->value<std::int64_t>();
    if (v < min || v > max) {
      error(n->source(), "'" + std::string(key) + "' in " + what_ + " must be between " +
                             std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> number(const char* key, double min, double max) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_number()) {
      error(n->source(),
            "'" + std::string(key) + "' in " + what_ + " must be a number, not " + type_name(*n));
      return std::nullopt;
    }
    const double v =
        n->is_integer() ? static_cast<double>(*n->value<std::int64_t>()) : *n->value<double>();
    if (v < min || v > max) {
      error(n->source(), "'" + std::string(key) + "' in " + what_ + " must be between " +
                             std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const char* key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) {
      error(n->source(), "'" + std::string(key) + "' in " + what_ + " must be true or false, not " +
                             type_name(*n));
      return std::nullopt;
    }
    return n->value<bool>();
  }

  std::optional<rt::Duration> duration(const char* key) {
    auto text = string(key);
    if (!text) return std::nullopt;
    auto d = parse_duration(*text);
    if (!d) {
      error(node(key)->source(), "'" + std::string(key) + "' in " + what_ + ": '" + *text +
                                     "' is not a duration (e.g. \"250ms\", \"5s\", \"1m\")");
    }
    return d;
  }

  // A size as a string with a unit, or an integer number of bytes.
  std::optional<std::uint64_t> size(const char* key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (n->is_integer()) {
      const auto v = *n->value<std::int64_t>();
      if (v >= 0) return static_cast<std::uint64_t>(v);
    } else if (n->is_string()) {
      if (auto s = parse_size(*n->value<std::string>())) return s;
    }
    error(n->source(), "'" + std::string(key) + "' in " + what_ +
                           " is not a size (e.g. \"64KiB\", \"16MiB\", or bytes)");
    return std::nullopt;
  }

  template <class T>
  std::optional<T> choice(const char* key,
                          std::initializer_list<std::pair<const char*, T>> options) {
    auto text = string(key);
    if (!text) return std::nullopt;
    std::string list;
    for (const auto& [name, value] : options) {
      if (*text == name) return value;
      list += std::string(list.empty() ? "" : ", ") + name;
    }
    error(node(key)->source(),
          "'" + std::string(key) + "' in " + what_ + ": '" + *text + "' is not one of " + list);
    return std::nullopt;
  }

  const std::string& what() const { return what_; }
  const toml::table& table() const { return table_; }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a float";
      case toml::node_type::boolean: return "a boolean";
      default: return "a date or time";
    }
  }

 private:
  const toml::table& table_;
  std::string what_;
  std::vector<ConfigError>& errors_;
  const std::string& file_;
};

std::optional<sv::RestartPolicy> restart_policy(TableReader& r) {
  return r.choice<sv::RestartPolicy>("restart", {{"permanent", sv::RestartPolicy::permanent},
                                                 {"transient", sv::RestartPolicy::transient},
                                                 {"temporary", sv::RestartPolicy::temporary}});
}

// "brutal_kill", "infinity" or a duration: a component's and a supervisor's alike.
std::optional<sv::ShutdownPolicy> shutdown_policy(TableReader& r) {
  auto text = r.string("shutdown");
  if (!text) return std::nullopt;
  if (*text == "brutal_kill") return sv::ShutdownPolicy::brutal_kill();
  if (*text == "infinity") return sv::ShutdownPolicy::infinity();
  if (auto d = parse_duration(*text)) return sv::ShutdownPolicy::after(*d);
  r.error(r.node("shutdown")->source(), "'shutdown' in " + r.what() + ": '" + *text +
                                            "' is not \"brutal_kill\", \"infinity\" or a duration");
  return std::nullopt;
}

std::optional<sv::BackoffStrategy> backoff(TableReader& parent, std::vector<ConfigError>& errors,
                                           const std::string& file) {
  const toml::node* n = parent.node("backoff");
  if (n == nullptr) return std::nullopt;
  if (!n->is_table()) {
    parent.error(n->source(), "'backoff' in " + parent.what() +
                                  " must be a table, e.g. { kind = \"exponential\", base = "
                                  "\"100ms\" }");
    return std::nullopt;
  }
  TableReader r(*n->as_table(), "backoff of " + parent.what(), errors, file);
  r.allow({"kind", "base", "factor", "max", "jitter", "reset_after"});
  sv::BackoffStrategy b = sv::BackoffStrategy::exponential();
  if (auto kind = r.choice<sv::BackoffStrategy::Kind>(
          "kind", {{"immediate", sv::BackoffStrategy::Kind::immediate},
                   {"linear", sv::BackoffStrategy::Kind::linear},
                   {"exponential", sv::BackoffStrategy::Kind::exponential}})) {
    b.kind = *kind;
    if (*kind == sv::BackoffStrategy::Kind::immediate) b.base = rt::Duration::zero();
  }
  if (auto v = r.duration("base")) b.base = *v;
  if (auto v = r.number("factor", 1.0, 100.0)) b.factor = *v;
  if (auto v = r.duration("max")) b.max = *v;
  if (auto v = r.number("jitter", 0.0, 1.0)) b.jitter = *v;
  if (auto v = r.duration("reset_after")) b.reset_after = *v;
  if (auto ok = b.validate(); !ok) r.error_here(r.what() + ": " + ok.error().message);
  return b;
}

void read_system(const toml::table& root, SystemSettings& out, std::vector<ConfigError>& errors,
                 const std::string& file) {
  const toml::node* n = root.get("system");
  if (n == nullptr) return;
  if (!n->is_table()) {
    errors.push_back({file, position_of(n->source()), "'system' must be a table ([system])"});
    return;
  }
  TableReader r(*n->as_table(), "[system]", errors, file);
  r.allow({"name", "workers", "engine", "http", "http_token", "shutdown_timeout"});
  if (auto v = r.string("name")) out.name = *v;
  if (auto v = r.integer("workers", 0, 1024)) out.workers = static_cast<std::size_t>(*v);
  if (auto v = r.choice<wasm::EngineKind>(
          "engine", {{"interp", wasm::EngineKind::interp}, {"aot", wasm::EngineKind::aot}})) {
    out.engine = *v;
  }
  if (auto v = r.string("http_token")) out.http_token = *v;
  if (auto v = r.string("http")) {
    // As run would take it, token from the environment included.
    if (auto ok = admin_address(*v, admin_token(out)); !ok) {
      r.error(r.node("http")->source(), "'http' in [system]: " + ok.error().message);
    } else {
      out.http = *v;
    }
  }
  if (auto v = r.duration("shutdown_timeout")) out.shutdown_timeout = *v;
}

// [cluster]: the NATS servers and this node's place among the others.
void read_cluster(const toml::table& root, SystemConfig& config, std::vector<ConfigError>& errors,
                  const std::string& file) {
  const toml::node* n = root.get("cluster");
  if (n == nullptr) return;
  if (!n->is_table()) {
    errors.push_back({file, position_of(n->source()), "'cluster' must be a table ([cluster])"});
    return;
  }
  TableReader r(*n->as_table(), "[cluster]", errors, file);
  r.allow({"urls", "name", "node", "labels", "credentials", "tls", "heartbeat", "missed_heartbeats",
           "connect_timeout", "max_proxies"});
  cluster::ClusterConfig c;
  c.name = config.system.name;
  c.node = default_node_name();
  if (auto v = r.strings("urls")) c.urls = *v;
  if (r.node("urls") == nullptr)
    r.error_here("[cluster] needs 'urls' (e.g. [\"nats://127.0.0.1:4222\"])");
  if (auto v = r.string("name")) c.name = *v;
  if (auto v = r.string("node")) c.node = *v;
  if (auto v = r.strings("labels")) c.labels = *v;
  if (auto v = r.string("credentials")) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*v, ec)) {
      r.error(r.node("credentials")->source(),
              "'credentials' in [cluster]: no such file '" + *v + "'");
    }
    c.credentials = *v;
  }
  if (const toml::node* t = r.node("tls")) {
    if (!t->is_table()) {
      r.error(t->source(),
              "'tls' in [cluster] must be a table ({ ca = ..., cert = ..., key = ... })");
    } else {
      TableReader tr(*t->as_table(), "[cluster] tls", errors, file);
      tr.allow({"ca", "cert", "key"});
      cluster::TlsSettings tls;
      for (auto [key, field] : {std::pair{"ca", &cluster::TlsSettings::ca},
                                std::pair{"cert", &cluster::TlsSettings::cert},
                                std::pair{"key", &cluster::TlsSettings::key}}) {
        if (auto v = tr.string(key)) {
          std::error_code ec;
          if (!std::filesystem::is_regular_file(*v, ec)) {
            tr.error(tr.node(key)->source(),
                     "'" + std::string(key) + "' in [cluster] tls: no such file '" + *v + "'");
          }
          tls.*field = *v;
        }
      }
      c.tls = tls;
    }
  }
  auto ms = [](rt::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); };
  if (auto v = r.duration("heartbeat")) c.heartbeat = ms(*v);
  if (auto v = r.integer("missed_heartbeats", 0, UINT32_MAX)) {
    c.missed_heartbeats = static_cast<std::uint32_t>(*v);
  }
  if (auto v = r.duration("connect_timeout")) c.connect_timeout = ms(*v);
  if (auto v = r.integer("max_proxies", 0, INT64_MAX)) c.max_proxies = static_cast<std::size_t>(*v);
  for (const auto& problem : cluster::validate(c)) {
    if (r.node("urls") == nullptr && problem.rfind("urls:", 0) == 0) continue;  // said above
    // A node name left to its default is named as such.
    const bool default_node = r.node("node") == nullptr && problem.rfind("node:", 0) == 0;
    r.error_here("[cluster] " + problem +
                 (default_node
                      ? " (the default is the host name '" + c.node + "': set 'node' in [cluster])"
                      : ""));
  }
  config.cluster = std::move(c);
}

// [module_limits]: what any module may declare, checked at load.
void read_module_limits(const toml::table& root, wasm::ModuleLimits& out,
                        std::vector<ConfigError>& errors, const std::string& file) {
  const toml::node* n = root.get("module_limits");
  if (n == nullptr) return;
  if (!n->is_table()) {
    errors.push_back(
        {file, position_of(n->source()), "'module_limits' must be a table ([module_limits])"});
    return;
  }
  TableReader r(*n->as_table(), "[module_limits]", errors, file);
  struct Count {
    const char* key;
    std::uint32_t wasm::ModuleLimits::*field;
  };
  static constexpr Count kCounts[] = {
      {"types", &wasm::ModuleLimits::types},
      {"params", &wasm::ModuleLimits::params},
      {"results", &wasm::ModuleLimits::results},
      {"functions", &wasm::ModuleLimits::functions},
      {"imports", &wasm::ModuleLimits::imports},
      {"exports", &wasm::ModuleLimits::exports},
      {"globals", &wasm::ModuleLimits::globals},
      {"tables", &wasm::ModuleLimits::tables},
      {"table_size", &wasm::ModuleLimits::table_size},
      {"data_segments", &wasm::ModuleLimits::data_segments},
      {"elem_segments", &wasm::ModuleLimits::elem_segments},
      {"locals", &wasm::ModuleLimits::locals},
      {"function_size", &wasm::ModuleLimits::function_size},
      {"nesting", &wasm::ModuleLimits::nesting},
  };
  r.allow({"module_size", "total_locals", "types", "params", "results", "functions", "imports",
           "exports", "globals", "tables", "table_size", "data_segments", "elem_segments", "locals",
           "function_size", "nesting"});
  if (auto v = r.size("module_size")) out.module_size = *v;
  if (auto v = r.integer("total_locals", 0, INT64_MAX)) {
    out.total_locals = static_cast<std::uint64_t>(*v);
  }
  for (const Count& c : kCounts) {
    if (auto v = r.integer(c.key, 0, UINT32_MAX)) out.*c.field = static_cast<std::uint32_t>(*v);
  }
  if (auto ok = out.validate(); !ok) {
    r.error_here("[module_limits]: " + ok.error().message);
    out = wasm::ModuleLimits{};  // modules are checked against the defaults instead
  }
}

void read_supervisor(const toml::table& t, SystemConfig& config, std::vector<ConfigError>& errors,
                     const std::string& file) {
  auto name_node = t.get("name");
  const std::string label = name_node != nullptr && name_node->is_string()
                                ? "[[supervisor]] '" + *name_node->value<std::string>() + "'"
                                : "[[supervisor]]";
  TableReader r(t, label, errors, file);
  r.allow({"name", "parent", "strategy", "max_restarts", "within", "backoff", "restart", "shutdown",
           "significant", "auto_shutdown"});
  SupervisorDecl d;
  d.at = position_of(t.source());
  if (auto v = r.string("name", true)) d.name = *v;
  if (auto v = r.string("parent")) d.parent = *v;
  if (auto v = r.choice<sv::Strategy>("strategy",
                                      {{"one_for_one", sv::Strategy::one_for_one},
                                       {"one_for_all", sv::Strategy::one_for_all},
                                       {"rest_for_one", sv::Strategy::rest_for_one},
                                       {"simple_one_for_one", sv::Strategy::simple_one_for_one}})) {
    d.config.strategy = *v;
  }
  if (auto v = r.choice<sv::AutoShutdown>(
          "auto_shutdown", {{"never", sv::AutoShutdown::never},
                            {"any_significant", sv::AutoShutdown::any_significant},
                            {"all_significant", sv::AutoShutdown::all_significant}})) {
    d.config.auto_shutdown = *v;
  }
  if (auto v = shutdown_policy(r)) d.shutdown = *v;
  if (auto v = r.boolean("significant")) d.significant = *v;
  if (auto v = r.integer("max_restarts", 0, 1'000'000)) {
    d.config.max_restarts = static_cast<std::uint32_t>(*v);
  }
  if (auto v = r.duration("within")) d.config.time_window = *v;
  if (auto v = backoff(r, errors, file)) d.config.backoff = *v;
  if (auto v = restart_policy(r)) d.restart = *v;
  if (auto ok = d.config.validate(); !ok) r.error_here(label + ": " + ok.error().message);
  if (!d.name.empty()) config.supervisors.push_back(std::move(d));
}

// Modules by path, read once per config: thousands of components of one
// module share one WasmModule (and one aot library), as the C++ API lets
// them, instead of parsing, instrumenting and loading it each time.
using ModuleCache = std::map<std::string, Result<wasm::WasmModulePtr>>;

void read_component(const toml::table& t, SystemConfig& config, std::vector<ConfigError>& errors,
                    const std::string& file, bool load_modules, ModuleCache& modules) {
  auto name_node = t.get("name");
  const std::string label = name_node != nullptr && name_node->is_string()
                                ? "[[component]] '" + *name_node->value<std::string>() + "'"
                                : "[[component]]";
  TableReader r(t, label, errors, file);
  r.allow({"name",
           "module",
           "supervisor",
           "engine",
           "restart",
           "shutdown",
           "startup_timeout",
           "memory_limit",
           "table_limit",
           "fuel_per_message",
           "call_deadline",
           "stack_limit",
           "max_message_size",
           "stash_capacity",
           "mailbox_capacity",
           "log_rate",
           "log_burst",
           "max_timers",
           "timer_bytes",
           "backoff",
           "capabilities",
           "config",
           "args",
           "env",
           "health",
           "significant",
           "initial",
           "max"});
  ComponentDecl d;
  d.at = position_of(t.source());
  if (auto v = r.string("name", true)) d.name = *v;
  if (auto v = r.string("supervisor")) d.supervisor = *v;
  if (auto v = r.choice<wasm::EngineKind>(
          "engine", {{"interp", wasm::EngineKind::interp}, {"aot", wasm::EngineKind::aot}})) {
    d.engine = *v;
  }
  if (auto v = restart_policy(r)) d.restart = *v;
  if (auto v = shutdown_policy(r)) d.shutdown = *v;
  if (auto v = r.boolean("significant")) d.significant = *v;
  // A pool's size, on the one component of a simple_one_for_one supervisor
  // (supervisors are read first; an unknown one is reported later).
  const SupervisorDecl* sup = nullptr;
  for (const auto& s : config.supervisors) {
    if (d.supervisor.empty() ? s.parent.empty() : s.name == d.supervisor) {
      sup = &s;
      break;
    }
  }
  if (sup != nullptr && sup->is_pool()) {
    PoolSize size;
    const auto hard = static_cast<std::int64_t>(PoolSize::kHardMax);
    if (auto v = r.integer("max", 1, hard)) size.max = static_cast<std::size_t>(*v);
    if (auto v = r.integer("initial", 0, hard)) {
      size.initial = static_cast<std::size_t>(*v);
      if (size.initial > size.max) {
        r.error(r.node("initial")->source(),
                "'initial' in " + label + " (" + std::to_string(size.initial) +
                    ") is more than the pool's 'max' (" + std::to_string(size.max) + ")");
      }
    }
    d.pool = size;
  } else {
    for (const char* key : {"initial", "max"}) {
      if (const toml::node* n = r.node(key); n != nullptr) {
        r.error(n->source(), "'" + std::string(key) + "' in " + label +
                                 " is for a pool: the component of a supervisor with strategy = "
                                 "\"simple_one_for_one\"");
      }
    }
  }
  if (auto v = r.duration("startup_timeout")) d.startup_timeout = *v;
  if (auto v = r.size("memory_limit")) d.limits.memory_limit = *v;
  if (auto v = r.integer("table_limit", 1, 100'000'000)) {
    d.limits.table_limit = static_cast<std::uint32_t>(*v);
  }
  if (auto v = r.integer("fuel_per_message", 0, INT64_MAX)) {
    d.limits.fuel_per_message = static_cast<std::uint64_t>(*v);
  }
  if (auto v = r.duration("call_deadline")) d.limits.call_deadline = *v;
  if (auto v = r.integer("stack_limit", 1, 100000))
    d.limits.stack_limit = static_cast<std::uint32_t>(*v);
  if (auto v = r.size("max_message_size")) d.limits.max_message_size = *v;
  if (auto v = r.integer("stash_capacity", 0, 10'000'000))
    d.stash_capacity = static_cast<std::size_t>(*v);
  if (auto v = r.integer("mailbox_capacity", 0, 100'000'000))
    d.limits.mailbox_capacity = static_cast<std::size_t>(*v);
  if (auto v = r.integer("log_rate", 0, 1'000'000))
    d.limits.log_rate = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("log_burst", 1, 1'000'000))
    d.limits.log_burst = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("max_timers", 1, 1'000'000))
    d.limits.max_timers = static_cast<std::uint32_t>(*v);
  if (auto v = r.size("timer_bytes")) d.limits.timer_bytes = *v;
  d.backoff = backoff(r, errors, file);
  if (auto v = r.string("config")) d.config = *v;
  if (auto v = r.strings("args")) d.args = std::move(*v);
  if (const toml::node* n = r.node("env"); n != nullptr) {
    if (!n->is_table()) {
      r.error(n->source(),
              "'env' in " + label + " must be a table of strings, e.g. { RUST_LOG = \"info\" }");
    } else {
      for (const auto& [key, value] : *n->as_table()) {
        if (!value.is_string()) {
          r.error(value.source(),
                  "'env." + std::string(key.str()) + "' in " + label + " must be a string");
          continue;
        }
        if (key.str().empty() || key.str().find('=') != std::string_view::npos) {
          r.error(key.source(), "'env' in " + label +
                                    ": a variable name must be non-empty "
                                    "and contain no '='");
          continue;
        }
        d.env.push_back(std::string(key.str()) + "=" + *value.value<std::string>());
      }
    }
  }
  if (const toml::node* n = r.node("health"); n != nullptr) {
    if (!n->is_table()) {
      r.error(n->source(), "'health' in " + label +
                               " must be a table, e.g. { interval = \"5s\", timeout = \"1s\", "
                               "failures = 3 }");
    } else {
      TableReader h(*n->as_table(), "health of " + label, errors, file);
      h.allow({"enabled", "interval", "timeout", "failures", "initial_delay", "stuck_after"});
      if (const toml::node* e = h.node("enabled"); e != nullptr) {
        if (e->is_boolean()) {
          d.health.enabled = *e->value<bool>();
        } else {
          h.error(e->source(), "'enabled' in health of " + label + " must be true or false");
        }
      }
      if (auto v = h.duration("interval")) d.health.interval = *v;
      if (auto v = h.duration("timeout")) d.health.timeout = *v;
      if (auto v = h.integer("failures", 1, 1000))
        d.health.failures = static_cast<std::uint32_t>(*v);
      if (auto v = h.duration("initial_delay")) d.health.initial_delay = *v;
      if (auto v = h.duration("stuck_after")) d.health.stuck_after = *v;
      if (auto ok = d.health.validate(); !ok) h.error_here(h.what() + ": " + ok.error().message);
    }
  }
  if (const toml::node* n = r.node("capabilities"); n != nullptr) {
    if (!n->is_array()) {
      r.error(n->source(), "'capabilities' in " + label + " must be an array of strings");
    } else {
      // Each grant on its own, so an error points at the one that is wrong.
      wasm::Capabilities caps;
      for (const auto& item : *n->as_array()) {
        if (!item.is_string()) {
          r.error(item.source(), "'capabilities' in " + label + " must be an array of strings");
          continue;
        }
        d.capability_names.push_back(*item.value<std::string>());
        if (auto ok = caps.add(d.capability_names.back()); !ok) {
          r.error(item.source(), label + ": " + ok.error().message);
        }
      }
      d.capabilities = caps;
    }
  }
  if (auto ok = d.limits.validate(); !ok) r.error_here(label + ": " + ok.error().message);

  if (auto module = r.string("module", true)) {
    const toml::node* n = r.node("module");
    std::filesystem::path p(*module);
    if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
    d.module_path = p;
    std::error_code ec;
    if (!load_modules) {
      // Without loading, only whether it is there; loading says precisely
      // what is wrong with a file (missing, a FIFO, too large, unreadable).
      if (!std::filesystem::is_regular_file(p, ec)) {
        r.error(n->source(),
                label + ": module file not found or not a regular file: " + p.string());
      }
    } else {
      // The file itself, however it is spelt; a path that does not
      // resolve is its own key, and loading it says what is wrong.
      std::error_code canon_ec;
      const std::filesystem::path canonical = std::filesystem::canonical(p, canon_ec);
      const std::string key = canon_ec ? p.string() : canonical.string();
      auto cached = modules.find(key);
      if (cached == modules.end()) {
        cached =
            modules.emplace(key, wasm::WasmModule::load_file(p, config.system.module_limits)).first;
      }
      const Result<wasm::WasmModulePtr>& loaded = cached->second;
      if (!loaded) {
        r.error(n->source(), label + ": " + loaded.error().message);
      } else {
        d.module = *loaded;
        if (auto granted = d.module->check_capabilities(d.capabilities); !granted) {
          r.error(n->source(), label + ": " + granted.error().message);
        }
      }
    }
  }
  if (!d.name.empty()) config.components.push_back(std::move(d));
}

// References, one root, no cycles, unique names.
void check_structure(SystemConfig& config, std::vector<ConfigError>& errors,
                     const std::string& file) {
  std::map<std::string, SourcePosition> names;
  auto unique = [&](const std::string& name, SourcePosition at, const char* kind) {
    auto [it, inserted] = names.emplace(name, at);
    if (!inserted) {
      errors.push_back({file, at,
                        std::string(kind) + " name '" + name + "' is used already (line " +
                            std::to_string(it->second.line) + ")"});
    }
  };
  for (const auto& s : config.supervisors) unique(s.name, s.at, "supervisor");
  for (const auto& c : config.components) unique(c.name, c.at, "component");

  std::map<std::string, const SupervisorDecl*> by_name;
  for (const auto& s : config.supervisors) by_name.emplace(s.name, &s);
  for (const auto& s : config.supervisors) {
    if (!s.parent.empty() && by_name.count(s.parent) == 0) {
      errors.push_back(
          {file, s.at,
           "supervisor '" + s.name + "': unknown parent supervisor '" + s.parent + "'"});
    }
  }
  for (const auto& c : config.components) {
    if (!c.supervisor.empty() && by_name.count(c.supervisor) == 0) {
      errors.push_back(
          {file, c.at, "component '" + c.name + "': unknown supervisor '" + c.supervisor + "'"});
    }
  }
  // A pool (simple_one_for_one) has one child, a component: the template of
  // its instances, which are named "<component>-<n>"; no other name may look
  // like one of theirs.
  for (const auto& s : config.supervisors) {
    if (!s.is_pool()) continue;
    const bool is_root = s.parent.empty();
    std::vector<const ComponentDecl*> templates;
    for (const auto& c : config.components) {
      if (c.supervisor == s.name || (is_root && c.supervisor.empty())) templates.push_back(&c);
    }
    for (const auto& child : config.supervisors) {
      if (child.parent == s.name) {
        errors.push_back({file, child.at,
                          "supervisor '" + child.name + "' cannot be a child of '" + s.name +
                              "': a simple_one_for_one supervisor starts instances of one "
                              "[[component]] only"});
      }
    }
    if (templates.size() != 1) {
      errors.push_back(
          {file, templates.size() > 1 ? templates[1]->at : s.at,
           "supervisor '" + s.name +
               "' is simple_one_for_one: it needs exactly one [[component]] (the template of "
               "its instances), not " +
               std::to_string(templates.size())});
      continue;
    }
    const std::string prefix = templates[0]->name + "-";
    auto looks_like_instance = [&](const std::string& name) {
      return name.size() > prefix.size() && name.starts_with(prefix) &&
             std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                         [](char ch) { return ch >= '0' && ch <= '9'; });
    };
    auto refuse_instance_names = [&](const auto& declared, const std::string& kind) {
      for (const auto& other : declared) {
        if (!looks_like_instance(other.name)) continue;
        errors.push_back({file, other.at,
                          kind + " name '" + other.name + "' is the name of an instance of pool '" +
                              s.name + "' (" + prefix + "<n>)"});
      }
    };
    refuse_instance_names(config.supervisors, "supervisor");
    refuse_instance_names(config.components, "component");
  }
  // Cycles: follow parents; a walk longer than the number of supervisors loops.
  std::set<std::string> reported;
  for (const auto& s : config.supervisors) {
    std::vector<std::string> path{s.name};
    const SupervisorDecl* at = &s;
    while (!at->parent.empty() && by_name.count(at->parent) != 0) {
      at = by_name[at->parent];
      if (std::find(path.begin(), path.end(), at->name) != path.end()) {
        path.push_back(at->name);
        if (reported.insert(at->name).second) {
          std::string chain;
          for (const auto& p : path) chain += (chain.empty() ? "" : " -> ") + p;
          errors.push_back({file, s.at, "cycle in supervisor parents: " + chain});
        }
        break;
      }
      path.push_back(at->name);
    }
  }

  std::vector<const SupervisorDecl*> roots;
  for (const auto& s : config.supervisors) {
    if (s.parent.empty()) roots.push_back(&s);
  }
  if (config.supervisors.empty()) {
    SupervisorDecl root;  // implicit: one_for_one with the defaults
    root.name = "root";
    if (names.count(root.name) != 0) root.name = config.system.name + "_root";
    config.supervisors.push_back(root);
  } else if (roots.size() > 1) {
    errors.push_back({file, roots[1]->at,
                      "two root supervisors ('" + roots[0]->name + "' and '" + roots[1]->name +
                          "'): give all but one a parent"});
  } else if (roots.empty() && errors.empty()) {
    errors.push_back(
        {file, config.supervisors.front().at, "no root supervisor: every supervisor has a parent"});
  } else if (roots.size() == 1 && roots[0] != &config.supervisors.front()) {
    std::stable_partition(config.supervisors.begin(), config.supervisors.end(),
                          [](const SupervisorDecl& s) { return s.parent.empty(); });
  }
}

// What `run` would refuse of a config that reads well: every spec it
// builds is checked by the checks starting it runs (ComponentSpawner::check,
// ChildSpec::validate_settings), and an aot component needs a C compiler.
void check_as_run(const SystemConfig& config, std::vector<ConfigError>& errors,
                  const std::string& file) {
  for (const auto& s : config.supervisors) {
    sv::ChildSpec child = sv::supervisor_child(s.name, {}, s.restart);
    child.shutdown = s.shutdown;
    child.significant = s.significant;
    if (auto r = child.validate_settings(); !r) {
      errors.push_back({file, s.at, "supervisor '" + s.name + "': " + r.error().message});
    }
  }
  bool compiler_checked = false;
  for (const auto& c : config.components) {
    if (!c.module) continue;  // not loaded (load_modules false)
    const wasm::ComponentSpec spec = component_spec_of(c, config.system.engine);
    if (auto r = wasm::ComponentSpawner::check(spec); !r) {
      errors.push_back({file, c.at, r.error().message});
    }
    if (spec.engine == wasm::EngineKind::aot && !compiler_checked) {
      compiler_checked = true;
      if (auto r = wasm::aot_compiler_available(); !r) {
        errors.push_back({file, c.at,
                          "component \"" + c.name +
                              "\" runs on the aot engine, which needs a C "
                              "compiler: " +
                              r.error().message});
      }
    }
  }
}

}  // namespace

wasm::ComponentSpec component_spec_of(const ComponentDecl& c, wasm::EngineKind system_engine) {
  wasm::ComponentSpec cs = wasm::ComponentSpec::of(c.name, c.module);
  cs.engine = c.engine.value_or(system_engine);
  cs.limits = c.limits;
  cs.capabilities = c.capabilities;
  cs.config.assign(c.config.begin(), c.config.end());
  cs.args = c.args;
  cs.env = c.env;
  cs.restart = c.restart;
  cs.shutdown = c.shutdown;
  cs.significant = c.significant;
  cs.startup_timeout = c.startup_timeout;
  cs.stash_capacity = c.stash_capacity;
  cs.backoff = c.backoff;
  cs.health = c.health;
  return cs;
}

const SupervisorDecl* SystemConfig::supervisor(const std::string& name) const {
  for (const auto& s : supervisors) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ComponentDecl* SystemConfig::pool_template(const std::string& name) const {
  const SupervisorDecl* s = supervisor(name);
  if (s == nullptr || !s->is_pool()) return nullptr;
  for (const auto& c : components) {
    if (c.supervisor == name || (c.supervisor.empty() && s == &root())) return &c;
  }
  return nullptr;
}

std::string default_node_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  std::string name(host);
  return name.substr(0, name.find('.'));
}

LoadResult load_system_config(const std::filesystem::path& path, bool load_modules) {
  LoadResult result;
  const std::string file = path.string();
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    result.errors.push_back(
        {file, position_of(e.source()), "TOML syntax error: " + std::string(e.description())});
    return result;
  }
  SystemConfig config;
  config.file = path;
  for (const auto& [key, node] : root) {
    if (key.str() != "system" && key.str() != "module_limits" && key.str() != "supervisor" &&
        key.str() != "component" && key.str() != "cluster") {
      result.errors.push_back(
          {file, position_of(key.source()),
           "unknown key '" + std::string(key.str()) +
               "' (known: [system], [module_limits], [cluster], [[supervisor]], [[component]])"});
    }
  }
  read_system(root, config.system, result.errors, file);
  read_module_limits(root, config.system.module_limits, result.errors, file);
  read_cluster(root, config, result.errors, file);
  auto each_table = [&](const char* key, const std::function<void(const toml::table&)>& read) {
    const toml::node* n = root.get(key);
    if (n == nullptr) return;
    if (!n->is_array_of_tables()) {
      result.errors.push_back({file, position_of(n->source()),
                               std::string("'") + key + "' must be written [[" + key + "]]"});
      return;
    }
    for (const auto& item : *n->as_array()) read(*item.as_table());
  };
  each_table("supervisor",
             [&](const toml::table& t) { read_supervisor(t, config, result.errors, file); });
  ModuleCache modules;
  each_table("component", [&](const toml::table& t) {
    read_component(t, config, result.errors, file, load_modules, modules);
  });
  if (config.components.empty() && result.errors.empty()) {
    result.errors.push_back({file, {}, "no [[component]]: nothing to run"});
  }
  check_structure(config, result.errors, file);
  // Only of a config that reads well: its errors would repeat the reader's.
  if (result.errors.empty()) check_as_run(config, result.errors, file);
  std::stable_sort(
      result.errors.begin(), result.errors.end(), [](const ConfigError& a, const ConfigError& b) {
        return a.at.line < b.at.line || (a.at.line == b.at.line && a.at.column < b.at.column);
      });
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace airssys::app
