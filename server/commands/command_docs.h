// COMMAND DOCS' fields beyond the four every command has (summary, since,
// group, complexity): Redis 7.0's doc_flags, deprecated_since, replaced_by,
// history and arguments for the commands Cairn shares with it, generated
// into command_docs.inc by scripts/gen_command_docs.py.
#pragma once

#include <string_view>

#include "server/resp/reply.h"

namespace cairn {

struct CommandDocsExtra {
  int fields = 0;         // map entries the tokens hold (0: none)
  std::string_view tokens;
};

// By full name ("get", "client|kill").
CommandDocsExtra FindCommandDocsExtra(std::string_view name);

// Writes the fields' keys and values, maps, arrays and sets in the reply's
// protocol.
void RenderCommandDocsExtra(resp::ReplyBuilder& r, std::string_view tokens);

}  // namespace cairn
