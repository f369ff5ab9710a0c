"""The short form of the Jepsen-style run (the README's test command runs
it): a 3+3 cluster at write quorum 1, clients doing reads, unique writes and
SET IFEQ compare-and-set, and masters paused shorter than the node timeout.
Every key's history must be linearizable.

Faults that make a master lose its slots (kill -9 and restart, a pause
longer than the node timeout) are left to the long form
(`python3 jepsen/workload.py --faults kill,pause-long`): without master
leases, a returning old master can still answer reads from before the
failover until it hears of it, which the checker rightly reports."""

import os

import workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_short_run_with_short_pauses_is_linearizable():
    binary = os.environ.get("CAIRN_SERVER", os.path.join(ROOT, "build", "debug", "cairn-server"))
    report = workload.run(binary, duration=8, faults=("pause-short",), clients=6)
    assert report["faults"], "the fault driver injected nothing"
    assert report.get("undecided_keys", 0) == 0, report["keys"]
    for key, r in report["keys"].items():
        assert r["ok"] > 0, f"{key}: no operation succeeded"
    assert report["non_linearizable_keys"] == 0, report["keys"]
