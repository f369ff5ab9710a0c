#include "server/errors.h"

#include "common/strings.h"

namespace cairn::errors {

std::string WrongArity(std::string_view command) {
  return "ERR wrong number of arguments for '" + ToLower(command) + "' command";
}

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  // Redis shows the name and up to 128 bytes of arguments, as given.
  std::string out = "ERR unknown command '";
  out.append(name.substr(0, 128));
  out.append("', with args beginning with: ");
  std::string listed;
  for (size_t i = 0; i < nargs && listed.size() < 128; ++i) {
    size_t budget = 128 - listed.size();  // as Redis: "'%.*s' " with 128 - sdslen(args)
    listed.push_back('\'');
    listed.append(args[i].substr(0, budget));
    listed.append("' ");
  }
  out.append(listed);
  return out;
}

std::string UnknownSubcommand(std::string_view sub, std::string_view command) {
  std::string upper(command);
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " + upper +
         " HELP.";
}

std::string InvalidExpireTime(std::string_view command) {
  return "ERR invalid expire time in '" + ToLower(command) + "' command";
}

std::string WriteFailed(std::string_view why) {
  return "ERR write failed, nothing was changed: " + std::string(why);
}

std::string ReadFailed(std::string_view why) { return "ERR read failed: " + std::string(why); }

std::string SubcommandSyntax(std::string_view sub, std::string_view command) {
  std::string upper(command);
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return "ERR unknown subcommand or wrong number of arguments for '" +
         std::string(sub.substr(0, 128)) + "'. Try " + upper + " HELP.";
}

}  // namespace cairn::errors
