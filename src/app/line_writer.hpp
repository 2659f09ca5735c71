// Lines to one output (a file descriptor), written by a thread of its own:
// whoever writes a line (a worker running a guest's log call) never waits
// for a slow reader. What does not fit in the queue's bound is dropped,
// counted, and reported in a line of its own once the output catches up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace airssys::app {

class LineWriter {
 public:
  struct Options {
    std::size_t max_queued_bytes = std::size_t{4} << 20;
    // How long the destructor goes on writing what is queued.
    std::chrono::milliseconds drain{2000};
    // What the lines are, in the report of those dropped.
    std::string what = "log lines";
    // Called once, on the writer's thread, when the output fails (closed,
    // broken, a full disk): nothing more is written from then on.
    std::function<void()> on_closed;
    // The writer closes the fd when it ends (a dup of its own).
    bool close_fd = false;
  };

  explicit LineWriter(int fd) : LineWriter(fd, Options{}) {}
  LineWriter(int fd, Options options);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Queues `line` (a newline is added); false when it was dropped: the
  // queue is full, or the output is closed (a write failed).
  bool write(std::string line);
  // Waits until every line queued so far is written, the output is
  // closed, or `timeout` passes; true in the first case.
  bool flush(std::chrono::milliseconds timeout);

  std::uint64_t dropped() const;

 private:
  void run();
  // Writes all of `text`, waiting for the output with poll (never blocked
  // in a write for good: the drain's end stops the wait); false when it
  // failed or the drain time is up.
  bool write_out(const std::string& text);

  const int fd_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;  // in all
  std::uint64_t dropped_unreported_ = 0;
  bool in_flight_ = false;  // the thread is writing what it took off the queue
  bool closed_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_by_ = std::chrono::steady_clock::time_point::max();
  std::thread thread_;
};

}  // namespace airssys::app
