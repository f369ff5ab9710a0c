"""Cairn driven by redis-py (python3-redis 4.3.4, RESP2) as an application
would use it. Each scenario runs against both servers; the Python values
redis-py returns must be equal."""

import pytest
import redis


@pytest.fixture
def clients(servers):
    made = []

    def client(which, **kw):
        c = redis.Redis(host="127.0.0.1", port=servers[which].port, socket_timeout=10, **kw)
        made.append(c)
        return c

    r, c = client("redis"), client("cairn")
    r.flushall()
    c.flushall()
    yield client
    for x in made:
        x.close()


def both(client, fn, **kw):
    """Runs fn(client) on redis and cairn; returns the two results."""
    out = []
    for which in ("redis", "cairn"):
        try:
            out.append(("ok", fn(client(which, **kw))))
        except redis.RedisError as e:
            out.append((type(e).__name__, str(e)))
    return out


def assert_same(client, fn, **kw):
    r, c = both(client, fn, **kw)
    assert c == r, f"redis-server gave {r!r}, cairn-server gave {c!r}"
    return c


def test_set_and_get(clients):
    def scenario(r):
        return [r.set("k", "v"), r.get("k"), r.get("missing"), r.exists("k"), r.strlen("k"),
                r.delete("k"), r.get("k")]
    assert assert_same(clients, scenario) == ("ok", [True, b"v", None, 1, 1, 1, None])


def test_set_options(clients):
    def scenario(r):
        return [r.set("k", "v", nx=True), r.set("k", "w", nx=True), r.set("k", "w", xx=True),
                r.set("k", "x", get=True), r.set("e", "v", ex=100), r.ttl("e"),
                r.set("e", "w", keepttl=True), r.ttl("e") > 90, r.set("p", "v", px=5000),
                0 < r.pttl("p") <= 5000, r.getex("p", persist=True), r.ttl("p")]
    assert_same(clients, scenario)


def test_decode_responses(clients):
    def scenario(r):
        r.mset({"a": "1", "b": "é"})
        return [r.mget("a", "b", "c"), r.incr("a"), r.incrbyfloat("a", 0.5), r.get("a"),
                r.append("b", "!"), r.get("b"), r.getrange("b", 0, 1)]
    assert assert_same(clients, scenario, decode_responses=True)[1][0] == ["1", "é", None]


def test_pipeline_without_transaction(clients):
    def scenario(r):
        p = r.pipeline(transaction=False)
        for i in range(100):
            p.set(f"k{i}", i)
        p.incr("counter")
        p.incrby("counter", 10)
        p.mget([f"k{i}" for i in range(0, 100, 10)])
        p.dbsize()
        p.get("missing")
        return p.execute()
    result = assert_same(clients, scenario)[1]
    assert result[-2] == 101


def test_pipeline_reports_errors_in_place(clients):
    def scenario(r):
        p = r.pipeline(transaction=False)
        p.set("s", "text")
        p.incr("s")
        p.get("s")
        return [type(x).__name__ if isinstance(x, Exception) else x
                for x in p.execute(raise_on_error=False)]
    assert assert_same(clients, scenario)[1] == [True, "ResponseError", b"text"]


def test_error_messages(clients):
    def bad_incr(r):
        r.set("s", "x")
        return r.incr("s")
    assert assert_same(clients, bad_incr)[0] == "ResponseError"

    def bad_command(r):
        return r.execute_command("NOSUCHCOMMAND", "a")
    assert_same(clients, bad_command)

    def bad_arity(r):
        return r.execute_command("GET")
    assert_same(clients, bad_arity)


def test_expiry(clients):
    def scenario(r):
        r.set("k", "v")
        return [r.expire("k", 100), r.ttl("k") in (99, 100), r.persist("k"), r.ttl("k"),
                r.pexpire("k", 100000), r.expireat("k", 32503680000), r.expiretime("k"),
                r.ttl("missing"), r.type("k"), r.type("missing")]
    assert_same(clients, scenario)


def test_binary_values(clients):
    blob = bytes(range(256)) * 4

    def scenario(r):
        r.set(b"bin\x00key", blob)
        return [r.get(b"bin\x00key") == blob, r.strlen(b"bin\x00key"), r.exists(b"bin")]
    assert assert_same(clients, scenario)[1] == [True, 1024, 0]


def test_select_db_through_client_option(clients):
    def scenario_db3(r):
        return [r.set("k", "three"), r.get("k"), r.dbsize()]

    def scenario_db0(r):
        return [r.get("k"), r.dbsize()]
    assert_same(clients, scenario_db3, db=3)
    assert assert_same(clients, scenario_db0)[1] == [None, 0]


def test_client_name_and_connection_commands(clients):
    def scenario(r):
        return [r.ping(), r.echo("hi"), r.client_setname("app-1"), r.client_getname(),
                isinstance(r.client_id(), int)]
    assert assert_same(clients, scenario)[1] == [True, b"hi", True, "app-1", True]


def test_flushdb_and_dbsize(clients):
    def scenario(r):
        r.mset({f"k{i}": i for i in range(50)})
        return [r.dbsize(), r.unlink("k1", "k2"), r.touch("k3", "nope"), r.dbsize(),
                r.flushdb(), r.dbsize()]
    assert assert_same(clients, scenario)[1] == [50, 2, 1, 48, True, 0]


def test_many_clients_from_a_pool(clients, servers):
    def scenario(r):
        pool_clients = [redis.Redis(connection_pool=r.connection_pool) for _ in range(5)]
        for i, pc in enumerate(pool_clients):
            pc.incrby("shared", i + 1)
        return int(r.get("shared"))
    assert assert_same(clients, scenario)[1] == 15


# ---- transactions, pipelines and scans, as applications use them ----

def test_pipeline_of_many_commands(clients):
    def fn(r):
        p = r.pipeline(transaction=False)
        for i in range(50):
            p.set(f"p{i}", i)
        p.incr("p0")
        p.get("p0")
        p.mget("p1", "p2", "missing")
        p.delete("p3", "p4")
        return p.execute()
    assert_same(clients, fn)


def test_pipeline_transaction_true(clients):
    def fn(r):
        p = r.pipeline(transaction=True)
        p.set("a", 1).incr("a").incrby("a", 5).get("a").expire("a", 100).ttl("a")
        return p.execute()
    assert_same(clients, fn)


def test_pipeline_transaction_runtime_error_is_returned_not_raised(clients):
    def fn(r):
        r.set("s", "text")
        p = r.pipeline(transaction=True)
        p.incr("s").set("t", 1).get("t")
        res = p.execute(raise_on_error=False)
        return [type(x).__name__ if isinstance(x, Exception) else x for x in res]
    assert_same(clients, fn)


def test_watch_retry_loop_with_a_concurrent_writer(clients):
    results = {}
    for which in ("redis", "cairn"):
        r, other = clients(which), clients(which)
        r.set("balance", 100)
        attempts = 0
        with r.pipeline() as p:
            while attempts < 5:
                attempts += 1
                try:
                    p.watch("balance")
                    v = int(p.get("balance"))
                    if attempts == 1:
                        other.incrby("balance", 1)  # another client: the first EXEC must fail
                    p.multi()
                    p.set("balance", v - 10)
                    p.execute()
                    break
                except redis.WatchError:
                    continue
        results[which] = (attempts, r.get("balance"))
    assert results["cairn"] == results["redis"] == (2, b"91")


def test_transaction_helper(clients):
    def fn(r):
        r.set("n", 1)

        def work(p):
            n = int(p.get("n"))
            p.multi()
            p.set("n", n * 2)
        r.transaction(work, "n")
        r.transaction(work, "n")
        return r.get("n")
    assert_same(clients, fn)


def test_scan_iter_returns_every_key(clients):
    def fn(r):
        r.mset({f"user:{i}": i for i in range(300)})
        r.mset({f"other:{i}": i for i in range(50)})
        every = sorted(r.scan_iter(count=17))
        users = sorted(r.scan_iter(match="user:1*", count=50))
        return len(every), len(set(every)), users
    assert_same(clients, fn)
