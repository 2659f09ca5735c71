#include "connection_book.hpp"

namespace airssys::app {

bool ConnectionBook::admit(int socket, Clock::time_point deadline) {
  if (open_.size() >= limit_ && !open_.contains(socket)) return false;
  open_[socket] = deadline;
  return true;
}

void ConnectionBook::received(int socket) {
  if (auto it = open_.find(socket); it != open_.end()) it->second.reset();
}

void ConnectionBook::rearm(int socket, Clock::time_point deadline) {
  if (auto it = open_.find(socket); it != open_.end()) it->second = deadline;
}

void ConnectionBook::closed(int socket) {
  open_.erase(socket);
}

std::vector<int> ConnectionBook::expire(Clock::time_point now) {
  std::vector<int> late;
  for (auto& [socket, deadline] : open_) {
    if (deadline && *deadline <= now) {
      late.push_back(socket);
      deadline.reset();
    }
  }
  return late;
}

std::optional<ConnectionBook::Clock::time_point> ConnectionBook::next_deadline() const {
  std::optional<Clock::time_point> next;
  for (const auto& [socket, deadline] : open_) {
    if (deadline && (!next || *deadline < *next)) next = deadline;
  }
  return next;
}

}  // namespace airssys::app
