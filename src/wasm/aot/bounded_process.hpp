// Running a helper program as a bounded child process: spawned with an argv
// (posix_spawn, never a shell) in a process group of its own, its resource
// limits applied by util-linux `prlimit` and its death tied to ours by
// `setpriv --pdeathsig KILL`, stdout and stderr captured through one pipe up
// to a size, a wall-clock limit after which the whole group is killed, a
// token that kills one run from another thread, and a process-wide switch
// that kills every such child and refuses new ones.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "airssys/rt/result.hpp"

namespace airssys::wasm::detail {

struct ProcessLimits {
  std::chrono::nanoseconds wall_time{0};  // then the group is killed
  std::uint64_t cpu_seconds = 0;          // RLIMIT_CPU of every process in the tree
  std::uint64_t address_space = 0;        // RLIMIT_AS, bytes, of every process in the tree
  std::uint64_t file_size = 0;            // RLIMIT_FSIZE, bytes: no file written grows past it
  std::size_t output_bytes = 0;           // stdout+stderr kept; the rest is read and dropped
};

struct ProcessRun;
struct ProcessOutcome;

// Stops one run_bounded call from another thread: the group of the child
// it runs is killed (or, when it has not spawned it yet, nothing starts) and
// the call ends as `abandoned`. There is no undo.
class ProcessCancel {
 public:
  ProcessCancel() = default;
  ProcessCancel(const ProcessCancel&) = delete;
  ProcessCancel& operator=(const ProcessCancel&) = delete;
  void cancel();

 private:
  friend Result<ProcessOutcome> run_bounded(const ProcessRun& run);
  bool cancelled_ = false;  // under the registry's lock
};

struct ProcessRun {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // NAME=value, the child's whole environment
  int cwd_fd = -1;                // the child's working directory; -1: "/"
  ProcessLimits limits;
  ProcessCancel* cancel = nullptr;  // outlives the call; none: only the global switch
};

struct ProcessOutcome {
  enum class End {
    exited,     // `status` is the exit status
    signalled,  // `status` is the signal that ended it
    timed_out,  // over limits.wall_time: the group was killed
    cancelled,  // cancel_bounded_processes(): the group was killed
    abandoned,  // its ProcessCancel: the group was killed
  };
  End end = End::exited;
  int status = 0;
  std::string output;
  bool output_truncated = false;
};

// Runs `run` to its end. When this returns, the child is reaped and every
// process of its group that still held the output pipe has exited (the
// group is killed with SIGKILL once the child is done, so nothing of it
// keeps running). An error means the child could not be started.
Result<ProcessOutcome> run_bounded(const ProcessRun& run);

// Kills the group of every child run_bounded is waiting for and makes
// later calls end as `cancelled` without starting anything. For shutdown:
// there is no undo.
void cancel_bounded_processes();

// `name` looked up in PATH's absolute entries (relative entries, "." among
// them, are skipped); a name with a '/' is taken as it is. Empty when no
// executable regular file is found.
std::string find_program(const std::string& name);

}  // namespace airssys::wasm::detail
