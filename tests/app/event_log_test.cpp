// The event log writes one valid JSON object per line whatever text an
// event carries: bytes that are not UTF-8 are replaced, never thrown on (an
// exception there ended the supervisor that reported the event).
#include "event_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace airssys::app {
namespace {

std::vector<std::string> lines_of(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::vector<std::string> out;
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, f) != nullptr) out.emplace_back(buf);
  return out;
}

TEST(EventLog, EveryLineIsValidJsonWhateverBytesTheEventCarries) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  EventLog log(f);
  std::mt19937 rng(7);
  constexpr int kEvents = 200;
  for (int i = 0; i < kEvents; ++i) {
    std::string bytes;
    for (int k = 0; k < 40; ++k) bytes += static_cast<char>(rng() & 0xFF);
    supervisor::SupervisionEvent e;
    e.kind = supervisor::SupervisionEventKind::child_exited;
    e.supervisor = "root";
    e.child = "c" + bytes.substr(0, 3);
    e.reason = rt::ExitReason::error("exit: " + bytes);
    e.detail = bytes;
    EXPECT_NO_THROW(log.on_event(e));
    EXPECT_NO_THROW(log.health_changed("c", "healthy", "unhealthy", bytes));
    EXPECT_NO_THROW(log.note("noted", bytes));
  }
  ASSERT_TRUE(log.flush());
  const auto lines = lines_of(f);
  ASSERT_EQ(lines.size(), 3u * kEvents);
  for (const auto& line : lines) {
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one event, one line";
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << line;
    // Strictly valid UTF-8 again when written back.
    EXPECT_NO_THROW((void)j.dump());
  }
  std::fclose(f);
}

// Events are reported from workers and supervisors: with nobody reading
// the output (a pipe far smaller than what is written) reporting returns at
// once every time, and the lines come out whole and in order once the
// output is read.
TEST(EventLog, ASlowReaderNeverHoldsUpWhoeverReportsAnEvent) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::FILE* out = ::fdopen(fds[1], "w");
  ASSERT_NE(out, nullptr);
  constexpr int kEvents = 20000;  // about 1.5 MiB, the pipe holds 64 KiB
  std::string got;
  {
    std::optional<EventLog> log;
    log.emplace(out);
    std::fclose(out);  // the log writes to a descriptor of its own
    for (int i = 0; i < kEvents; ++i) log->note("n", std::to_string(i));
    std::thread reader([&] {
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        got.append(buf, static_cast<std::size_t>(n));
    });
    EXPECT_TRUE(log->flush(std::chrono::seconds(30)));
    log.reset();  // closes its descriptor: the reader sees the end
    reader.join();
  }
  ::close(fds[0]);
  int next = 0;
  std::size_t at = 0;
  while (at < got.size()) {
    const std::size_t end = got.find('\n', at);
    ASSERT_NE(end, std::string::npos);
    const auto j = nlohmann::json::parse(got.substr(at, end - at));
    EXPECT_EQ(j["detail"], std::to_string(next++));
    at = end + 1;
  }
  EXPECT_EQ(next, kEvents);
}

}  // namespace
}  // namespace airssys::app
