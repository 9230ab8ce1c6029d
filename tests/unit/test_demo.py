from __future__ import annotations

from datetime import UTC, datetime

from dispatch import demo
from dispatch.domain.model import Channel, ContractKind, TicketKind, TicketStatus

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_demo_covers_every_kind_status_and_channel() -> None:
    data = demo.build(seed=7, now=NOW)
    assert len(data.customers) >= 8
    assert len({c.timezone for c in data.customers}) >= 3
    assert len({c.country for c in data.customers}) >= 2
    assert {c.kind for _, c in data.contracts} == set(ContractKind)
    assert len(data.technicians) >= 10
    assert len({t.on_call for t in data.technicians}) == 2
    assert len({frozenset(t.skills) for t in data.technicians}) >= 10
    tickets = [t.ticket for t in data.tickets]
    assert len(tickets) >= 60
    assert {t.status for t in tickets} == set(TicketStatus)
    assert {t.kind for t in tickets} == set(TicketKind)
    assert {t.channel for t in tickets} == set(Channel)


def test_demo_has_tickets_close_to_breach_and_breached() -> None:
    tickets = [t.ticket for t in demo.build(seed=7, now=NOW).tickets]
    running = [t.next_due for t in tickets if t.is_open and t.next_due is not None]
    assert sum(1 for due in running if due < NOW) >= 3
    assert sum(1 for due in running if due >= NOW and (due - NOW).total_seconds() <= 1800) >= 3


def test_demo_is_deterministic_for_a_seed() -> None:
    a = demo.build(seed=3, now=NOW)
    b = demo.build(seed=3, now=NOW)
    c = demo.build(seed=4, now=NOW)
    assert a == b
    assert a.tickets != c.tickets


def test_demo_histories_are_in_time_order_and_in_the_past() -> None:
    for item in demo.build(seed=11, now=NOW).tickets:
        times = [e.at for e in item.events]
        assert times == sorted(times)
        assert times[-1] <= NOW
        assert times[0] == item.ticket.opened_at
