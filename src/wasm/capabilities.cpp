#include "airssys/wasm/capabilities.hpp"

#include <algorithm>

namespace airssys::wasm {
namespace {

// As long as a registered name can be (the host refuses longer ones at the
// call, so a longer grant could never match).
constexpr std::size_t kMaxNameLength = 255;

Error malformed(std::string_view grant, const std::string& why) {
  return Error{ErrorCode::invalid_argument, "capability \"" + std::string(grant) + "\" " + why};
}

}  // namespace

Result<Capabilities> Capabilities::parse(const std::vector<std::string>& grants) {
  Capabilities caps;
  for (const auto& g : grants) {
    if (auto ok = caps.add(g); !ok) return ok.error();
  }
  return caps;
}

Result<void> Capabilities::add(std::string_view g) {
  if (g == "lookup") {
    lookup_ = true;
    return {};
  }
  if (g == "wasi") {
    wasi_ = true;
    return {};
  }
  // "request" alone granted requests to any address until grants named
  // targets; it is refused rather than read as "request:*", so a config
  // written for that meaning does not keep it silently.
  if (g == "request" || g == "send") {
    return malformed(
        g, "needs a target: \"" + std::string(g) + ":<name>\" or \"" + std::string(g) + ":*\"");
  }
  const bool send = g.rfind("send:", 0) == 0;
  const bool request = g.rfind("request:", 0) == 0;
  if (!send && !request) {
    return Error{ErrorCode::invalid_argument,
                 "unknown capability \"" + std::string(g) +
                     "\" (known: \"send:<name>\", \"send:*\", \"request:<name>\", "
                     "\"request:*\", \"lookup\", \"wasi\")"};
  }
  const std::string_view target = g.substr(send ? 5 : 8);
  if (target.empty()) return malformed(g, "names no target (a component's name or *)");
  if (target.size() > kMaxNameLength) {
    return malformed(g, "names a target longer than " + std::to_string(kMaxNameLength) + " bytes");
  }
  if (target != "*" && target.find('*') != std::string_view::npos) {
    return malformed(g, "mixes * into a name (* stands alone: no patterns)");
  }
  bool& any = send ? send_any_ : request_any_;
  auto& names = send ? send_names_ : request_names_;
  if (target == "*") {
    any = true;
  } else if (std::find(names.begin(), names.end(), target) == names.end()) {
    names.emplace_back(target);
  }
  return {};
}

Capabilities Capabilities::all() {
  Capabilities caps;
  caps.send_any_ = true;
  caps.request_any_ = true;
  caps.lookup_ = true;
  caps.wasi_ = true;
  return caps;
}

bool Capabilities::may_reach(Reach r, std::string_view name) const {
  const auto& names = r == Reach::send ? send_names_ : request_names_;
  return may_reach_any(r) || std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view Capabilities::required_for(std::string_view module, std::string_view name) {
  // Every WASI function, those that touch files and sockets included: they
  // answer ENOTCAPABLE (guest-abi.md, "WASI preview 1").
  if (module == "wasi_snapshot_preview1") return "wasi";
  return required_for(name);
}

bool Capabilities::grants_import(std::string_view module, std::string_view name) const {
  if (module == "wasi_snapshot_preview1") return wasi_;
  return grants_import(name);
}

std::string_view Capabilities::required_for(std::string_view import_name) {
  if (import_name == "send" || import_name == "send_name") return "send:<name>";
  if (import_name == "request") return "request:<name>";
  if (import_name == "lookup") return "lookup";
  return "";
}

bool Capabilities::grants_import(std::string_view import_name) const {
  if (import_name == "send" || import_name == "send_name") return may_reach_some(Reach::send);
  if (import_name == "request") return may_reach_some(Reach::request);
  if (import_name == "lookup") return lookup_;
  return true;
}

std::vector<std::string> Capabilities::to_strings() const {
  std::vector<std::string> out;
  if (send_any_) out.emplace_back("send:*");
  for (const auto& n : send_names_) out.push_back("send:" + n);
  if (request_any_) out.emplace_back("request:*");
  for (const auto& n : request_names_) out.push_back("request:" + n);
  if (lookup_) out.emplace_back("lookup");
  if (wasi_) out.emplace_back("wasi");
  return out;
}

}  // namespace airssys::wasm
