"""CLIENT PAUSE / UNPAUSE, asserted alike on redis-server and Cairn: a
paused command waits (in order with the client's later commands) until the
pause ends or CLIENT UNPAUSE, WRITE pauses only what may write, and expired
keys are not deleted meanwhile. Every wait is bounded."""

import socket
import threading
import time

import pytest
import redis

WAIT_S = 10


@pytest.fixture(params=["redis", "cairn"])
def conns(request, servers):
    port = servers[request.param].port
    made = [redis.Redis(host="127.0.0.1", port=port, socket_timeout=WAIT_S) for _ in range(3)]
    made[0].flushall()
    yield made
    made[2].execute_command("CLIENT", "UNPAUSE")
    for c in made:
        c.close()


def started(fn):
    """Runs fn on a thread; returns (thread, result list)."""
    out = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    return t, out


def test_a_write_waits_for_unpause_and_a_read_does_not(conns):
    admin, client, _ = conns
    assert admin.execute_command("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    assert client.get("k") is None  # reads go on
    t, out = started(lambda: client.set("k", "v"))
    t.join(0.3)
    assert t.is_alive() and out == []  # still held back
    assert admin.get("k") is None
    t2, out2 = started(lambda: admin.publish("ch", "m"))  # may replicate: held too
    t2.join(0.2)
    assert t2.is_alive()
    assert conns[2].execute_command("CLIENT", "UNPAUSE") == b"OK"
    t.join(WAIT_S)
    t2.join(WAIT_S)
    assert out == [True] and out2 == [0]
    assert admin.get("k") == b"v"


def test_pause_all_holds_every_command_until_its_deadline(conns):
    admin, client, _ = conns
    assert admin.execute_command("CLIENT", "PAUSE", "400", "ALL") == b"OK"
    t, out = started(lambda: client.ping())
    t.join(0.1)
    assert t.is_alive()
    t.join(WAIT_S)
    assert out == [True]


def test_a_paused_pipeline_runs_in_order(conns):
    admin, client, _ = conns
    admin.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    p = client.pipeline(transaction=False)
    p.set("a", 1).get("a").incr("a").get("a")
    assert p.execute() == [True, b"1", 2, b"2"]
    admin.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    m = client.pipeline(transaction=True)
    m.get("a").set("b", 1)
    assert m.execute() == [b"2", True]


def test_expired_keys_stay_until_the_pause_ends(conns):
    admin, client, _ = conns
    client.set("gone", "v", px=50)
    admin.execute_command("CLIENT", "PAUSE", "100000", "WRITE")
    time.sleep(0.2)
    assert client.get("gone") is None  # expired for readers...
    assert client.dbsize() == 1  # ...but not deleted
    admin.execute_command("CLIENT", "UNPAUSE")
    assert client.get("gone") is None
    deadline = time.time() + WAIT_S
    while client.dbsize() != 0 and time.time() < deadline:
        time.sleep(0.05)
    assert client.dbsize() == 0


def test_pause_errors(pair):
    pair.check([
        "CLIENT PAUSE abc",
        "CLIENT PAUSE -1",
        "CLIENT PAUSE 10 FOO",
        "CLIENT PAUSE 10 WRITE x",
        "CLIENT PAUSE",
        "CLIENT UNPAUSE x",
        "CLIENT PAUSE 0",
        "CLIENT PAUSE 0 write",
        "CLIENT UNPAUSE",
    ])


def test_a_client_gone_while_paused_is_dropped_with_its_command(conns):
    # Redis frees a client that disconnects while CLIENT PAUSE holds its
    # command: the command never runs. Meanwhile CLIENT LIST shows it
    # blocked (flag b) and INFO counts it in blocked_clients.
    admin, client, _ = conns
    assert admin.execute_command("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    port = admin.connection_pool.connection_kwargs["port"]
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    try:
        s.sendall(b"CLIENT SETNAME paused-leaver\r\n")
        assert s.recv(100) == b"+OK\r\n"
        s.sendall(b"SET left-behind v\r\n")

        def mine():
            return [l for l in admin.execute_command("CLIENT", "LIST").decode().splitlines()
                    if "name=paused-leaver" in l]

        deadline = time.time() + WAIT_S
        while time.time() < deadline and not any(" flags=b " in l for l in mine()):
            time.sleep(0.02)
        assert any(" flags=b " in l for l in mine())
        assert admin.info("clients")["blocked_clients"] == 1
    finally:
        s.close()
    deadline = time.time() + WAIT_S
    while time.time() < deadline and mine():
        time.sleep(0.02)
    assert mine() == []
    assert admin.execute_command("CLIENT", "UNPAUSE") == b"OK"
    time.sleep(0.2)
    assert client.get("left-behind") is None
