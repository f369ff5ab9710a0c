// SAVE, BGSAVE, LASTSAVE, INFO persistence, SHUTDOWN SAVE and starting a new
// node from a checkpoint with restore-from.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

namespace fs = std::filesystem;

std::string Latest(const ServerProcess& s) { return s.dir() + "/checkpoints/latest"; }

// One field of INFO persistence, "" if absent.
std::string PersistenceField(redisContext* c, const std::string& name) {
  Reply r = Cmd(c, "INFO persistence");
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "";
  std::string text(r->str, r->len);
  std::string needle = "\r\n" + name + ":";
  size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  return text.substr(at, text.find("\r\n", at) - at);
}

std::string Status(redisContext* c, const std::vector<std::string>& argv) {
  Reply r = Command(c, argv);
  if (r == nullptr) return "<no reply>";
  if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR ||
      r->type == REDIS_REPLY_STRING) {
    return std::string(r->str, r->len);
  }
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  return "<other>";
}

// Polls until no save runs (deadline 30 s); false on timeout.
bool WaitSaveDone(redisContext* c) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PersistenceField(c, "rdb_bgsave_in_progress") == "0") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Runs the binary with `args`: exit 1 and one line that contains `needle`.
void ExpectRefusal(const std::string& args, const std::string& needle) {
  std::string out;
  int rc = RunWithTimeout(ServerBinary() + " " + args + " 2>&1", 30, &out);
  EXPECT_EQ(rc, 1) << args << " -> " << rc << "\n" << out;
  EXPECT_NE(out.find(needle), std::string::npos) << args << "\n" << out;
  size_t lines = 0;
  for (char ch : out) lines += ch == '\n';
  EXPECT_EQ(lines, 1u) << args << "\n" << out;
}

void WriteDataSet(redisContext* c) {
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    if (i % 5 == 0) {
      ASSERT_EQ(Status(c, {"SET", k, "v" + std::to_string(i), "EX", "1000"}), "OK");
    } else {
      ASSERT_EQ(Status(c, {"SET", k, "v" + std::to_string(i)}), "OK");
    }
  }
  ASSERT_EQ(Status(c, {"SELECT", "3"}), "OK");
  ASSERT_EQ(Status(c, {"SET", "in-db3", "three"}), "OK");
  ASSERT_EQ(Status(c, {"SELECT", "0"}), "OK");
}

// What WriteDataSet wrote, and nothing written after it.
void ExpectDataSet(redisContext* c) {
  EXPECT_EQ(Status(c, {"DBSIZE"}), "50");
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    EXPECT_EQ(Status(c, {"GET", k}), "v" + std::to_string(i)) << k;
    Reply ttl = Command(c, {"TTL", k});
    ASSERT_NE(ttl, nullptr);
    if (i % 5 == 0) {
      EXPECT_GT(ttl->integer, 900) << k;
      EXPECT_LE(ttl->integer, 1000) << k;
    } else {
      EXPECT_EQ(ttl->integer, -1) << k;
    }
  }
  EXPECT_EQ(Status(c, {"EXISTS", "after-save"}), "0");
  EXPECT_EQ(Status(c, {"SELECT", "3"}), "OK");
  EXPECT_EQ(Status(c, {"GET", "in-db3"}), "three");
  EXPECT_EQ(Status(c, {"DBSIZE"}), "1");
  EXPECT_EQ(Status(c, {"SELECT", "0"}), "OK");
}

// Writes that a checkpoint taken before them must not contain.
void WriteAfterSave(redisContext* c) {
  ASSERT_EQ(Status(c, {"SET", "after-save", "x"}), "OK");
  ASSERT_EQ(Status(c, {"SET", "k1", "changed"}), "OK");
  ASSERT_EQ(Status(c, {"DEL", "k2"}), "1");
  ASSERT_EQ(Status(c, {"PERSIST", "k5"}), "1");
}

TEST(Persistence, SaveThenRestoreServesExactlyTheSavedKeys) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection ca = a.Connect();
  ASSERT_NE(ca, nullptr);
  WriteDataSet(ca.get());
  ASSERT_EQ(Status(ca.get(), {"SAVE"}), "OK");
  WriteAfterSave(ca.get());
  ASSERT_TRUE(fs::exists(Latest(a) + "/CAIRN"));

  // A new node seeded from the checkpoint while `a` keeps running.
  ServerProcess b({"--restore-from", Latest(a)});
  ASSERT_TRUE(b.Start()) << b.ReadLog();
  Connection cb = b.Connect();
  ASSERT_NE(cb, nullptr);
  ExpectDataSet(cb.get());
  EXPECT_NE(b.ReadLog().find("populated from the checkpoint"), std::string::npos) << b.ReadLog();
  // The restored node is an ordinary node: it writes, and keeps its data
  // over a restart (restore-from then sees a populated directory, so it is
  // given only once).
  ASSERT_EQ(Status(cb.get(), {"SET", "on-b", "1"}), "OK");
  // The source still has its newer data.
  EXPECT_EQ(Status(ca.get(), {"GET", "after-save"}), "x");
  EXPECT_EQ(Status(ca.get(), {"GET", "k1"}), "changed");
}

TEST(Persistence, RestoredNodeRestartsWithItsOwnData) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection ca = a.Connect();
  ASSERT_NE(ca, nullptr);
  ASSERT_EQ(Status(ca.get(), {"SET", "seed", "1"}), "OK");
  ASSERT_EQ(Status(ca.get(), {"SAVE"}), "OK");

  TempDir tmp;
  std::string dir = tmp.path() + "/data";
  {
    ServerProcess b({"--restore-from", Latest(a)}, dir);
    ASSERT_TRUE(b.Start()) << b.ReadLog();
    Connection cb = b.Connect();
    ASSERT_NE(cb, nullptr);
    ASSERT_EQ(Status(cb.get(), {"SET", "on-b", "2"}), "OK");
    ASSERT_TRUE(b.Stop()) << b.ReadLog();
  }
  ServerProcess again({}, dir);
  ASSERT_TRUE(again.Start()) << again.ReadLog();
  Connection c = again.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Status(c.get(), {"GET", "seed"}), "1");
  EXPECT_EQ(Status(c.get(), {"GET", "on-b"}), "2");
}

TEST(Persistence, BgsaveCompletesAndIsRestorable) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection ca = a.Connect();
  ASSERT_NE(ca, nullptr);
  WriteDataSet(ca.get());
  ASSERT_EQ(PersistenceField(ca.get(), "rdb_last_bgsave_time_sec"), "-1");
  ASSERT_EQ(Status(ca.get(), {"BGSAVE"}), "Background saving started");
  ASSERT_TRUE(WaitSaveDone(ca.get()));
  WriteAfterSave(ca.get());
  EXPECT_EQ(PersistenceField(ca.get(), "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(PersistenceField(ca.get(), "rdb_saves"), "1");
  EXPECT_EQ(PersistenceField(ca.get(), "rdb_current_bgsave_time_sec"), "-1");
  EXPECT_NE(PersistenceField(ca.get(), "rdb_last_bgsave_time_sec"), "-1");
  // SCHEDULE starts at once too (no other background job to wait for).
  ASSERT_EQ(Status(ca.get(), {"BGSAVE", "SCHEDULE"}), "Background saving started");
  ASSERT_TRUE(WaitSaveDone(ca.get()));
  EXPECT_EQ(Status(ca.get(), {"BGSAVE", "NOW"}), "ERR syntax error");
  EXPECT_EQ(Status(ca.get(), {"BGSAVE", "SCHEDULE", "x"}), "ERR syntax error");

  // The newest checkpoint is the SCHEDULE one, which has the later writes.
  ServerProcess b({"--restore-from", Latest(a)});
  ASSERT_TRUE(b.Start()) << b.ReadLog();
  Connection cb = b.Connect();
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(Status(cb.get(), {"GET", "after-save"}), "x");
  EXPECT_EQ(Status(cb.get(), {"GET", "k1"}), "changed");
  EXPECT_EQ(Status(cb.get(), {"EXISTS", "k2"}), "0");
}

TEST(Persistence, SecondSaveWhileBgsaveRunsIsRefused) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  WriteDataSet(c.get());
  // BGSAVE then BGSAVE and SAVE in one pipeline: the later ones almost
  // always arrive while the first checkpoint is being written. Every reply
  // must be one of Redis's; the refusal must be seen at least once.
  int refused = 0;
  for (int round = 0; round < 20 && refused < 2; ++round) {
    redisAppendCommand(c.get(), "BGSAVE");
    redisAppendCommand(c.get(), "BGSAVE");
    redisAppendCommand(c.get(), "SAVE");
    std::string replies[3];
    for (auto& text : replies) {
      void* raw = nullptr;
      ASSERT_EQ(redisGetReply(c.get(), &raw), REDIS_OK);
      Reply r(static_cast<redisReply*>(raw));
      text = std::string(r->str, r->len);
    }
    EXPECT_TRUE(replies[0] == "Background saving started" ||
                replies[0] == "ERR Background save already in progress")
        << replies[0];
    EXPECT_TRUE(replies[1] == "Background saving started" ||
                replies[1] == "ERR Background save already in progress")
        << replies[1];
    EXPECT_TRUE(replies[2] == "OK" || replies[2] == "ERR Background save already in progress")
        << replies[2];
    if (replies[0] == "Background saving started") {
      refused += replies[1] == "ERR Background save already in progress";
    }
    ASSERT_TRUE(WaitSaveDone(c.get()));
  }
  EXPECT_GE(refused, 1);
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_bgsave_status"), "ok");
}

TEST(Persistence, LastsaveStartsAtStartTimeAndAdvances) {
  int64_t before = static_cast<int64_t>(time(nullptr));
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  Reply first = Cmd(c.get(), "LASTSAVE");
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->type, REDIS_REPLY_INTEGER);
  EXPECT_GE(first->integer, before);
  EXPECT_LE(first->integer, static_cast<int64_t>(time(nullptr)));
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_save_time"), std::to_string(first->integer));
  // LASTSAVE has a resolution of one second: wait for the next one.
  while (static_cast<int64_t>(time(nullptr)) <= first->integer) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(Status(c.get(), {"SAVE"}), "OK");
  Reply second = Cmd(c.get(), "LASTSAVE");
  ASSERT_NE(second, nullptr);
  EXPECT_GT(second->integer, first->integer);
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_save_time"), std::to_string(second->integer));
  EXPECT_EQ(Status(c.get(), {"LASTSAVE", "x"}),
            "ERR wrong number of arguments for 'lastsave' command");
  EXPECT_EQ(Status(c.get(), {"SAVE", "x"}), "ERR wrong number of arguments for 'save' command");
}

TEST(Persistence, ChangesSinceLastSaveCountKeysAndReset) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "0");
  ASSERT_EQ(Status(c.get(), {"SET", "a", "1"}), "OK");
  ASSERT_EQ(Status(c.get(), {"SET", "b", "1"}), "OK");
  ASSERT_EQ(Status(c.get(), {"MSET", "c", "1", "d", "1"}), "OK");
  ASSERT_EQ(Status(c.get(), {"DEL", "a", "nosuch"}), "1");
  ASSERT_EQ(Status(c.get(), {"GET", "b"}), "1");       // reads change nothing
  ASSERT_EQ(Status(c.get(), {"DEL", "nosuch"}), "0");  // nor writes that do nothing
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "5");
  ASSERT_EQ(Status(c.get(), {"SAVE"}), "OK");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "0");
  ASSERT_EQ(Status(c.get(), {"INCR", "n"}), "1");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "1");
  ASSERT_EQ(Status(c.get(), {"CONFIG", "RESETSTAT"}), "OK");  // not a statistic
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "1");
  ASSERT_EQ(Status(c.get(), {"BGSAVE"}), "Background saving started");
  ASSERT_TRUE(WaitSaveDone(c.get()));
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "0");
}

TEST(Persistence, OnlyTheNewestCheckpointsAreKept) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Status(c.get(), {"SET", "round", std::to_string(i)}), "OK");
    ASSERT_EQ(Status(c.get(), {"SAVE"}), "OK");
  }
  std::vector<std::string> snapshots;
  for (const auto& e : fs::directory_iterator(a.dir() + "/checkpoints")) {
    std::string n = e.path().filename().string();
    if (n.rfind("snapshot-", 0) == 0) snapshots.push_back(n);
    EXPECT_EQ(n.rfind("tmp-", 0), std::string::npos) << "leftover " << n;
  }
  EXPECT_EQ(snapshots.size(), 2u);
  std::sort(snapshots.begin(), snapshots.end());
  EXPECT_EQ(fs::read_symlink(Latest(a)).string(), snapshots.back());
}

TEST(Persistence, RestoreRefusesPopulatedDirectoryAndForeignSource) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Status(c.get(), {"SET", "keep", "me"}), "OK");
  ASSERT_EQ(Status(c.get(), {"SAVE"}), "OK");
  ASSERT_TRUE(a.Stop());

  // Into the node's own, populated directory: refused, nothing touched.
  ExpectRefusal("--port 0 --dir " + a.dir() + " --restore-from " + Latest(a), "is not empty");
  TempDir tmp;
  // A source that is not a checkpoint, given through a config file.
  std::string conf = tmp.path() + "/cairn.conf";
  std::ofstream(conf) << "restore-from " << a.dir() << "\n";
  ExpectRefusal(conf + " --port 0 --dir " + tmp.path() + "/data", "not a Cairn checkpoint");
  ExpectRefusal("--port 0 --dir " + tmp.path() + "/data --restore-from " + tmp.path() + "/nosuch",
                "not a directory");
  EXPECT_FALSE(fs::exists(tmp.path() + "/data/db"));

  ASSERT_TRUE(a.Restart()) << a.ReadLog();
  Connection again = a.Connect();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(Status(again.get(), {"GET", "keep"}), "me");
}

TEST(Persistence, FailedSaveRepliesErrorAndLosesNothing) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  Connection c = a.Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Status(c.get(), {"SET", "k", "v"}), "OK");
  // Running as root, permissions stop nothing: a regular file where the
  // checkpoints directory goes makes every save fail.
  std::string checkpoints = a.dir() + "/checkpoints";
  std::ofstream(checkpoints) << "in the way";
  EXPECT_EQ(Status(c.get(), {"SAVE"}), "ERR");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_bgsave_status"), "err");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "1");
  EXPECT_NE(a.ReadLog().find("Saving error"), std::string::npos) << a.ReadLog();
  ASSERT_EQ(Status(c.get(), {"BGSAVE"}), "Background saving started");
  ASSERT_TRUE(WaitSaveDone(c.get()));
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_bgsave_status"), "err");
  EXPECT_NE(a.ReadLog().find("Background saving error"), std::string::npos) << a.ReadLog();
  // SHUTDOWN SAVE refuses to stop without its checkpoint, as Redis does.
  EXPECT_EQ(Status(c.get(), {"SHUTDOWN", "SAVE"}), "ERR Errors trying to SHUTDOWN. Check logs.");
  // The store is unharmed: reads and writes go on.
  EXPECT_EQ(Status(c.get(), {"GET", "k"}), "v");
  EXPECT_EQ(Status(c.get(), {"SET", "k2", "v2"}), "OK");
  // Once the path is free again, saving works and the status recovers.
  fs::remove(checkpoints);
  EXPECT_EQ(Status(c.get(), {"SAVE"}), "OK");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(PersistenceField(c.get(), "rdb_changes_since_last_save"), "0");
}

TEST(Persistence, ShutdownSaveTakesACheckpointFirst) {
  ServerProcess a;
  ASSERT_TRUE(a.Start()) << a.ReadLog();
  {
    Connection c = a.Connect();
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(Status(c.get(), {"SET", "last", "words"}), "OK");
    Reply r = Cmd(c.get(), "SHUTDOWN SAVE");
    EXPECT_EQ(r, nullptr) << "SHUTDOWN closes the connection without a reply";
  }
  ASSERT_TRUE(a.Stop());  // reaps the process that exited by itself
  ASSERT_TRUE(fs::exists(Latest(a) + "/CAIRN"));
  ServerProcess b({"--restore-from", Latest(a)});
  ASSERT_TRUE(b.Start()) << b.ReadLog();
  Connection cb = b.Connect();
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(Status(cb.get(), {"GET", "last"}), "words");
  // NOSAVE takes none.
  Reply r = Cmd(cb.get(), "SHUTDOWN NOSAVE");
  EXPECT_EQ(r, nullptr);
  ASSERT_TRUE(b.Stop());
  EXPECT_FALSE(fs::exists(b.dir() + "/checkpoints"));
}

}  // namespace
}  // namespace cairn::testing
