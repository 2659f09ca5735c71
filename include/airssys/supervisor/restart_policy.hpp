// When a child is restarted (OTP's restart type).
#pragma once

#include "airssys/rt/exit_reason.hpp"

namespace airssys::supervisor {

enum class RestartPolicy {
  permanent,  // always restarted
  transient,  // restarted only after an abnormal exit (not normal, not shutdown)
  temporary,  // never restarted, and removed from its supervisor when it exits
};

const char* to_string(RestartPolicy policy) noexcept;

// OTP's restart-type matrix.
constexpr bool should_restart(RestartPolicy policy, const rt::ExitReason& reason) {
  switch (policy) {
    case RestartPolicy::permanent: return true;
    case RestartPolicy::transient: return reason.is_abnormal();
    case RestartPolicy::temporary: return false;
  }
  return false;
}

}  // namespace airssys::supervisor
