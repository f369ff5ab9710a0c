"""Generic key commands (keyspace, expiry)."""

import time

from compat import Step, approx

TTL = approx(1)
PTTL = approx(200)
FAR = 32503680000          # year 3000, seconds
FAR_MS = 32503680000000


def test_del_unlink_exists(pair):
    pair.check([
        "MSET a 1 b 2 c 3",
        "EXISTS a",
        "EXISTS a b missing",
        "EXISTS a a a",
        "DEL a missing",
        "DEL a",
        "EXISTS a",
        "DEL b b",
        "UNLINK c missing",
        "UNLINK c",
        "EXISTS a b c",
        "DBSIZE",
        "DEL",
        "UNLINK",
        "EXISTS",
    ])


def test_type(pair):
    pair.check([
        "SET s v",
        "TYPE s",
        "TYPE missing",
        "SET e v PX 1",
        "TYPE s",
        "TYPE",
        "TYPE a b",
    ])


def test_expire_and_ttl(pair):
    pair.check([
        "SET k v",
        "TTL k",
        "PTTL k",
        "TTL missing",
        "PTTL missing",
        "EXPIRE k 100",
        Step("TTL k", norm=TTL),
        Step("PTTL k", norm=PTTL),
        "PEXPIRE k 200000",
        Step("TTL k", norm=TTL),
        "EXPIRE missing 100",
        "PEXPIRE missing 100",
        "EXPIREAT k %d" % FAR,
        "EXPIRETIME k",
        "PEXPIRETIME k",
        "PEXPIREAT k %d" % (FAR_MS + 123),
        "PEXPIRETIME k",
        "EXPIRETIME k",
        "EXPIRETIME missing",
        "PEXPIRETIME missing",
        "SET p v",
        "EXPIRETIME p",
        "PEXPIRETIME p",
    ])


def test_expire_bad_arguments(pair):
    pair.check([
        "SET k v",
        "EXPIRE k abc",
        "EXPIRE k 1.5",
        "EXPIRE k ''",
        "EXPIRE k 9223372036854775807",
        "PEXPIRE k 9223372036854775807",
        "EXPIREAT k 9223372036854775807",
        "PEXPIREAT k 9223372036854775807",
        "EXPIRE k -9223372036854775808",
        "EXPIRE k 100 BOGUS",
        "EXPIRE k 100 NX XX",
        "EXPIRE k 100 GT LT",
        "EXPIRE k 100 NX GT",
        "EXPIRE k",
        "EXPIRE",
        "TTL",
        "PTTL a b",
        "TTL k",
    ])


def test_expire_in_the_past_deletes(pair):
    pair.check([
        "SET k v",
        "EXPIRE k 0",
        "EXISTS k",
        "SET k v",
        "EXPIRE k -5",
        "GET k",
        "SET k v",
        "PEXPIRE k -1",
        "EXISTS k",
        "SET k v",
        "EXPIREAT k 1",
        "EXISTS k",
        "SET k v",
        "PEXPIREAT k 0",
        "EXISTS k",
        "DBSIZE",
    ])


def test_expire_nx_xx_gt_lt(pair):
    pair.check([
        "SET k v",
        "EXPIRE k 100 XX",
        "TTL k",
        "EXPIRE k 100 GT",
        "TTL k",
        "EXPIRE k 100 LT",
        Step("TTL k", norm=TTL),
        "EXPIRE k 200 NX",
        Step("TTL k", norm=TTL),
        "EXPIRE k 200 XX",
        Step("TTL k", norm=TTL),
        "EXPIRE k 100 GT",
        Step("TTL k", norm=TTL),
        "EXPIRE k 300 GT",
        Step("TTL k", norm=TTL),
        "EXPIRE k 400 LT",
        "EXPIRE k 50 LT",
        Step("TTL k", norm=TTL),
        "PEXPIRE k 10000 lt",
        Step("PTTL k", norm=PTTL),
        "PEXPIRE k 1000000 gt",
        "EXPIREAT k %d GT" % FAR,
        "EXPIRETIME k",
        "PEXPIREAT k %d LT" % (FAR_MS - 1),
        "PEXPIRETIME k",
        "PEXPIREAT k %d NX" % FAR_MS,
        "EXPIRE missing 10 XX",
        "EXPIRE missing 10 NX",
        "SET p v",
        "EXPIRE p -1 GT",
        "EXISTS p",
        "EXPIRE p -1 LT",
        "EXISTS p",
    ])


def test_persist(pair):
    pair.check([
        "SET k v EX 100",
        "PERSIST k",
        "TTL k",
        "PERSIST k",
        "PERSIST missing",
        "PERSIST",
        "PERSIST a b",
    ])


def test_touch(pair):
    pair.check([
        "MSET a 1 b 2",
        "TOUCH a b missing",
        "TOUCH a a",
        "TOUCH missing",
        "TOUCH",
    ])


def test_dbsize_flushdb_flushall(pair):
    pair.check([
        "DBSIZE",
        "MSET a 1 b 2 c 3",
        "DBSIZE",
        "SET d 4 EX 100",
        "DBSIZE",
        "DEL a",
        "DBSIZE",
        "SELECT 1",
        "SET x 1",
        "DBSIZE",
        "FLUSHDB",
        "DBSIZE",
        "SET y 1",
        "SELECT 0",
        "DBSIZE",
        "FLUSHDB SYNC",
        "DBSIZE",
        "SELECT 1",
        "DBSIZE",
        "FLUSHALL ASYNC",
        "DBSIZE",
        "FLUSHDB BOGUS",
        "FLUSHALL BOGUS",
        "FLUSHDB SYNC ASYNC",
        "DBSIZE x",
        "SET z 1",
        "FLUSHALL SYNC",
        "DBSIZE",
    ])


def test_expired_keys_disappear(pair):
    pair.check(["SET a 1 PX 50", "SET b 2 PX 50", "SET c 3", "PEXPIRE c 50"])
    time.sleep(0.3)
    pair.check(["GET a", "EXISTS b", "TTL c", "TYPE c", "DBSIZE", "MGET a b c"])


def test_databases_are_separate(pair):
    pair.check([
        "SET k db0",
        "SELECT 1",
        "GET k",
        "SET k db1",
        "GET k",
        "SELECT 15",
        "EXISTS k",
        "SELECT 0",
        "GET k",
        "SELECT 16",
        "SELECT -1",
        "SELECT abc",
        "GET k",
    ])


def test_binary_keys(pair):
    pair.check([
        ["SET", b"a\x00b", b"1"],
        ["SET", b"a\x00c", b"2"],
        ["EXISTS", b"a\x00b", b"a\x00c", b"a"],
        ["EXPIRE", b"a\x00b", b"100"],
        Step(["TTL", b"a\x00b"], norm=TTL),
        ["TYPE", b"a\x00c"],
        ["DEL", b"a\x00b", b"a\x00c"],
        "DBSIZE",
    ])


