"""Cairn's key cache (storage/key_cache.h): reads of cached keys answer what
redis-server answers through every kind of change, INFO counts the cache's
hits, and `key-cache-size 0` turns it off."""

import os
import shutil
import tempfile

import redis

from compat import Step, approx
from conftest import ServerProcess, _cairn_path

TTL = approx(1)


def info_field(client, section, field):
    return int(client.info(section)[field])


def test_cached_keys_follow_every_change(pair):
    # Each GET after a change reads a key the cache holds (the SET, or the
    # GET before, put it there).
    pair.check([
        "SET k short",
        "GET k",
        "SET k a-value-much-longer-than-the-first-one-so-the-row-grows",
        "GET k",
        "APPEND k !",
        "GET k",
        "SET k v EX 100",
        Step("TTL k", norm=TTL),
        "PERSIST k",
        "TTL k",
        "INCR n",
        "INCRBY n 41",
        "GET n",
        "DEL k",
        "GET k",
        "SET k again",
        "GET k",
        "RENAME k k2",
        "GET k",
        "GET k2",
        "MULTI",
        "SET k2 in-multi",
        "GET k2",
        "EXEC",
        "GET k2",
        "SELECT 1",
        "SET k2 db1",
        "SWAPDB 0 1",
        "GET k2",
        "SELECT 0",
        "GET k2",
        "FLUSHDB",
        "GET k2",
        "SELECT 1",
        "FLUSHALL",
        "GET k2",
    ])


def test_reads_of_a_known_key_are_cache_hits(cairn_port):
    c = redis.Redis(port=cairn_port)
    c.set("key-cache:hit", "v")
    hits = info_field(c, "stats", "key_cache_hits")
    for _ in range(5):
        assert c.get("key-cache:hit") == b"v"
    assert info_field(c, "stats", "key_cache_hits") >= hits + 5
    assert info_field(c, "memory", "key_cache_bytes") > 0
    c.delete("key-cache:hit")
    assert c.get("key-cache:hit") is None


def test_key_cache_size_zero_turns_the_cache_off():
    tmp = tempfile.mkdtemp(prefix="cairn-keycache-")
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    server = ServerProcess("cairn-nocache", lambda p: [
        _cairn_path(), "--port", str(p), "--bind", "127.0.0.1", "--dir", data,
        "--key-cache-size", "0",
    ], tmp)
    try:
        server.start()
        c = redis.Redis(port=server.port)
        assert c.config_get("key-cache-size") == {"key-cache-size": "0"}
        c.set("a", "1")
        c.set("a", "2")
        assert c.get("a") == b"2"
        c.delete("a")
        assert c.get("a") is None
        assert info_field(c, "stats", "key_cache_hits") == 0
        assert info_field(c, "memory", "key_cache_bytes") == 0
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
