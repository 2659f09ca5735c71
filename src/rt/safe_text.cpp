#include "airssys/rt/safe_text.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace airssys::rt {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

struct Decoded {
  char32_t code;
  std::size_t length;
};

// The well-formed UTF-8 sequence at the start of `s` (RFC 3629, Unicode's
// table 3-7), or nothing when its first byte does not start one.
std::optional<Decoded> decode(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  const std::uint8_t b0 = byte(0);
  if (b0 < 0x80) return Decoded{b0, 1};
  std::size_t length = 0;
  char32_t code = 0;
  std::uint8_t low = 0x80;   // the second byte's range, narrowed for
  std::uint8_t high = 0xBF;  // overlongs, surrogates and > U+10FFFF
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    code = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    code = b0 & 0x0F;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    code = b0 & 0x07;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return std::nullopt;
  }
  if (s.size() < length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const std::uint8_t b = byte(i);
    if (i == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) return std::nullopt;
    code = (code << 6) | (b & 0x3F);
  }
  return Decoded{code, length};
}

bool needs_escape(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x061C ||
         c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

void append_escape(std::string& out, char32_t c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (c < 0x100) {
    out += "\\x";
    out += kHex[(c >> 4) & 0xF];
    out += kHex[c & 0xF];
    return;
  }
  out += "\\u{";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xF];
  out += '}';
}

}  // namespace

std::string safe_text(std::string_view bytes, std::size_t max_bytes) {
  if (max_bytes < kEllipsis.size()) max_bytes = kEllipsis.size();
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes));
  // Where the output may be cut, leaving room for the ellipsis.
  std::size_t cut = 0;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto d = decode(bytes.substr(i));
    if (!d) {
      out += kReplacement;
      i += 1;
    } else {
      if (d->code == '\\') {
        out += "\\\\";
      } else if (needs_escape(d->code)) {
        append_escape(out, d->code);
      } else {
        out.append(bytes, i, d->length);
      }
      i += d->length;
    }
    if (out.size() > max_bytes) {
      out.resize(cut);
      out += kEllipsis;
      return out;
    }
    if (out.size() + kEllipsis.size() <= max_bytes) cut = out.size();
  }
  return out;
}

bool is_safe_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto d = decode(text.substr(i));
    if (!d || needs_escape(d->code)) return false;
    i += d->length;
  }
  return true;
}

}  // namespace airssys::rt
