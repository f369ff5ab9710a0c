"""Helpers of the cluster suites: a three-master cairn-server cluster made
by redis-cli --cluster create (loopback ports the kernel picked, a temp dir
each; only its own processes are stopped), and small client helpers."""

import os
import subprocess
import tempfile
import threading
import time

import pytest
from redis.cluster import RedisCluster

import resp
from conftest import ServerProcess, _cairn_path, free_port


def cluster_info(port):
    c = resp.Connection("127.0.0.1", port, timeout=5)
    try:
        kind, text = c.call(["CLUSTER", "INFO"])
        assert kind in ("$", "="), text
        body = text if kind == "$" else text[-1]
        return dict(line.split(":", 1) for line in body.decode().split("\r\n") if ":" in line)
    finally:
        c.close()


def my_id(port):
    c = resp.Connection("127.0.0.1", port, timeout=5)
    try:
        return c.call(["CLUSTER", "MYID"])[1].decode()
    finally:
        c.close()


def wait_for(pred, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def run(cmd, timeout_s):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout_s)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@pytest.fixture
def cluster():
    """Three masters, slots split by redis-cli --cluster create."""
    tmp = tempfile.mkdtemp(prefix="cairn-reshard-")
    nodes = []
    try:
        for i in range(3):
            d = os.path.join(tmp, f"n{i}")
            os.makedirs(d)
            bus = free_port()
            n = ServerProcess(f"node{i}", lambda p, d=d, bus=bus: [
                _cairn_path(), "--port", str(p), "--bind", "127.0.0.1", "--dir", d,
                "--cluster-enabled", "yes", "--cluster-port", str(bus),
                "--cluster-node-timeout", "3000", "--threads", "2",
            ], tmp)
            n.start()
            nodes.append(n)
        rc, out = run(["redis-cli", "--cluster", "create"]
                      + [f"127.0.0.1:{n.port}" for n in nodes]
                      + ["--cluster-replicas", "0", "--cluster-yes"], 120)
        assert rc == 0, out
        wait_for(lambda: all(cluster_info(n.port).get("cluster_state") == "ok" for n in nodes),
                 30, "cluster_state:ok on every node")
        yield nodes
    finally:
        for n in nodes:
            n.stop()
        subprocess.run(["rm", "-rf", tmp])


class KeyLoad:
    """`workers` threads, each a redis-py RedisCluster client (it follows
    MOVED and ASK and retries TRYAGAIN itself) that SETs then GETs each of
    its own keys, round after round, until stop(). `keys_of(w)` gives worker
    w's keys. Afterwards: ops, errors (anything the client raised), stale
    reads, and `last`, the last value written to each key."""

    def __init__(self, port, workers, keys_of):
        self.ops = [0] * workers
        self.errors, self.stale = [], []
        self.last = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(port, w, keys_of(w)))
                         for w in range(workers)]
        for t in self._threads:
            t.start()

    def total(self):
        return sum(self.ops)

    def _run(self, port, w, keys):
        rc = RedisCluster(host="127.0.0.1", port=port)
        version = 0
        try:
            while not self._stop.is_set():
                version += 1
                for k in keys:
                    v = f"{w}:{version}"
                    assert rc.set(k, v) is True
                    self.last[k] = v
                    got = rc.get(k)
                    if got != v.encode():
                        self.stale.append((k, v, got))
                    self.ops[w] += 2
        except Exception as e:  # any error the client did not handle itself
            self.errors.append(f"worker {w}: {type(e).__name__}: {e}")
        finally:
            rc.close()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        assert all(not t.is_alive() for t in self._threads)
