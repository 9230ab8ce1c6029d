"""One customer's tickets in SQL (the customer card's record), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from dispatch.bootstrap import Storage
from dispatch.domain.model import TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.sla import Outcome
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import customer_card, queue, tickets
from tests.conftest import NOW

CUSTOMER = "Rhein Maschinenbau GmbH"


def _open(storage: Storage, title: str, days_ago: float, description: str = "") -> Ticket:
    request = NewTicket(
        customer=CUSTOMER,
        title=title,
        description=description,
        opened_at=NOW - timedelta(days=days_ago),
    )
    return tickets.open_ticket(storage.writer(), FixedClock(NOW), "t", request)


def _newest_first(found: list[Ticket]) -> list[int]:
    return [t.id for t in sorted(found, key=lambda t: (t.opened_at, t.id), reverse=True)]


def test_a_customers_tickets_newest_first_bounded_since_and_open_only(seeded: Storage) -> None:
    old = _open(seeded, "old and open", 100, description="Ünïcode " * 10)
    boundary = _open(seeded, "exactly 90 days", 90)
    gone = _open(seeded, "old and closed", 120)
    tickets.change_status(seeded.writer(), FixedClock(NOW), "t", gone.id, TicketStatus.RESOLVED)
    everything = queue.load_queue(seeded.reader(), open_only=False)
    customer_id = old.customer_id
    theirs = [t for t in everything if t.customer_id == customer_id]
    since = NOW - timedelta(days=90)
    with seeded.reader() as uow:
        every = uow.tickets.of_customer(customer_id, limit=1000)
        recent = uow.tickets.of_customer(customer_id, limit=1000, since=since)
        open_only = uow.tickets.of_customer(customer_id, limit=1000, open_only=True)
        two = uow.tickets.of_customer(customer_id, limit=2, since=since)
        none = uow.tickets.of_customer(customer_id, limit=0)
        nobody = uow.tickets.of_customer(10_000, limit=10)
    assert [t.id for t in every] == _newest_first(theirs)
    assert {t.customer_name for t in every} == {CUSTOMER}
    assert [t.id for t in recent] == _newest_first([t for t in theirs if t.opened_at >= since])
    assert boundary.id in [t.id for t in recent]
    assert old.id not in [t.id for t in recent]
    assert [t.id for t in open_only] == _newest_first([t for t in theirs if t.is_open])
    assert old.id in [t.id for t in open_only]
    assert gone.id not in [t.id for t in open_only]
    assert [t.id for t in two] == [t.id for t in recent[:2]]
    assert (none, nobody) == ([], [])
    # No description is read; its size says there is one.
    by_id = {t.id: t for t in every}
    assert (by_id[old.id].description, by_id[old.id].description_size) == (
        "",
        100,
    )  # bytes, not characters
    assert (by_id[boundary.id].description, by_id[boundary.id].description_size) == ("", None)


def test_the_card_over_sql_agrees_with_each_tickets_own_clocks(seeded: Storage) -> None:
    customer_id = _open(seeded, "card", 1).customer_id
    card = customer_card.customer_card(seeded.reader(), customer_id, NOW)
    assert card.customer.name == CUSTOMER
    assert card.contracts
    assert card.recent
    readings = {Outcome.MET: "met", Outcome.BREACHED: "breached", Outcome.NONE: "none"}
    for entry in card.recent:
        detail = tickets.ticket_detail(seeded.reader(), entry.ticket.id, NOW)
        for got, reading in (
            (entry.response, detail.response),
            (entry.resolution, detail.resolution),
        ):
            expected = readings.get(got)
            if expected is None:  # running: ok, warning or paused
                assert reading.state.value in ("ok", "warning", "paused")
            else:
                assert reading.state.value == expected


def test_the_histories_of_several_tickets_in_one_read_match_each_ones_own(
    seeded: Storage,
) -> None:
    ids = [t.id for t in queue.load_queue(seeded.reader(), open_only=False)][:30]
    with seeded.reader() as uow:
        together = uow.events.for_tickets([*ids, ids[0], 10_000])
        each = {i: list(uow.events.for_ticket(i)) for i in ids}
        assert uow.events.for_tickets([]) == {}
    assert {i: list(e) for i, e in together.items()} == {i: e for i, e in each.items() if e}
    assert 10_000 not in together
