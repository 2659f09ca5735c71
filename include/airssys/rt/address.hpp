// An actor's address: the 64-bit value that names one actor for its whole life.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace airssys::rt {

// The low 32 bits index the actor table, the high 32 bits are the generation
// of that table slot. A slot is reused after its actor exits, with the
// generation bumped, so a stale address never reaches the slot's next actor.
// The packed form (value()) is what crosses the wasm boundary.
class Address {
 public:
  constexpr Address() = default;
  constexpr Address(std::uint32_t index, std::uint32_t generation)
      : index_(index), generation_(generation) {}

  static constexpr Address none() { return Address{}; }
  static constexpr Address from_value(std::uint64_t v) {
    return Address{static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32)};
  }

  constexpr std::uint64_t value() const {
    return (static_cast<std::uint64_t>(generation_) << 32) | index_;
  }
  constexpr std::uint32_t index() const { return index_; }
  constexpr std::uint32_t generation() const { return generation_; }

  // Generation 0 is never handed out, so the default address names no actor.
  constexpr bool is_none() const { return generation_ == 0; }
  constexpr explicit operator bool() const { return !is_none(); }

  friend constexpr bool operator==(Address a, Address b) { return a.value() == b.value(); }
  friend constexpr bool operator!=(Address a, Address b) { return !(a == b); }
  friend constexpr bool operator<(Address a, Address b) { return a.value() < b.value(); }

  // "<index.generation>", Erlang-pid-like.
  std::string to_string() const;

 private:
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
};

}  // namespace airssys::rt

template <>
struct std::hash<airssys::rt::Address> {
  std::size_t operator()(airssys::rt::Address a) const noexcept {
    return std::hash<std::uint64_t>{}(a.value());
  }
};
