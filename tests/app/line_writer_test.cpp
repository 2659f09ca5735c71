// The guest log's writer: writing a line never waits for the output; what
// does not fit is dropped and reported; a stuck output cannot hold up the
// end; a closed one stops the writing. Real pipes, a real writer thread.
#include "line_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace airssys::app {
namespace {

using namespace std::chrono_literals;

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  // Everything until the write end is closed.
  std::string read_all() {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(read_end, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

LineWriter::Options options(std::size_t max_queued_bytes, std::chrono::milliseconds drain) {
  LineWriter::Options o;
  o.max_queued_bytes = max_queued_bytes;
  o.drain = drain;
  return o;
}

TEST(LineWriter, AnOutputNobodyReadsNeverHoldsUpTheWriterAndOverflowIsReported) {
  for (const std::size_t bound : {std::size_t{1} << 10, std::size_t{256} << 10}) {
    Pipe pipe;
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;
    std::vector<std::string> sent;
    {
      std::optional<LineWriter> writer;
      writer.emplace(pipe.write_end, options(bound, 5000ms));
      // Far more than the pipe (64 KiB) and the queue hold, with nobody
      // reading: every call returns (a blocking write would hang here).
      for (int i = 0; i < 20000; ++i) {
        std::string line =
            "line " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), 'x');
        if (writer->write(line)) {
          ++accepted;
          sent.push_back(line);
        } else {
          ++refused;
        }
      }
      EXPECT_GT(refused, 0U) << bound;
      EXPECT_EQ(writer->dropped(), refused);
      // Reading starts: everything queued comes out, in order.
      std::thread reader([&] {
        const std::string got = pipe.read_all();
        std::size_t at = 0;
        for (const auto& line : sent) {
          const std::size_t found = got.find(line + "\n", at);
          ASSERT_NE(found, std::string::npos) << line;
          at = found + line.size() + 1;
        }
        // Every line dropped is in a report (one each time the queue
        // emptied after drops).
        std::uint64_t reported = 0;
        const std::regex report(
            "airssys: ([0-9]+) log lines dropped \\(the output did not keep up\\)");
        for (auto it = std::sregex_iterator(got.begin(), got.end(), report);
             it != std::sregex_iterator(); ++it) {
          reported += std::stoull((*it)[1]);
        }
        EXPECT_EQ(reported, refused);
      });
      EXPECT_TRUE(writer->flush(10000ms));
      // Without the writer and its end of the pipe, the reader sees the end.
      writer.reset();
      ::close(pipe.write_end);
      pipe.write_end = -1;
      reader.join();
    }
    EXPECT_GT(accepted, 0U);
  }
}

TEST(LineWriter, AStuckOutputHoldsUpTheEndOnlyForTheDrainTime) {
  Pipe pipe;
  // Fill the pipe so that nothing more can be written.
  ::fcntl(pipe.write_end, F_SETFL, O_NONBLOCK);
  const std::string block(4096, 'f');
  while (::write(pipe.write_end, block.data(), block.size()) > 0) {
  }
  ::fcntl(pipe.write_end, F_SETFL, 0);
  {
    LineWriter writer(pipe.write_end, options(1 << 20, 200ms));
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(writer.write("waiting " + std::to_string(i)));
    EXPECT_FALSE(writer.flush(50ms));
  }  // returns although the output never drains
  SUCCEED();
}

TEST(LineWriter, AClosedOutputEndsTheWriting) {
  std::signal(SIGPIPE, SIG_IGN);
  Pipe pipe;
  ::close(pipe.read_end);
  pipe.read_end = -1;
  bool told = false;
  LineWriter::Options o;
  o.on_closed = [&told] { told = true; };
  LineWriter writer(pipe.write_end, o);
  (void)writer.write("to nobody");
  EXPECT_FALSE(writer.flush(10000ms));  // closed, not written
  EXPECT_FALSE(writer.write("after"));
  EXPECT_GE(writer.dropped(), 1U);
  EXPECT_TRUE(told);  // before flush saw it closed
}

}  // namespace
}  // namespace airssys::app
