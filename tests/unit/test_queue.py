from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.model import ContractKind, Severity
from dispatch.domain.queue import describe_wait, explain_place, order_queue, queue_key
from dispatch.domain.ticket import Ticket

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    kind = draw(st.sampled_from(list(ContractKind)))
    opened = T0 - timedelta(minutes=draw(st.integers(0, 5000)))
    has_due = kind.has_guarantee and draw(st.booleans())
    due = opened + timedelta(minutes=draw(st.integers(1, 3000))) if has_due else None
    return Ticket(
        id=draw(st.integers(1, 10_000)),
        customer_id=1,
        customer_name="c",
        contract_id=1,
        contract_kind=kind,
        title="t",
        opened_at=opened,
        severity=draw(st.sampled_from(list(Severity))),
        response_due=due,
        resolution_due=due + timedelta(hours=4) if due else None,
    )


unique_tickets = st.lists(tickets(), max_size=40, unique_by=lambda t: t.id)


@given(unique_tickets)
def test_queue_order_respects_rule_one(batch: list[Ticket]) -> None:
    ordered = order_queue(batch)
    for a, b in pairwise(ordered):
        # Contract priority first.
        assert a.priority_rank <= b.priority_rank
        if a.priority_rank != b.priority_rank:
            continue
        # Then the nearest deadline; tickets without one come after.
        if a.next_due is None:
            assert b.next_due is None
        elif b.next_due is not None and a.next_due != b.next_due:
            assert a.next_due < b.next_due
            continue
        if a.next_due != b.next_due:
            continue
        # Then severity, then age, then id.
        assert a.severity.level <= b.severity.level
        if a.severity is b.severity:
            assert (a.opened_at, a.id) < (b.opened_at, b.id)


@given(unique_tickets, st.randoms())
def test_queue_order_is_a_total_order_independent_of_input_order(
    batch: list[Ticket], rnd: object
) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert order_queue(shuffled) == order_queue(batch)
    keys = [queue_key(t) for t in batch]
    assert len(set(keys)) == len(keys)


def _t(
    ident: int, kind: ContractKind, due_minutes: int | None, sev: Severity = Severity.P3
) -> Ticket:
    due = T0 + timedelta(minutes=due_minutes) if due_minutes is not None else None
    return Ticket(
        id=ident,
        customer_id=1,
        customer_name="c",
        contract_id=1,
        contract_kind=kind,
        title="t",
        opened_at=T0 - timedelta(hours=1),
        severity=sev,
        response_due=due,
        resolution_due=due,
    )


def test_contracted_customers_come_first_even_with_later_deadlines() -> None:
    tm = _t(1, ContractKind.TIME_MATERIAL, None, Severity.P1)
    blk = _t(2, ContractKind.BLOCK_HOURS, 5)
    sub = _t(3, ContractKind.SUBSCRIPTION, 600, Severity.P4)
    msp = _t(4, ContractKind.MANAGED, 30)
    assert [t.id for t in order_queue([tm, blk, sub, msp])] == [4, 3, 2, 1]


def test_explain_place_names_the_deciding_rule() -> None:
    first = _t(1, ContractKind.SUBSCRIPTION, 10)
    later = _t(2, ContractKind.SUBSCRIPTION, 90)
    lower = _t(3, ContractKind.BLOCK_HOURS, 5)
    nodue = _t(4, ContractKind.AD_HOC, None)
    assert explain_place(first, None, T0)[-1] == "It is first in the queue."
    assert "deadline comes sooner" in explain_place(later, first, T0)[-1]
    assert "higher priority (subscription)" in explain_place(lower, later, T0)[-1]
    text = "\n".join(explain_place(nodue, lower, T0))
    assert "the contract promises none" in text
    assert "priority 3 of 3" in text
    severe = _t(5, ContractKind.SUBSCRIPTION, 90, Severity.P1)
    mild = _t(6, ContractKind.SUBSCRIPTION, 90, Severity.P2)
    assert "more severe (P1)" in explain_place(mild, severe, T0)[-1]
    overdue = _t(7, ContractKind.SUBSCRIPTION, -5)
    assert "5m overdue" in "\n".join(explain_place(overdue, None, T0))


def test_describe_wait() -> None:
    assert describe_wait(timedelta(hours=1, minutes=12)) == "1h 12m"
    assert describe_wait(timedelta(minutes=-5)) == "-5m"
    assert describe_wait(timedelta(days=3, hours=4, minutes=1)) == "3d 4h"
    assert describe_wait(timedelta(seconds=45)) == "45s"
