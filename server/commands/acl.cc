// ACL as far as Cairn has it: one user, "default", allowed every command,
// key and channel, with requirepass as its password (Redis's default user).
// The read side answers as Redis 7.0 answers for that user: WHOAMI, USERS,
// LIST, GETUSER, CAT, DRYRUN, GENPASS, LOG (failed authentications) and
// HELP; SAVE and LOAD answer as Redis without an ACL file. Creating or
// changing users (SETUSER) is refused with an error that says so, and
// DELUSER removes nothing, as there is nothing else to remove.
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/strings.h"
#include "server/acl_log.h"
#include "server/command.h"
#include "server/commands/acl_categories.h"
#include "server/config.h"
#include "server/errors.h"

namespace cairn {
namespace {

constexpr std::string_view kDefaultUser = "default";
constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

// The default user's password, as ACL LIST and GETUSER show it: none
// ("nopass") or the SHA-256 of requirepass.
std::string PasswordHash(const Config& config) {
  return config.has_requirepass() ? Sha256Hex(config.requirepass()) : std::string();
}

void AclWhoamiCommand(CommandContext& ctx) { ctx.reply.Bulk(kDefaultUser); }

void AclUsersCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(1);
  ctx.reply.Bulk(kDefaultUser);
}

void AclListCommand(CommandContext& ctx) {
  const std::string hash = PasswordHash(ctx.server.config);
  ctx.reply.ArrayHeader(1);
  ctx.reply.Bulk("user default on " + (hash.empty() ? std::string("nopass") : "#" + hash) +
                 " ~* &* +@all");
}

void AclGetUserCommand(CommandContext& ctx) {
  if (ctx.argv[2] != kDefaultUser) {  // user names are case-sensitive
    ctx.reply.Null();
    return;
  }
  const std::string hash = PasswordHash(ctx.server.config);
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(hash.empty() ? 2 : 1);
  ctx.reply.Bulk("on");
  if (hash.empty()) ctx.reply.Bulk("nopass");
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(hash.empty() ? 0 : 1);
  if (!hash.empty()) ctx.reply.Bulk(hash);
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk("+@all");
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk("~*");
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk("&*");
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(0);
}

// ACL CAT [category]: the categories, or the commands (and subcommands,
// "config|get") in one, in registration order.
void AclCatCommand(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    auto all = AllAclCategories();
    ctx.reply.ArrayHeader(all.size());
    for (const char* c : all) ctx.reply.Bulk(c);
    return;
  }
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], "acl"));
    return;
  }
  const std::string_view wanted = ctx.argv[2];
  const int index = wanted.empty() || wanted[0] == '@' ? -1 : AclCategoryIndex(wanted);
  if (index < 0) {
    ctx.reply.Error("ERR Unknown category '" + std::string(wanted) + "'");
    return;
  }
  const std::string_view category = AllAclCategories()[static_cast<size_t>(index)];
  std::vector<const std::string*> names;
  auto consider = [&](const CommandSpec& c) {
    for (const char* cat : AclCategories(c)) {
      if (category == cat) {
        names.push_back(&c.name);
        return;
      }
    }
  };
  for (const auto& c : ctx.server.commands.all()) {
    if (c->subcommands.empty()) {
      consider(*c);
    } else {
      for (const CommandSpec& s : c->subcommands) consider(s);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (const std::string* n : names) ctx.reply.Bulk(*n);
}

// ACL DRYRUN user command [arg ...]: the default user may run everything,
// so the answer is OK once the command exists and has a valid arity.
void AclDryRunCommand(CommandContext& ctx) {
  if (ctx.argv[2] != kDefaultUser) {
    ctx.reply.Error("ERR User '" + std::string(ctx.argv[2]) + "' not found");
    return;
  }
  std::span<const std::string_view> cmd = ctx.argv.subspan(3);
  const CommandSpec* spec = ctx.server.commands.Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = spec->FindSubcommand(cmd[1]);
  }
  if (spec == nullptr) {
    ctx.reply.Error("ERR Command '" + std::string(cmd[0]) + "' not found");
    return;
  }
  if (!spec->CheckArity(cmd.size())) {
    ctx.reply.Error(errors::WrongArity(spec->name));
    return;
  }
  ctx.reply.Ok();
}

// ACL GENPASS [bits]: random hex digits, four bits each (256 bits unless
// told), from the kernel's generator.
void AclGenPassCommand(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::WrongArity("acl|genpass"));
    return;
  }
  if (ctx.argv.size() == 3) {
    if (!ParseInt64(ctx.argv[2], &bits)) {
      ctx.reply.Error(errors::kNotInteger);
      return;
    }
    if (bits <= 0 || bits > 4096) {
      ctx.reply.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
      return;
    }
  }
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  const auto chars = static_cast<size_t>((bits + 3) / 4);
  while (out.size() < chars) {
    uint32_t r = rd();
    for (int i = 0; i < 8 && out.size() < chars; ++i, r >>= 4) out.push_back(kHex[r & 15]);
  }
  ctx.reply.Bulk(out);
}

// ACL LOG [count | RESET]: the failed authentications, newest first (ten
// unless told).
void AclLogCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.argv[1], "acl"));
    return;
  }
  int64_t count = 10;
  if (ctx.argv.size() == 3) {
    if (EqualsIgnoreCase(ctx.argv[2], "reset")) {
      ctx.server.acl_log.Reset();
      ctx.reply.Ok();
      return;
    }
    if (!ParseInt64(ctx.argv[2], &count)) {
      ctx.reply.Error(errors::kNotInteger);
      return;
    }
  }
  const auto entries =
      count > 0 ? ctx.server.acl_log.Newest(static_cast<size_t>(count)) : std::vector<AclLog::Entry>();
  const int64_t now = ctx.NowMs();
  ctx.reply.ArrayHeader(entries.size());
  for (const AclLog::Entry& e : entries) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(static_cast<int64_t>(e.count));
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(e.reason);
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(now - e.updated_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

void AclSetUserCommand(CommandContext& ctx) {
  ctx.reply.Error(
      "ERR Cairn has only the default user, allowed everything: ACL SETUSER is not supported");
}

// ACL DELUSER user [user ...]: the default user cannot go, and no other
// exists, so nothing is ever removed.
void AclDelUserCommand(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (ctx.argv[i] == kDefaultUser) {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  ctx.reply.Integer(0);
}

void AclNoFileCommand(CommandContext& ctx) { ctx.reply.Error(kNoAclFile); }

void AclHelpCommand(CommandContext& ctx) {
  static const char* const kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void AclContainerCommand(CommandContext& ctx) { ctx.reply.Error(errors::WrongArity("acl")); }

CommandSpec Spec(const char* name, int arity, uint32_t flags, const char* summary,
                 const char* since, const char* complexity, CommandHandler handler) {
  return MakeSpec(name, arity, flags, {}, "server", summary, since, complexity, handler);
}

}  // namespace

// Arities, flags and docs as Redis 7.0's command table has them.
void RegisterAclCommands(CommandRegistry& reg) {
  constexpr uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale | kCmdSentinel;
  constexpr uint32_t kAdmin = kBase | kCmdAdmin;
  CommandSpec acl = Spec("acl", -2, kCmdSentinel, "A container for Access List Control commands ",
                         "6.0.0", "Depends on subcommand.", AclContainerCommand);
  acl.subcommands = {
      Spec("acl|help", 2, kCmdLoading | kCmdStale | kCmdSentinel,
           "Show helpful text about the different subcommands", "6.0.0", "O(1)", AclHelpCommand),
      Spec("acl|dryrun", -4, kAdmin,
           "Returns whether the user can execute the given command without executing the "
           "command.",
           "7.0.0", "O(1).", AclDryRunCommand),
      Spec("acl|users", 2, kAdmin, "List the username of all the configured ACL rules", "6.0.0",
           "O(N). Where N is the number of configured users.", AclUsersCommand),
      Spec("acl|setuser", -3, kAdmin, "Modify or create the rules for a specific ACL user",
           "6.0.0", "O(N). Where N is the number of rules provided.", AclSetUserCommand),
      Spec("acl|load", 2, kAdmin, "Reload the ACLs from the configured ACL file", "6.0.0",
           "O(N). Where N is the number of configured users.", AclNoFileCommand),
      Spec("acl|genpass", -2, kBase, "Generate a pseudorandom secure password to use for ACL users",
           "6.0.0", "O(1)", AclGenPassCommand),
      Spec("acl|deluser", -3, kAdmin, "Remove the specified ACL users and the associated rules",
           "6.0.0", "O(1) amortized time considering the typical user.", AclDelUserCommand),
      Spec("acl|whoami", 2, kBase, "Return the name of the user associated to the current "
                                   "connection",
           "6.0.0", "O(1)", AclWhoamiCommand),
      Spec("acl|save", 2, kAdmin, "Save the current ACL rules in the configured ACL file",
           "6.0.0", "O(N). Where N is the number of configured users.", AclNoFileCommand),
      Spec("acl|cat", -2, kBase, "List the ACL categories or the commands inside a category",
           "6.0.0", "O(1) since the categories and commands are a fixed set.", AclCatCommand),
      Spec("acl|list", 2, kAdmin, "List the current ACL rules in ACL config file format", "6.0.0",
           "O(N). Where N is the number of configured users.", AclListCommand),
      Spec("acl|log", -2, kAdmin, "List latest events denied because of ACLs in place", "6.0.0",
           "O(N) with N being the number of entries shown.", AclLogCommand),
      Spec("acl|getuser", 3, kAdmin, "Get the rules for a specific ACL user", "6.0.0",
           "O(N). Where N is the number of password, command and pattern rules that the user "
           "has.",
           AclGetUserCommand),
  };
  reg.Add(std::move(acl));
}

}  // namespace cairn
