// The system C compiler as the aot engine runs it: which program (`cc`, or
// AIRSSYS_CC naming one program), its identity (part of the cache key), the
// limits a compile runs under (AIRSSYS_AOT_COMPILE_*), and running it as a
// bounded child with an error that says what went wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "airssys/rt/result.hpp"
#include "aot/bounded_process.hpp"

namespace airssys::wasm::detail {

struct CompilerLimits {
  std::chrono::nanoseconds wall_time = std::chrono::seconds(120);  // AIRSSYS_AOT_COMPILE_TIMEOUT
  std::uint64_t cpu_seconds = 120;                                 // AIRSSYS_AOT_COMPILE_CPU
  std::uint64_t memory = std::uint64_t{4} << 30;                   // AIRSSYS_AOT_COMPILE_MEMORY
  std::uint64_t file_size = std::uint64_t{512} << 20;              // AIRSSYS_AOT_COMPILE_FILE_SIZE
};

// The defaults, overridden by the environment; an unreadable value is an
// error naming the variable.
Result<CompilerLimits> compiler_limits();

struct CCompiler {
  std::string path;      // absolute (a bare name found in PATH), run as it is
  std::string identity;  // the path, where its symlinks lead, and its `--version` output
};

// The compiler AIRSSYS_CC names (else `cc`), with its identity. `--version`
// runs once per process for each compiler.
Result<CCompiler> c_compiler(const CompilerLimits& limits);

// Runs `compiler` with `args` in the directory open as `dir_fd`, which is
// also its TMPDIR. `what` names the module in errors; `cancel`, when given,
// kills the compile from another thread.
Result<void> run_c_compiler(const CCompiler& compiler, const std::vector<std::string>& args,
                            int dir_fd, const CompilerLimits& limits, const std::string& what,
                            ProcessCancel* cancel = nullptr);

}  // namespace airssys::wasm::detail
