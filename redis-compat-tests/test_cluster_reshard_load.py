"""redis-cli --cluster reshard while redis-py's RedisCluster writes and reads
its own keys in the slots being moved: the client sees no error (it follows
MOVED, ASK and TRYAGAIN itself), every read returns the last value written,
and at the end no key is lost or stale.

Starts its own three cairn-server cluster nodes (loopback ports the kernel
picked, a temp dir each) and stops only them."""

import threading

from redis.cluster import RedisCluster
from redis.crc import key_slot

import resp
from cluster_util import cluster, my_id, run, wait_for  # noqa: F401 (cluster: a fixture)

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
    stop = threading.Event()
    errors, stale = [], []
    last = {}
    ops = [0] * WORKERS

    def worker(w):
        rc = RedisCluster(host="127.0.0.1", port=port0)
        keys = keys_in_moved_slots(w)
        version = 0
        try:
            while not stop.is_set():
                version += 1
                for k in keys:
                    v = f"{w}:{version}"
                    assert rc.set(k, v) is True
                    last[k] = v
                    got = rc.get(k)
                    if got != v.encode():
                        stale.append((k, v, got))
                    ops[w] += 2
        except Exception as e:  # any error the client did not handle itself
            errors.append(f"worker {w}: {type(e).__name__}: {e}")
        finally:
            rc.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: sum(ops) >= 200 or errors, 30, "the load to start")
        rc, out = run(["redis-cli", "--cluster", "reshard", f"127.0.0.1:{port0}",
                       "--cluster-from", src, "--cluster-to", dst,
                       "--cluster-slots", str(MOVED_SLOTS), "--cluster-yes"], 120)
        moved_at = sum(ops)
        # A little more load after the switch, on the new owner.
        wait_for(lambda: sum(ops) >= moved_at + 200 or errors, 30, "load after the reshard")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert rc == 0, out
    assert errors == [], errors
    assert stale == [], stale[:5]
    assert all(not t.is_alive() for t in threads)

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
    print("ops", sum(ops), "source errorstats", cluster_info_section(port0, "errorstats"))
    rc, out = run(["redis-cli", "--cluster", "check", f"127.0.0.1:{port0}"], 60)
    assert rc == 0 and "[WARNING]" not in out and "[ERR]" not in out, out


def cluster_info_section(port, section):
    c = resp.Connection("127.0.0.1", port, timeout=5)
    try:
        kind, text = c.call(["INFO", section])
        return text.decode().strip().replace("\r\n", " ")
    finally:
        c.close()
