// Errors as values: the runtime's calls that can fail for reasons the caller
// must handle (dead address, timeout, name taken) return Result<T> instead of
// throwing, so failures are visible at the call site and cheap on hot paths.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace airssys {

enum class ErrorCode {
  no_such_actor,       // the address names an actor that has exited (or never existed)
  timeout,             // a request or wait ran out of time
  name_taken,          // a name is already registered
  name_not_found,      // no actor is registered under that name
  system_stopping,     // the actor system is shutting down
  unexpected_type,     // a reply or message had another type than expected
  unhandled,           // the receiver had no handler for the request
  actor_exited,        // the receiver exited before replying
  invalid_argument,    // a value the callee cannot accept
  resource_exhausted,  // a bounded resource is full
  io_error,
  internal,
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // "<code>: <message>", for logs and CLI output.
  std::string describe() const;
};

// A value or an Error, in the spirit of std::expected (C++23).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(storage_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(storage_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(storage_);
  }

  T value_or(T fallback) const& { return ok() ? std::get<0>(storage_) : std::move(fallback); }

 private:
  std::variant<T, Error> storage_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok() {
  return {};
}

}  // namespace airssys
