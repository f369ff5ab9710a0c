// Redis's glob-style matching (util.c stringmatchlen), byte for byte: the
// same rules serve PSUBSCRIBE, PUBSUB CHANNELS, KEYS and SCAN MATCH.
//
//   *        any run of bytes (but see below)
//   ?        exactly one byte
//   [abc]    one of the listed bytes; [^abc] none of them
//   [a-z]    a range (ends in either order); may be mixed with single bytes
//   \x       the byte x literally, inside or outside brackets
//
// Redis's quirks are kept because clients see them: an empty string matches
// no pattern except the empty one (even "*" fails, so PUBLISH "" reaches no
// pattern subscriber), an unterminated "[abc" acts as if closed at the end,
// a trailing lone backslash matches a backslash, and ranges compare bytes
// as signed chars (so [a-\xff] covers no byte >= 0x80).
#pragma once

#include <string_view>

namespace cairn {

// True if `str` matches `pattern`. Both are binary safe (NUL is an ordinary
// byte). `nocase` folds ASCII letters as tolower does in the C locale.
// Time is bounded: like Redis 7.0.9+, a '*' that cannot be followed by a
// match stops the backtracking of the stars before it.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace cairn
