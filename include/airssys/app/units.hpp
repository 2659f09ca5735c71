// Durations and sizes as written in configs: "250ms", "5s", "1.5m", "2h";
// "64KiB", "1MiB", "1GiB", "1000" (bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "airssys/rt/clock.hpp"

namespace airssys::app {

// ns, us, ms, s, m, h; a number without a unit is not a duration.
std::optional<rt::Duration> parse_duration(std::string_view text);
// B, KiB, MiB, GiB (powers of 1024) and KB, MB, GB (powers of 1000).
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace airssys::app
