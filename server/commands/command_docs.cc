#include "server/commands/command_docs.h"

#include <string_view>
#include <unordered_map>

namespace cairn {
namespace {

// Each entry's tokens: "%n;" a map of n pairs, "*n;" an array, "~n;" a set,
// ":n;" an integer, "$len:bytes" a bulk string, "+len:bytes" a status.
struct Entry {
  const char* name;
  int fields;
  const char* tokens;
};

constexpr Entry kEntries[] = {
#include "server/commands/command_docs.inc"
};

// The number before `end` at t[*i], moving past it.
size_t Number(std::string_view t, size_t* i, char end) {
  size_t n = 0;
  while (*i < t.size() && t[*i] != end) n = n * 10 + static_cast<size_t>(t[(*i)++] - '0');
  ++*i;
  return n;
}

}  // namespace

CommandDocsExtra FindCommandDocsExtra(std::string_view name) {
  static const auto* by_name = [] {
    auto* m = new std::unordered_map<std::string_view, const Entry*>();
    for (const Entry& e : kEntries) (*m)[e.name] = &e;
    return m;
  }();
  auto it = by_name->find(name);
  if (it == by_name->end()) return {};
  return {it->second->fields, it->second->tokens};
}

void RenderCommandDocsExtra(resp::ReplyBuilder& r, std::string_view t) {
  size_t i = 0;
  while (i < t.size()) {
    const char op = t[i++];
    if (op == '$' || op == '+') {
      const size_t len = Number(t, &i, ':');
      const std::string_view s = t.substr(i, len);
      i += len;
      if (op == '$') {
        r.Bulk(s);
      } else {
        r.SimpleString(s);
      }
      continue;
    }
    const size_t n = Number(t, &i, ';');
    switch (op) {
      case '%':
        r.MapHeader(n);
        break;
      case '*':
        r.ArrayHeader(n);
        break;
      case '~':
        r.SetHeader(n);
        break;
      case ':':
        r.Integer(static_cast<int64_t>(n));
        break;
      default:
        return;  // not a token: the table is generated, so this cannot happen
    }
  }
}

}  // namespace cairn
