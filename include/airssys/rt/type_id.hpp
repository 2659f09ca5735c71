// Cheap run-time type identity for message payloads, without RTTI lookups on
// the dispatch path: a TypeId is the address of one static object per type.
#pragma once

#include <string>
#include <typeinfo>

namespace airssys::rt {

struct TypeInfo {
  const std::type_info* info;
};

using TypeId = const TypeInfo*;

template <class T>
inline const TypeInfo type_info_v{&typeid(T)};

template <class T>
constexpr TypeId type_id() {
  return &type_info_v<T>;
}

// Demangled name, for events and error messages (not for the hot path).
std::string type_name(TypeId id);

}  // namespace airssys::rt
