"""Starts one real redis-server and one cairn-server for the whole session.

Both listen on loopback ports the kernel picked; each gets its own temporary
directory. Only the processes started here are stopped at the end (by PID).

Environment:
  CAIRN_SERVER   path of cairn-server (default: build/debug/cairn-server)
  REDIS_SERVER   path of the reference redis-server (default: redis-server)
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import compat
import resp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT_S = 60  # a sanitized debug build starts slowly on a busy machine


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ServerProcess:
    def __init__(self, name, argv_for_port, workdir):
        self.name = name
        self.argv_for_port = argv_for_port
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, name + ".log")

    def start(self):
        last_error = None
        for _ in range(3):  # a picked port can be taken before we bind it
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                self.argv_for_port(self.port),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
            log.close()
            try:
                self._wait_ready()
                return
            except RuntimeError as e:
                last_error = e
                exited = self.proc.poll() is not None
                self.stop()
                if not exited:
                    break  # running but silent: another port would not help
        raise RuntimeError(f"{self.name} did not start: {last_error}\n{self.log_tail()}")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with status {self.proc.returncode}")
            try:
                c = resp.Connection("127.0.0.1", self.port, timeout=2)
                try:
                    # Any well-formed reply proves the server is serving (an
                    # unfinished build may not know PING yet: the tests say so).
                    c.call(["PING"])
                    return
                finally:
                    c.close()
            except (OSError, ConnectionError, resp.ProtocolError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no PONG within {START_TIMEOUT_S}s")

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(f"[{self.name}] {l}" for l in lines[-n:])
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def connect(self):
        if not self.alive():
            raise RuntimeError(f"{self.name} is not running\n{self.log_tail()}")
        return resp.Connection("127.0.0.1", self.port)


def _cairn_path():
    path = os.environ.get("CAIRN_SERVER") or os.path.join(ROOT, "build", "debug", "cairn-server")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def servers():
    tmp = tempfile.mkdtemp(prefix="cairn-compat-")
    redis_bin = os.environ.get("REDIS_SERVER", "redis-server")
    cairn_bin = _cairn_path()
    if shutil.which(redis_bin) is None:
        pytest.fail(f"reference server {redis_bin!r} not found (run scripts/deps.sh)")
    if not os.access(cairn_bin, os.X_OK):
        pytest.fail(f"cairn-server not found at {cairn_bin} (build it or set CAIRN_SERVER)")

    redis_dir = os.path.join(tmp, "redis")
    cairn_dir = os.path.join(tmp, "cairn")
    os.makedirs(redis_dir)
    os.makedirs(cairn_dir)
    redis = ServerProcess("redis", lambda p: [
        redis_bin, "--port", str(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--daemonize", "no", "--dir", redis_dir, "--protected-mode", "no",
        "--enable-debug-command", "yes",
    ], tmp)
    cairn = ServerProcess("cairn", lambda p: [
        cairn_bin, "--port", str(p), "--bind", "127.0.0.1", "--dir", cairn_dir,
        "--threads", "2",
    ], tmp)
    started = []
    try:
        for s in (redis, cairn):
            s.start()
            started.append(s)
        yield {"redis": redis, "cairn": cairn}
    finally:
        for s in started:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(request, servers):
    """Fresh connections to both servers, both flushed, speaking RESP2 or RESP3."""
    p = compat.Pair(servers["redis"], servers["cairn"], protocol=request.param,
                    test_id=request.node.nodeid)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def pair2(request, servers):
    """Like `pair`, RESP2 only: for tests whose subject is the protocol switch itself."""
    p = compat.Pair(servers["redis"], servers["cairn"], protocol=2,
                    test_id=request.node.nodeid)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def cairn_port(servers):
    return servers["cairn"].port


@pytest.fixture
def redis_port(servers):
    return servers["redis"].port
