// rt::safe_text: what it makes of every byte, of malformed and hostile
// UTF-8, and of generated inputs of any length.
#include "airssys/rt/safe_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace airssys::rt {
namespace {

constexpr std::size_t kUnlimited = 1 << 20;

TEST(SafeText, ValidPrintableTextIsUnchanged) {
  for (const char* s : {"", "hello", "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8E\x89",
                        "[payments] ok: 42 \xE2\x82\xAC", "\xEF\xBF\xBF\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(safe_text(s, kUnlimited), s);
    EXPECT_TRUE(is_safe_text(s));
  }
}

TEST(SafeText, ControlsSeparatorsAndBidiAreEscapedOneEscapePerCharacter) {
  EXPECT_EQ(safe_text("a\nb\r\tc", kUnlimited), "a\\nb\\r\\tc");
  EXPECT_EQ(safe_text("\x1b[31mred", kUnlimited), "\\x1b[31mred");
  EXPECT_EQ(safe_text(std::string("\0x", 2), kUnlimited), "\\x00x");
  EXPECT_EQ(safe_text("\x7f", kUnlimited), "\\x7f");
  EXPECT_EQ(safe_text("\xC2\x85", kUnlimited), "\\x85");  // NEL, a C1 control
  EXPECT_EQ(safe_text("\xE2\x80\xA8", kUnlimited), "\\u{2028}");
  EXPECT_EQ(safe_text("\xE2\x80\xAE"
                      "evil",
                      kUnlimited),
            "\\u{202e}evil");
  EXPECT_EQ(safe_text("\xE2\x81\xA6", kUnlimited), "\\u{2066}");
  // A backslash is escaped, so "\n" in the output is always a newline of
  // the input and never the guest's two characters.
  EXPECT_EQ(safe_text("\\n", kUnlimited), "\\\\n");
}

TEST(SafeText, MalformedSequencesBecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(safe_text("\xff", kUnlimited), r);
  EXPECT_EQ(safe_text("\xC0\xAF", kUnlimited), r + r);                  // overlong '/'
  EXPECT_EQ(safe_text("\xE0\x80\xAF", kUnlimited), r + r + r);          // overlong, 3 bytes
  EXPECT_EQ(safe_text("\xED\xA0\x80", kUnlimited), r + r + r);          // a surrogate
  EXPECT_EQ(safe_text("\xF4\x90\x80\x80", kUnlimited), r + r + r + r);  // past U+10FFFF
  EXPECT_EQ(safe_text("a\xE4\xB8", kUnlimited), "a" + r + r);           // truncated
  EXPECT_EQ(safe_text("\x80"
                      "b",
                      kUnlimited),
            r + "b");  // a lone continuation
}

TEST(SafeText, LongTextIsCutAtACharacterWithAnEllipsis) {
  const std::string euro = "\xE2\x82\xAC";
  std::string many;
  for (int i = 0; i < 100; ++i) many += euro;
  const std::string cut = safe_text(many, 10);
  EXPECT_EQ(cut, euro + euro + "\xE2\x80\xA6");          // 6 bytes of euros, then the ellipsis
  EXPECT_EQ(safe_text("abcdefghij", 10), "abcdefghij");  // exactly at the limit: whole
  EXPECT_EQ(safe_text("abcdefghijk", 10), "abcdefg\xE2\x80\xA6");
  // An escape is never cut in half.
  EXPECT_EQ(safe_text("abcdef\x1b", 9), "abcdef\xE2\x80\xA6");
}

// Every input, whatever its bytes and length, gives safe text within the
// limit: random bytes, and random mixes of the hostile pieces above.
TEST(SafeText, GeneratedInputsAlwaysGiveSafeTextWithinTheLimit) {
  std::mt19937 rng(20261201);
  const std::string pieces[] = {
      "\xff", "\xC0\xAF",     "\xED\xA0\x80",     "\xE2\x80\xAE", "\x1b[2J", "\n",
      "\\",   "\xF0\x9F\x8E", "\xF0\x9F\x8E\x89", "\xC2\x85",     "a",       std::string(1, '\0')};
  for (int round = 0; round < 20'000; ++round) {
    std::string input;
    const int length = static_cast<int>(rng() % 64);
    for (int i = 0; i < length; ++i) {
      if (round % 2 == 0) {
        input += static_cast<char>(rng() & 0xFF);
      } else {
        input += pieces[rng() % std::size(pieces)];
      }
    }
    const std::size_t limit = 3 + rng() % 80;
    const std::string out = safe_text(input, limit);
    ASSERT_LE(out.size(), limit) << round;
    ASSERT_TRUE(is_safe_text(out)) << round;
    for (const char c : out) {
      ASSERT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << round;
    }
    // Safe text without a backslash (which safe_text escapes again) comes
    // back as it is.
    if (out.find('\\') == std::string::npos) {
      ASSERT_EQ(safe_text(out, kUnlimited), out) << round;
    }
    if (safe_text(input, kUnlimited).size() <= limit) {
      ASSERT_EQ(out, safe_text(input, kUnlimited)) << round;
    }
  }
}

TEST(SafeText, EverySingleByteGivesSafeText) {
  for (int b = 0; b < 256; ++b) {
    const std::string out = safe_text(std::string(1, static_cast<char>(b)), kUnlimited);
    EXPECT_TRUE(is_safe_text(out)) << b;
  }
}

}  // namespace
}  // namespace airssys::rt
