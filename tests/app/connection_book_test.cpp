// The admin endpoint's connection book alone: admission against the limit,
// and which connections expire, against a plain model on random operations.
#include "connection_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <vector>

namespace airssys::app {
namespace {

using namespace std::chrono_literals;
using Clock = ConnectionBook::Clock;

TEST(ConnectionBook, AdmitsUpToItsLimitAndFreesAPlaceOnClose) {
  for (const std::size_t limit : {1, 2, 7, 64}) {
    ConnectionBook book(limit);
    const auto t = Clock::now();
    for (std::size_t i = 0; i < limit; ++i) EXPECT_TRUE(book.admit(static_cast<int>(i), t));
    EXPECT_EQ(book.open(), limit);
    for (int extra = 0; extra < 3; ++extra) {
      EXPECT_FALSE(book.admit(static_cast<int>(limit) + extra, t)) << limit;
    }
    EXPECT_EQ(book.open(), limit);
    book.closed(0);
    EXPECT_TRUE(book.admit(1000, t));
    EXPECT_FALSE(book.admit(1001, t));
  }
}

// Random admissions, receipts, answers, closes and clock steps against a
// plain model: a connection expires once, when its deadline has passed
// while it was still sending; never while its request is answered.
TEST(ConnectionBook, ExpiresExactlyTheConnectionsStillSendingPastTheirDeadline) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    const std::size_t limit = 1 + rng() % 16;
    ConnectionBook book(limit);
    std::map<int, std::optional<Clock::time_point>> model;
    auto now = Clock::time_point{} + 1h;
    const auto timeout = std::chrono::milliseconds(1 + rng() % 100);
    for (int step = 0; step < 400; ++step) {
      const int socket = static_cast<int>(rng() % 24);
      switch (rng() % 6) {
        case 0: {
          const bool fits = model.size() < limit || model.contains(socket);
          EXPECT_EQ(book.admit(socket, now + timeout), fits);
          if (fits) model[socket] = now + timeout;
          break;
        }
        case 1:
          book.received(socket);
          if (model.contains(socket)) model[socket].reset();
          break;
        case 2:
          book.rearm(socket, now + timeout);
          if (model.contains(socket)) model[socket] = now + timeout;
          break;
        case 3:
          book.closed(socket);
          model.erase(socket);
          break;
        default: {
          now += std::chrono::milliseconds(rng() % 40);
          std::vector<int> want;
          for (auto& [s, deadline] : model) {
            if (deadline && *deadline <= now) {
              want.push_back(s);
              deadline.reset();
            }
          }
          auto got = book.expire(now);
          std::sort(got.begin(), got.end());
          EXPECT_EQ(got, want);
        }
      }
      std::optional<Clock::time_point> next;
      for (const auto& [s, deadline] : model) {
        if (deadline && (!next || *deadline < *next)) next = deadline;
      }
      EXPECT_EQ(book.next_deadline(), next);
      EXPECT_EQ(book.open(), model.size());
    }
  }
}

}  // namespace
}  // namespace airssys::app
