"""SAVE, BGSAVE, LASTSAVE and INFO persistence: Redis's replies and fields."""

import time

from compat import Step, approx


def _info_persistence(side):
    """INFO persistence of one side as [(name, value)] in order."""
    reply = side.run(Step("INFO persistence"))[0]
    assert reply[0] in "$=", reply
    text = (reply[2] if reply[0] == "=" else reply[1]).decode()  # ("=", "txt", payload)
    out = []
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            name, _, value = line.partition(":")
            out.append((name, value))
    return out


def _wait_no_save(side, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if dict(_info_persistence(side)).get("rdb_bgsave_in_progress") == "0":
            return
        time.sleep(0.02)
    raise AssertionError(f"{side.name}: a background save still runs after {timeout_s}s")


def test_save_lastsave_and_argument_errors(pair):
    pair.check([
        "SAVE",
        Step("LASTSAVE", norm=approx(2)),
        "SAVE x",
        "LASTSAVE x",
        "BGSAVE x",
        "BGSAVE SCHEDULE x",
        "BGSAVE schedulex",
        "PING",
    ])


def test_bgsave_and_schedule_start_a_save(pair):
    pair.check(["BGSAVE"])
    _wait_no_save(pair.redis)
    _wait_no_save(pair.cairn)
    pair.check(["BGSAVE SCHEDULE"])
    _wait_no_save(pair.redis)
    _wait_no_save(pair.cairn)
    for side in (pair.redis, pair.cairn):
        info = dict(_info_persistence(side))
        assert info["rdb_last_bgsave_status"] == "ok", side.name
        assert info["rdb_current_bgsave_time_sec"] == "-1", side.name
        assert int(info["rdb_last_bgsave_time_sec"]) >= 0, side.name


def test_changes_since_last_save_count_like_redis(pair):
    pair.check(["SAVE"])
    steps = ["SET a 1", "SET b 1", "MSET c 1 d 1", "DEL a nosuch", "DEL nosuch", "GET b",
             "INCR n", "EXPIRE b 100", "SET b 2 KEEPTTL", "PERSIST b", "SETNX b 3"]
    pair.check(steps)
    counts = [dict(_info_persistence(s))["rdb_changes_since_last_save"]
              for s in (pair.redis, pair.cairn)]
    assert counts[0] == counts[1], f"redis-server {counts[0]}, cairn-server {counts[1]}"
    assert int(counts[0]) >= 8, counts
    pair.check(["SAVE"])
    for side in (pair.redis, pair.cairn):
        assert dict(_info_persistence(side))["rdb_changes_since_last_save"] == "0", side.name


def test_info_persistence_has_redis_fields_in_order(pair):
    # The reference runs without AOF, which ends its section here; Cairn's
    # always-on WAL adds the aof_enabled:1 fields after it, as Redis does.
    names = [[n for n, _ in _info_persistence(s)] for s in (pair.redis, pair.cairn)]
    end = names[0].index("module_fork_last_cow_size") + 1
    assert names[1][:end] == names[0][:end]
