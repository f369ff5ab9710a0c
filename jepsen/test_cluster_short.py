"""The short form of the Jepsen-style run (the README's test command runs
it): a 3+3 cluster at write quorum 1, clients doing reads, unique writes and
SET IFEQ compare-and-set, a master killed with kill -9 and restarted, and a
master paused shorter than the node timeout. Every key's history must be
linearizable. The long form: `python3 jepsen/workload.py --duration 300`."""

import os

import workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_short_run_with_kill_and_short_pause_is_linearizable():
    binary = os.environ.get("CAIRN_SERVER", os.path.join(ROOT, "build", "debug", "cairn-server"))
    report = workload.run(binary, duration=8, faults=("kill", "pause-short"), clients=6)
    assert report["faults"], "the fault driver injected nothing"
    assert report.get("undecided_keys", 0) == 0, report["keys"]
    for key, r in report["keys"].items():
        assert r["ok"] > 0, f"{key}: no operation succeeded"
    assert report["non_linearizable_keys"] == 0, report["keys"]
