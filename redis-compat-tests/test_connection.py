"""Connection commands: PING, ECHO, SELECT, HELLO, CLIENT, QUIT."""

import socket
import time

import pytest
import redis

from compat import Step, fields, same_type

# HELLO's map carries the connection id and the server version: both differ
# by nature between two servers, so only their type is compared.
HELLO = fields("id", "version")


def test_ping_echo(pair):
    pair.check([
        "PING",
        "PING hello",
        "PING ''",
        ["PING", b"bin\x00\r\n"],
        "PING a b",
        "ECHO hello",
        "ECHO ''",
        ["ECHO", b"\x00\xff\r\n"],
        "ECHO",
        "ECHO a b",
        "ping",
        "EcHo x",
    ])


def test_select(pair):
    pair.check([
        "SELECT 0",
        "SELECT 15",
        "SELECT 16",
        "SELECT -1",
        "SELECT abc",
        "SELECT ''",
        "SELECT 1.0",
        "SELECT 99999999999999999999",
        "SELECT",
        "SELECT 1 2",
        "SET k v",
        "SELECT 0",
        "GET k",
    ])


def test_hello_switches_protocol(pair2):
    pair2.check([
        Step("HELLO", norm=HELLO),
        Step("HELLO 2", norm=HELLO),
        "GET missing",
        Step("HELLO 3", norm=HELLO),
        "GET missing",
        "PING",
        Step("HELLO", norm=HELLO),
        Step("HELLO 2", norm=HELLO),
        "GET missing",
    ])


def test_hello_errors(pair2):
    pair2.check([
        "HELLO 4",
        "HELLO 1",
        "HELLO 0",
        "HELLO abc",
        "HELLO -1",
        "HELLO 3 BOGUS",
        "HELLO 3 AUTH",
        "HELLO 3 AUTH default",
        "HELLO 3 SETNAME",
        "GET missing",
    ])


def test_hello_setname(pair2):
    pair2.check([
        Step("HELLO 3 SETNAME myname", norm=HELLO),
        "CLIENT GETNAME",
        "HELLO 3 SETNAME 'bad name'",
        "CLIENT GETNAME",
        Step("HELLO 2 setname other", norm=HELLO),
        "CLIENT GETNAME",
    ])


def test_client_setname_getname(pair):
    pair.check([
        "CLIENT GETNAME",
        "CLIENT SETNAME myconn",
        "CLIENT GETNAME",
        "CLIENT SETNAME 'with space'",
        "CLIENT SETNAME 'new\nline'",
        "CLIENT GETNAME",
        "CLIENT SETNAME ''",
        "CLIENT GETNAME",
        "CLIENT SETNAME",
        "CLIENT SETNAME a b",
        "CLIENT GETNAME x",
        "client setname lower",
        "client getname",
    ])


def test_client_reply_off_skip_on(pair):
    # OFF and SKIP answer nothing; the replies they stop never arrive, so
    # every later reply would be out of step if one did.
    pair.check([
        Step(raw=b"CLIENT REPLY OFF\r\n", replies=0),
        Step(raw=b"PING\r\nSET a 1\r\nGET a\r\nNOSUCH\r\nGET\r\n", replies=0),
        Step(raw=b"CLIENT REPLY SKIP\r\n", replies=0),
        "CLIENT REPLY ON",
        "GET a",
        Step(raw=b"CLIENT REPLY SKIP\r\nPING 1\r\n", replies=0),
        "PING 2",
        Step(raw=b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING 3\r\n", replies=0),
        "PING 4",
        Step(raw=b"CLIENT REPLY SKIP\r\nCLIENT GETNAME\r\n", replies=0),
        "PING 5",
        Step(raw=b"CLIENT REPLY SKIP\r\nMULTI\r\n", replies=0),
        "INCR n",
        "EXEC",
        Step(raw=b"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING 6\r\n", replies=0),
        "client reply on",
        "CLIENT REPLY FOO",
        "CLIENT REPLY",
        "CLIENT REPLY ON extra",
        Step(raw=b"CLIENT REPLY OFF\r\n", replies=0),
        "RESET",
        "PING 7",
    ])


def test_client_reply_off_still_confirms_subscriptions(pair):
    pair.check([
        Step(raw=b"CLIENT REPLY OFF\r\n", replies=0),
        "SUBSCRIBE ch",
        "UNSUBSCRIBE ch",
        Step(raw=b"PING\r\n", replies=0),
        Step(raw=b"CLIENT REPLY ON\r\n", replies=1),
        "PING 8",
    ])


def test_client_id(pair):
    pair.check([
        Step("CLIENT ID", norm=same_type),
        "CLIENT ID x",
        "CLIENT BOGUS",
        "CLIENT",
    ])


def test_quit_closes_after_ok(pair):
    pair.check([
        "SET k v",
        Step("QUIT", expect_close=True),
    ])


@pytest.mark.parametrize("which", ["redis", "cairn"])
def test_client_list_shows_input_waiting_behind_a_blocked_command(servers, which):
    # WAIT 1 0 with no replica blocks for good; what the client sends after
    # it waits in its query buffer, and CLIENT LIST's qbuf says so.
    port = servers[which].port
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"CLIENT SETNAME waiter\r\n")
        assert s.recv(100) == b"+OK\r\n"
        s.sendall(b"WAIT 1 0\r\n")
        s.sendall(b"PING\r\n")
        admin = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
        try:
            deadline = time.time() + 10
            line = ""
            while time.time() < deadline:
                line = next(l for l in admin.execute_command("CLIENT", "LIST").decode().splitlines()
                            if "name=waiter" in l)
                if " qbuf=6 " in line:
                    break
                time.sleep(0.05)
            assert " qbuf=6 " in line and " cmd=wait " in line
        finally:
            admin.close()
    finally:
        s.close()


def unblock_transcript(server):
    """A WAIT for a replica neither server has, ended by CLIENT UNBLOCK in
    each form; what the waiter and the unblocker see, and CLIENT LIST's b."""
    import re as _re
    waiter, other = server.connect(), server.connect()
    waiter.sock.settimeout(10)
    other.sock.settimeout(10)
    try:
        wid = waiter.call(["CLIENT", "ID"])[1]
        out = [waiter.call(["SET", "k", "v"])]
        for reason, timeout in (([], "0"), (["TIMEOUT"], "100000"), (["error"], "0"),
                                (["foo"], "0")):
            waiter.send(["WAIT", "1", timeout])
            # Bounded wait until the server shows the client blocked.
            flags = b""
            for _ in range(200):
                listing = other.call(["CLIENT", "LIST", "ID", str(wid)])[1]
                flags = _re.search(rb"flags=(\w+)", listing).group(1)
                if flags == b"b":
                    break
                time.sleep(0.01)
            out.append(flags)
            info = other.call(["INFO", "clients"])[1]
            out.append(_re.findall(rb"(blocked_clients|clients_in_timeout_table):(\d+)", info))
            answer = other.call(["CLIENT", "UNBLOCK", str(wid)] + reason)
            out.append(answer)
            if answer != (":", 1):
                out.append(other.call(["CLIENT", "UNBLOCK", str(wid)]))
            out.append(waiter.read_reply())
        out += [other.call(["CLIENT", "UNBLOCK", str(wid)]),
                other.call(["CLIENT", "UNBLOCK", "x"]),
                other.call(["CLIENT", "UNBLOCK", "999999999"]),
                other.call(["CLIENT", "UNBLOCK", "1", "2", "3"])]
        return out
    finally:
        waiter.close()
        other.close()


def test_client_unblock_ends_a_wait_as_redis_does(servers):
    assert unblock_transcript(servers["cairn"]) == unblock_transcript(servers["redis"])


@pytest.mark.parametrize("which", ["redis", "cairn"])
def test_a_client_gone_while_blocked_in_wait_is_dropped(servers, which):
    # WAIT 1 0 would block forever: the server must notice the client left.
    port = servers[which].port
    admin = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"CLIENT SETNAME gone-waiter\r\n")
        assert s.recv(100) == b"+OK\r\n"
        s.sendall(b"WAIT 1 0\r\n")

        def waiters():
            return [l for l in admin.execute_command("CLIENT", "LIST").decode().splitlines()
                    if "name=gone-waiter" in l]

        deadline = time.time() + 10
        while time.time() < deadline and not any(" flags=b " in l for l in waiters()):
            time.sleep(0.02)
        assert any(" flags=b " in l for l in waiters())
        s.close()
        deadline = time.time() + 10
        while time.time() < deadline and waiters():
            time.sleep(0.02)
        assert waiters() == []
        assert admin.info("clients")["blocked_clients"] == 0
    finally:
        admin.close()
