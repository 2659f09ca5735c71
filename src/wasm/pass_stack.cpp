#include "pass_stack.hpp"

#include <pthread.h>

#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include "sanitized_build.hpp"

namespace airssys::wasm::detail {
namespace {

// Measured high-water marks per nesting level, at 1,024 to 16,384 levels:
// loading (read, metering pass, binary writer, IR destructors) 270 bytes
// and the C translation 440 bytes in an optimised build; under
// AddressSanitizer 3.2 KiB and 440 bytes (the metering pass's frames grow
// with redzones; wabt itself is not instrumented). The budget leaves four
// times or more, for other compilers and builds.
constexpr std::size_t kBytesPerLevel = kSanitizedBuild ? 16 * 1024 : 2 * 1024;
// The passes' frames outside the nested walks, and room for the
// allocator and the C library under them.
constexpr std::size_t kBaseBytes = kSanitizedBuild ? 4u << 20 : 1u << 20;
// Up to this deep, the passes need less than any thread's stack has
// (their base, and 64 levels: 32 KiB optimised).
constexpr std::uint32_t kInlineNesting = 64;

struct Job {
  const std::function<Result<void>()>* passes;
  std::optional<Result<void>> result;
  std::exception_ptr thrown;
};

void* run_job(void* arg) {
  auto* job = static_cast<Job*>(arg);
  try {
    job->result.emplace((*job->passes)());
  } catch (...) {
    job->thrown = std::current_exception();
  }
  return nullptr;
}

}  // namespace

std::size_t pass_stack_bytes(std::uint32_t nesting) {
  return kBaseBytes + static_cast<std::size_t>(nesting) * kBytesPerLevel;
}

Result<void> run_passes(std::uint32_t nesting, const std::string& what,
                        const std::function<Result<void>()>& passes) {
  if (nesting <= kInlineNesting) return passes();
  const std::size_t stack = pass_stack_bytes(nesting);
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) {
    return Error{ErrorCode::resource_exhausted, what + ": cannot set up the loader's thread"};
  }
  Job job{&passes, std::nullopt, nullptr};
  pthread_t thread;
  int started = pthread_attr_setstacksize(&attr, stack);
  if (started == 0) started = pthread_create(&thread, &attr, run_job, &job);
  pthread_attr_destroy(&attr);
  if (started != 0) {
    return Error{ErrorCode::resource_exhausted,
                 what + ": cannot start a thread with " + std::to_string(stack >> 10) +
                     " KiB of stack for its nesting of " + std::to_string(nesting) +
                     " levels: " + std::strerror(started)};
  }
  pthread_join(thread, nullptr);
  if (job.thrown) std::rethrow_exception(job.thrown);
  return std::move(*job.result);
}

}  // namespace airssys::wasm::detail
