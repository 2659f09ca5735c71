// Text from outside the host (what a guest logs or exits with, what a client
// sends) made safe to print to a terminal, write to a log line and put in
// JSON or a metrics label, once, where it enters the host: nothing in it can
// end a line, move a terminal's cursor, reorder what a reader sees, or be
// rejected by a serialiser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace airssys::rt {

// `bytes` as valid UTF-8 of at most `max_bytes` bytes (at least 3):
//  - each byte that is not part of a well-formed UTF-8 sequence (overlong
//    forms, surrogates, code points past U+10FFFF, truncated sequences) is
//    U+FFFD;
//  - control characters (U+0000-U+001F, U+007F-U+009F), line and paragraph
//    separators (U+2028, U+2029) and bidirectional controls (U+061C,
//    U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are written as escapes:
//    \n \r \t, \x1b below U+0100, \u{202e} above (hex digits); a backslash is \\, so an
//    escape in the output always stands for one character of the input;
//  - text longer than the limit is cut at a character and ends in "…".
std::string safe_text(std::string_view bytes, std::size_t max_bytes);

// Whether `text` is valid UTF-8 with no character safe_text escapes other
// than the backslash (which stays in its escapes): what every output of
// safe_text is.
bool is_safe_text(std::string_view text);

}  // namespace airssys::rt
