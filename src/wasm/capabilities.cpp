#include "airssys/wasm/capabilities.hpp"

#include <algorithm>

namespace airssys::wasm {

Result<Capabilities> Capabilities::parse(const std::vector<std::string>& grants) {
  Capabilities caps;
  for (const auto& g : grants) {
    if (g == "send:*") {
      caps.send_any_ = true;
    } else if (g.rfind("send:", 0) == 0 && g.size() > 5) {
      caps.send_names_.push_back(g.substr(5));
    } else if (g == "lookup") {
      caps.lookup_ = true;
    } else if (g == "request") {
      caps.request_ = true;
    } else {
      return Error{ErrorCode::invalid_argument,
                   "unknown capability \"" + g +
                       "\" (known: \"send:*\", \"send:<name>\", \"lookup\", \"request\")"};
    }
  }
  return caps;
}

Capabilities Capabilities::all() {
  Capabilities caps;
  caps.send_any_ = true;
  caps.lookup_ = true;
  caps.request_ = true;
  return caps;
}

bool Capabilities::may_send_to(std::string_view name) const {
  return send_any_ || std::find(send_names_.begin(), send_names_.end(), name) != send_names_.end();
}

std::string_view Capabilities::required_for(std::string_view import_name) {
  if (import_name == "send") return "send:*";
  if (import_name == "send_name") return "send:<name>";
  if (import_name == "lookup") return "lookup";
  if (import_name == "request") return "request";
  return "";
}

bool Capabilities::grants_import(std::string_view import_name) const {
  if (import_name == "send") return send_any_;
  if (import_name == "send_name") return may_send();
  if (import_name == "lookup") return lookup_;
  if (import_name == "request") return request_;
  return true;
}

std::vector<std::string> Capabilities::to_strings() const {
  std::vector<std::string> out;
  if (send_any_) out.emplace_back("send:*");
  for (const auto& n : send_names_) out.push_back("send:" + n);
  if (lookup_) out.emplace_back("lookup");
  if (request_) out.emplace_back("request");
  return out;
}

}  // namespace airssys::wasm
