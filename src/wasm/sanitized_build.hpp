// Whether this build runs under a sanitizer whose frames and heap differ
// from an optimised build's (larger frames, redzones, a quarantine of freed
// chunks): what the loader's stack is sized for, and what resident-set
// measurements can mean.
#pragma once

namespace airssys::wasm::detail {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace airssys::wasm::detail
