// Glob-style matching with Redis's rules (util.c stringmatchlen), used by
// KEYS, SCAN MATCH, CONFIG GET and COMMAND LIST FILTERBY PATTERN.
#pragma once

#include <string_view>

namespace cairn {

// True if `str` matches `pattern`: '*' any run, '?' one byte, "[abc]",
// "[^a]", "[a-z]" (reversed ranges allowed), '\' escapes the next byte.
// Binary-safe. Bytes compare as signed chars, as in Redis, so ranges over
// bytes >= 0x80 order the way Redis orders them. `nocase` folds ASCII
// letters only. Like Redis, a pattern nesting more than 1000 '*' levels
// deep does not match (protection against abusive patterns).
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace cairn
