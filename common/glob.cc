#include "common/glob.h"

#include <cstddef>

namespace cairn {
namespace {

// ASCII-only folding: Redis calls tolower() in the C locale, which leaves
// every byte outside 'A'..'Z' alone (negative chars included).
int Fold(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

bool SameByte(char a, char b, bool nocase) {
  return nocase ? Fold(static_cast<signed char>(a)) == Fold(static_cast<signed char>(b)) : a == b;
}

// Redis's stringmatchlen_impl, step for step. `skip_longer` is its
// skipLongerMatches: once the rest of a pattern after a '*' matched nowhere
// in the remaining string, no earlier '*' can help either, which keeps
// patterns like "a*a*a*a*b" linear instead of exponential.
bool Match(const char* p, size_t plen, const char* s, size_t slen, bool nocase, bool* skip_longer,
           int nesting) {
  if (nesting > 1000) return false;
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (Match(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1)) return true;
          if (*skip_longer) return false;
          ++s;
          --slen;
        }
        *skip_longer = true;
        return false;
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        const bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        while (true) {
          if (plen >= 2 && p[0] == '\\') {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (plen == 0) {
            // Unterminated class: Redis steps back so the outer loop's
            // advance lands on the end of the pattern.
            --p;
            ++plen;
            break;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = static_cast<signed char>(p[0]);
            int end = static_cast<signed char>(p[2]);
            int c = static_cast<signed char>(s[0]);
            if (start > end) {
              int t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = Fold(start);
              end = Fold(end);
              c = Fold(c);
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (SameByte(p[0], s[0], nocase)) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (!SameByte(p[0], s[0], nocase)) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen > 0 && p[0] == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  return Match(pattern.data(), pattern.size(), str.data(), str.size(), nocase, &skip_longer, 0);
}

}  // namespace cairn
