"""INFO: every field redis-server 7.0 reports in a section, Cairn reports
too, in the same order (Cairn's own fields follow Redis's), so tools that
parse INFO find what they look for. Values differ by nature and are not
compared, except where they are facts both servers share."""

import pytest
import redis

SECTIONS = ["server", "clients", "memory", "persistence", "stats", "cpu"]


def fields(port, section):
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        return list(c.info(section).keys())  # redis-py keeps INFO's order
    finally:
        c.close()


@pytest.mark.parametrize("section", SECTIONS)
def test_info_section_has_redis_fields_in_redis_order(servers, section):
    want = fields(servers["redis"].port, section)
    got = fields(servers["cairn"].port, section)
    missing = [f for f in want if f not in got]
    assert missing == []
    shared = [f for f in got if f in want]
    assert shared == [f for f in want if f in shared]


def test_info_memory_reports_the_configured_policy(servers):
    c = redis.Redis(host="127.0.0.1", port=servers["cairn"].port, socket_timeout=10)
    try:
        c.config_set("maxmemory-policy", "allkeys-lru")
        assert c.info("memory")["maxmemory_policy"] == "allkeys-lru"
        c.config_set("maxmemory-policy", "noeviction")
        assert c.info("memory")["maxmemory_policy"] == "noeviction"
    finally:
        c.close()


# Each command with the keys it reads; after each, both servers' keyspace
# hits and misses (since CONFIG RESETSTAT) must agree.
LOOKUPS = [
    ["GET", "a"], ["GET", "missing"], ["MGET", "a", "missing", "b"], ["STRLEN", "a"],
    ["GETRANGE", "a", "0", "1"], ["GETEX", "a"], ["GETEX", "missing"], ["GETDEL", "missing"],
    ["SET", "a", "2", "GET"], ["SET", "c", "2", "GET"], ["GETSET", "a", "3"], ["SET", "a", "4"],
    ["SET", "a", "5", "NX"], ["INCR", "n"], ["APPEND", "a", "x"], ["LCS", "a", "missing"],
    ["EXISTS", "a", "missing"], ["TYPE", "a"], ["TTL", "missing"], ["OBJECT", "ENCODING", "a"],
    ["OBJECT", "ENCODING", "missing"], ["GETBIT", "a", "1"], ["BITCOUNT", "missing"],
    ["BITPOS", "a", "1"], ["BITFIELD", "a", "GET", "u8", "0"], ["BITFIELD", "a", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "missing", "GET", "u8", "0"], ["BITOP", "OR", "d", "a", "missing"],
    ["SETBIT", "e", "1", "1"], ["DUMP", "a"], ["TOUCH", "a", "missing"], ["GETDEL", "b"],
]


def test_keyspace_hits_and_misses_count_as_redis_counts_them(servers):
    clients = [redis.Redis(host="127.0.0.1", port=servers[name].port, socket_timeout=10)
               for name in ("redis", "cairn")]
    try:
        for c in clients:
            c.flushall()
            c.mset({"a": "1", "b": "2"})
            c.config_resetstat()
        for argv in LOOKUPS:
            counts = []
            for c in clients:
                try:
                    c.execute_command(*argv)
                except redis.ResponseError:
                    pass  # WRONGTYPE and the like still count their lookup
                except TypeError:
                    pass  # redis-py's OBJECT parser wants its own call form
                stats = c.info("stats")
                counts.append((stats["keyspace_hits"], stats["keyspace_misses"]))
            assert counts[0] == counts[1], f"after {argv}: redis {counts[0]}, cairn {counts[1]}"
    finally:
        for c in clients:
            c.close()
