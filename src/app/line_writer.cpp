#include "line_writer.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace airssys::app {

LineWriter::LineWriter(int fd, Options options) : fd_(fd), options_(options) {
  thread_ = std::thread([this] { run(); });
}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_by_ = std::chrono::steady_clock::now() + options_.drain;
  }
  changed_.notify_all();
  thread_.join();
  if (options_.close_fd && fd_ >= 0) ::close(fd_);
}

bool LineWriter::write(std::string line) {
  line += '\n';
  {
    std::lock_guard lock(mutex_);
    if (closed_ || stopping_ || line.size() > options_.max_queued_bytes - queued_bytes_) {
      ++dropped_;
      if (!closed_) ++dropped_unreported_;
      return false;
    }
    queued_bytes_ += line.size();
    queue_.push_back(std::move(line));
  }
  changed_.notify_all();
  return true;
}

bool LineWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return closed_ || (queue_.empty() && !in_flight_);
  }) && !closed_;
}

std::uint64_t LineWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool LineWriter::write_out(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    std::chrono::steady_clock::time_point stop_by;
    {
      // The destructor may have set it since this write began.
      std::lock_guard lock(mutex_);
      stop_by = stop_by_;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= stop_by) return false;
    // A pipe that says it is writable takes PIPE_BUF bytes without
    // blocking; a file or a terminal takes what it is given.
    pollfd ready{fd_, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop_by - now);
    const int wait = static_cast<int>(std::min<std::int64_t>(left.count(), 200));
    const int r = ::poll(&ready, 1, wait);
    if (r < 0 && errno != EINTR) return false;
    if (r <= 0) continue;
    if ((ready.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return false;
    const std::size_t chunk = std::min<std::size_t>(text.size() - done, PIPE_BUF);
    const ssize_t n = ::write(fd_, text.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void LineWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty() || dropped_unreported_ != 0; });
    if (queue_.empty() && dropped_unreported_ == 0) return;  // stopping, all written
    std::string text;
    if (!queue_.empty()) {
      text = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= text.size();
    }
    // Once the queue has room again: how many went missing.
    if (dropped_unreported_ != 0 && queue_.empty()) {
      text += "airssys: " + std::to_string(dropped_unreported_) + " " + options_.what +
              " dropped (the output did not keep up)\n";
      dropped_unreported_ = 0;
    }
    in_flight_ = true;
    lock.unlock();
    const bool ok = write_out(text);
    lock.lock();
    in_flight_ = false;
    if (!ok) {
      // A closed or broken output, or the drain time is up: nothing more
      // is written; what was queued counts as dropped. Whoever waits in
      // flush() learns it after on_closed has run.
      if (options_.on_closed) {
        lock.unlock();
        options_.on_closed();
        lock.lock();
      }
      closed_ = true;
      dropped_ += queue_.size();
      queue_.clear();
      queued_bytes_ = 0;
      dropped_unreported_ = 0;
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
  }
}

}  // namespace airssys::app
