// Frames between nodes: what is encoded decodes to the same records, and
// bytes that are not a frame are refused whole, whatever they are.
#include "wire_frame.hpp"

#include <gtest/gtest.h>

#include <random>

namespace airssys::cluster {
namespace {

std::vector<Record> sample_records(std::mt19937_64& rng, std::size_t n) {
  std::vector<Record> out;
  for (std::size_t i = 0; i < n; ++i) {
    Record r;
    r.kind = static_cast<RecordKind>(rng() % 3);  // user, request, reply
    r.is_answer = (rng() & 1) != 0;
    r.to = rng();
    r.from = rng();
    r.correlation = rng();
    r.payload.resize(rng() % 300);
    for (auto& b : r.payload) b = static_cast<std::uint8_t>(rng());
    out.push_back(std::move(r));
  }
  return out;
}

TEST(WireFrame, WhatIsEncodedDecodesToTheSameRecords) {
  std::mt19937_64 rng(7);
  for (std::size_t n : {1, 2, 17, 200}) {
    auto records = sample_records(rng, n);
    auto frame = encode(records);
    auto back = decode(frame);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ((*back)[i].kind, records[i].kind);
      EXPECT_EQ((*back)[i].is_answer, records[i].is_answer);
      EXPECT_EQ((*back)[i].to, records[i].to);
      EXPECT_EQ((*back)[i].from, records[i].from);
      EXPECT_EQ((*back)[i].correlation, records[i].correlation);
      EXPECT_EQ((*back)[i].payload, records[i].payload);
    }
  }
}

TEST(WireFrame, AnErrorReplyCarriesItsCodeAndText) {
  auto msg = rt::make_message(Error{ErrorCode::timeout, "too slow"}, rt::MessageKind::reply_error);
  msg->correlation = 42;
  auto record = to_record(*msg, 9);
  ASSERT_TRUE(record);
  auto back = decode(encode({*record}));
  ASSERT_TRUE(back);
  auto m = to_message(std::move(back->front()));
  ASSERT_TRUE(m->is<Error>());
  EXPECT_EQ(m->kind, rt::MessageKind::reply_error);
  EXPECT_EQ(m->correlation, 42U);
  EXPECT_EQ(m->as<Error>().code, ErrorCode::timeout);
  EXPECT_EQ(m->as<Error>().message, "too slow");
}

TEST(WireFrame, OnlyBytesCrossNodes) {
  auto bytes = rt::make_message(rt::Bytes{1, 2, 3});
  EXPECT_TRUE(to_record(*bytes, 1));
  auto text = rt::make_message(std::string("not bytes"));
  EXPECT_FALSE(to_record(*text, 1));
  auto signal = rt::make_signal(rt::MessageKind::link);
  EXPECT_FALSE(to_record(*signal, 1));
}

// Every cut of a valid frame, every single-byte change to its header
// fields, and random bytes: refused, or (a change inside a payload or an
// address) decoded within the frame's own bytes. Never a crash or a read
// outside it (ASan runs this too).
TEST(WireFrame, TruncatedChangedAndRandomBytesAreRefusedOrStayInBounds) {
  std::mt19937_64 rng(11);
  const auto frame = encode(sample_records(rng, 5));
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    std::vector<std::uint8_t> part(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(decode(part)) << "a frame cut at " << cut << " of " << frame.size();
  }
  for (std::size_t at = 0; at < frame.size(); ++at) {
    for (std::uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      auto changed = frame;
      changed[at] = v;
      auto r = decode(changed);
      if (!r) continue;
      std::size_t total = kFrameHeader;
      for (const auto& rec : *r) total += kRecordHeader + rec.payload.size();
      EXPECT_EQ(total, changed.size());
    }
  }
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> junk(rng() % 200);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (junk.size() >= 3 && (rng() & 1)) {  // past the magic, into the counts
      junk[0] = 'A';
      junk[1] = 'S';
      junk[2] = 1;
    }
    (void)decode(junk);
  }
}

TEST(WireFrame, ACountOrLengthBeyondTheFrameIsRefusedBeforeAllocating) {
  std::vector<std::uint8_t> frame;
  append_frame_header(frame, 0xffffffffU);
  frame.resize(kFrameHeader + kRecordHeader, 0);
  auto r = decode(frame);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("record count"), std::string::npos);

  Record big;
  big.payload.resize(10);
  auto one = encode({big});
  // The payload length field says 4 GiB.
  for (int i = 0; i < 4; ++i) one[kFrameHeader + 4 + i] = 0xff;
  auto r2 = decode(one);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("payload of"), std::string::npos);
}

TEST(WireFrame, AnExitCarriesItsReasonMadeSafe) {
  auto r = exited_record(77, rt::ExitReason::error("boom\x01\nline"));
  auto back = decode(encode({r}));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->front().from, 77U);
  const auto reason = exit_reason_of(back->front());
  EXPECT_EQ(reason.kind(), rt::ExitKind::error);
  EXPECT_EQ(reason.detail().find('\n'), std::string::npos) << reason.detail();
  EXPECT_NE(reason.detail().find("boom"), std::string::npos);
  // A kind past the last one is not a frame.
  auto bad = encode({r});
  bad[kFrameHeader + kRecordHeader] = 0x7f;
  EXPECT_FALSE(decode(bad));
  // `kill` is a signal, not an ending: it arrives as `killed`.
  auto kill = decode(encode({exited_record(1, rt::ExitReason::kill())}));
  ASSERT_TRUE(kill);
  EXPECT_EQ(exit_reason_of(kill->front()).kind(), rt::ExitKind::killed);
}

TEST(WireFrame, AnotherVersionIsNamed) {
  auto frame = encode({Record{}});
  frame[2] = 9;
  auto r = decode(frame);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("version 9"), std::string::npos);
}

}  // namespace
}  // namespace airssys::cluster
