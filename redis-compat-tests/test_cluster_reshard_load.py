"""redis-cli --cluster reshard while redis-py's RedisCluster writes and reads
its own keys in the slots being moved: the client sees no error (it follows
MOVED, ASK and TRYAGAIN itself), every read returns the last value written,
and at the end no key is lost or stale.

Starts its own three cairn-server cluster nodes (loopback ports the kernel
picked, a temp dir each) and stops only them."""

from redis.crc import key_slot

import resp
from cluster_util import KeyLoad, cluster, my_id, run, wait_for  # noqa: F401 (cluster: a fixture)

MOVED_SLOTS = 300  # reshard takes the source's lowest slots: 0..299
WORKERS = 3
KEYS_PER_WORKER = 60


def keys_in_moved_slots(worker):
    out, i = [], 0
    while len(out) < KEYS_PER_WORKER:
        k = f"load:{worker}:{i}"
        if key_slot(k.encode()) < MOVED_SLOTS:
            out.append(k)
        i += 1
    return out


def test_reshard_under_load_loses_nothing(cluster):
    port0 = cluster[0].port
    src, dst = my_id(cluster[0].port), my_id(cluster[1].port)
    load = KeyLoad(port0, WORKERS, keys_in_moved_slots)
    try:
        wait_for(lambda: load.total() >= 200 or load.errors, 30, "the load to start")
        rc, out = run(["redis-cli", "--cluster", "reshard", f"127.0.0.1:{port0}",
                       "--cluster-from", src, "--cluster-to", dst,
                       "--cluster-slots", str(MOVED_SLOTS), "--cluster-yes"], 120)
        moved_at = load.total()
        # A little more load after the switch, on the new owner.
        wait_for(lambda: load.total() >= moved_at + 200 or load.errors, 30,
                 "load after the reshard")
    finally:
        load.stop()
    assert rc == 0, out
    assert load.errors == [], load.errors
    assert load.stale == [], load.stale[:5]
    last = load.last

    # Every slot moved, every key on the new owner with its last value.
    c1 = resp.Connection("127.0.0.1", cluster[1].port)
    c0 = resp.Connection("127.0.0.1", port0)
    try:
        for slot in range(MOVED_SLOTS):
            assert c0.call(["CLUSTER", "COUNTKEYSINSLOT", slot]) == (":", 0), slot
        assert len(last) == WORKERS * KEYS_PER_WORKER
        for k, v in last.items():
            assert c1.call(["GET", k]) == ("$", v.encode()), k
    finally:
        c0.close()
        c1.close()
    print("ops", load.total(), "source errorstats", cluster_info_section(port0, "errorstats"))
    rc, out = run(["redis-cli", "--cluster", "check", f"127.0.0.1:{port0}"], 60)
    assert rc == 0 and "[WARNING]" not in out and "[ERR]" not in out, out


def cluster_info_section(port, section):
    c = resp.Connection("127.0.0.1", port, timeout=5)
    try:
        kind, text = c.call(["INFO", section])
        return text.decode().strip().replace("\r\n", " ")
    finally:
        c.close()
