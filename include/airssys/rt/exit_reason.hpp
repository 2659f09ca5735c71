// Why an actor exited, with Erlang's vocabulary and semantics.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace airssys::rt {

enum class ExitKind : std::uint8_t {
  normal,        // finished its work; linked actors that do not trap exits ignore it
  shutdown,      // asked to stop by its supervisor or the system; not a failure
  kill,          // only as a signal: untrappable, the target exits with `killed`
  killed,        // was killed
  noproc,        // the actor did not exist (link or monitor to a dead address)
  noconnection,  // the actor is on a node this one lost (Erlang's noconnection)
  error,         // failed: a handler threw, a guest trapped, a limit was hit ...
};

const char* to_string(ExitKind kind) noexcept;

class ExitReason {
 public:
  ExitReason() = default;
  ExitReason(ExitKind kind, std::string detail) : kind_(kind), detail_(std::move(detail)) {}

  static ExitReason normal() { return ExitReason{ExitKind::normal, {}}; }
  static ExitReason shutdown(std::string detail = {}) {
    return ExitReason{ExitKind::shutdown, std::move(detail)};
  }
  static ExitReason kill() { return ExitReason{ExitKind::kill, {}}; }
  static ExitReason killed() { return ExitReason{ExitKind::killed, {}}; }
  static ExitReason noproc() { return ExitReason{ExitKind::noproc, {}}; }
  static ExitReason noconnection(std::string detail = {}) {
    return ExitReason{ExitKind::noconnection, std::move(detail)};
  }
  static ExitReason error(std::string detail) {
    return ExitReason{ExitKind::error, std::move(detail)};
  }

  ExitKind kind() const { return kind_; }
  const std::string& detail() const { return detail_; }

  // OTP: `normal` and `shutdown` are the exits that are not failures; a
  // transient child is restarted only on an abnormal exit.
  bool is_abnormal() const { return kind_ != ExitKind::normal && kind_ != ExitKind::shutdown; }

  // "normal", "shutdown", "killed", "error: <detail>", "shutdown: <detail>".
  std::string to_string() const;

  friend bool operator==(const ExitReason& a, const ExitReason& b) {
    return a.kind_ == b.kind_ && a.detail_ == b.detail_;
  }

 private:
  ExitKind kind_ = ExitKind::normal;
  std::string detail_;
};

}  // namespace airssys::rt
