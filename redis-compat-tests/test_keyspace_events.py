"""Keyspace notifications (notify-keyspace-events) against Redis 7.0: the
option's text, and the events each string and key command publishes, in
order, on __keyspace@<db>__ and __keyevent@<db>__ channels.

Each scenario runs on redis-server, then on Cairn, with a redis-py pattern
subscriber on a second connection; the events it saw are compared as lists.
The end of a scenario's events is found by a PUBLISH on a marker channel
from the commands' own connection, which every server orders after them.
Active expiry is off inside a scenario (DEBUG SET-ACTIVE-EXPIRE 0), so a
key given a past or 1 ms deadline expires when the scenario next touches it.
"""

import time

import pytest
import redis

MARKER = "kn-scenario-end"
CHANNEL = "kn-channel"  # a scenario's own PUBLISHes, seen among the events
ALL = "AKEmn"  # every class, key misses and new keys included


@pytest.fixture
def both(servers):
    """A command client and a subscriber for each server; the option and
    active expiry are restored afterwards."""
    made = {}
    try:
        for which in ("redis", "cairn"):
            r = redis.Redis(host="127.0.0.1", port=servers[which].port, socket_timeout=10)
            r.response_callbacks = {}  # replies as the server sent them
            made[which] = r
        yield made
    finally:
        for r in made.values():
            r.config_set("notify-keyspace-events", "")
            r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            r.close()


def events_of(r, steps, classes=ALL, pipelined=False):
    """Runs `steps` (argv tuples; ("SLEEP", s) sleeps) on r, or sends them
    all in one write when `pipelined`, and returns the (channel, payload)
    pairs a pattern subscriber saw, and the replies."""
    r.execute_command("SELECT", 0)
    r.flushall()
    r.config_set("notify-keyspace-events", classes)
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    sub = r.pubsub()
    try:
        sub.psubscribe("__key*__:*")
        sub.subscribe(MARKER, CHANNEL)
        replies = []
        if pipelined:
            pipe = r.pipeline(transaction=False)
            for step in steps:
                pipe.execute_command(*step)
            replies = [str(x) for x in pipe.execute(raise_on_error=False)]
            steps = []
        for step in steps:
            if step[0] == "SLEEP":
                time.sleep(step[1])
                continue
            try:
                replies.append(r.execute_command(*step))
            except redis.ResponseError as e:
                replies.append("error: " + str(e))
        r.publish(MARKER, "end")
        got = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = sub.get_message(timeout=0.5)
            if m is None or m["type"] not in ("message", "pmessage"):
                continue
            channel, data = m["channel"].decode(), m["data"].decode()
            if channel == MARKER:
                return got, replies
            got.append((channel, data))
        pytest.fail(f"the marker never arrived; events so far: {got}")
    finally:
        sub.close()
        r.execute_command("SELECT", 0)
        r.config_set("notify-keyspace-events", "")


def same_events(both, steps, classes=ALL, pipelined=False):
    out = {which: events_of(r, steps, classes, pipelined) for which, r in both.items()}
    assert out["cairn"] == out["redis"], (
        f"redis-server: {out['redis']!r}\ncairn-server: {out['cairn']!r}")
    return out["cairn"][0]


EXPIRE_SOON = ("SLEEP", 0.05)

SCENARIOS = {
    "set": [("SET", "k", "v"), ("SET", "k", "w", "EX", "100"), ("SET", "k", "x", "KEEPTTL")],
    "set_nx_xx_get": [("SET", "k", "v", "NX"), ("SET", "k", "v", "NX"), ("SET", "j", "v", "XX"),
                      ("SET", "k", "w", "GET"), ("SET", "m", "w", "GET")],
    "set_past_deadline": [("SET", "k", "v", "PXAT", "1"), ("GET", "k"),
                          ("SET", "j", "v"), ("SET", "j", "w", "EXAT", "1"), ("GET", "j")],
    "setnx_setex_psetex_getset": [("SETNX", "a", "v"), ("SETEX", "b", "10", "v"),
                                  ("PSETEX", "c", "10000", "v"), ("GETSET", "d", "v"),
                                  ("GETSET", "d", "w")],
    "getdel_getex": [("SET", "k", "v"), ("GETEX", "k"), ("GETEX", "k", "EX", "100"),
                     ("GETEX", "k", "PERSIST"), ("GETEX", "k", "PERSIST"), ("GETDEL", "k"),
                     ("GETDEL", "k"), ("GETEX", "nokey", "EX", "5"),
                     ("SET", "j", "v"), ("GETEX", "j", "PXAT", "1")],
    "append_setrange": [("APPEND", "k", "v"), ("APPEND", "k", "w"), ("SETRANGE", "k", "3", "v"),
                        ("SETRANGE", "k", "0", ""), ("SETRANGE", "j", "0", ""),
                        ("SETRANGE", "n", "2", "x")],
    "counters": [("INCR", "k"), ("DECR", "k"), ("INCRBY", "k", "5"), ("DECRBY", "k", "2"),
                 ("INCRBYFLOAT", "k", "1.5"), ("INCRBYFLOAT", "f", "2"), ("SET", "s", "x"),
                 ("INCR", "s")],
    "mset_msetnx": [("MSET", "a", "1", "b", "2"), ("MSET", "a", "1", "c", "3", "a", "4"),
                    ("MSETNX", "x", "1", "y", "2"), ("MSETNX", "a", "1", "z", "2")],
    "reads_that_miss": [("GET", "nokey"), ("MGET", "x", "y"), ("STRLEN", "z"),
                        ("GETRANGE", "q", "0", "1"), ("EXISTS", "e", "e"), ("TYPE", "t"),
                        ("TTL", "t"), ("PTTL", "t"), ("GETBIT", "g", "1"), ("BITCOUNT", "bc"),
                        ("LCS", "l1", "l2"), ("DUMP", "d"), ("OBJECT", "FREQ", "o"),
                        ("BITPOS", "bp", "1"), ("SUBSTR", "s", "0", "1"), ("TOUCH", "a", "z"),
                        ("COPY", "nosrc", "dst")],
    "bitmaps": [("SETBIT", "k", "7", "1"), ("SETBIT", "k", "7", "1"), ("SETBIT", "k", "7", "0"),
                ("SET", "a", "x"), ("BITOP", "AND", "d", "a", "b"), ("BITOP", "AND", "d", "m", "n"),
                ("BITOP", "AND", "e", "m", "n"),
                ("BITFIELD", "f", "SET", "u8", "0", "1", "GET", "u8", "0"),
                ("BITFIELD", "f", "INCRBY", "u8", "0", "1"), ("BITFIELD", "f", "GET", "u8", "0"),
                ("BITFIELD", "g", "GET", "u8", "0"), ("BITFIELD_RO", "h", "GET", "u8", "0")],
    "del_unlink": [("SET", "a", "1"), ("DEL", "a", "b", "a"), ("SET", "c", "1"),
                   ("UNLINK", "c", "c")],
    "expire_family": [("SET", "a", "1"), ("EXPIRE", "a", "100"), ("PEXPIRE", "a", "100000"),
                      ("EXPIREAT", "a", "9999999999"), ("PEXPIREAT", "a", "9999999999000"),
                      ("EXPIRE", "a", "100", "NX"), ("PERSIST", "a"), ("PERSIST", "a"),
                      ("EXPIRE", "nokey", "10"), ("EXPIRE", "a", "0"),
                      ("SET", "b", "1"), ("EXPIRE", "b", "-1"),
                      ("SET", "c", "1"), ("PEXPIREAT", "c", "1")],
    "rename_move_copy": [("SET", "a", "1"), ("RENAME", "a", "b"), ("SET", "c", "2"),
                         ("RENAME", "b", "c"), ("RENAME", "c", "c"), ("RENAMENX", "c", "d"),
                         ("SET", "e", "1"), ("RENAMENX", "d", "e"), ("RENAME", "nokey", "x"),
                         ("MOVE", "e", "1"), ("SET", "f", "1"), ("COPY", "f", "g"),
                         ("COPY", "f", "g"), ("COPY", "f", "g", "REPLACE"),
                         ("COPY", "f", "h", "DB", "2")],
    "other_dbs": [("SET", "a", "x"), ("SELECT", "3"), ("SET", "b", "y"), ("DEL", "b"),
                  ("SELECT", "0")],
    "flush_and_swap_publish_nothing": [("SET", "a", "1"), ("SWAPDB", "0", "1"), ("FLUSHDB",),
                                       ("SET", "b", "1"), ("FLUSHALL",)],
    "transaction": [("SET", "a", "1"), ("MULTI",), ("SET", "b", "2"), ("INCR", "a"),
                    ("GET", "zz"), ("DEL", "b"), ("EXEC",)],
    # Cairn holds a transaction's events and PUBLISHes until its batch is
    # written: still in command order.
    "transaction_with_publish": [("MULTI",), ("PUBLISH", CHANNEL, "first"), ("SET", "a", "1"),
                                 ("PUBLISH", CHANNEL, "after a"), ("GET", "zz"),
                                 ("PUBLISH", CHANNEL, "after the miss"), ("DEL", "a"),
                                 ("EXEC",), ("PUBLISH", CHANNEL, "after EXEC")],
    "lazy_expiry_on_access": [("SET", "a", "1", "PX", "1"), ("SET", "b", "1", "PX", "1"),
                              ("SET", "c", "1", "PX", "1"), ("SET", "d", "1", "PX", "1"),
                              ("SET", "e", "1", "PX", "1"), ("SET", "f", "1", "PX", "1"),
                              ("SET", "g", "1", "PX", "1"), EXPIRE_SOON,
                              ("GET", "a"), ("SET", "b", "2"), ("EXISTS", "c"), ("TTL", "d"),
                              ("APPEND", "e", "x"), ("DEL", "f"), ("INCR", "g")],
    "expired_keys_met_by_commands_that_write_nothing": [
        *[("SET", k, "1", "PX", "1") for k in "abcdefghij"], EXPIRE_SOON,
        ("SET", "a", "v", "XX"), ("SET", "b", "v", "XX", "GET"), ("GETEX", "c", "EX", "5"),
        ("GETDEL", "d"), ("MSETNX", "e", "1", "z", "2"), ("SET", "z", "1"),
        ("MSETNX", "z", "1", "f", "2"), ("SETRANGE", "g", "0", ""),
        ("INCRBYFLOAT", "h", "nan-ish"), ("MGET", "q", "i"), ("LCS", "q", "j")],
    "bitop_over_an_expired_destination": [("SET", "d", "1", "PX", "1"), ("SET", "e", "1", "PX", "1"),
                                          EXPIRE_SOON, ("BITOP", "AND", "d", "m", "n"),
                                          ("BITOP", "OR", "e", "e", "n")],
    "lazy_expiry_of_writes_that_fail": [("SET", "a", "1", "PX", "1"), ("SET", "b", "1"),
                                        ("SET", "c", "1", "PX", "1"), EXPIRE_SOON,
                                        ("EXPIRE", "a", "10"), ("RENAME", "b", "c"),
                                        ("PERSIST", "c")],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_events_of_commands(both, name):
    same_events(both, SCENARIOS[name])


def test_events_of_one_pipeline_in_order(both):
    """Cairn writes a pipeline's commands as one batch and publishes their
    events once it is written: the order is still the commands'."""
    steps = []
    for i in range(40):
        steps += [("SET", f"k{i}", "v"), ("GET", f"miss{i}"), ("INCR", f"n{i % 3}"),
                  ("EXPIRE", f"k{i}", "100"), ("DEL", f"k{i // 2}")]
    got = same_events(both, steps, pipelined=True)
    assert len(got) > 400


def stale_reads_on_messages(port, channel, n, write, expected, classes=""):
    """Subscribes to `channel`, runs write(client), then reads, on another
    connection, the key each of the n messages names (expected(data) gives
    the key and the value it must hold). Returns the keys read stale."""
    writer = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    reader = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    sub = writer.pubsub()
    try:
        writer.flushall()
        writer.config_set("notify-keyspace-events", classes)
        sub.subscribe(channel)
        sub.get_message(timeout=2)  # the confirmation
        write(writer)
        stale = []
        seen = 0
        deadline = time.monotonic() + 20
        while seen < n and time.monotonic() < deadline:
            m = sub.get_message(timeout=0.5)
            if m is None or m["type"] != "message":
                continue
            seen += 1
            key, value = expected(m["data"].decode())
            if reader.get(key) != value.encode():
                stale.append(key)
        assert seen == n, f"port {port}: {seen} of {n} messages"
        return stale
    finally:
        sub.close()
        writer.config_set("notify-keyspace-events", "")
        writer.close()
        reader.close()


def test_a_subscriber_reading_the_key_on_its_event_finds_the_write(servers):
    """The common use of notifications: on "set", read the key. Writes come
    pipelined from one client; the subscriber reads on another connection."""
    n = 300

    def write(r):
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set(f"key:{i}", f"value:{i}")
        pipe.execute()

    for which in ("redis", "cairn"):
        stale = stale_reads_on_messages(servers[which].port, "__keyevent@0__:set", n, write,
                                        lambda key: (key, "value:" + key.split(":")[1]), "E$")
        assert stale == [], f"{which}: read before the write: {stale[:5]}"


def test_a_subscriber_reading_on_a_message_published_in_a_transaction_finds_its_writes(servers):
    """MULTI; SET job:N; PUBLISH jobs N; EXEC, the job-queue pattern: the
    subscriber reads the job when told, from another connection."""
    n = 200

    def write(r):
        for i in range(n):
            pipe = r.pipeline(transaction=True)
            pipe.set(f"job:{i}", f"data:{i}")
            pipe.publish("jobs", str(i))
            assert pipe.execute()[1] == 1  # one receiver, counted as Redis does

    for which in ("redis", "cairn"):
        stale = stale_reads_on_messages(servers[which].port, "jobs", n, write,
                                        lambda i: (f"job:{i}", f"data:{i}"))
        assert stale == [], f"{which}: read before the write: {stale[:5]}"


def test_events_of_restore(both):
    both["redis"].set("src", "hello")
    payload = both["redis"].dump("src")
    same_events(both, [("SET", "b", "x"), ("RESTORE", "c", "0", payload),
                       ("RESTORE", "b", "0", payload, "REPLACE"),
                       ("RESTORE", "b", "1", payload, "REPLACE", "ABSTTL"),
                       ("RESTORE", "d", "1", payload, "ABSTTL"),
                       ("RESTORE", "c", "0", payload)])


def test_the_scenarios_publish_events(both):
    """The comparison above cannot pass by both servers staying silent."""
    got = same_events(both, SCENARIOS["set"])
    assert ("__keyevent@0__:set", "k") in got and ("__keyspace@0__:k", "expire") in got


@pytest.mark.parametrize("classes", ["KA", "EA", "K$", "Eg", "Ex", "KEm", "En", "g$", "", "A"])
def test_classes_select_what_is_published(both, classes):
    steps = [("SET", "a", "1"), ("SET", "b", "1", "EX", "10"), ("GET", "nope"), ("DEL", "a"),
             ("SET", "c", "1", "PX", "1"), EXPIRE_SOON, ("GET", "c")]
    same_events(both, steps, classes)


def test_active_expiry_publishes_expired(both):
    """A key nobody touches again is expired by the background cycle."""
    for which, r in both.items():
        r.flushall()
        r.config_set("notify-keyspace-events", "Ex")
        sub = r.pubsub()
        try:
            sub.subscribe("__keyevent@0__:expired")
            sub.get_message(timeout=2)  # the confirmation
            r.set("short", "v", px=50)
            deadline = time.monotonic() + 10
            got = None
            while got is None and time.monotonic() < deadline:
                m = sub.get_message(timeout=0.5)
                if m is not None and m["type"] == "message":
                    got = m["data"]
            assert got == b"short", f"{which}: no expired event within 10 s"
        finally:
            sub.close()


@pytest.mark.parametrize("text", ["", "K", "E", "A", "KEA", "AKEmn", "g$lshzxetd",
                                  "g$lshzxetdK", "Kg", "xE", "nm", "KEg$lshzxet", "AAg", "KEd",
                                  "KEdn", "$$", "tdKE", "K\x00Q"])
def test_config_text_round_trips_as_redis_writes_it(both, text):
    out = {}
    for which, r in both.items():
        r.config_set("notify-keyspace-events", text)
        out[which] = r.config_get("notify-keyspace-events")
    assert out["cairn"] == out["redis"]


@pytest.mark.parametrize("text", ["Q", "kea", "AK E", "KE!"])
def test_config_refuses_unknown_classes_and_keeps_the_old_value(both, text):
    out = {}
    for which, r in both.items():
        r.config_set("notify-keyspace-events", "KEg")
        with pytest.raises(redis.ResponseError) as e:
            r.config_set("notify-keyspace-events", text)
        out[which] = (str(e.value), r.config_get("notify-keyspace-events"))
    assert out["cairn"] == out["redis"]
    assert "Invalid event class character" in out["cairn"][0]
