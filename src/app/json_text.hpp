// JSON as text for the program's outputs (events, the admin endpoint).
// Text from guests is made safe where it enters the host (rt::safe_text);
// any other invalid UTF-8 is replaced, never thrown on: no output can stop
// the actor or the request that writes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace airssys::app {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace airssys::app
