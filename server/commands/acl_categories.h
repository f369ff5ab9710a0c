// Redis's ACL categories (COMMAND INFO shows them, ACL CAT lists them).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace cairn {

// Every category, in Redis's bit order.
std::span<const char* const> AllAclCategories();
// The index of "bitmap" or "@bitmap" in that order; -1 if none.
int AclCategoryIndex(std::string_view name);
// A command's categories as Redis derives them (its group, explicit ones,
// and those its flags imply), in that order.
std::vector<const char*> AclCategories(const CommandSpec& c);

}  // namespace cairn
