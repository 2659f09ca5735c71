// What kind of wasm a module's bytes are, checked before they are parsed:
// the header (a core module of binary version 1, not a Component Model
// component or another version) and the proposals beyond guest_features()
// a module uses (SIMD, threads, exception handling, tail calls), each
// refused with a message naming it (module_features.cpp).
#pragma once

#include <wabt/feature.h>

#include <cstdint>
#include <vector>

#include "airssys/rt/result.hpp"

namespace airssys::wasm::detail {

// What guests may use, on both engines: the MVP plus mutable globals, sign
// extension, saturating float to int, multi-value, bulk memory and reference
// types (docs/guest-abi.md, Module shape).
wabt::Features guest_features();

// A core module's header (\0asm, version 1), or what the bytes are instead.
Result<void> check_header(const std::vector<std::uint8_t>& bytes);

// The first use of SIMD, threads, exception handling or tail calls, named
// with where it is. A module that does not read (even with those enabled)
// passes: the validating read that follows reports it.
Result<void> check_features(const std::vector<std::uint8_t>& bytes);

}  // namespace airssys::wasm::detail
