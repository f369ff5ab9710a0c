"""The short form of the Jepsen-style run (the README's test command runs
it): a 3+3 cluster at write quorum 1 with master leases, clients doing
reads, writes and SET IFEQ compare-and-set on registers plus unique-key
writes, while the fault driver injects each fault mode in turn: kill -9 and
restart, a pause shorter and one longer than the node timeout, a cut of a
master's bus links, and an atomic slot migration (CLUSTER MIGRATESLOTS) of a
register's slot to another master. Every register's history must be linearizable and no
acknowledged unique-key write may be lost.

The long form runs the same faults at random for minutes:
`python3 jepsen/workload.py --duration 120 --faults kill,pause-short,pause-long,partition,migrate`."""

import os

import workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAULTS = ("pause-long", "partition", "kill", "pause-short", "migrate")


def test_short_run_with_every_fault_is_linearizable_and_loses_nothing():
    binary = os.environ.get("CAIRN_SERVER", os.path.join(ROOT, "build", "debug", "cairn-server"))
    report = workload.run(binary, duration=26, faults=FAULTS, clients=6, cycle=True)
    injected = {f["fault"] for f in report["faults"]}
    assert injected == set(FAULTS), f"faults injected: {report['faults']}"
    assert report.get("undecided_keys", 0) == 0, report["keys"]
    for key, r in report["keys"].items():
        assert r["ok"] > 0, f"{key}: no operation succeeded"
    assert report["acked_unique_writes"] > 0
    assert report["non_linearizable_keys"] == 0, report["keys"]
    assert report["lost_acked_writes"] == 0, report["lost_examples"]
