#pragma once

#include <cstdint>

namespace airssys::rt {

// Names a pending timer; 0 is never a valid timer.
using TimerId = std::uint64_t;

}  // namespace airssys::rt
