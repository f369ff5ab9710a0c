"""Linearizability checking of single-key register histories.

A history is a list of operations, each one client's call of one command
on one key, with the times it was invoked and completed (any monotonic
clock) and its outcome:

  Op(kind, value, invoke, complete, status, result)
    kind    "read" | "write" | "cas"
    value   write: the value written; cas: (expected, new)
    status  "ok"            it completed and `result` is what it returned
                            (read: the value or None; write: None; cas: bool)
            "fail"          it definitely did not take effect (dropped)
            "indeterminate" timeout or lost connection: it may have taken
                            effect at any time after `invoke`, or never

The check is Wing & Gong's search as improved by Lowe: repeatedly pick an
operation that may linearize next (invoked before the earliest completion
among the operations still pending), apply it to the register model, and
backtrack when the model disagrees with what the client saw. A cache of
(linearized set, register state) pairs already explored keeps it from
repeating itself. Indeterminate operations never block others (their
completion is "never") and need not be linearized at all.

Used by jepsen/workload.py on each key's history; unit-tested on small
linearizable and non-linearizable histories in test_linearizability.py.
"""

from dataclasses import dataclass, field
from typing import Any, List, Optional

INFINITY = float("inf")


@dataclass
class Op:
    kind: str
    value: Any
    invoke: float
    complete: float
    status: str
    result: Any = None
    client: int = 0
    key: str = ""
    index: int = field(default=0, compare=False)


def _apply(state, op):
    """(ok, new_state): whether `op` with its observed result is possible
    from `state`, and the state after it."""
    if op.kind == "write":
        return True, op.value
    if op.kind == "read":
        if op.status == "indeterminate":
            return True, state  # a read with no answer constrains nothing
        return op.result == state, state
    if op.kind == "cas":
        expected, new = op.value
        if op.status == "indeterminate":
            # Taking effect is only possible where it would succeed; where it
            # fails it changes nothing either way.
            return (True, new) if state == expected else (True, state)
        if op.result:
            return (state == expected, new)
        return (state != expected, state)
    raise ValueError(f"unknown operation kind {op.kind!r}")


@dataclass
class Result:
    linearizable: bool
    # On failure: the operations that could not be placed, for the report.
    stuck: List[Op] = field(default_factory=list)
    explored: int = 0


def check(history: List[Op], initial=None, max_states: int = 300_000) -> Result:
    """Whether `history` (one register) is linearizable from `initial`."""
    ops = [op for op in history if op.status != "fail"]
    # An indeterminate read has no observable effect: leave it out.
    ops = [op for op in ops if not (op.kind == "read" and op.status == "indeterminate")]
    # An indeterminate write of a value nobody ever observed (no read
    # returned it, no compare-and-set expected it) only matters to a failed
    # compare-and-set; without those it can always be left unapplied, which
    # keeps the search from trying it at every point after its invocation.
    if not any(op.kind == "cas" and op.status == "ok" and not op.result for op in ops):
        observed = {op.result for op in ops if op.kind == "read" and op.status == "ok"}
        observed |= {op.value[0] for op in ops if op.kind == "cas"}
        observed |= {op.value[1] for op in ops if op.kind == "cas" and op.status == "ok" and op.result}
        ops = [op for op in ops if not (op.kind == "write" and op.status == "indeterminate"
                                        and op.value not in observed)]
    for i, op in enumerate(ops):
        op.index = i
    n = len(ops)
    if n == 0:
        return Result(True)
    completes = [op.complete if op.status == "ok" else INFINITY for op in ops]
    required = 0
    for i, op in enumerate(ops):
        if op.status == "ok":
            required |= 1 << i
    order = sorted(range(n), key=lambda i: ops[i].invoke)
    by_complete = sorted((i for i in range(n) if completes[i] != INFINITY), key=lambda i: completes[i])

    seen = set()
    explored = 0
    best_done = 0
    # Depth-first search over (done mask, state); each frame remembers which
    # candidates it has tried.
    stack = [(0, initial)]
    while stack:
        done, state = stack.pop()
        if done & required == required:
            return Result(True, explored=explored)
        explored += 1
        if explored > max_states:
            raise RuntimeError("linearizability search too large; shorten the history")
        if bin(done & required).count("1") > bin(best_done & required).count("1"):
            best_done = done
        # The earliest completion among pending operations bounds who may go next.
        horizon = INFINITY
        for i in by_complete:
            if not done >> i & 1:
                horizon = completes[i]
                break
        for i in order:
            if done >> i & 1:
                continue
            op = ops[i]
            if op.invoke > horizon:
                break
            ok, new_state = _apply(state, op)
            if not ok:
                continue
            nxt = (done | 1 << i, new_state)
            key = (nxt[0], repr(nxt[1]))
            if key in seen:
                continue
            seen.add(key)
            stack.append(nxt)
    stuck = [ops[i] for i in range(n) if not best_done >> i & 1 and ops[i].status == "ok"]
    return Result(False, stuck=stuck[:10], explored=explored)


def lost_writes(history: List[Op], final_value) -> List[Op]:
    """Acknowledged writes of unique values that no later read or the final
    value reflects: a write acknowledged "ok" whose value was never read and
    is not the final value, while a later acknowledged write did not
    overwrite it. (With unique values per write, an acknowledged write is
    lost if the register never showed it and nothing replaced it.)"""
    acked = [op for op in history if op.kind == "write" and op.status == "ok"]
    if not acked:
        return []
    last = max(acked, key=lambda op: op.complete)
    later_writes = [op for op in history if op.kind in ("write", "cas") and op.invoke > last.complete
                    and op.status != "fail"]
    if later_writes:
        return []
    return [] if final_value == last.value else [last]
