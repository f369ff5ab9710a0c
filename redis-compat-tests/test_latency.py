"""LATENCY and the latency-tracking configs, against redis-server 7.0; and
the per-command histograms (INFO latencystats, LATENCY HISTOGRAM) checked
alike on both servers: their values are times, so only their shape and
counts are compared."""

import pytest
import redis


def test_latency_subcommands_errors_and_configs(pair):
    pair.check([
        "LATENCY LATEST",
        "LATENCY HISTORY command",
        "LATENCY RESET",
        "LATENCY RESET a b",
        "LATENCY GRAPH command",
        "LATENCY DOCTOR",
        "LATENCY HELP",
        "LATENCY",
        "LATENCY FOO",
        "LATENCY HISTORY",
        "LATENCY HISTOGRAM nosuch",
        "CONFIG GET latency-tracking",
        "CONFIG GET latency-tracking-info-percentiles",
        "CONFIG SET latency-tracking-info-percentiles abc",
        "CONFIG SET latency-tracking-info-percentiles 101",
        "CONFIG SET latency-tracking-info-percentiles '50.5 99.99'",
        "CONFIG GET latency-tracking-info-percentiles",
        "CONFIG SET latency-tracking-info-percentiles ''",
        "CONFIG GET latency-tracking-info-percentiles",
        "CONFIG SET latency-tracking-info-percentiles '50 99 99.9'",
        "CONFIG SET latency-tracking maybe",
        "COMMAND INFO latency|histogram latency|latest latency|reset latency|doctor",
        "COMMAND DOCS latency|histogram latency|history latency|graph",
    ])


@pytest.fixture(params=["redis", "cairn"])
def client(request, servers):
    c = redis.Redis(host="127.0.0.1", port=servers[request.param].port, socket_timeout=10)
    c.config_resetstat()
    yield c
    c.config_set("latency-tracking", "yes")
    c.config_set("latency-tracking-info-percentiles", "50 99 99.9")
    c.close()


def test_every_call_lands_in_its_commands_histogram(client):
    for _ in range(7):
        client.set("lat", "v")
    client.get("lat")
    h = client.execute_command("LATENCY", "HISTOGRAM", "set", "get", "nosuch")
    h = {k: dict(zip(v[0::2], v[1::2])) for k, v in zip(h[0::2], h[1::2])}
    assert set(h) == {b"set", b"get"}
    assert h[b"set"][b"calls"] == 7 and h[b"get"][b"calls"] == 1
    buckets = h[b"set"][b"histogram_usec"]
    counts = buckets[1::2]
    assert counts == sorted(counts) and counts[-1] == 7  # cumulative
    bounds = buckets[0::2]
    assert all(b in (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227) or b > 4227
               for b in bounds)
    # redis-py parses "p50=1.003,p99=..." into a dict of floats.
    stats = client.info("latencystats")["latency_percentiles_usec_set"]
    assert list(stats) == ["p50", "p99", "p99.9"]
    assert 0 < stats["p50"] <= stats["p99"] <= stats["p99.9"]
    client.config_set("latency-tracking-info-percentiles", "25")
    one = client.info("latencystats")["latency_percentiles_usec_get"]
    assert str(one).startswith("p25=")  # one pair: redis-py leaves it a string


def test_latency_tracking_off_records_nothing(client):
    client.config_set("latency-tracking", "no")
    client.set("lat", "v")
    assert client.execute_command("LATENCY", "HISTOGRAM", "set") == []
    client.config_resetstat()
    client.config_set("latency-tracking", "yes")
    client.set("lat", "v")
    h = client.execute_command("LATENCY", "HISTOGRAM", "set")
    assert h[0] == b"set" and dict(zip(h[1][0::2], h[1][1::2]))[b"calls"] == 1
