"""The checker must accept linearizable histories and reject the others:
proven on small hand-made histories."""

import pytest

from linearizability import Op, check, lost_writes


def w(v, a, b, status="ok", client=0):
    return Op("write", v, a, b, status, None, client)


def r(v, a, b, status="ok", client=0):
    return Op("read", None, a, b, status, v, client)


def cas(exp, new, res, a, b, status="ok", client=0):
    return Op("cas", (exp, new), a, b, status, res, client)


def test_empty_and_sequential_histories_are_linearizable():
    assert check([]).linearizable
    assert check([w(1, 0, 1), r(1, 2, 3), w(2, 4, 5), r(2, 6, 7)]).linearizable


def test_stale_read_after_a_completed_write_is_not_linearizable():
    h = [w(1, 0, 1), w(2, 2, 3), r(1, 4, 5)]
    res = check(h)
    assert not res.linearizable
    assert res.stuck


def test_concurrent_write_may_be_seen_or_not():
    # The read overlaps the write of 2: either value is fine.
    assert check([w(1, 0, 1), w(2, 2, 6), r(2, 3, 4)]).linearizable
    assert check([w(1, 0, 1), w(2, 2, 6), r(1, 3, 4)]).linearizable


def test_reads_cannot_go_back_in_time():
    # Once a read saw 2, a later read may not see 1 again (no write of 1 between).
    h = [w(1, 0, 1), w(2, 2, 10), r(2, 3, 4), r(1, 5, 6)]
    assert not check(h).linearizable


def test_read_of_a_value_never_written_is_not_linearizable():
    assert not check([w(1, 0, 1), r(7, 2, 3)]).linearizable


def test_initial_state():
    assert check([r(None, 0, 1)]).linearizable
    assert not check([r(None, 0, 1)], initial=5).linearizable


def test_cas_semantics():
    assert check([w(1, 0, 1), cas(1, 2, True, 2, 3), r(2, 4, 5)]).linearizable
    assert check([w(1, 0, 1), cas(3, 2, False, 2, 3), r(1, 4, 5)]).linearizable
    # Two CAS from the same expected value cannot both succeed.
    h = [w(1, 0, 1), cas(1, 2, True, 2, 5, client=1), cas(1, 3, True, 2, 5, client=2)]
    assert not check(h).linearizable
    # A failed CAS proves the value was not the expected one at some point.
    assert not check([w(1, 0, 1), cas(1, 2, False, 2, 3)]).linearizable


def test_failed_operations_never_happened():
    assert not check([w(1, 0, 1), w(2, 2, 3, status="fail"), r(2, 4, 5)]).linearizable
    assert check([w(1, 0, 1), w(2, 2, 3, status="fail"), r(1, 4, 5)]).linearizable


def test_indeterminate_write_may_take_effect_late_or_never():
    inf = float("inf")
    # Timed out at 3, but may apply any time after 2: a read at 10 may see it...
    assert check([w(1, 0, 1), w(2, 2, inf, status="indeterminate"), r(2, 10, 11)]).linearizable
    # ...or not.
    assert check([w(1, 0, 1), w(2, 2, inf, status="indeterminate"), r(1, 10, 11)]).linearizable
    # But not before it was invoked.
    assert not check([w(1, 0, 1), r(2, 1.5, 1.8), w(2, 2, inf, status="indeterminate")]).linearizable
    # And once seen it cannot be unseen (no other write of 1).
    h = [w(1, 0, 1), w(2, 2, inf, status="indeterminate"), r(2, 3, 4), r(1, 5, 6)]
    assert not check(h).linearizable


def test_indeterminate_cas_only_applies_where_it_would_succeed():
    inf = float("inf")
    h = [w(1, 0, 1), cas(1, 5, None, 2, inf, status="indeterminate"), r(5, 3, 4)]
    assert check(h).linearizable
    h = [w(1, 0, 1), cas(9, 5, None, 2, inf, status="indeterminate"), r(5, 3, 4)]
    assert not check(h).linearizable


def test_many_concurrent_clients_are_checked_quickly():
    # 8 clients, 40 overlapping writes and reads consistent with one order.
    h = []
    t = 0.0
    for i in range(40):
        h.append(w(i, t, t + 3, client=i % 8))
        h.append(r(i, t + 2.5, t + 3.5, client=(i + 1) % 8))
        t += 1.0
    res = check(h)
    assert res.linearizable


def test_lost_acknowledged_write_is_reported():
    h = [w(1, 0, 1), w(2, 2, 3)]
    assert lost_writes(h, final_value=2) == []
    lost = lost_writes(h, final_value=1)
    assert [op.value for op in lost] == [2]
