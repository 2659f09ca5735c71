// The event log writes one valid JSON object per line whatever text an
// event carries: bytes that are not UTF-8 are replaced, never thrown on (an
// exception there ended the supervisor that reported the event).
#include "event_log.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

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

}  // namespace
}  // namespace airssys::app
