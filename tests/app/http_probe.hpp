// A raw HTTP client on a loopback socket: sends exactly the bytes a test
// writes (a head cut short, one byte at a time, no Content-Length) and
// tells how the server answered or ended the connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace airssys::app::test {

// How a connection ended for the client.
enum class End {
  open,       // not ended (yet)
  closed,     // the server closed it (end of stream)
  reset,      // the server reset it
  timed_out,  // nothing for a minute: the server neither answered nor closed
};

struct Answer {
  int status = 0;  // 0: no status line came
  std::string head;
  std::string body;
  std::string bytes;  // everything read
  End end = End::open;
};

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    // Only a guard against a server that never answers nor closes: the
    // bounds under test are seconds, this is a minute.
    timeval guard{60, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // False once the server has closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until the server ends the connection.
  Answer read_to_end() {
    Answer a;
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        a.bytes.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      a.end = n == 0                                      ? End::closed
              : (errno == EAGAIN || errno == EWOULDBLOCK) ? End::timed_out
                                                          : End::reset;
      break;
    }
    parse(a);
    return a;
  }

  // Reads one answer that says its Content-Length, leaving the connection
  // open.
  Answer read_answer() {
    Answer a;
    char buf[16384];
    for (;;) {
      const auto head_end = a.bytes.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto at = lower(a.bytes.substr(0, head_end)).find("\r\ncontent-length:");
        const std::size_t length =
            at == std::string::npos ? 0 : std::stoul(a.bytes.substr(at + 17, head_end - at - 17));
        if (a.bytes.size() >= head_end + 4 + length) break;
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        a.bytes.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      a.end = n == 0 ? End::closed : End::reset;
      break;
    }
    parse(a);
    return a;
  }

  // Whether the server has ended the connection, waiting up to `wait`
  // for it to; what it sent meanwhile is appended to `seen`.
  End ended_within(std::chrono::milliseconds wait, std::string& seen) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return End::open;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      seen.append(buf, static_cast<std::size_t>(n));
      return End::open;
    }
    if (n == 0) return End::closed;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? End::open : End::reset;
  }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static void parse(Answer& a) {
    const auto head_end = a.bytes.find("\r\n\r\n");
    a.head = a.bytes.substr(0, head_end);
    if (head_end != std::string::npos) a.body = a.bytes.substr(head_end + 4);
    if (a.bytes.rfind("HTTP/1.", 0) == 0 && a.bytes.size() >= 12) {
      a.status = std::stoi(a.bytes.substr(9, 3));
    }
  }

  int fd_ = -1;
  bool connected_ = false;
};

// One request on a fresh connection that the server closes after it.
inline Answer ask_once(int port, std::string_view request) {
  RawClient c(port);
  (void)c.send(request);  // a refusal may close it before all is sent
  return c.read_to_end();
}

// Waits until `done()` holds, checking again each time the thread yields;
// false after a minute (a guard, far beyond anything under test).
template <class Predicate>
bool eventually(Predicate done) {
  const auto guard = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!done()) {
    if (std::chrono::steady_clock::now() > guard) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace airssys::app::test
