// The admin endpoint's book of open connections: admission against the
// connection limit, and which connections have overrun the time they had to
// send their request. Pure bookkeeping: the caller passes the clock's
// readings and acts on the answers (AdminServer closes what expire()
// returns), so it is tested alone.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

namespace airssys::app {

class ConnectionBook {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionBook(std::size_t limit) : limit_(limit) {}

  // A connection (its socket) has been accepted; its request is due by
  // `deadline`. False, and not entered, when `limit` are open already.
  bool admit(int socket, Clock::time_point deadline);
  // Its request has arrived in full: no deadline while it is answered.
  void received(int socket);
  // It has been answered and may send another request, due by `deadline`.
  void rearm(int socket, Clock::time_point deadline);
  // It is closed: its place is free.
  void closed(int socket);

  // The connections whose deadline has passed at `now`. They have no
  // deadline afterwards and stay counted until closed().
  std::vector<int> expire(Clock::time_point now);
  // The earliest deadline of an open connection, if any has one.
  std::optional<Clock::time_point> next_deadline() const;
  std::size_t open() const { return open_.size(); }
  std::size_t limit() const { return limit_; }

 private:
  std::size_t limit_;
  // socket -> the deadline of the request it is sending (none while its
  // request is answered or once it has expired)
  std::unordered_map<int, std::optional<Clock::time_point>> open_;
};

}  // namespace airssys::app
