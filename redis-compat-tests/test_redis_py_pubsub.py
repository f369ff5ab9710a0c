"""Pub/Sub through redis-py (python3-redis 4.3, RESP2) as an application uses
it: r.pubsub(), get_message with a timeout, a listener thread, the PUBSUB
helpers. Each scenario runs against both servers; what redis-py returns must
be equal."""

import threading
import time

import pytest
import redis


@pytest.fixture
def connect(servers):
    made = []

    def client(which, **kw):
        c = redis.Redis(host="127.0.0.1", port=servers[which].port, socket_timeout=10, **kw)
        made.append(c)
        return c

    yield client
    for c in made:
        c.close()


def on_both(connect, scenario):
    out = {}
    for which in ("redis", "cairn"):
        out[which] = scenario(lambda **kw: connect(which, **kw))
    assert out["cairn"] == out["redis"], (
        f"redis-server gave {out['redis']!r}, cairn-server gave {out['cairn']!r}")
    return out["cairn"]


def messages(p, n, timeout=5.0):
    """The next n messages of a PubSub (subscription confirmations included);
    stops early at the deadline, so a missing message shows as a short list."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        m = p.get_message(timeout=max(0.0, deadline - time.monotonic()))
        if m is not None:
            got.append(m)
    return got


def test_subscribe_publish_get_message(connect):
    def scenario(client):
        r = client()
        p = r.pubsub()
        p.subscribe("news", "sport")
        p.psubscribe("n*")
        out = [messages(p, 3)]
        out.append(r.publish("news", "hello"))  # one channel + one pattern subscriber
        out.append(r.publish("sport", b"\x00bin\xff"))
        out.append(r.publish("zzz", "x"))  # nobody listens
        out.append(messages(p, 3))
        out.append(sorted(r.pubsub_channels()))
        out.append(r.pubsub_numsub("news", "sport", "none"))
        out.append(r.pubsub_numpat())
        p.unsubscribe("news")
        p.punsubscribe()
        out.append(messages(p, 2))
        out.append(r.publish("news", "gone"))
        out.append(p.get_message(timeout=0.2))  # nothing more arrives
        p.close()
        return out

    result = on_both(connect, scenario)
    assert result[1] == 2 and result[3] == 0
    assert [m["data"] for m in result[4]] == [b"hello", b"hello", b"\x00bin\xff"]


def test_ignore_subscribe_messages_and_decoding(connect):
    def scenario(client):
        r = client(decode_responses=True)
        p = r.pubsub(ignore_subscribe_messages=True)
        p.subscribe("chat")
        p.get_message(timeout=1)  # consumes the confirmation, returns None
        for i in range(5):
            r.publish("chat", f"m{i} é")
        out = messages(p, 5)
        p.close()
        return out

    result = on_both(connect, scenario)
    assert [m["data"] for m in result] == [f"m{i} é" for i in range(5)]


def test_listener_thread_receives_in_order(connect):
    def scenario(client):
        r = client()
        got = []
        done = threading.Event()

        def handler(m):
            got.append(m["data"])
            if len(got) == 50:
                done.set()

        p = r.pubsub()
        p.subscribe(**{"events": handler})
        t = p.run_in_thread(sleep_time=0.01, daemon=True)
        try:
            deadline = time.monotonic() + 5
            while r.pubsub_numsub("events") != [(b"events", 1)] and time.monotonic() < deadline:
                time.sleep(0.01)
            publisher = client()
            counts = [publisher.publish("events", str(i)) for i in range(50)]
            done.wait(10)
        finally:
            t.stop()
            t.join(5)
            p.close()
        return counts, got

    counts, got = on_both(connect, scenario)
    assert counts == [1] * 50
    assert got == [str(i).encode() for i in range(50)]


def test_ping_while_subscribed(connect):
    def scenario(client):
        r = client()
        p = r.pubsub()
        p.subscribe("x")
        out = [messages(p, 1)]
        p.ping()
        p.ping("hello")
        out.append(messages(p, 2))
        out.append(r.publish("x", "after-ping"))
        out.append(messages(p, 1))
        p.close()
        return out

    on_both(connect, scenario)


def test_command_refused_in_subscribed_mode(connect):
    def scenario(client):
        r = client()
        p = r.pubsub()
        p.subscribe("x")
        messages(p, 1)
        p.execute_command("GET", "k")
        try:
            return messages(p, 1)
        except redis.ResponseError as e:
            return ("ResponseError", str(e))
        finally:
            p.close()

    result = on_both(connect, scenario)
    assert result[0] == "ResponseError"


def test_subscriber_close_unsubscribes(connect):
    def scenario(client):
        r = client()
        p = r.pubsub()
        p.subscribe("bye")
        messages(p, 1)
        before = r.publish("bye", "x")
        p.close()
        deadline = time.monotonic() + 5
        while r.pubsub_numsub("bye") != [(b"bye", 0)] and time.monotonic() < deadline:
            time.sleep(0.01)
        return before, r.publish("bye", "x"), r.pubsub_numsub("bye")

    assert on_both(connect, scenario) == (1, 0, [(b"bye", 0)])
