#!/usr/bin/env python3
"""A cluster client that measures what a slot migration costs its users.

    bench/migration_probe.py PORT FIRST_SLOT LAST_SLOT STOP_FILE SECONDS

Through redis-py's RedisCluster (it follows MOVED and ASK, and retries
TRYAGAIN), alternately SETs and GETs its own keys whose slots are in
[FIRST_SLOT, LAST_SLOT] until STOP_FILE exists or SECONDS pass. Prints one
line: operations, errors, ASK redirects seen, wrong reads, and the largest
and 99.9th percentile latency in ms.
"""
import os
import sys
import time

import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot


def main() -> int:
    port, first, last = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    stop_file, seconds = sys.argv[4], float(sys.argv[5])
    rc = RedisCluster(host="127.0.0.1", port=port, socket_timeout=10)
    keys = []
    i = 0
    while len(keys) < 200:
        k = "probe:%d" % i
        i += 1
        if first <= key_slot(k.encode()) <= last:
            keys.append(k)
    # redis-py follows ASK inside the client; count the replies it parses.
    asks = [0]
    ask_init = redis.exceptions.AskError.__init__

    def counting_init(self, resp):
        if type(self) is redis.exceptions.AskError:  # MovedError derives from it
            asks[0] += 1
        ask_init(self, resp)

    redis.exceptions.AskError.__init__ = counting_init
    latencies = []
    errors = wrong = ops = 0
    values = {}
    deadline = time.monotonic() + seconds
    n = 0
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        k = keys[n % len(keys)]
        t0 = time.monotonic()
        try:
            if n % 2 == 0:
                v = "v%d" % n
                rc.set(k, v)
                values[k] = v
            else:
                got = rc.get(k)
                if values.get(k) is not None and (got or b"").decode() != values[k]:
                    wrong += 1
        except redis.exceptions.RedisError:
            errors += 1
        latencies.append((time.monotonic() - t0) * 1000.0)
        ops += 1
        n += 1
    latencies.sort()
    p999 = latencies[int(len(latencies) * 0.999)] if latencies else 0.0
    top = latencies[-1] if latencies else 0.0
    print("ops=%d errors=%d asks=%d wrong=%d max_ms=%.1f p999_ms=%.1f"
          % (ops, errors, asks[0], wrong, top, p999))
    return 0


if __name__ == "__main__":
    sys.exit(main())
