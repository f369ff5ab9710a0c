"""MONITOR against redis-server 7.0: the same lines for the same commands
(after they ran, the db after the command, arguments quoted and escaped as
sdscatrepr does, secrets redacted, administrative commands and rejected
ones left out), the monitor's own commands answered and shown, a second
MONITOR unanswered, RESET ending it, and CLIENT LIST's O flag. Times and
client ports differ by nature and are normalised; every read is bounded."""

import re

import pytest

TIMEOUT_S = 5

# What one client sends while another monitors, in order.
SEQUENCE = [
    ["SET", "a", b'b\n"x"\x01\\ \t\xff'],
    ["select", "1"],
    ["get", "a"],
    ["MULTI"],
    ["incr", "n"],
    ["EXEC"],
    ["config", "get", "port"],  # administrative: not shown
    ["auth", "nopass"],  # fails, shown redacted
    ["hello", "3", "auth", "default", "pw"],
    ["nosuch", "x"],  # rejected before running: not shown
    ["get"],  # wrong arity: not shown
    ["client", "setname", "nm"],
    ["client", "list"],  # administrative
    ["select", "0"],
    ["setbit", "bits", "7", "1"],
    ["mset", "k1", "", "k2", "v v"],
]


def normalise(line):
    line = re.sub(r"^\d+\.\d{6} ", "TIME ", line)
    return re.sub(r"\[(\d+) [^\]]*:\d+\]", r"[\1 ADDR]", line)


def read_lines(conn, n):
    out = []
    for _ in range(n):
        kind, text = conn.read_reply()
        assert kind == "+", (kind, text)
        out.append(normalise(text))
    return out


def transcript(server):
    monitor = server.connect()
    monitor.sock.settimeout(TIMEOUT_S)
    client = server.connect()
    client.sock.settimeout(TIMEOUT_S)
    try:
        monitor_id = monitor.call(["CLIENT", "ID"])[1]
        assert monitor.call(["MONITOR"]) == ("+", "OK")
        for argv in SEQUENCE:
            client.call(argv)
        client.call(["PING"])  # a last line, so everything before it came
        lines = []
        while not lines or not lines[-1].endswith('"PING"'):
            lines += read_lines(monitor, 1)
            assert len(lines) <= len(SEQUENCE) + 1
        # The monitor's own commands are answered, and shown after.
        own = [monitor.call(["ECHO", "me"])] + read_lines(monitor, 1)
        # A second MONITOR answers nothing: the next reply is the PING's.
        monitor.send(["MONITOR"])
        own.append(monitor.call(["PING"]))
        own += read_lines(monitor, 1)
        listing = client.call(["CLIENT", "LIST"])
        text = listing[1] if listing[0] == "$" else listing[2]  # bulk or verbatim
        flags = re.search(rb"id=%d [^\n]*? flags=(\w+)" % monitor_id, text).group(1)
        # RESET ends it: nothing more arrives.
        own.append(monitor.call(["RESET"]))
        client.call(["SET", "after", "reset"])
        own.append(monitor.call(["PING"]))
        return lines, own, flags
    finally:
        monitor.close()
        client.close()


def test_monitor_shows_what_redis_shows(servers):
    redis_side = transcript(servers["redis"])
    cairn_side = transcript(servers["cairn"])
    assert cairn_side == redis_side


def test_monitor_inside_exec_is_refused_as_redis_refuses_it(pair):
    pair.check([
        "MULTI",
        "MONITOR",
        "EXEC",
        "COMMAND INFO monitor",
        "COMMAND DOCS monitor",
    ])
