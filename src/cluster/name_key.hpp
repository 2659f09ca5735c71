// A component's name as a key of the names bucket, and back. NATS KV keys
// take [-/_=.a-zA-Z0-9] only; names may hold anything else, so a name that
// is not plain is written as '=' and its bytes in hex (a plain name never
// starts with '='), which keeps the mapping one to one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace airssys::cluster {

std::string name_key(std::string_view name);
// Nothing for a key that no name maps to.
std::optional<std::string> key_name(std::string_view key);

}  // namespace airssys::cluster
