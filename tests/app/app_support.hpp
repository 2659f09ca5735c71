// Temporary config files and running the real `airssys` binary.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

namespace airssys::app::test {

inline std::string guest(const std::string& name) {
  return std::string(AIRSSYS_GUEST_DIR) + "/" + name + ".wasm";
}
inline std::string example_module(const std::string& name) {
  return std::string(AIRSSYS_EXAMPLE_MODULES) + "/" + name + ".wasm";
}

// A fresh folder per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            ("airssys-app-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The airssys binary as a child process with its stdout and stderr on pipes.
class Program {
 public:
  explicit Program(std::vector<std::string> args) {
    int out[2];
    int err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    args.insert(args.begin(), AIRSSYS_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, AIRSSYS_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_ = ::fdopen(out[0], "r");
    err_fd_ = err[0];
  }
  ~Program() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (out_ != nullptr) std::fclose(out_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Reads stdout line by line until one contains `text` (or the program
  // closes it); the lines read so far stay in stdout_text().
  bool read_until(const std::string& text) {
    char line[4096];
    while (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
      stdout_ += line;
      if (std::string(line).find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Closes this side of the program's standard output, as `| head` does
  // when it has read enough.
  void close_stdout() {
    if (out_ != nullptr) std::fclose(out_);
    out_ = nullptr;
  }
  // Waits for the exit; returns the exit code (128 + signal if killed).
  int wait() {
    if (out_ != nullptr) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, out_)) > 0) stdout_.append(buf, n);
    }
    char buf[4096];
    ssize_t n;
    while (err_fd_ >= 0 && (n = ::read(err_fd_, buf, sizeof buf)) > 0) stderr_.append(buf, n);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }

 private:
  pid_t pid_ = -1;
  bool waited_ = false;
  std::FILE* out_ = nullptr;
  int err_fd_ = -1;
  std::string stdout_;
  std::string stderr_;
};

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

inline Outcome run_program(std::vector<std::string> args) {
  Program p(std::move(args));
  const int code = p.wait();
  return {code, p.stdout_text(), p.stderr_text()};
}

// The admin endpoint's port a `run` printed; -1 when it printed none.
inline int admin_port(const std::string& stdout_text) {
  std::smatch m;
  static const std::regex re("admin endpoint: http://127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(stdout_text, m, re) ? std::stoi(m[1]) : -1;
}

// Waits until `p` (a `run ... --http 127.0.0.1:0`) serves its admin
// endpoint and returns its port; -1, with a test failure, when it does not.
inline int serving_port(Program& p) {
  if (!p.started() || !p.read_until("admin endpoint")) {
    ADD_FAILURE() << "no admin endpoint: " << p.stdout_text();
    return -1;
  }
  const int port = admin_port(p.stdout_text());
  EXPECT_GT(port, 0) << p.stdout_text();
  return port;
}

}  // namespace airssys::app::test
