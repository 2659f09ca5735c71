// What tests need to drive and watch child processes (the aot engine's C
// compiler, the airssys program): environment variables for a scope, text
// files and shell scripts, FIFOs read with a time limit (a script says
// "I run" through one and waits on another until the test lets it go), and
// whether a process, or any member of its group, still runs.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace airssys::test {

// Sets (or, with nullopt, unsets) an environment variable for a scope.
class EnvVar {
 public:
  EnvVar(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::filesystem::path& p, const std::string& text,
                       std::filesystem::perms perms = std::filesystem::perms(0644)) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::permissions(p, perms);
}

// An executable shell script.
inline std::filesystem::path write_script(const std::filesystem::path& p, const std::string& body) {
  write_text(p, "#!/bin/sh\n" + body, std::filesystem::perms(0755));
  return p;
}

// Makes a FIFO at `p`; false on failure.
inline bool make_fifo(const std::filesystem::path& p) {
  return ::mkfifo(p.c_str(), 0600) == 0;
}

// What a writer puts into the FIFO at `p`, up to its close; nothing when no
// writer came within `timeout`. Opening for reading does not block.
inline std::optional<std::string> read_fifo(const std::filesystem::path& p,
                                            std::chrono::milliseconds timeout) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  bool got_any = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // Linux reports no hang-up on a FIFO no writer has opened yet: this
    // waits for the first writer.
    pollfd in{fd, POLLIN, 0};
    const int ready = ::poll(&in, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      got_any = true;
      continue;
    }
    if (n == 0) {  // the writer closed it
      ::close(fd);
      return text;
    }
    if (errno != EAGAIN && errno != EINTR) break;
  }
  ::close(fd);
  if (got_any) return text;
  return std::nullopt;
}

// Writes `text` into the FIFO at `p` and closes it; blocks until a reader
// has it open.
inline bool write_fifo(const std::filesystem::path& p, const std::string& text) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// Waits until process `pid` has ended (exited, perhaps not yet reaped):
// true, or false when it still runs after `timeout`.
inline bool wait_gone(int pid, std::chrono::milliseconds timeout) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return errno == ESRCH;  // gone and reaped
  pollfd exited{pidfd, POLLIN, 0};
  const bool gone = ::poll(&exited, 1, static_cast<int>(timeout.count())) == 1;
  ::close(pidfd);
  return gone;
}

// Processes of group `pgid` that are neither zombies nor already exiting
// (PF_EXITING): what would still run.
inline std::vector<int> live_members(int pgid) {
  std::vector<int> live;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
    long session = 0;
    long tty = 0;
    long tpgid = 0;
    unsigned long flags = 0;
    fields >> state >> ppid >> pgrp >> session >> tty >> tpgid >> flags;
    constexpr unsigned long kExiting = 0x4;  // PF_EXITING
    if (pgrp == pgid && state != 'Z' && state != 'X' && (flags & kExiting) == 0) {
      live.push_back(std::stoi(name));
    }
  }
  return live;
}

}  // namespace airssys::test
