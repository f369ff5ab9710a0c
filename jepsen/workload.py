"""A Jepsen-style run against a real Cairn cluster on loopback.

Starts 3 masters with a replica each (redis-cli --cluster create), then for
`duration` seconds runs client threads doing reads, unique-value writes and
compare-and-set (SET ... IFEQ) on a handful of keys spread over the three
masters, while a fault driver injects faults one at a time, each bounded in
time. Every operation is recorded with its invoke and completion times and
its outcome (ok / definitely failed / indeterminate); each key's history is
then checked for linearizability (linearizability.check) and for lost
acknowledged writes.

    python3 jepsen/workload.py --duration 60 --faults kill,pause-short,pause-long,partition,migrate
    CAIRN_SERVER=build/release/cairn-server python3 jepsen/workload.py

Faults:
  kill         kill -9 a random master, restart it after a few seconds
  pause-short  SIGSTOP a master for half the node timeout, then SIGCONT
  pause-long   SIGSTOP a master for twice the node timeout, then SIGCONT
  partition    cut a master's cluster bus links for twice the node timeout
               (CAIRN.FAULT BUS-DROP); its client port keeps serving

Besides the registers, clients write unique keys (never overwritten) and
keep the acknowledged ones; at the end every one is read back, and a key
missing or holding another value is a lost acknowledged write.

Outcome classes (README "Replication and the write quorum"): a reply is ok;
MOVED/ASK/CLUSTERDOWN/TRYAGAIN/READONLY/MASTERDOWN and syntax errors mean
the command was not applied (fail); a timeout, a dropped connection or
NOREPLICAS mean it may or may not have been applied (indeterminate).
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linearizability import Op, check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEASE = True  # cluster-master-lease; --no-lease turns it off
DEFINITE_ERRORS = ("MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "MASTERDOWN", "ERR",
                   "WRONGTYPE", "CROSSSLOT")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def log_tail(path, lines=20):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode(errors="replace")
    except OSError:
        return "(no log)"


class Node:
    def __init__(self, binary, workdir, index, node_timeout, quorum):
        self.binary = binary
        self.dir = os.path.join(workdir, f"node{index}")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.bus = free_port()
        self.node_timeout = node_timeout
        self.quorum = quorum
        self.proc = None
        self.paused = False

    def start(self, first=False):
        """Starts the node and waits (bounded) until it answers. A first start
        whose ports another process took meanwhile (the node exits at once)
        tries two more pairs of free ports; a restart keeps its ports, which
        the cluster knows it by."""
        for attempt in range(3 if first else 1):
            if attempt > 0:
                self.port, self.bus = free_port(), free_port()
            if self._start_once():
                return
        raise RuntimeError(f"node on port {self.port} did not start:\n"
                           + log_tail(os.path.join(self.dir, "log")))

    def _start_once(self):
        log = open(os.path.join(self.dir, "log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--threads", "2", "--cluster-enabled", "yes", "--cluster-port", str(self.bus),
             "--cluster-node-timeout", str(self.node_timeout),
             "--replica-ack-quorum", str(self.quorum), "--replica-ack-timeout", "2000",
             "--appendfsync", "always", "--enable-fault-injection", "yes",
             "--cluster-master-lease", "yes" if LEASE else "no"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # exited: its ports were taken, or worse (the log says)
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return True
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"node on port {self.port} did not answer within 30 s:\n"
                           + log_tail(os.path.join(self.dir, "log")))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            if self.paused:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.paused = False
            self.proc.kill()
            self.proc.wait(timeout=30)

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False

    def drop_bus(self, ms):
        self.client().execute_command("CAIRN.FAULT", "BUS-DROP", str(int(ms)))

    def client(self, timeout=1.0):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout,
                           socket_connect_timeout=timeout)


def cluster_state(node):
    try:
        info = node.client().execute_command("CLUSTER", "INFO")
    except redis.RedisError:
        return ""
    if isinstance(info, dict):
        return str(info.get("cluster_state", ""))
    text = info.decode() if isinstance(info, bytes) else str(info)
    for line in text.splitlines():
        if line.startswith("cluster_state:"):
            return line.split(":", 1)[1].strip()
    return ""


class Cluster:
    def __init__(self, binary, node_timeout=1000, quorum=1):
        self.workdir = tempfile.mkdtemp(prefix="cairn-jepsen-")
        self.nodes = [Node(binary, self.workdir, i, node_timeout, quorum) for i in range(6)]
        self.node_timeout = node_timeout

    def start(self):
        for n in self.nodes:
            n.start(first=True)
        addrs = " ".join(f"127.0.0.1:{n.port}" for n in self.nodes)
        out = subprocess.run(f"redis-cli --cluster create {addrs} --cluster-replicas 1 --cluster-yes",
                             shell=True, capture_output=True, timeout=120, text=True)
        if out.returncode != 0:
            raise RuntimeError("cluster create failed:\n" + out.stdout + out.stderr)
        self.wait_ok()

    def wait_ok(self, timeout=30):
        """Waits (bounded) until every running node reports cluster_state:ok."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = [n for n in self.nodes if n.proc.poll() is None and not n.paused]
            if all(cluster_state(n) == "ok" for n in live):
                return True
            time.sleep(0.1)
        return False

    def masters(self):
        """Nodes that currently call themselves master with slots."""
        out = []
        for n in self.nodes:
            if n.proc.poll() is not None or n.paused:
                continue
            try:
                role = n.client().execute_command("ROLE")
                if role[0] in (b"master", "master"):
                    out.append(n)
            except redis.RedisError:
                pass
        return out

    def by_port(self, port):
        for n in self.nodes:
            if n.port == port:
                return n
        return None

    def stop(self):
        for n in self.nodes:
            n.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = []
        self.acked_unique = {}  # unique key -> value, acknowledged writes only

    def add(self, op):
        with self.lock:
            self.ops.append(op)

    def add_unique(self, key, value):
        with self.lock:
            self.acked_unique[key] = value


def routed(cluster, key, *cmd, attempts=8):
    """Runs cmd on key's owner, following MOVED and waiting out TRYAGAIN /
    CLUSTERDOWN (bounded); used after the run, when the cluster settled."""
    port = cluster.nodes[0].port
    last = None
    for _ in range(attempts):
        node = cluster.by_port(port)
        try:
            return node.client(timeout=2.0).execute_command(*cmd)
        except redis.ResponseError as e:
            last = e
            text = str(e)
            if text.startswith("MOVED"):
                port = int(text.rsplit(":", 1)[1])
                continue
            time.sleep(0.5)
        except redis.RedisError as e:
            last = e
            time.sleep(0.5)
    raise RuntimeError(f"{key}: no answer after {attempts} attempts: {last}")


def classify(exc):
    text = str(exc)
    # A refused connection never carried the command: definitely not applied.
    if isinstance(exc, redis.ConnectionError) and ("111" in text or "refused" in text.lower()):
        return "fail"
    if isinstance(exc, (redis.TimeoutError, redis.ConnectionError)):
        return "indeterminate"
    if text.startswith("NOREPLICAS"):
        return "indeterminate"
    if isinstance(exc, redis.ResponseError) and text.split(" ", 1)[0] in DEFINITE_ERRORS:
        return "fail"
    if isinstance(exc, redis.ResponseError):
        return "fail"
    return "indeterminate"


def client_loop(cluster, keys, recorder, stop, client_id, seed):
    rnd = random.Random(seed)
    conns = {}
    route = {}  # hash tag -> port believed to own its slot
    counter = 0

    def conn(port):
        if port not in conns:
            conns[port] = cluster.by_port(port).client(timeout=1.0)
        return conns[port]

    while not stop.is_set():
        key = rnd.choice(keys)
        kind = rnd.choice(["read", "write", "write", "cas", "unique"])
        counter += 1
        value = f"c{client_id}-{counter}"
        tag = key[:3]  # "{a}"
        if kind == "unique":
            key = f"{tag}u-{client_id}-{counter}"
        port = route.get(tag, cluster.nodes[0].port)
        if kind == "unique":
            try:
                conn(port).execute_command("SET", key, value)
                recorder.add_unique(key, value)
            except redis.RedisError as e:
                text = str(e)
                if text.startswith("MOVED"):
                    route[tag] = int(text.rsplit(":", 1)[1])
                if classify(e) == "indeterminate":
                    conns.pop(port, None)
                else:
                    time.sleep(0.01)
            time.sleep(0.005)
            continue
        if kind == "read":
            cmd = ["GET", key]
        elif kind == "write":
            cmd = ["SET", key, value]
        else:
            cmd = None
        t0 = time.monotonic()
        expected = None  # cas: the value its SET IFEQ was sent with
        try:
            if kind == "cas":
                # Compare-and-set on what this client last saw: GET then SET IFEQ.
                cur = conn(port).execute_command("GET", key)
                cur = cur.decode() if isinstance(cur, bytes) else cur
                t0 = time.monotonic()
                if cur is None:
                    continue
                expected = cur
                res = conn(port).execute_command("SET", key, value, "IFEQ", cur)
                recorder.add(Op("cas", (cur, value), t0, time.monotonic(), "ok", res is not None,
                                client_id, key))
            else:
                res = conn(port).execute_command(*cmd)
                t1 = time.monotonic()
                if kind == "read":
                    res = res.decode() if isinstance(res, bytes) else res
                    recorder.add(Op("read", None, t0, t1, "ok", res, client_id, key))
                else:
                    recorder.add(Op("write", value, t0, t1, "ok", None, client_id, key))
        except redis.RedisError as e:
            t1 = time.monotonic()
            text = str(e)
            if text.startswith("MOVED") or text.startswith("ASK"):
                try:
                    route[tag] = int(text.rsplit(":", 1)[1])
                except ValueError:
                    pass
            status = classify(e)
            if status == "indeterminate":
                conns.pop(port, None)
                t1 = float("inf")
            if kind == "cas" and expected is None:
                # The GET failed: no SET IFEQ was sent, nothing can have changed.
                time.sleep(0.01)
                continue
            op_value = value if kind == "write" else ((expected, value) if kind == "cas" else None)
            if kind != "read" or status == "indeterminate":
                recorder.add(Op(kind if kind != "cas" else "cas", op_value, t0, t1, status, None,
                                client_id, key))
            if status == "fail":
                time.sleep(0.01)
        # A steady, modest rate keeps each key's history checkable.
        time.sleep(0.005)


def migrate_one_slot(cluster, keys, rnd, stop):
    """The "migrate" fault: moves the slot of one register key from its owner
    to another master with CLUSTER MIGRATESLOTS (atomic slot migration) and
    waits, bounded, for the job to end. Returns the owner (or None) and the
    job's last state."""
    masters = cluster.masters()
    if len(masters) < 2:
        return None, None
    key = rnd.choice(keys)
    owner = state = None
    try:
        slot = masters[0].client(timeout=2.0).execute_command("CLUSTER", "KEYSLOT", key)
        # The owner: the master whose own CLUSTER NODES line claims the slot.
        for n in masters:
            nodes = n.client(timeout=2.0).execute_command("CLUSTER", "NODES")
            nodes = nodes.decode() if isinstance(nodes, bytes) else nodes
            line = next(l for l in nodes.splitlines() if "myself" in l)
            for r in line.split()[8:]:
                lo, _, hi = r.partition("-")
                if not r.startswith("[") and int(lo) <= slot <= int(hi or lo):
                    owner = n
        if owner is None:
            return None, None
        target = rnd.choice([n for n in masters if n is not owner])
        target_id = target.client(timeout=2.0).execute_command("CLUSTER", "MYID")
        owner.client(timeout=2.0).execute_command("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", slot,
                                                 slot, "NODE", target_id)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not stop.is_set():
            jobs = owner.client(timeout=2.0).execute_command("CLUSTER", "GETSLOTMIGRATIONS")
            last = jobs[-1] if jobs else []
            fields = dict(zip(last[0::2], last[1::2])) if isinstance(last, list) else last
            state = fields.get(b"state") or fields.get("state")
            state = state.decode() if isinstance(state, bytes) else state
            if state in ("success", "failed", "cancelled"):
                break
            time.sleep(0.1)
    except redis.RedisError:
        pass
    return owner, state


def fault_loop(cluster, faults, stop, log, cycle=False, keys=()):
    """Injects one fault at a time: random ones, or each in turn (cycle)."""
    rnd = random.Random(7)
    nt = cluster.node_timeout / 1000.0
    time.sleep(1.0)
    turn = 0
    while not stop.is_set() and faults:
        fault = faults[turn % len(faults)] if cycle else rnd.choice(faults)
        turn += 1
        masters = cluster.masters()
        if not masters:
            time.sleep(0.5)
            continue
        victim = rnd.choice(masters)
        t = time.monotonic()
        if fault == "kill":
            victim.kill()
            stop.wait(3 * nt)
            victim.start()
        elif fault == "pause-short":
            victim.pause()
            stop.wait(0.5 * nt)
            victim.resume()
        elif fault == "pause-long":
            victim.pause()
            stop.wait(2.0 * nt)
            victim.resume()
        elif fault == "partition":
            try:
                victim.drop_bus(2000 * nt)
            except redis.RedisError:
                pass
            stop.wait(2.0 * nt)
        elif fault == "migrate":
            owner, outcome = migrate_one_slot(cluster, keys, rnd, stop)
            victim = owner or victim
        log.append({"fault": fault, "port": victim.port, "at": t, "end": time.monotonic()})
        if fault == "migrate":
            log[-1]["outcome"] = outcome
        cluster.wait_ok(timeout=10 * nt + 10)
        stop.wait(1.0)


def run(binary, duration=20.0, faults=("kill", "pause-short"), clients=6, keys=12, quorum=1,
        node_timeout=1000, cycle=False):
    cluster = Cluster(binary, node_timeout=node_timeout, quorum=quorum)
    recorder = Recorder()
    fault_log = []
    try:
        cluster.start()
        # Keys over the three masters: {a}, {b}, {c} hash to different slots.
        key_names = [f"{{{'abc'[i % 3]}}}k{i}" for i in range(keys)]
        stop = threading.Event()
        threads = [threading.Thread(target=client_loop,
                                    args=(cluster, key_names, recorder, stop, c, 100 + c))
                   for c in range(clients)]
        threads.append(threading.Thread(target=fault_loop,
                                        args=(cluster, list(faults), stop, fault_log, cycle,
                                              key_names)))
        for t in threads:
            t.start()
        time.sleep(duration)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        # Let the cluster settle (a paused node resumed, failovers done), then
        # read the final values.
        for n in cluster.nodes:
            if n.paused:
                n.resume()
        cluster.wait_ok(timeout=30)
        # Partitions end by themselves; give a last one its time.
        time.sleep(2.0 * cluster.node_timeout / 1000.0)
        cluster.wait_ok(timeout=30)
        # A final read of every register joins its history, so a write lost
        # at the end shows up as non-linearizable too.
        for key in key_names:
            t0 = time.monotonic()
            try:
                v = routed(cluster, key, "GET", key)
            except RuntimeError:
                continue
            v = v.decode() if isinstance(v, bytes) else v
            recorder.add(Op("read", None, t0, time.monotonic(), "ok", v, -1, key))
        lost = []
        for key, value in sorted(recorder.acked_unique.items()):
            try:
                v = routed(cluster, key, "GET", key)
            except RuntimeError:
                v = None
            v = v.decode() if isinstance(v, bytes) else v
            if v != value:
                lost.append(key)
        report = {"ops": len(recorder.ops), "faults": fault_log, "keys": {},
                  "acked_unique_writes": len(recorder.acked_unique),
                  "lost_acked_writes": len(lost), "lost_examples": lost[:10]}
        bad = 0
        for key in key_names:
            hist = [op for op in recorder.ops if op.key == key]
            t_check = time.monotonic()
            try:
                res = check(hist)
            except RuntimeError:
                res = None  # too large to decide
            if os.environ.get("JEPSEN_VERBOSE"):
                print(f"{key}: {len(hist)} ops checked in {time.monotonic() - t_check:.2f}s",
                      flush=True)
            ok_ops = sum(1 for op in hist if op.status == "ok")
            if res is None:
                report["keys"][key] = {"ops": len(hist), "ok": ok_ops, "linearizable": "unknown"}
                report["undecided_keys"] = report.get("undecided_keys", 0) + 1
                continue
            report["keys"][key] = {"ops": len(hist), "ok": ok_ops, "linearizable": res.linearizable}
            if not res.linearizable:
                bad += 1
                report["keys"][key]["stuck"] = [vars(op) for op in res.stuck]
        report["non_linearizable_keys"] = bad
        return report
    finally:
        cluster.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--faults", default="kill,pause-short,pause-long")
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--quorum", type=int, default=1)
    ap.add_argument("--node-timeout", type=int, default=1000)
    ap.add_argument("--no-lease", action="store_true", help="cluster-master-lease no")
    args = ap.parse_args()
    global LEASE
    LEASE = not args.no_lease
    binary = os.environ.get("CAIRN_SERVER", os.path.join(ROOT, "build", "debug", "cairn-server"))
    report = run(binary, args.duration, [f for f in args.faults.split(",") if f], args.clients,
                 quorum=args.quorum, node_timeout=args.node_timeout)
    print(json.dumps({k: v for k, v in report.items() if k != "keys"}, default=str, indent=1))
    for key, r in report["keys"].items():
        print(key, r)
    sys.exit(0 if report["non_linearizable_keys"] == 0 and report["lost_acked_writes"] == 0 else 1)


if __name__ == "__main__":
    main()
