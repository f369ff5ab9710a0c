"""MULTI / EXEC / DISCARD / WATCH / UNWATCH, and SET IFEQ / DELIFEQ."""

import time

import pytest

import compat


@pytest.fixture
def other(request, servers, pair):
    """A second connection to each server, same protocol as `pair` (created
    after it, so both start from the same flushed data set)."""
    p = compat.Pair(servers["redis"], servers["cairn"], protocol=pair.protocol,
                    test_id=request.node.nodeid)
    try:
        yield p
    finally:
        p.close()


def test_multi_exec_basics(pair):
    pair.check([
        "MULTI",
        "SET a 1",
        "INCR a",
        "INCR a",
        "GET a",
        "EXEC",
        "GET a",
        "MULTI",
        "EXEC",
        "EXEC",
        "DISCARD",
    ])


def test_nested_multi_and_watch_inside_multi_keep_the_transaction(pair):
    pair.check([
        "MULTI",
        "MULTI",
        "WATCH a",
        "SET a 1",
        "EXEC",
        "GET a",
    ])


def test_queueing_errors_abort_exec(pair):
    pair.check([
        "MULTI",
        "SET a 1",
        "NOSUCHCOMMAND x",
        "EXEC",
        "GET a",
        "MULTI",
        "GET",
        "SET b 2",
        "EXEC",
        "EXISTS b",
        "MULTI",
        "CONFIG NOSUCHSUB",
        "EXEC",
    ])


def test_runtime_errors_do_not_stop_the_others(pair):
    pair.check([
        "SET s notanumber",
        "MULTI",
        "INCR s",
        "SET t 1",
        "INCRBY t x",
        "INCR t",
        "EXEC",
        "MGET s t",
    ])


def test_exec_itself_rejected(pair):
    pair.check([
        "EXEC foo",
        "MULTI",
        "SET a 1",
        "EXEC foo",
        "EXEC",
        "GET a",
        "DISCARD x",
        "WATCH",
        "UNWATCH x",
    ])


def test_discard_drops_queue(pair):
    pair.check([
        "SET a 1",
        "MULTI",
        "SET a 2",
        "DEL a",
        "DISCARD",
        "GET a",
        "EXEC",
    ])


def test_select_and_flush_inside_multi(pair):
    pair.check([
        "MULTI",
        "SELECT 1",
        "SET b 1",
        "EXEC",
        "GET b",
        "SELECT 0",
        "GET b",
        "SET old x",
        "MULTI",
        "SET k 1",
        "FLUSHDB",
        "SET k2 2",
        "GET k",
        "EXEC",
        "DBSIZE",
        "MGET k k2 old",
    ])


def test_reset_leaves_multi(pair):
    pair.check([
        "MULTI",
        "SET a 1",
        "RESET",
        "EXEC",
        "GET a",
    ])


def test_watch_other_client_write_aborts(pair, other):
    pair.check(["SET w 1", "WATCH w", "GET w"])
    other.check(["SET w 2"])
    pair.check(["MULTI", "SET w 3", "EXEC", "GET w"])


def test_watch_same_value_write_aborts_and_failed_write_does_not(pair, other):
    pair.check(["SET w 1", "WATCH w"])
    other.check(["SET w 1"])
    pair.check(["MULTI", "PING", "EXEC", "WATCH w"])
    other.check(["SETNX w 9", "DEL nothere"])
    pair.check(["MULTI", "PING", "EXEC", "GET w"])


def test_watch_own_write_aborts_and_unwatch_clears(pair):
    pair.check([
        "WATCH w",
        "SET w 1",
        "MULTI",
        "PING",
        "EXEC",
        "WATCH w",
        "SET w 2",
        "UNWATCH",
        "MULTI",
        "PING",
        "EXEC",
        "WATCH w",
        "SET w 3",
        "MULTI",
        "DISCARD",
        "MULTI",
        "PING",
        "EXEC",
    ])


def test_watch_flush_only_existing_keys(pair, other):
    pair.check(["WATCH nothere"])
    other.check(["FLUSHDB"])
    pair.check(["MULTI", "PING", "EXEC", "SET y 1", "WATCH y"])
    other.check(["FLUSHALL"])
    pair.check(["MULTI", "PING", "EXEC"])


def test_watch_key_in_other_db(pair, other):
    pair.check(["SELECT 1", "WATCH d", "SELECT 0"])
    other.check(["SELECT 1", "SET d x"])
    pair.check(["MULTI", "PING", "EXEC"])
    # A write to the same name in another db is not a change.
    pair.check(["WATCH e"])
    other.check(["SET e x"])
    pair.check(["MULTI", "PING", "EXEC"])


def test_watched_key_expiring_aborts(pair):
    pair.check(["SET e 1 PX 150", "WATCH e"])
    time.sleep(0.3)
    pair.check(["MULTI", "PING", "EXEC"])


def test_watch_of_already_expired_key(pair, other):
    pair.check(["SET x 1 PX 20"])
    time.sleep(0.1)
    # Expired before WATCH: its lazy deletion by another client is no change.
    pair.check(["WATCH x"])
    other.check(["GET x"])
    pair.check(["MULTI", "PING", "EXEC", "SET x2 1 PX 20"])
    time.sleep(0.1)
    pair.check(["WATCH x2"])
    other.check(["SET x2 new"])
    pair.check(["MULTI", "PING", "EXEC"])


def test_cas_increment_loop(pair):
    pair.check([
        "SET c 10",
        "WATCH c",
        "GET c",
        "MULTI",
        "SET c 11",
        "EXEC",
        "GET c",
    ])


def test_multi_requires_auth_and_auth_is_queued(pair):
    pair.check([
        "CONFIG SET requirepass pw",
        "RESET",
        "MULTI",
        "EXEC",
        "AUTH pw",
        "MULTI",
        "AUTH wrong",
        "GET a",
        "EXEC",
        "CONFIG SET requirepass \"\"",
    ])


@pytest.mark.parametrize("change", [
    ["RENAME src w"],
    ["RENAME w elsewhere"],
    ["RENAMENX src w"],
    ["COPY src w REPLACE"],
    ["MOVE w 1"],
    ["EXPIRE w 100"],
    ["PERSIST w"],
    ["APPEND w x"],
    ["INCR w"],
    ["DEL w"],
    ["GETDEL w"],
    ["SWAPDB 0 1"],
    ["SET w 5 KEEPTTL"],
    ["MSET w 1 z 2"],
])
def test_watch_sees_every_kind_of_write(pair, other, change):
    pair.check(["SET w 1", "EXPIRE w 1000", "SET src s", "WATCH w"])
    other.check(change)
    pair.check(["MULTI", "PING", "EXEC"])


@pytest.mark.parametrize("change", [
    ["RENAME src dst"],
    ["EXPIRE nothere 100"],
    ["PERSIST w"],
    ["SWAPDB 2 3"],
    ["MOVE nothere 1"],
    ["GET w"],
])
def test_watch_ignores_non_changes(pair, other, change):
    pair.check(["SET w 1", "SET src s", "WATCH w"])
    other.check(change)
    pair.check(["MULTI", "PING", "EXEC"])


def test_watch_sees_restore_and_swapdb_of_other_db(pair, other):
    pair.check(["SET v payload", "WATCH w"])
    dumped = other.run(["DUMP v"])[0]
    payload_r, payload_c = dumped[1][0][1], dumped[2][0][1]
    # RESTORE of the same payload into the watched key on both servers.
    for side, payload in ((other.redis, payload_r), (other.cairn, payload_c)):
        assert side.run(compat.as_step(["RESTORE", "w", "0", payload])) == [("+", "OK")]
    pair.check(["MULTI", "PING", "EXEC", "SELECT 1", "SET q 1", "SELECT 0", "WATCH q"])
    # q does not exist in db 0 but exists in db 1: SWAPDB changes it.
    other.check(["SWAPDB 0 1"])
    pair.check(["MULTI", "PING", "EXEC"])


def test_keys_scan_and_dbsize_inside_exec_see_the_transaction(pair):
    pair.check([
        "MSET a 1 b 2 c 3",
        "MULTI",
        "SET d 4",
        "SET d 5",
        "DEL b",
        "SET e 6 PX 100000",
        "KEYS d",
        "KEYS b",
        "SCAN 0 MATCH e COUNT 1000",
        "DBSIZE",
        "EXISTS a b c d e",
        "RENAME a z",
        "KEYS z",
        "KEYS a",
        "DBSIZE",
        "FLUSHDB",
        "SET f 1",
        "DBSIZE",
        "KEYS f",
        "EXEC",
        "KEYS *",
        "DBSIZE",
    ])
