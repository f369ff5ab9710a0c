"""MIGRATE between standalone servers, against redis-server 7.0: argument
checks and errors side by side, then keys moved from cairn-server to
redis-server and back (DUMP payloads both ways), COPY, REPLACE, the target's
errors forwarded, AUTH / AUTH2, and a target that never answers."""

import socket

import pytest

import resp


def test_migrate_argument_errors(pair):
    # Port 1 on loopback refuses connections: IOERR after Redis's one retry.
    pair.check([
        "SET k v",
        "MIGRATE 127.0.0.1 1 k 0 x",
        "MIGRATE 127.0.0.1 1 k x 100",
        "MIGRATE 127.0.0.1 1 k 0 100 FOO",
        "MIGRATE 127.0.0.1 1 k 0 100 AUTH",
        "MIGRATE 127.0.0.1 1 k 0 100 AUTH2 user",
        "MIGRATE 127.0.0.1 1 k 0 100 KEYS k",
        "MIGRATE 127.0.0.1 1 nokey 0 100",
        'MIGRATE 127.0.0.1 1 "" 0 100 KEYS a b',
        'MIGRATE 127.0.0.1 1 "" 0 100 COPY REPLACE KEYS',
        "MIGRATE 127.0.0.1 1 k 0 100",
        "MIGRATE 127.0.0.1 1 k 0",
        "EXISTS k",
    ])


def test_migrate_to_a_silent_target_times_out(pair):
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the handshake; nobody reads
    try:
        port = silent.getsockname()[1]
        pair.check([
            "SET k v",
            f"MIGRATE 127.0.0.1 {port} k 0 200",
            "GET k",
        ])
    finally:
        silent.close()


def call(conn, *args):
    return conn.call(list(args))


@pytest.fixture
def both(servers):
    c = servers["cairn"].connect()
    r = servers["redis"].connect()
    for conn in (c, r):
        assert call(conn, "FLUSHALL") == ("+", "OK")
    try:
        yield c, r, servers["cairn"].port, servers["redis"].port
    finally:
        c.close()
        r.close()


def test_migrate_cairn_to_redis_and_back(both):
    c, r, cport, rport = both
    big = b"abc" * 40000  # LZF-compressed in the payload
    assert call(c, "SET", "a", "1") == ("+", "OK")
    assert call(c, "SET", "b", "two", "PX", "100000") == ("+", "OK")
    assert call(c, "SET", "c", big) == ("+", "OK")
    assert call(c, "MIGRATE", "127.0.0.1", rport, "", 0, 5000, "KEYS", "a", "b", "c",
                "nokey") == ("+", "OK")
    assert call(c, "EXISTS", "a", "b", "c") == (":", 0)
    assert call(r, "MGET", "a", "b", "c") == ("*", [("$", b"1"), ("$", b"two"), ("$", big)])
    pttl = call(r, "PTTL", "b")[1]
    assert 0 < pttl <= 100000

    assert call(r, "MIGRATE", "127.0.0.1", cport, "", 0, 5000, "KEYS", "a", "b", "c") == \
        ("+", "OK")
    assert call(r, "EXISTS", "a", "b", "c") == (":", 0)
    assert call(c, "MGET", "a", "b", "c") == ("*", [("$", b"1"), ("$", b"two"), ("$", big)])
    assert 0 < call(c, "PTTL", "b")[1] <= pttl
    assert call(c, "PTTL", "a") == (":", -1)

    # COPY keeps the source; without REPLACE the target's BUSYKEY comes back
    # as Redis words it, in both directions.
    assert call(c, "MIGRATE", "127.0.0.1", rport, "a", 0, 5000, "COPY") == ("+", "OK")
    assert call(c, "GET", "a") == ("$", b"1")
    busy = ("-", "ERR Target instance replied with error: BUSYKEY Target key name already "
                 "exists.")
    assert call(c, "MIGRATE", "127.0.0.1", rport, "a", 0, 5000) == busy
    assert call(r, "MIGRATE", "127.0.0.1", cport, "a", 0, 5000) == busy
    assert call(c, "GET", "a") == ("$", b"1")
    assert call(r, "GET", "a") == ("$", b"1")

    assert call(c, "SET", "a", "new") == ("+", "OK")
    assert call(c, "MIGRATE", "127.0.0.1", rport, "a", 0, 5000, "REPLACE") == ("+", "OK")
    assert call(r, "GET", "a") == ("$", b"new")
    assert call(c, "EXISTS", "a") == (":", 0)

    # Another destination db.
    assert call(c, "SET", "d", "12345") == ("+", "OK")
    assert call(c, "MIGRATE", "127.0.0.1", rport, "d", 3, 5000) == ("+", "OK")
    assert call(r, "SELECT", 3) == ("+", "OK")
    assert call(r, "GET", "d") == ("$", b"12345")
    assert call(r, "FLUSHDB") == ("+", "OK")
    assert call(r, "SELECT", 0) == ("+", "OK")
    # A db the target does not have: its error, and the key stays.
    assert call(c, "SET", "e", "1") == ("+", "OK")
    assert call(c, "MIGRATE", "127.0.0.1", rport, "e", 99, 5000) == \
        ("-", "ERR Target instance replied with error: ERR DB index is out of range")
    assert call(c, "EXISTS", "e") == (":", 1)


def test_migrate_authenticates_to_the_target(both):
    c, r, cport, rport = both
    # MIGRATE keeps a connection per target for 10 s (as Redis), and one
    # made before requirepass stays authenticated: "localhost" names a
    # target no earlier test used, so the first MIGRATE here connects anew.
    host = "localhost"
    assert call(r, "CONFIG", "SET", "requirepass", "pw") == ("+", "OK")
    try:
        assert call(c, "SET", "a", "1") == ("+", "OK")
        assert call(c, "MIGRATE", host, rport, "a", 0, 5000) == \
            ("-", "ERR Target instance replied with error: NOAUTH Authentication required.")
        assert call(c, "MIGRATE", host, rport, "a", 0, 5000, "AUTH", "wrong") == \
            ("-", "ERR Target instance replied with error: WRONGPASS invalid username-password "
                  "pair or user is disabled.")
        assert call(c, "EXISTS", "a") == (":", 1)
        assert call(c, "MIGRATE", host, rport, "a", 0, 5000, "COPY", "AUTH", "pw") == \
            ("+", "OK")
        assert call(c, "MIGRATE", host, rport, "a", 0, 5000, "REPLACE", "AUTH2",
                    "default", "pw") == ("+", "OK")
        assert call(c, "EXISTS", "a") == (":", 0)
        assert call(r, "GET", "a") == ("$", b"1")
    finally:
        assert call(r, "CONFIG", "SET", "requirepass", "") == ("+", "OK")


def test_migrate_keys_are_movable_in_command_info_and_getkeys(pair):
    # argv[3], or the arguments after KEYS (Redis's incomplete keyword spec
    # and migrateGetKeys): AUTH and AUTH2 values are skipped, a KEYS after a
    # named key finds nothing, a trailing KEYS is not the keyword.
    pair.check([
        "COMMAND INFO migrate",
        'COMMAND GETKEYS MIGRATE h 1 k 0 5000',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5000 KEYS a b',
        'COMMAND GETKEYS MIGRATE h 1 k 0 5000 KEYS a b',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5000 AUTH keys KEYS a',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5000 AUTH2 u keys KEYS a',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5000 COPY REPLACE keys x y',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5000 keys',
        'COMMAND GETKEYSANDFLAGS MIGRATE h 1 "" 0 5000 KEYS a b',
        'COMMAND GETKEYSANDFLAGS MIGRATE h 1 k 0 5000 COPY',
    ])
