"""Pub/Sub: confirmations, messages pushed to a subscriber by a publisher on
another connection (on Cairn, usually another loop), the RESP2 subscribed
context, RESP3 pushes, PUBSUB introspection, RESET.

Channels a client holds several of are unsubscribed by name where the order
of replies matters: Redis walks a hash table for a bare UNSUBSCRIBE, so that
order is not part of its contract.
"""

import time

import pytest

import compat
from compat import Step


@pytest.fixture
def pair3(request, servers):
    """Like `pair`, RESP3 only: what only RESP3 allows (commands while subscribed)."""
    p = compat.Pair(servers["redis"], servers["cairn"], protocol=3,
                    test_id=request.node.nodeid)
    try:
        yield p
    finally:
        p.close()


def wait_until_both(pair, step, want, timeout=5.0):
    """Polls `step` on each server until it answers `want` (a connection an
    earlier test closed is dropped by the server in its own time)."""
    for side in (pair.redis, pair.cairn):
        deadline = time.monotonic() + timeout
        while side.run(Step(step)) != [want] and time.monotonic() < deadline:
            time.sleep(0.02)


def no_subscribers(pair):
    wait_until_both(pair, "PUBSUB NUMPAT", (":", 0))
    wait_until_both(pair, "PUBSUB CHANNELS", ("*", []))


def test_subscribe_confirmations(pair):
    pair.check([
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        Step("UNSUBSCRIBE x y", replies=2),
        Step("SUBSCRIBE c1 c2 c1", replies=3),
        Step("PSUBSCRIBE c* h?llo c*", replies=3),
        Step("UNSUBSCRIBE c2 nope", replies=2),
        Step("PUNSUBSCRIBE h?llo zz", replies=2),
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "SUBSCRIBE",
        "PSUBSCRIBE",
        "PSUBSCRIBE only-a-pattern",
        "UNSUBSCRIBE",          # no channel: a nil name, the pattern still counts
        "PUNSUBSCRIBE",
        "PING",
    ])


def test_messages_from_another_connection(pair):
    no_subscribers(pair)
    pub = pair.connect("publisher")
    pair.check([
        Step("SUBSCRIBE news", replies=1),
        Step("PSUBSCRIBE n* x*", replies=2),
        Step("PUBLISH news hello", on=pub),
        Step(read=2),                       # message, then the matching pmessage
        Step("PUBLISH nothing-here x", on=pub),
        Step(read=1),
        Step("PUBLISH zzz x", on=pub),      # nobody listens
        Step(["PUBLISH", "news", b"bin\x00\r\n\xff"], on=pub),
        Step(read=2),
        Step("PUBSUB NUMSUB news n* zzz", on=pub),
        Step("PUBSUB NUMPAT", on=pub),
        Step("PUBSUB CHANNELS", on=pub),
        Step("PUBSUB CHANNELS n?ws", on=pub),
        Step("PUBSUB CHANNELS x*", on=pub),
        Step("UNSUBSCRIBE news", replies=1),
        Step("PUBLISH news again", on=pub),
        Step(read=1),                       # only the pattern still matches
        Step("PUNSUBSCRIBE n* x*", replies=2),
        Step("PUBLISH news again", on=pub),
        "PING",
    ])


def test_message_order_and_several_subscribers(pair):
    no_subscribers(pair)
    pub = pair.connect("publisher")
    other = pair.connect("subscriber2")
    steps = [
        Step("SUBSCRIBE a b", replies=2),
        Step("PSUBSCRIBE *", on=other),
    ]
    for i in range(20):
        steps.append(Step(f"PUBLISH {'ab'[i % 2]} m{i}", on=pub))
    steps += [Step(read=20), Step(read=20, on=other)]
    steps += [Step("PUBSUB NUMPAT", on=pub), Step("PUBSUB NUMSUB a b", on=pub)]
    pair.check(steps)


def test_resp2_subscribed_context(pair2):
    pair2.check([
        Step("SUBSCRIBE ch", replies=1),
        "GET k",
        "SET k v",
        "CLIENT ID",
        "CLIENT LIST",
        "HELLO",
        "SELECT 1",
        "PUBLISH ch x",
        "GET",                  # arity is checked first
        "NOSUCH arg",           # so is an unknown command
        "PING",
        "PING hello",
        "PING a b",
        Step("PSUBSCRIBE p*", replies=1),
        Step("UNSUBSCRIBE ch", replies=1),
        "ECHO still-psubscribed",
        Step("PUNSUBSCRIBE p*", replies=1),
        "PING",
        "GET k",
        "QUIT",
    ])


def test_resp3_pushes_and_any_command(pair3):
    pub = pair3.connect("publisher")
    pair3.check([
        Step("SUBSCRIBE ch", replies=1),
        Step("PSUBSCRIBE c*", replies=1),
        "GET k",
        "SET k v",
        "PING",
        Step("CLIENT INFO", norm=_flags_and_counts),
        # Publishing to itself: both pushes come before PUBLISH's count, as
        # Redis writes them while it publishes.
        Step("PUBLISH ch to-myself", replies=3),
        Step("PUBLISH ch from-other", on=pub),
        Step(read=2),
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "PING",
    ])


def test_protocol_switch_while_subscribed(pair3):
    hello = compat.fields("id", "version")
    pair3.check([
        Step("SUBSCRIBE ch", replies=1),
        Step("HELLO 2", norm=hello),   # allowed in RESP3; from now on RESP2 rules
        "GET k",
        "PING",
        "HELLO 3",                     # refused in the RESP2 subscribed context
        Step("UNSUBSCRIBE", replies=1),
        Step("HELLO 3", norm=hello),
        "PING",
    ])


def test_reset_drops_subscriptions(pair):
    pub = pair.connect("publisher")
    pair.check([
        Step("SUBSCRIBE a b", replies=2),
        Step("PSUBSCRIBE a*", replies=1),
        "RESET",
        Step("PUBSUB NUMSUB a b", on=pub),
        Step("PUBSUB NUMPAT", on=pub),
        Step("PUBLISH a x", on=pub),
        "GET k",
        "PING",
        "UNSUBSCRIBE",
    ])


def test_disconnect_drops_subscriptions(pair):
    sub = pair.connect("subscriber")
    pair.check([
        Step("SUBSCRIBE gone", replies=1, on=sub),
        "PUBSUB NUMSUB gone",
        Step("QUIT", on=sub, expect_close=True),
    ])
    wait_until_both(pair, "PUBSUB NUMSUB gone", ("*", [("$", b"gone"), (":", 0)]))
    pair.check(["PUBSUB NUMSUB gone", "PUBLISH gone x", "PUBSUB CHANNELS g*"])


def test_pubsub_container(pair):
    pair.check([
        "PUBSUB",
        "PUBSUB HELP",
        "PUBSUB help extra",
        "PUBSUB nosuch",
        "PUBSUB CHANNELS",
        "PUBSUB CHANNELS *",
        "PUBSUB CHANNELS a b",
        "PUBSUB NUMSUB",
        "PUBSUB NUMSUB a a",
        "PUBSUB NUMPAT",
        "PUBSUB NUMPAT x",
        "PUBSUB SHARDCHANNELS",
        "PUBSUB SHARDCHANNELS a b",
        "PUBSUB SHARDNUMSUB a",
        "PUBLISH",
        "PUBLISH a",
        "PUBLISH a b c",
        "PUBLISH a b",
    ])


def test_command_info(pair):
    pair.check([
        "COMMAND INFO subscribe unsubscribe psubscribe punsubscribe publish",
        "COMMAND INFO pubsub|channels pubsub|numsub pubsub|numpat pubsub|help",
        "COMMAND INFO pubsub|shardchannels pubsub|shardnumsub",
        "COMMAND GETKEYS PUBLISH a b",
    ])


def test_info_and_client_fields(pair2):
    no_subscribers(pair2)
    sub = pair2.connect("subscriber", protocol=3)
    pair2.check([
        Step("SUBSCRIBE a b", replies=2, on=sub),
        Step("PSUBSCRIBE p*", replies=1, on=sub),
        Step("CLIENT INFO", norm=_flags_and_counts, on=sub),
        Step("INFO stats", norm=_pubsub_info_lines),
        Step("CLIENT LIST TYPE pubsub", norm=_flags_and_counts),
        Step("CLIENT INFO", norm=_flags_and_counts),
        "CLIENT KILL TYPE pubsub",
    ])
    wait_until_both(pair2, "PUBSUB NUMPAT", (":", 0))
    pair2.check(["PUBSUB NUMSUB a b", Step("INFO stats", norm=_pubsub_info_lines)])


def _pubsub_info_lines(r, c):
    def keep(x):
        if x[0] not in "$=" or x[-1] is None:
            return x
        text = x[-1].decode()
        return ("info", [l for l in text.split("\r\n") if l.startswith("pubsub")])
    return keep(r), keep(c)


def _flags_and_counts(r, c):
    """CLIENT LIST lines reduced to the fields this suite is about."""
    def keep(x):
        if x[0] not in "$=" or x[-1] is None:
            return x
        out = []
        for line in x[-1].decode().splitlines():
            f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
            out.append(" ".join(f"{k}={f.get(k)}" for k in ("flags", "sub", "psub", "cmd")))
        return ("lines", out)
    return keep(r), keep(c)
