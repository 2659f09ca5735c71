// What a component is allowed to do through the guest ABI. A module that
// imports a host function it is not granted fails to load; a send to a name
// outside its grants fails at the call with an error code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "airssys/rt/result.hpp"

namespace airssys::wasm {

class Capabilities {
 public:
  // Grants written as in the config: "send:*", "send:<name>", "lookup",
  // "request". Unknown grants are errors.
  static Result<Capabilities> parse(const std::vector<std::string>& grants);
  // Everything: for tests and trusted components.
  static Capabilities all();

  bool may_send_to_any() const { return send_any_; }
  bool may_send_to(std::string_view name) const;
  bool may_send() const { return send_any_ || !send_names_.empty(); }
  bool may_lookup() const { return lookup_; }
  bool may_request() const { return request_; }

  // The grant an import of module "airssys" needs, or "" when always granted.
  static std::string_view required_for(std::string_view import_name);
  bool grants_import(std::string_view import_name) const;

  std::vector<std::string> to_strings() const;

 private:
  bool send_any_ = false;
  bool lookup_ = false;
  bool request_ = false;
  std::vector<std::string> send_names_;
};

}  // namespace airssys::wasm
