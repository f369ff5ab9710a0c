"""Differential runner: the same command sequence on redis-server and Cairn.

A test is a list of steps; each step is one command:
  "SET k v EX 10"                      split like a shell line (quotes work)
  ["SET", b"k\\x00", b"v\\r\\n"]         explicit argv (str, bytes or int items)
  Step(cmd, norm=approx(1))            with a normaliser for replies that
                                       legitimately differ (times, ids)
  Step(raw=b"PING\\r\\n", replies=1)     raw bytes, then read `replies` replies
  Step("SUBSCRIBE a b", replies=2)     a command answered by several replies
  Step(read=1)                         send nothing, read what the server pushes
  Step("PUBLISH a x", on=other)        on another connection (other = pair.connect())
Both servers get every step (interleaved, so relative times match) and the
whole transcripts must be equal. A mismatch fails with a unified diff
(redis-server vs cairn-server) unless the test id is in allowlist.txt.
"""

import difflib
import os
import shlex

import pytest

import resp

HERE = os.path.dirname(os.path.abspath(__file__))
CLOSED = ("CLOSED", "connection closed by server")


def load_allowlist(path=os.path.join(HERE, "allowlist.txt")):
    """Reads "test-id reason..." lines; '#' starts a comment."""
    entries = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise ValueError(f"allowlist.txt: a line needs a test id and a reason: {line!r}")
            entries[parts[0]] = parts[1]
    return entries


ALLOWLIST = load_allowlist()


def allowlisted(test_id):
    """The reason a test's differences are accepted, or None. A bare test id
    ("test_x.py::test_y") covers every parametrisation of it."""
    if test_id is None:
        return None
    if test_id in ALLOWLIST:
        return ALLOWLIST[test_id]
    return ALLOWLIST.get(test_id.split("[", 1)[0])


class Step:
    def __init__(self, cmd=None, norm=None, raw=None, replies=1, expect_close=False, read=None,
                 on=None):
        if read is not None:
            if cmd is not None or raw is not None:
                raise ValueError("a read step sends nothing")
            raw, replies = b"", read
        if (cmd is None) == (raw is None):
            raise ValueError("a step has either a command or raw bytes")
        self.argv = parse_cmd(cmd) if cmd is not None else None
        self.raw = raw
        self.replies = replies
        self.norm = norm
        self.expect_close = expect_close
        self.on = on  # another Pair's connections (Pair.connect), or None for this one

    def label(self):
        prefix = f"[{self.on.name}] " if self.on is not None else ""
        return prefix + self._label()

    def _label(self):
        if self.raw == b"":
            return f"(read {self.replies})"
        if self.raw is not None:
            return "raw " + repr(self.raw if len(self.raw) < 120 else self.raw[:117] + b"...")
        return " ".join(_show_arg(a) for a in self.argv)


def _show_arg(a):
    if isinstance(a, bytes):
        try:
            s = a.decode()
            if s.isprintable() and " " not in s and s:
                return s
        except UnicodeDecodeError:
            pass
        return repr(a)
    s = str(a)
    return s if s and " " not in s else repr(s)


def parse_cmd(cmd):
    if isinstance(cmd, str):
        return shlex.split(cmd)
    return list(cmd)


def as_step(s):
    return s if isinstance(s, Step) else Step(s)


# ---- normalisers: f(redis_reply, cairn_reply) -> (redis_reply, cairn_reply) --

def approx(tol):
    """Integers within `tol` of each other count as equal (TTL, PTTL, times)."""
    def norm(r, c):
        if r[0] == ":" and c[0] == ":" and abs(r[1] - c[1]) <= tol:
            return r, r
        return r, c
    return norm


def same_type(r, c):
    """Only the reply type is compared (CLIENT ID, run ids)."""
    return (r[0], "<any>"), (c[0], "<any>")


def _replace_fields(reply, fields):
    t = reply[0]
    if t == "%":
        out = []
        for k, v in reply[1]:
            key = k[1].decode() if isinstance(k[1], bytes) else k[1]
            out.append((k, (v[0], "<normalised>") if key in fields else v))
        return ("%", out)
    if t == "*" and reply[1] is not None:
        items = list(reply[1])
        for i in range(0, len(items) - 1, 2):
            k = items[i][1]
            key = k.decode() if isinstance(k, bytes) else k
            if key in fields:
                items[i + 1] = (items[i + 1][0], "<normalised>")
        return ("*", items)
    return reply


def fields(*names):
    """For map-like replies (HELLO): the values of these keys are not compared."""
    def norm(r, c):
        return _replace_fields(r, names), _replace_fields(c, names)
    return norm


def sorted_elements(r, c):
    """Unordered collections (KEYS): compare the elements sorted."""
    def s(x):
        if x[0] in "*~" and x[1] is not None:
            return (x[0], sorted(x[1], key=repr))
        return x
    return s(r), s(c)


def chain(*norms):
    def norm(r, c):
        for n in norms:
            r, c = n(r, c)
        return r, c
    return norm


# ---- running ----------------------------------------------------------------

class Side:
    """One server's connection and what it answered."""

    def __init__(self, name, server, protocol):
        self.name = name
        self.server = server
        self.conn = server.connect()
        self.closed = False

    def run(self, step):
        if self.closed:
            return [CLOSED]
        try:
            if step.raw is not None:
                self.conn.send_raw(step.raw)
            else:
                self.conn.send(step.argv)
            replies = [self.conn.read_reply() for _ in range(step.replies)]
            if step.expect_close:
                replies.append(CLOSED if self.conn.at_eof() else ("OPEN", "connection still open"))
                self.closed = True
            return replies
        except (ConnectionError, OSError, resp.ProtocolError) as e:
            self.closed = True
            return [("CLOSED", f"{type(e).__name__}: {e}")]

    def close(self):
        self.conn.close()


class Pair:
    def __init__(self, redis, cairn, protocol=2, test_id=None, flush=True, name="main"):
        self.protocol = protocol
        self.test_id = test_id
        self.name = name
        self.extra = []
        self.redis = Side("redis-server", redis, protocol)
        self.cairn = Side("cairn-server", cairn, protocol)
        for side in (self.redis, self.cairn):
            r = side.run(Step("FLUSHALL"))[0] if flush else ("+", "OK")
            if r != ("+", "OK"):
                pytest.fail(f"FLUSHALL on {side.name} answered {r!r}: cannot start from an "
                            "empty data set")
            if protocol == 3:
                r = side.run(Step("HELLO 3"))[0]
                if r[0] != "%":
                    pytest.fail(f"HELLO 3 on {side.name} answered {r!r}: no RESP3")

    def connect(self, name=None, protocol=None):
        """One more connection to each server (a publisher beside a subscriber);
        steps run on it with Step(..., on=other). Closed with this pair."""
        other = Pair(self.redis.server, self.cairn.server,
                     protocol=self.protocol if protocol is None else protocol,
                     test_id=self.test_id, flush=False,
                     name=name or f"conn{len(self.extra) + 2}")
        self.extra.append(other)
        return other

    def close(self):
        for other in self.extra:
            other.close()
        self.redis.close()
        self.cairn.close()

    def run(self, steps):
        """Runs steps on both; returns [(step, redis_replies, cairn_replies)]."""
        out = []
        for s in steps:
            s = as_step(s)
            target = s.on if s.on is not None else self
            r = target.redis.run(s)
            c = target.cairn.run(s)
            if s.norm is not None and len(r) == len(c):
                pairs = [s.norm(a, b) for a, b in zip(r, c)]
                r = [a for a, _ in pairs]
                c = [b for _, b in pairs]
            out.append((s, r, c))
        return out

    def check(self, steps):
        """Runs steps on both servers and asserts identical transcripts."""
        results = self.run(steps)
        if all(r == c for _, r, c in results):
            return results
        reason = allowlisted(self.test_id)
        message = self.describe(results)
        if reason is not None:
            pytest.xfail(f"allow-listed difference ({reason})")
        pytest.fail(message, pytrace=False)

    def describe(self, results):
        def transcript(which):
            lines = []
            for s, r, c in results:
                lines.append("> " + s.label())
                for rep in (r if which == 0 else c):
                    lines += ["  " + l for l in resp.format_reply(rep)] if rep[0] not in (
                        "CLOSED", "OPEN") else [f"  <{rep[1]}>"]
            return lines

        first = next(i for i, (_, r, c) in enumerate(results) if r != c)
        s, r, c = results[first]
        head = [f"RESP{self.protocol}: replies differ first at step {first + 1}: {s.label()}",
                f"  redis-server: {r!r}", f"  cairn-server: {c!r}", "", "full transcript diff:"]
        diff = difflib.unified_diff(transcript(0), transcript(1), "redis-server", "cairn-server",
                                    lineterm="", n=3)
        return "\n".join(head + list(diff))
