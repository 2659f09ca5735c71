#include "wire_frame.hpp"

#include <algorithm>
#include <cstring>

#include "airssys/rt/safe_text.hpp"

namespace airssys::cluster {

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Error bad_frame(const std::string& why) {
  return Error{ErrorCode::invalid_argument, "malformed frame: " + why};
}

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kLastKind = static_cast<std::uint8_t>(RecordKind::exited);
constexpr std::uint8_t kLastExitKind = static_cast<std::uint8_t>(rt::ExitKind::error);
constexpr std::uint8_t kLastErrorCode = static_cast<std::uint8_t>(ErrorCode::internal);

}  // namespace

void append_frame_header(std::vector<std::uint8_t>& out, std::uint32_t records) {
  out.push_back('A');
  out.push_back('S');
  out.push_back(kVersion);
  out.push_back(0);
  put_u32(out, records);
}

void append_record(std::vector<std::uint8_t>& out, const Record& r) {
  out.push_back(static_cast<std::uint8_t>(r.kind));
  out.push_back(r.is_answer ? 1 : 0);
  out.push_back(0);
  out.push_back(0);
  put_u32(out, static_cast<std::uint32_t>(r.payload.size()));
  put_u64(out, r.to);
  put_u64(out, r.from);
  put_u64(out, r.correlation);
  out.insert(out.end(), r.payload.begin(), r.payload.end());
}

std::vector<std::uint8_t> encode(const std::vector<Record>& records) {
  std::vector<std::uint8_t> out;
  std::size_t size = kFrameHeader;
  for (const auto& r : records) size += kRecordHeader + r.payload.size();
  out.reserve(size);
  append_frame_header(out, static_cast<std::uint32_t>(records.size()));
  for (const auto& r : records) append_record(out, r);
  return out;
}

Result<std::vector<Record>> decode(std::span<const std::uint8_t> frame) {
  if (frame.size() < kFrameHeader) return bad_frame("shorter than its header");
  if (frame[0] != 'A' || frame[1] != 'S') return bad_frame("not an airssys frame");
  if (frame[2] != kVersion) {
    return bad_frame("version " + std::to_string(frame[2]) + ", this node reads version " +
                     std::to_string(kVersion));
  }
  if (frame[3] != 0) return bad_frame("reserved byte set");
  const std::uint32_t count = get_u32(frame.data() + 4);
  // Each record takes at least its header: a count that cannot fit is
  // refused before anything is allocated for it.
  if (count == 0 || count > (frame.size() - kFrameHeader) / kRecordHeader) {
    return bad_frame("record count " + std::to_string(count) + " does not fit its " +
                     std::to_string(frame.size()) + " bytes");
  }
  std::vector<Record> records;
  records.reserve(count);
  std::size_t at = kFrameHeader;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (frame.size() - at < kRecordHeader) return bad_frame("record " + std::to_string(i) + " cut");
    const std::uint8_t* p = frame.data() + at;
    if (p[0] > kLastKind) return bad_frame("record " + std::to_string(i) + ": unknown kind");
    if ((p[1] & ~1U) != 0 || p[2] != 0 || p[3] != 0) {
      return bad_frame("record " + std::to_string(i) + ": reserved bits set");
    }
    const std::uint32_t len = get_u32(p + 4);
    at += kRecordHeader;
    if (len > frame.size() - at) {
      return bad_frame("record " + std::to_string(i) + ": payload of " + std::to_string(len) +
                       " bytes, " + std::to_string(frame.size() - at) + " left");
    }
    Record r;
    r.kind = static_cast<RecordKind>(p[0]);
    r.is_answer = (p[1] & 1U) != 0;
    r.to = get_u64(p + 8);
    r.from = get_u64(p + 16);
    r.correlation = get_u64(p + 24);
    if (r.kind == RecordKind::reply_error && (len == 0 || frame[at] > kLastErrorCode)) {
      return bad_frame("record " + std::to_string(i) + ": no error code");
    }
    if (r.kind == RecordKind::exited && (len == 0 || frame[at] > kLastExitKind)) {
      return bad_frame("record " + std::to_string(i) + ": no exit reason");
    }
    r.payload.assign(frame.begin() + static_cast<std::ptrdiff_t>(at),
                     frame.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
    records.push_back(std::move(r));
  }
  if (at != frame.size())
    return bad_frame(std::to_string(frame.size() - at) + " bytes after the last record");
  return records;
}

std::optional<Record> to_record(const rt::Message& msg, std::uint64_t to) {
  Record r;
  r.to = to;
  r.from = msg.sender.value();
  r.correlation = msg.correlation;
  r.is_answer = msg.is_answer;
  switch (msg.kind) {
    case rt::MessageKind::user: r.kind = RecordKind::user; break;
    case rt::MessageKind::request: r.kind = RecordKind::request; break;
    case rt::MessageKind::reply: r.kind = RecordKind::reply; break;
    case rt::MessageKind::reply_error: {
      if (!msg.is<Error>()) return std::nullopt;
      const auto& e = msg.as<Error>();
      r.kind = RecordKind::reply_error;
      r.payload.push_back(static_cast<std::uint8_t>(e.code));
      r.payload.insert(r.payload.end(), e.message.begin(), e.message.end());
      return r;
    }
    default: return std::nullopt;
  }
  if (!msg.is<rt::Bytes>()) return std::nullopt;
  r.payload = msg.as<rt::Bytes>();
  if (r.payload.size() > UINT32_MAX) return std::nullopt;
  return r;
}

rt::MessagePtr to_message(Record&& r) {
  rt::MessagePtr m;
  switch (r.kind) {
    case RecordKind::reply_error: {
      const auto code = static_cast<ErrorCode>(r.payload.front());
      // Another node's text: made safe and bounded, as every text a guest may see.
      std::string text =
          rt::safe_text(std::string_view(reinterpret_cast<const char*>(r.payload.data()) + 1,
                                         r.payload.size() - 1),
                        1024);
      m = rt::make_message(Error{code, std::move(text)}, rt::MessageKind::reply_error);
      break;
    }
    case RecordKind::user: m = rt::make_message(std::move(r.payload)); break;
    case RecordKind::request:
      m = rt::make_message(std::move(r.payload), rt::MessageKind::request);
      break;
    case RecordKind::reply:
      m = rt::make_message(std::move(r.payload), rt::MessageKind::reply);
      break;
    case RecordKind::watch:
    case RecordKind::exited: return nullptr;  // control between nodes, not for an actor
  }
  m->correlation = r.correlation;
  m->is_answer = r.is_answer;
  return m;
}

Record exited_record(std::uint64_t actor, const rt::ExitReason& reason) {
  Record r;
  r.kind = RecordKind::exited;
  r.from = actor;
  r.payload.push_back(static_cast<std::uint8_t>(reason.kind()));
  const auto& detail = reason.detail();
  r.payload.insert(
      r.payload.end(), detail.begin(),
      detail.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(detail.size(), 1024)));
  return r;
}

rt::ExitReason exit_reason_of(const Record& r) {
  auto kind = static_cast<rt::ExitKind>(r.payload.front());
  // `kill` is a signal, never how an actor ended.
  if (kind == rt::ExitKind::kill) kind = rt::ExitKind::killed;
  // Another node's text: made safe and bounded once, here.
  const std::string_view detail(reinterpret_cast<const char*>(r.payload.data()) + 1,
                                r.payload.size() - 1);
  return rt::ExitReason{kind, rt::safe_text(detail, 1024)};
}

}  // namespace airssys::cluster
