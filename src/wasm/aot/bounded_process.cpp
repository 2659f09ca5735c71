// Bounded child processes: the spawn (argv through prlimit and setpriv),
// the wait (output pipe, process exit, wall clock), the group kill, and the
// registry of running children that a ProcessCancel or
// cancel_bounded_processes() kills.
#include "aot/bounded_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "aot/unique_fd.hpp"

namespace airssys::wasm::detail {
namespace {

using Clock = std::chrono::steady_clock;

// After the group is killed, how long its members may take to close the
// output pipe (dying processes close it at once; only one stuck in the
// kernel takes longer).
constexpr auto kKilledGrace = std::chrono::seconds(10);

struct Running {
  const ProcessCancel* token = nullptr;
  // Set when it was killed from outside: cancelled or abandoned.
  std::optional<ProcessOutcome::End> killed;
};

struct Registry {
  std::mutex mutex;
  bool cancelled = false;
  std::map<pid_t, Running> running;  // child (= process group) -> its run
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: compiles may outlive statics
  return *r;
}

// When the program exits (main returns, exit()) while a child still runs,
// as when an actor system gives up on a worker stuck in a compile, the
// child's whole group is killed: --pdeathsig reaches only the child itself,
// not the compiler's own subprocesses (cc1, as, ld).
struct KillAtExit {
  ~KillAtExit() { cancel_bounded_processes(); }
};

std::string error_text(int err) {
  return std::strerror(err);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// util-linux's tools, looked up once; their usual place when PATH lacks them.
const std::string& tool(const char* name) {
  // Never destroyed: a compile thread may still use them while the
  // process exits.
  static std::mutex& m = *new std::mutex;
  static std::map<std::string, std::string>& found = *new std::map<std::string, std::string>;
  std::lock_guard<std::mutex> lock(m);
  auto it = found.find(name);
  if (it == found.end()) {
    std::string path = find_program(name);
    if (path.empty() && is_executable_file(std::string("/usr/bin/") + name)) {
      path = std::string("/usr/bin/") + name;
    }
    it = found.emplace(name, std::move(path)).first;
  }
  return it->second;
}

// prlimit sets the limits on itself and execs setpriv, which sets the
// parent-death signal and execs the program: one process all along, so the
// child's pid is its process group and the program's pid.
Result<std::vector<std::string>> bounded_argv(const ProcessRun& run) {
  const std::string& prlimit = tool("prlimit");
  const std::string& setpriv = tool("setpriv");
  if (prlimit.empty() || setpriv.empty()) {
    return Error{ErrorCode::io_error,
                 std::string("cannot bound ") + run.argv[0] + ": util-linux's " +
                     (prlimit.empty() ? "prlimit" : "setpriv") + " is not installed"};
  }
  std::vector<std::string> argv{prlimit, "--core=0"};
  const ProcessLimits& l = run.limits;
  if (l.cpu_seconds > 0) {
    // SIGXCPU at the soft limit, SIGKILL a second later.
    argv.push_back("--cpu=" + std::to_string(l.cpu_seconds) + ":" +
                   std::to_string(l.cpu_seconds + 1));
  }
  if (l.address_space > 0) argv.push_back("--as=" + std::to_string(l.address_space));
  if (l.file_size > 0) argv.push_back("--fsize=" + std::to_string(l.file_size));
  argv.insert(argv.end(), {"--", setpriv, "--pdeathsig", "KILL", "--no-new-privs", "--"});
  argv.insert(argv.end(), run.argv.begin(), run.argv.end());
  return argv;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // stdin from /dev/null, stdout and stderr into `out`, no other descriptor
  // inherited, in `cwd_fd`; its own process group, no blocked signals and
  // every signal at its default action (ours may ignore SIGPIPE or block
  // SIGINT/SIGTERM).
  int prepare(int out, int cwd_fd) {
    int rc = ::posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, out, 1);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, out, 2);
    if (rc == 0) {  // before closefrom, which closes cwd_fd
      rc = cwd_fd >= 0 ? ::posix_spawn_file_actions_addfchdir_np(&actions_, cwd_fd)
                       : ::posix_spawn_file_actions_addchdir_np(&actions_, "/");
    }
    if (rc == 0) rc = ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attr_, 0);
    if (rc == 0) rc = ::posix_spawnattr_setsigmask(&attr_, &none);
    if (rc == 0) rc = ::posix_spawnattr_setsigdefault(&attr_, &all);
    if (rc == 0) {
      rc = ::posix_spawnattr_setflags(
          &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    return rc;
  }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Reads what is there; false at end of file.
bool read_output(int fd, ProcessOutcome& out, std::size_t limit) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      const std::size_t room = limit > out.output.size() ? limit - out.output.size() : 0;
      const std::size_t keep = std::min(room, static_cast<std::size_t>(n));
      out.output.append(buf, keep);
      out.output_truncated = out.output_truncated || keep < static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;  // other errors: treat as closed
  }
}

// Exited (a zombie for us to reap), or already reaped by the system (the
// embedding program ignores SIGCHLD: ECHILD).
bool child_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;
  }
  return info.si_pid == pid;
}

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  // Round up, so a wait never ends just before its deadline.
  return static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1 << 30));
}

// Waits until the pipe is closed and the child has exited, or `deadline`.
// False at the deadline.
bool wait_for_end(pid_t pid, int pidfd, int out_fd, bool& pipe_open, ProcessOutcome& outcome,
                  std::size_t limit, Clock::time_point deadline) {
  bool exited = child_exited(pid);
  while (pipe_open || !exited) {
    if (Clock::now() >= deadline) return false;
    pollfd fds[2];
    nfds_t n = 0;
    if (pipe_open) fds[n++] = {out_fd, POLLIN, 0};
    const bool watch_exit = !exited && pidfd >= 0;
    if (watch_exit) fds[n++] = {pidfd, POLLIN, 0};
    // Without a pidfd, the exit of a child that closed its output is
    // noticed by looking again every few milliseconds.
    const int timeout =
        watch_exit || exited ? millis_until(deadline) : std::min(millis_until(deadline), 10);
    const int ready = ::poll(fds, n, timeout);
    if (ready < 0 && errno != EINTR) return false;
    if (pipe_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      pipe_open = read_output(out_fd, outcome, limit);
    }
    if (!exited) exited = child_exited(pid);
  }
  return true;
}

}  // namespace

std::string find_program(const std::string& name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return is_executable_file(name) ? name : std::string();
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && dir[0] == '/') {
      std::string candidate = dir + "/" + name;
      if (is_executable_file(candidate)) return candidate;
    }
    start = end + 1;
  }
  return {};
}

Result<ProcessOutcome> run_bounded(const ProcessRun& run) {
  ProcessOutcome outcome;
  if (run.argv.empty()) return Error{ErrorCode::internal, "run_bounded: no program"};
  auto argv = bounded_argv(run);
  if (!argv) return argv.error();

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Error{ErrorCode::io_error,
                 "cannot make a pipe for " + run.argv[0] + ": " + error_text(errno)};
  }
  UniqueFd out_read(pipe_fds[0]);
  UniqueFd out_write(pipe_fds[1]);
  SpawnSetup setup;
  if (const int rc = setup.prepare(out_write.get(), run.cwd_fd); rc != 0) {
    return Error{ErrorCode::io_error, "cannot set up " + run.argv[0] + ": " + error_text(rc)};
  }
  auto c_argv = c_strings(*argv);
  auto c_env = c_strings(run.env);

  static KillAtExit kill_at_exit;
  Registry& reg = registry();
  pid_t pid = -1;
  {
    // Spawned under the registry's lock: a cancel either comes before (and
    // nothing starts) or finds the child registered.
    std::lock_guard<std::mutex> lock(reg.mutex);
    if (reg.cancelled || (run.cancel != nullptr && run.cancel->cancelled_)) {
      outcome.end = reg.cancelled ? ProcessOutcome::End::cancelled : ProcessOutcome::End::abandoned;
      return outcome;
    }
    const int rc =
        ::posix_spawn(&pid, c_argv[0], setup.actions(), setup.attr(), c_argv.data(), c_env.data());
    if (rc != 0) {
      return Error{ErrorCode::io_error, "cannot run " + (*argv)[0] + ": " + error_text(rc)};
    }
    reg.running.emplace(pid, Running{.token = run.cancel, .killed = std::nullopt});
  }
  out_write.reset();
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  // -1 before Linux 5.3: exits are then polled. (The syscall: glibc 2.36's
  // <sys/pidfd.h> lacks C linkage for C++.)
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  bool pipe_open = true;
  const auto deadline = Clock::now() + run.limits.wall_time;
  const bool ended = wait_for_end(pid, pidfd.get(), out_read.get(), pipe_open, outcome,
                                  run.limits.output_bytes, deadline);
  // The child is still unreaped here, so its pid (the group's id) cannot
  // be reused: killing the group hits only what it started.
  ::kill(-pid, SIGKILL);
  if (!ended || pipe_open) {
    (void)wait_for_end(pid, pidfd.get(), out_read.get(), pipe_open, outcome,
                       run.limits.output_bytes, Clock::now() + kKilledGrace);
  }
  std::optional<ProcessOutcome::End> killed;
  {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
           errno == EINTR) {
    }
    std::lock_guard<std::mutex> lock(reg.mutex);
    killed = reg.running[pid].killed;
    reg.running.erase(pid);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {
    outcome.end = *killed;
  } else if (!ended) {
    outcome.end = ProcessOutcome::End::timed_out;
  } else if (WIFSIGNALED(status)) {
    outcome.end = ProcessOutcome::End::signalled;
    outcome.status = WTERMSIG(status);
  } else {
    outcome.end = ProcessOutcome::End::exited;
    outcome.status = WEXITSTATUS(status);
  }
  return outcome;
}

void cancel_bounded_processes() {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  reg.cancelled = true;
  for (auto& [pid, run] : reg.running) {
    if (!run.killed) run.killed = ProcessOutcome::End::cancelled;
    ::kill(-pid, SIGKILL);
  }
}

void ProcessCancel::cancel() {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  cancelled_ = true;
  for (auto& [pid, run] : reg.running) {
    if (run.token != this || run.killed) continue;
    run.killed = ProcessOutcome::End::abandoned;
    ::kill(-pid, SIGKILL);
  }
}

}  // namespace airssys::wasm::detail
