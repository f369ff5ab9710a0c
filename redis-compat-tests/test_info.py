"""INFO: every field redis-server 7.0 reports in a section, Cairn reports
too, in the same order (Cairn's own fields follow Redis's), so tools that
parse INFO find what they look for. Values differ by nature and are not
compared, except where they are facts both servers share."""

import pytest
import redis

SECTIONS = ["server", "clients", "memory", "persistence", "stats", "cpu"]


def fields(port, section):
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        return list(c.info(section).keys())  # redis-py keeps INFO's order
    finally:
        c.close()


@pytest.mark.parametrize("section", SECTIONS)
def test_info_section_has_redis_fields_in_redis_order(servers, section):
    want = fields(servers["redis"].port, section)
    got = fields(servers["cairn"].port, section)
    missing = [f for f in want if f not in got]
    assert missing == []
    shared = [f for f in got if f in want]
    assert shared == [f for f in want if f in shared]


def test_info_memory_reports_the_configured_policy(servers):
    c = redis.Redis(host="127.0.0.1", port=servers["cairn"].port, socket_timeout=10)
    try:
        c.config_set("maxmemory-policy", "allkeys-lru")
        assert c.info("memory")["maxmemory_policy"] == "allkeys-lru"
        c.config_set("maxmemory-policy", "noeviction")
        assert c.info("memory")["maxmemory_policy"] == "noeviction"
    finally:
        c.close()
