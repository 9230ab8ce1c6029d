"""The console's queue queries: windows, positions, counts and filters, SQL against the domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from dispatch.bootstrap import Storage
from dispatch.domain.filter import QueueFilter, Scope
from dispatch.domain.model import TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.queue import QueueOrder, order_queue, order_tickets
from dispatch.domain.ticket import NewTicket
from dispatch.services import directory, queue, tickets
from dispatch.store import repository
from dispatch.store.schema import CustomerRow
from tests.conftest import NOW

FILTERS = [
    "",
    "printer",
    "sla:breached",
    "sla:warning sla:breached",
    "sla:ok",
    "sla:paused",
    "sla:none",
    "status:new",
    "status:assigned status:in_progress kind:sub",
    "assignee:-",
    "assignee:ana",
    'customer:"rhein"',
    "kind:blk",
    "disk sla:breached",
    "DISK",
    "vitosha",
    "it",
    "100%",
    "a_b",
    "wi-fi warehouse",
    "status:new,assigned",
    "!status:new",
    "-status:new,in_progress kind:sub",
    "sev:P1",
    "severity:p1,2",
    "!sev:1",
    "work:emergency",
    "w:reg,add",
    "!work:emergency sla:breached",
    "tech:ana",
    "assignee:ana,tom",
    "!assignee:ana",
    "!assignee:-",
    "-assignee:ana,-",
    "assignee:-,ana",
    "kind:sub,msp",
    "!kind:blk",
    "!sla:breached",
    "sla:breached,warning",
    '!customer:"rhein"',
    "customer:rhein,vitosha",
    "-disk",
    "!disk !file",
    "id:19,23,62",
    "!id:62",
    "id:T-16",
    "age:>2h",
    "age:<1d",
    "age:>30m age:<3h",
    "due:<1h",
    "due:>30m",
    "due:<2h due:>0m",
    "due:<1h sev:p1 !assignee:-",
]


def _all_open(storage: Storage) -> list[object]:
    return list(queue.load_queue(storage.reader()))


@pytest.mark.parametrize("text", FILTERS)
def test_sql_filter_matches_the_domain_rule(seeded: Storage, text: str) -> None:
    where = QueueFilter.parse(text)
    everything = queue.load_queue(seeded.reader())
    expected = [t.id for t in order_queue(t for t in everything if where.matches(t, NOW))]
    window = queue.queue_window(seeded.reader(), where, NOW, offset=0, limit=500)
    assert [t.id for t in window.tickets] == expected
    assert window.total == len(expected)


SCOPED_FILTERS = ["", "printer", "-printer sev:P1,P2", "status:resolved,closed", "tech:ana"]


@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("order", list(QueueOrder))
def test_every_scope_and_order_pages_and_places_tickets_as_the_domain_sorts_them(
    seeded: Storage, scope: Scope, order: QueueOrder
) -> None:
    everything = queue.load_queue(seeded.reader(), open_only=False)
    assert any(not t.is_open for t in everything), "the demo holds closed tickets"
    for text in SCOPED_FILTERS:
        where = replace(QueueFilter.parse(text), scope=scope, me="ana", order=order)
        expected = [t.id for t in order_tickets(everything, order) if where.matches(t, NOW)]
        seen: list[int] = []
        for offset in range(0, max(len(expected), 1), 9):  # windows across the open/closed border
            window = queue.queue_window(seeded.reader(), where, NOW, offset=offset, limit=9)
            assert window.total == len(expected), text
            seen.extend(t.id for t in window.tickets)
        assert seen == expected, (text, scope, order)
        for row in range(0, len(expected), 5):
            focused = queue.queue_window(
                seeded.reader(), where, NOW, offset=0, limit=9, focus_id=expected[row]
            )
            assert focused.focus_row == row, (text, row)
    closed = next(t for t in everything if not t.is_open)
    for scope_without in (Scope.OPEN, Scope.MINE):
        where = QueueFilter(scope=scope_without, me=closed.assignee or "")
        found = queue.queue_window(
            seeded.reader(), where, NOW, offset=0, limit=9, focus_id=closed.id
        )
        assert found.focus_row is None


def test_windows_page_through_the_queue(seeded: Storage) -> None:
    where = QueueFilter()
    full = [t.id for t in queue.load_queue(seeded.reader())]
    seen: list[int] = []
    for offset in range(0, len(full), 7):
        window = queue.queue_window(seeded.reader(), where, NOW, offset=offset, limit=7)
        assert window.offset == offset
        seen.extend(t.id for t in window.tickets)
    assert seen == full


def test_focus_keeps_the_ticket_not_the_row(seeded: Storage) -> None:
    where = QueueFilter()
    full = [t.id for t in queue.load_queue(seeded.reader())]
    target = full[40]
    window = queue.queue_window(seeded.reader(), where, NOW, offset=0, limit=10, focus_id=target)
    assert window.focus_row == 40
    assert target in [t.id for t in window.tickets]
    assert window.tickets[40 - window.offset].id == target
    gone = queue.queue_window(
        seeded.reader(), QueueFilter.parse("sla:paused"), NOW, offset=0, limit=10, focus_id=target
    )
    assert gone.focus_row is None or gone.tickets[gone.focus_row - gone.offset].id == target


def test_counts_agree_with_the_domain(seeded: Storage) -> None:
    everything = queue.load_queue(seeded.reader())
    later = NOW + timedelta(minutes=20)
    for now in (NOW, later):
        stats = queue.queue_stats(seeded.reader(), now)
        assert stats.counts == {
            "open": len(everything),
            "unassigned": sum(t.assignee is None for t in everything),
            "at_risk": sum(t.sla_flag(now) == "warning" for t in everything),
            "breached": sum(t.sla_flag(now) == "breached" for t in everything),
        }
    assert stats.counts["breached"] > 0
    assigned = [t.assignee for t in everything if t.assignee]
    assert stats.loads == {login: assigned.count(login) for login in set(assigned)}


def test_ranking_prefers_skills_load_and_availability(seeded: Storage) -> None:
    ticket = next(t for t in queue.load_queue(seeded.reader()) if "network" in t.skills)
    _, ranked = queue.technician_ranking(seeded.reader(), ticket.id, NOW)
    assert ranked[0].eligible
    assert ranked[0].tech.skills & ticket.skills
    assert all(c.eligible for c in ranked[: sum(c.eligible for c in ranked)])
    assert not ranked[-1].eligible  # off-duty technicians come last
    assert {"off duty", "cannot go on site"} & set(ranked[-1].reasons)


def test_word_filter_follows_new_closed_and_renamed(seeded: Storage) -> None:
    """The word index (a trigram index on SQLite) follows every kind of write."""
    clock = FixedClock(NOW)
    customer = directory.list_customers(seeded.reader())[0]
    created = tickets.open_ticket(
        seeded.writer(), clock, "ana", NewTicket(customer.name, "Zebrafish tank pump [b]")
    )

    def found(text: str) -> list[int]:
        window = queue.queue_window(
            seeded.reader(), QueueFilter.parse(text), NOW, offset=0, limit=500
        )
        return [t.id for t in window.tickets]

    assert found("zebrafish") == [created.id]
    assert found("pump [b]") == [created.id]
    tickets.change_status(seeded.writer(), clock, "ana", created.id, TicketStatus.RESOLVED)
    assert found("zebrafish") == []
    # A customer renamed behind the application's back is found by its new name.
    with seeded.engine.begin() as conn:
        conn.execute(
            update(CustomerRow).where(CustomerRow.id == customer.id).values(name="Quokka Ltd")
        )
    still_open = [t.id for t in order_queue(queue.load_queue(seeded.reader()))
                  if t.customer_id == customer.id]  # fmt: skip
    assert still_open
    assert found("quokka") == still_open


CAPPED_FILTERS = ["", "a", "printer", "e -printer sev:P1,P2", "e net", "status:resolved,closed"]


@pytest.mark.parametrize("small", [0, 1000])
@pytest.mark.parametrize("scope", list(Scope))
def test_a_capped_count_is_a_lower_bound_only_when_more_match(
    seeded: Storage, scope: Scope, small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small=0: a word's windows walk the queue index (many matches), else sort the matches.
    monkeypatch.setattr(repository, "SMALL_MATCHES", small)
    everything = queue.load_queue(seeded.reader(), open_only=False)
    for text in CAPPED_FILTERS:
        where = replace(QueueFilter.parse(text), scope=scope, me="ana")
        expected = [t.id for t in order_tickets(everything, where.order) if where.matches(t, NOW)]
        for cap in (0, 3, len(expected) - 1, len(expected), len(expected) + 5):
            if cap < 0:
                continue
            with seeded.reader() as uow:
                n, more = uow.tickets.count_upto(where, NOW, cap)
            if more:
                assert cap <= n < len(expected), (text, cap)
            else:
                assert n == len(expected), (text, cap)
            if not where.is_empty:  # the counters are exact whatever the cap
                assert more == (len(expected) > cap), (text, cap)
        # A capped window: the count stops past the window, the rows are the same.
        window = queue.queue_window(seeded.reader(), where, NOW, offset=4, limit=3, count_cap=2)
        start = min(4, max(len(expected) - 1, 0))  # an offset past the end shows the last
        assert [t.id for t in window.tickets] == expected[start : start + 3], text
        if window.more:
            assert max(2, 4 + 3 + 1) <= window.total < len(expected), text
        else:
            assert window.total == len(expected), text
        end = queue.queue_window(seeded.reader(), where, NOW, offset=0, limit=3, to_end=True)
        assert (end.total, end.more) == (len(expected), False), text
        assert [t.id for t in end.tickets] == expected[-3:], text
