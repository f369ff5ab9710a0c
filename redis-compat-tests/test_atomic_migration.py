"""CLUSTER MIGRATESLOTS (atomic slot migration, Valkey 9's command) while
redis-py's RedisCluster clients write and read their own keys in the slots
being moved: no client error, not one ASK redirect, every read returns the
last value written, and afterwards every key is on the target and none on
the source.

Starts its own three cairn-server cluster nodes (cluster_util.cluster) and
stops only them."""

import redis
from redis.crc import key_slot

import resp
from cluster_util import KeyLoad, cluster, my_id, run, wait_for  # noqa: F401 (cluster: a fixture)

FIRST, LAST = 0, 999  # node 0 owns 0..5460 after redis-cli --cluster create
WORKERS = 3
KEYS_PER_WORKER = 60


def migrations(port):
    c = resp.Connection("127.0.0.1", port, timeout=5)
    try:
        kind, entries = c.call(["CLUSTER", "GETSLOTMIGRATIONS"])
        assert kind == "*", entries
        out = []
        for kind, fields in entries:
            values = [v for _, v in fields]
            out.append({values[i].decode(): values[i + 1] for i in range(0, len(values), 2)})
        return out
    finally:
        c.close()


def state_of(port):
    jobs = migrations(port)
    return jobs[-1]["state"].decode() if jobs else None


def test_atomic_migration_under_load_no_ask_nothing_lost(cluster, monkeypatch):
    port0, port1 = cluster[0].port, cluster[1].port
    dst = my_id(port1)
    asks = []
    ask_init = redis.exceptions.AskError.__init__

    def counting_init(self, resp_text):
        if type(self) is redis.exceptions.AskError:  # MovedError derives from it
            asks.append(resp_text)
        ask_init(self, resp_text)

    monkeypatch.setattr(redis.exceptions.AskError, "__init__", counting_init)

    def keys_of(w):
        keys, i = [], 0
        while len(keys) < KEYS_PER_WORKER:
            k = f"atomic:{w}:{i}"
            if FIRST <= key_slot(k.encode()) <= LAST:
                keys.append(k)
            i += 1
        return keys

    load = KeyLoad(port0, WORKERS, keys_of)
    try:
        wait_for(lambda: load.total() >= 200 or load.errors, 30, "the load to start")
        c0 = resp.Connection("127.0.0.1", port0)
        try:
            assert c0.call(["CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", FIRST, LAST,
                            "NODE", dst]) == ("+", "OK")
        finally:
            c0.close()
        wait_for(lambda: state_of(port0) in ("success", "failed", "cancelled"), 60,
                 "the migration to end")
        moved_at = load.total()
        wait_for(lambda: load.total() >= moved_at + 200 or load.errors, 30,
                 "load after the migration")
    finally:
        load.stop()
    errors, stale, last = load.errors, load.stale, load.last
    export = migrations(port0)[-1]
    assert export["state"] == b"success", export
    assert export["operation"] == b"EXPORT"
    assert export["slot_ranges"] == f"{FIRST}-{LAST}".encode()
    assert export["target_node"] == dst.encode()
    imported = migrations(port1)[-1]
    assert imported["operation"] == b"IMPORT" and imported["name"] == export["name"]
    assert errors == [], errors
    assert stale == [], stale[:5]
    assert asks == [], asks[:5]

    c1 = resp.Connection("127.0.0.1", port1)
    c0 = resp.Connection("127.0.0.1", port0)
    try:
        for slot in range(FIRST, LAST + 1, 7):
            assert c0.call(["CLUSTER", "COUNTKEYSINSLOT", slot]) == (":", 0), slot
        assert len(last) == WORKERS * KEYS_PER_WORKER
        for k, v in last.items():
            assert c1.call(["GET", k]) == ("$", v.encode()), k
        kind, text = c0.call(["GET", next(iter(last))])
        assert kind == "-" and text.startswith("MOVED "), text
    finally:
        c0.close()
        c1.close()
    rc, out = run(["redis-cli", "--cluster", "check", f"127.0.0.1:{port0}"], 60)
    assert rc == 0 and "[WARNING]" not in out and "[ERR]" not in out, out
