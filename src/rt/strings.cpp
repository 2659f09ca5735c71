// Human-readable names for the runtime's enums and values.
#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "airssys/rt/actor_system.hpp"

namespace airssys {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::no_such_actor: return "no_such_actor";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::name_taken: return "name_taken";
    case ErrorCode::name_not_found: return "name_not_found";
    case ErrorCode::system_stopping: return "system_stopping";
    case ErrorCode::unexpected_type: return "unexpected_type";
    case ErrorCode::unhandled: return "unhandled";
    case ErrorCode::actor_exited: return "actor_exited";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::resource_exhausted: return "resource_exhausted";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out = to_string(code);
  if (!message.empty()) out += ": " + message;
  return out;
}

}  // namespace airssys

namespace airssys::rt {

std::string Address::to_string() const {
  return "<" + std::to_string(index_) + "." + std::to_string(generation_) + ">";
}

const char* to_string(ExitKind kind) noexcept {
  switch (kind) {
    case ExitKind::normal: return "normal";
    case ExitKind::shutdown: return "shutdown";
    case ExitKind::kill: return "kill";
    case ExitKind::killed: return "killed";
    case ExitKind::noproc: return "noproc";
    case ExitKind::noconnection: return "noconnection";
    case ExitKind::error: return "error";
  }
  return "unknown";
}

std::string ExitReason::to_string() const {
  std::string out = rt::to_string(kind_);
  if (!detail_.empty()) out += ": " + detail_;
  return out;
}

const char* to_string(MessageKind kind) noexcept {
  switch (kind) {
    case MessageKind::user: return "user";
    case MessageKind::request: return "request";
    case MessageKind::reply: return "reply";
    case MessageKind::reply_error: return "reply_error";
    case MessageKind::exit_signal: return "exit_signal";
    case MessageKind::down: return "down";
    case MessageKind::link: return "link";
    case MessageKind::unlink: return "unlink";
    case MessageKind::monitor: return "monitor";
    case MessageKind::demonitor: return "demonitor";
    case MessageKind::request_timeout: return "request_timeout";
    case MessageKind::wake: return "wake";
    case MessageKind::respawn: return "respawn";
    case MessageKind::release: return "release";
  }
  return "unknown";
}

const char* to_string(DeadLetterReason reason) noexcept {
  switch (reason) {
    case DeadLetterReason::no_such_actor: return "no_such_actor";
    case DeadLetterReason::queued_at_exit: return "queued_at_exit";
    case DeadLetterReason::crashed_in_handler: return "crashed_in_handler";
    case DeadLetterReason::unhandled: return "unhandled";
    case DeadLetterReason::late_reply: return "late_reply";
    case DeadLetterReason::pending_at_shutdown: return "pending_at_shutdown";
    case DeadLetterReason::rejected: return "rejected";
    case DeadLetterReason::mailbox_full: return "mailbox_full";
    case DeadLetterReason::too_large: return "too_large";
    case DeadLetterReason::unreachable: return "unreachable";
    case DeadLetterReason::not_transferable: return "not_transferable";
  }
  return "unknown";
}

const char* to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::actor_spawned: return "actor_spawned";
    case EventKind::actor_exited: return "actor_exited";
    case EventKind::address_released: return "address_released";
    case EventKind::dead_letter: return "dead_letter";
  }
  return "unknown";
}

std::string type_name(TypeId id) {
  if (id == nullptr) return "<none>";
  const char* mangled = id->info->name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
}

}  // namespace airssys::rt
