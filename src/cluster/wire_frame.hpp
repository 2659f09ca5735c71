// What crosses between nodes: frames of records, each one message of an
// actor on one node for an actor on another. Bytes from the network are
// hostile: decode() checks every length against what arrived before it
// looks at content, and refuses a frame whole.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/message.hpp"
#include "airssys/rt/result.hpp"

namespace airssys::cluster {

enum class RecordKind : std::uint8_t {
  user = 0,
  request = 1,
  reply = 2,
  reply_error = 3,  // payload: one byte of ErrorCode, then the message text
  // Control between nodes, for links and monitors that follow a remote actor:
  watch = 4,   // the sender's node stands in for `to` with a proxy: tell it when `to` ends
  exited = 5,  // `from` ended; payload: one byte of rt::ExitKind, then the detail
};

struct Record {
  RecordKind kind = RecordKind::user;
  bool is_answer = false;
  std::uint64_t to = 0;    // the receiver's address on the receiving node
  std::uint64_t from = 0;  // the sender's address on the sending node, 0 for none
  std::uint64_t correlation = 0;
  rt::Bytes payload;
};

// Layout (little endian): "AS", version 1, 0, u32 record count; then per
// record u8 kind, u8 flags (bit 0: is_answer), u16 0, u32 payload length,
// u64 to, u64 from, u64 correlation, payload.
constexpr std::size_t kFrameHeader = 8;
constexpr std::size_t kRecordHeader = 32;

void append_frame_header(std::vector<std::uint8_t>& out, std::uint32_t records);
void append_record(std::vector<std::uint8_t>& out, const Record& r);
std::vector<std::uint8_t> encode(const std::vector<Record>& records);

// The records of `frame`, or why it is not a frame (nothing of it is used).
Result<std::vector<Record>> decode(std::span<const std::uint8_t> frame);

// A record for an rt message: user, request, reply with a Bytes payload, or
// reply_error with an Error; nothing for any other message.
std::optional<Record> to_record(const rt::Message& msg, std::uint64_t to);
// The rt message for a user, request, reply or reply_error record (sender
// left to the caller).
rt::MessagePtr to_message(Record&& r);

// The record that says `actor` ended with `reason`, and the reason it carries.
Record exited_record(std::uint64_t actor, const rt::ExitReason& reason);
rt::ExitReason exit_reason_of(const Record& r);

}  // namespace airssys::cluster
