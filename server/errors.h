// Every error text Cairn sends, in one place, matching Redis 7 to the byte.
// The strings are the reply without the leading '-' and trailing CRLF.
#pragma once

#include <string>
#include <string_view>

namespace cairn::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kInvalidPassword =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kTimeoutNotInteger =
    "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kLcsNotStrings =
    "ERR The specified keys must contain string values";
inline constexpr std::string_view kLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr std::string_view kLcsStringTooLong = "ERR String too long for LCS";
inline constexpr std::string_view kLcsTooMuchMemory =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr std::string_view kExpireNxIncompatible =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kExpireGtLtIncompatible =
    "ERR GT and LT options at the same time are not compatible";

// "ERR wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view command);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "ERR unknown subcommand 'x'. Try CONFIG HELP."
std::string UnknownSubcommand(std::string_view sub, std::string_view command);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpireTime(std::string_view command);
// Storage failure while writing (full disk and the like).
std::string WriteFailed(std::string_view why);
std::string ReadFailed(std::string_view why);
// "ERR Unsupported option X" (EXPIRE family). As Redis's addReplyErrorFormat,
// CR and LF in the option become spaces so the reply stays one line.
inline std::string UnsupportedOption(std::string_view opt) {
  std::string out = "ERR Unsupported option ";
  for (char c : opt) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  return out;
}

// ---- connection commands (HELLO, AUTH, SELECT, CLIENT) ----
inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kProtoverNotInteger =
    "ERR Protocol version is not an integer or out of range";
inline constexpr std::string_view kInvalidClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
// getIntFromObjectOrReply on an integer outside a C int (SELECT).
inline constexpr std::string_view kIntOutOfRange =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
inline constexpr std::string_view kClientIdNotPositive = "ERR client-id should be greater than 0";
inline constexpr std::string_view kCachingWithoutTracking =
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
    "OPTOUT mode enabled";
// "ERR Syntax error in HELLO option 'x'"
inline std::string HelloSyntax(std::string_view opt) {
  return "ERR Syntax error in HELLO option '" + std::string(opt) + "'";
}
// "ERR Unknown client type 'x'" (CLIENT LIST/KILL TYPE)
inline std::string UnknownClientType(std::string_view type) {
  return "ERR Unknown client type '" + std::string(type) + "'";
}
// "ERR No such user 'x'" (CLIENT KILL USER)
inline std::string NoSuchUser(std::string_view user) {
  return "ERR No such user '" + std::string(user) + "'";
}
// "ERR Unrecognized option 'x'" (CLIENT SETINFO, Redis 7.2)
inline std::string UnrecognizedOption(std::string_view opt) {
  return "ERR Unrecognized option '" + std::string(opt) + "'";
}
// "ERR lib-name cannot contain spaces, newlines or special characters." (CLIENT SETINFO)
inline std::string InvalidClientAttr(std::string_view attr) {
  return "ERR " + std::string(attr) + " cannot contain spaces, newlines or special characters.";
}
// ---- end of connection commands

// ---- transactions (multi.c)
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kWatchInsideMulti = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kNotAllowedInMulti =
    "ERR Command not allowed inside a transaction";
// EXEC itself rejected (arity, NOAUTH...): "EXECABORT Transaction discarded
// because of: <reason>", the reason without a leading "ERR " as Redis prints it.
inline std::string ExecAbortBecause(std::string_view error) {
  if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
  return "EXECABORT Transaction discarded because of: " + std::string(error);
}
// "ERR unknown subcommand or wrong number of arguments for 'x'. Try PUBSUB HELP."
// (Redis's addReplySubcommandSyntaxError: the subcommand as given, the
// command upper-cased); PUBSUB, ACL, CLIENT UNBLOCK, DEBUG.
std::string SubcommandSyntax(std::string_view sub, std::string_view command);
// ---- Pub/Sub
// A RESP2 connection with subscriptions ran another command; `command` is
// the full name ("get", "client|list").
inline std::string NotAllowedWhileSubscribed(std::string_view command) {
  return "ERR Can't execute '" + std::string(command) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context";
}
// ---- end of Pub/Sub
// ---- keyspace commands (RENAME, COPY, MOVE, SCAN, OBJECT, DUMP/RESTORE, SWAPDB) ----
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
inline constexpr std::string_view kInvalidTtl = "ERR Invalid TTL value, must be >= 0";
inline constexpr std::string_view kInvalidIdletime = "ERR Invalid IDLETIME value, must be >= 0";
inline constexpr std::string_view kInvalidFreq = "ERR Invalid FREQ value, must be >= 0 and <= 255";
inline constexpr std::string_view kBadDumpPayload =
    "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kBadDataFormat = "ERR Bad data format";
inline constexpr std::string_view kInvalidFirstDb = "ERR invalid first DB index";
inline constexpr std::string_view kInvalidSecondDb = "ERR invalid second DB index";
inline constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
// ---- end of keyspace commands
// ---- persistence (SAVE, BGSAVE, SHUTDOWN SAVE) ----
inline constexpr std::string_view kBgsaveInProgress = "ERR Background save already in progress";
// A failed SAVE: Redis replies with just "ERR" (shared.err) and logs why.
inline constexpr std::string_view kSaveFailed = "ERR";
inline constexpr std::string_view kShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs.";
// ---- end of persistence

// ---- replication
inline constexpr std::string_view kInvalidMasterPort = "ERR Invalid master port";
inline constexpr std::string_view kReadOnlyReplica =
    "READONLY You can't write against a read only replica.";
inline constexpr std::string_view kMasterDown =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
inline constexpr std::string_view kNoReplicas = "NOREPLICAS Not enough good replicas to write.";
inline constexpr std::string_view kWaitOnReplica =
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
    "replica is configured to be writable (which is not the default) writes to replicas are just "
    "local and are not propagated.";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kReplicaOfInCluster = "ERR REPLICAOF not allowed in cluster mode.";
// ---- end of replication

// ---- cluster mode (cluster.c / cluster_legacy.c)
inline constexpr std::string_view kClusterDisabled =
    "ERR This instance has cluster support disabled";
inline constexpr std::string_view kCrossSlot =
    "CROSSSLOT Keys in request don't hash to the same slot";
inline constexpr std::string_view kClusterDown = "CLUSTERDOWN The cluster is down";
inline constexpr std::string_view kClusterDownReadOnly =
    "CLUSTERDOWN The cluster is down and only accepts read commands";
inline constexpr std::string_view kClusterDownUnbound = "CLUSTERDOWN Hash slot not served";
// Cairn's own: a write on a master paused for a replica's CLUSTER FAILOVER
// (Redis delays the client instead). TRYAGAIN is what cluster clients retry.
inline constexpr std::string_view kFailoverPaused =
    "TRYAGAIN Manual failover in progress, please retry";
inline constexpr std::string_view kTryAgainRehashing =
    "TRYAGAIN Multiple keys request during rehashing of slot";
// A master whose lease lapsed (cluster/lease.h): it may have been replaced,
// so it answers nothing on its slots until it renews the lease (a frozen or
// cut-off master) or learns the new owner (then MOVED). Not applied.
inline constexpr std::string_view kNoLease =
    "TRYAGAIN This master cannot confirm it still owns the slot (lease expired), please retry";
inline constexpr std::string_view kSelectInCluster = "ERR SELECT is not allowed in cluster mode";
inline constexpr std::string_view kMoveInCluster = "ERR MOVE is not allowed in cluster mode";
inline constexpr std::string_view kSwapDbInCluster = "ERR SWAPDB is not allowed in cluster mode";
inline constexpr std::string_view kCopyDbInCluster =
    "ERR Copying to another database is not allowed in cluster mode";
inline constexpr std::string_view kInvalidSlot = "ERR Invalid slot";
inline constexpr std::string_view kInvalidOrOutOfRangeSlot = "ERR Invalid or out of range slot";
inline constexpr std::string_view kInvalidSlotOrCount = "ERR Invalid slot or number of keys";
inline constexpr std::string_view kForgetMyself = "ERR I tried hard but I can't forget myself...";
inline constexpr std::string_view kForgetMyMaster = "ERR Can't forget my master!";
inline constexpr std::string_view kReplicateMyself = "ERR Can't replicate myself";
inline constexpr std::string_view kFailoverNotReplica =
    "ERR You should send CLUSTER FAILOVER to a replica";
inline constexpr std::string_view kFailoverMasterUnknown =
    "ERR I'm a replica but my master is unknown to me";
inline constexpr std::string_view kFailoverMasterDown =
    "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
inline constexpr std::string_view kReplicateReplica =
    "ERR I can only replicate a master, not a replica.";
inline constexpr std::string_view kReplicateNotEmpty =
    "ERR To set a master the node must be empty and without assigned slots.";
inline constexpr std::string_view kNotAMaster = "ERR The specified node is not a master";
inline constexpr std::string_view kResetWithKeys =
    "ERR CLUSTER RESET can't be called with master nodes containing keys";
inline constexpr std::string_view kFlushSlotsNotEmpty =
    "ERR DB must be empty to perform CLUSTER FLUSHSLOTS.";
inline constexpr std::string_view kConfigEpochOthersKnown =
    "ERR The user can assign a config epoch only when the node does not know any other node.";
inline constexpr std::string_view kConfigEpochNonZero = "ERR Node config epoch is already non-zero";
// "MOVED 3999 127.0.0.1:7002"
inline std::string Moved(int slot, std::string_view addr) {
  return "MOVED " + std::to_string(slot) + " " + std::string(addr);
}
inline std::string Ask(int slot, std::string_view addr) {
  return "ASK " + std::to_string(slot) + " " + std::string(addr);
}
inline std::string SlotBusy(int slot) {
  return "ERR Slot " + std::to_string(slot) + " is already busy";
}
inline std::string SlotUnassigned(int slot) {
  return "ERR Slot " + std::to_string(slot) + " is already unassigned";
}
inline std::string SlotSpecifiedTwice(int slot) {
  return "ERR Slot " + std::to_string(slot) + " specified multiple times";
}
inline std::string SlotRangeReversed(int from, int to) {
  return "ERR start slot number " + std::to_string(from) + " is greater than end slot number " +
         std::to_string(to);
}
inline std::string UnknownNode(std::string_view id) {
  return "ERR Unknown node " + std::string(id);
}
inline std::string InvalidConfigEpoch(std::string_view epoch) {
  return "ERR Invalid config epoch specified: " + std::string(epoch);
}
inline std::string InvalidNodeAddress(std::string_view ip, std::string_view port) {
  return "ERR Invalid node address specified: " + std::string(ip) + ":" + std::string(port);
}
inline std::string InvalidBasePort(std::string_view port) {
  return "ERR Invalid TCP base port specified: " + std::string(port);
}
inline std::string InvalidBusPort(std::string_view port) {
  return "ERR Invalid TCP bus port specified: " + std::string(port);
}
inline std::string SaveConfigFailed(std::string_view why) {
  return "ERR error saving the cluster node config: " + std::string(why);
}
// CLUSTER SETSLOT and MIGRATE (Redis 7.0 cluster.c)
inline constexpr std::string_view kSetSlotOnReplica = "ERR Please use SETSLOT only with masters.";
inline constexpr std::string_view kSetSlotInvalid =
    "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP";
inline constexpr std::string_view kTargetNotMaster = "ERR Target node is not a master";
inline std::string NotSlotOwner(int slot) {
  return "ERR I'm not the owner of hash slot " + std::to_string(slot);
}
inline std::string AlreadySlotOwner(int slot) {
  return "ERR I'm already the owner of hash slot " + std::to_string(slot);
}
inline std::string DontKnowNode(std::string_view id) {
  return "ERR I don't know about node " + std::string(id);
}
inline std::string StillHoldKeys(int slot) {
  return "ERR Can't assign hashslot " + std::to_string(slot) +
         " to a different node while I still hold keys for this hash slot.";
}
inline constexpr std::string_view kMigrateKeysNeedEmptyKey =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
inline constexpr std::string_view kMigrateIoWriting =
    "IOERR error or timeout writing to target instance";
inline constexpr std::string_view kMigrateIoReading =
    "IOERR error or timeout reading to target instance";
inline constexpr std::string_view kMigrateIoConnecting =
    "IOERR error or timeout connecting to the client";
// "ERR Target instance replied with error: BUSYKEY Target key name already exists."
inline std::string TargetReplied(std::string_view error) {
  return "ERR Target instance replied with error: " + std::string(error);
}
// ---- end of cluster mode

}  // namespace cairn::errors
