#include "common/glob.h"

#include <utility>

namespace cairn {
namespace {

// Bytes as Redis compares them: `const char` is signed on the platforms Redis
// is built for, so ranges order 0x80..0xff below 0x00.
int SignedByte(char c) { return static_cast<signed char>(c); }

// tolower in the C locale: only ASCII letters fold; other values, negative
// ones included, stay as they are.
int Fold(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

bool SameByte(char a, char b, bool nocase) {
  return nocase ? Fold(SignedByte(a)) == Fold(SignedByte(b)) : a == b;
}

// One step of the match. *give_up is set when a '*' found no position at
// which the rest of the pattern matches: then no earlier '*' can do better
// by eating more, since the rest would have to match even further on.
bool Match(const char* p, size_t plen, const char* s, size_t slen, bool nocase, bool* give_up) {
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*': {
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;  // a trailing star takes the rest
        while (slen > 0) {
          if (Match(p + 1, plen - 1, s, slen, nocase, give_up)) return true;
          if (*give_up) return false;
          ++s;
          --slen;
        }
        *give_up = true;
        return false;
      }
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool matched = false;
        while (true) {
          if (plen == 0) {
            // Unterminated class: step back so the increment below lands
            // on the end of the pattern, as Redis does.
            --p;
            ++plen;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) matched = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int lo = SignedByte(p[0]);
            int hi = SignedByte(p[2]);
            int c = SignedByte(s[0]);
            if (lo > hi) std::swap(lo, hi);
            if (nocase) {
              lo = Fold(lo);
              hi = Fold(hi);
              c = Fold(c);
            }
            p += 2;
            plen -= 2;
            if (c >= lo && c <= hi) matched = true;
          } else if (SameByte(p[0], s[0], nocase)) {
            matched = true;
          }
          ++p;
          --plen;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
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
  bool give_up = false;
  return Match(pattern.data(), pattern.size(), str.data(), str.size(), nocase, &give_up);
}

}  // namespace cairn
