// What a component is allowed to do through the guest ABI. A module that
// imports a host function no grant allows fails to load; a call that would
// reach an actor outside its grants fails at the call with not-granted.
//
// A grant names targets, never addresses: "send:<name>" / "request:<name>"
// reach the actor registered under <name> (by name, or by its address, as
// registered at the time of the call), "send:*" / "request:*" any actor. An
// address a component holds (its own, one lookup returned, a sender's)
// grants nothing: it reaches its actor only when a grant covers that actor.
// send and request are granted apart: "send:x" does not let a component
// request from x, nor "request:x" send to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airssys/rt/address.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::wasm {

class Capabilities {
 public:
  // The ways of reaching another actor a grant covers.
  enum class Reach : std::uint8_t { send, request };

  // Grants written as in the config: "send:*", "send:<name>", "request:*",
  // "request:<name>", "lookup", "wasi" (WASI preview 1's basic set). Unknown or malformed grants
  // are errors.
  static Result<Capabilities> parse(const std::vector<std::string>& grants);
  // Adds one grant; the error says what is wrong with it.
  Result<void> add(std::string_view grant);
  // Everything: for tests and trusted components.
  static Capabilities all();

  // Any actor (a "*" grant).
  bool may_reach_any(Reach r) const { return r == Reach::send ? send_any_ : request_any_; }
  // The actor registered under `name`.
  bool may_reach(Reach r, std::string_view name) const;
  // Some actor (any grant of that kind): what importing the call needs.
  bool may_reach_some(Reach r) const {
    return may_reach_any(r) || !(r == Reach::send ? send_names_ : request_names_).empty();
  }
  // The actor at `to`: a "*" grant, or `to` is where a granted name is
  // registered now (`whereis(name)` -> std::optional<rt::Address>).
  template <class Whereis>
  bool may_reach(Reach r, rt::Address to, Whereis&& whereis) const {
    if (may_reach_any(r)) return true;
    if (to.is_none()) return false;
    for (const auto& name : r == Reach::send ? send_names_ : request_names_) {
      const std::optional<rt::Address> at = whereis(std::string_view(name));
      if (at && *at == to) return true;
    }
    return false;
  }

  bool may_send_to(std::string_view name) const { return may_reach(Reach::send, name); }
  bool may_lookup() const { return lookup_; }

  // The grant an import of module "airssys" needs, or "" when always granted.
  static std::string_view required_for(std::string_view import_name);
  bool grants_import(std::string_view import_name) const;
  // The same for an import of any module ("wasi" for wasi_snapshot_preview1).
  static std::string_view required_for(std::string_view module, std::string_view name);
  bool grants_import(std::string_view module, std::string_view name) const;
  bool may_use_wasi() const { return wasi_; }

  std::vector<std::string> to_strings() const;

 private:
  bool send_any_ = false;
  bool request_any_ = false;
  bool lookup_ = false;
  bool wasi_ = false;
  std::vector<std::string> send_names_;
  std::vector<std::string> request_names_;
};

}  // namespace airssys::wasm
