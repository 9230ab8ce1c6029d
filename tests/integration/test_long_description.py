"""A huge description: the console reads what it shows; nothing ever cuts the stored text."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from dispatch.bootstrap import Storage
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import calendars, queue, tickets
from dispatch.store.schema import TicketRow
from dispatch.ui.widgets.ticket_detail import MAX_DESCRIPTION_CHARS
from tests.conftest import NOW, load_demo

HUGE = ("0123456789" * 100 + "\n") * 10_000  # 10,010,000 characters


def ticket_with(storage: Storage, description: str) -> int:
    """A new P1 ticket holding ``description`` (set in SQL: longer than one opened here may be)."""
    ticket = tickets.open_ticket(
        storage.writer(),
        FixedClock(NOW),
        "ana",
        NewTicket(customer="Rhein Maschinenbau GmbH", title="long", severity=Severity.P1),
    )
    with storage.writer() as uow:
        uow.session.execute(
            update(TicketRow).where(TicketRow.id == ticket.id).values(description=description)
        )
        uow.commit()
    return ticket.id


def huge_ticket(storage: Storage) -> int:
    return ticket_with(storage, HUGE)


def test_the_detail_reads_the_beginning_and_the_length_only(seeded: Storage) -> None:
    tid = huge_ticket(seeded)
    detail = tickets.ticket_detail(
        seeded.reader(), tid, NOW, description_chars=MAX_DESCRIPTION_CHARS
    )
    assert detail.ticket.description == HUGE[:MAX_DESCRIPTION_CHARS]
    assert detail.ticket.description_size == len(HUGE)  # bytes: ASCII here
    whole = tickets.ticket_detail(seeded.reader(), tid, NOW)  # the command line's
    assert whole.ticket.description == HUGE
    assert whole.ticket.description_size is None
    window = queue.queue_window(seeded.reader(), QueueFilter(), NOW, offset=0, limit=50)
    shown = next(t for t in window.tickets if t.id == tid)
    assert shown.description == ""  # the queue reads no description at all
    assert shown.description_size == len(HUGE)


def test_changes_never_cut_the_stored_description(seeded: Storage) -> None:
    tid = huge_ticket(seeded)
    clock = FixedClock(NOW)
    tickets.assign_technician(seeded.writer(), clock, "ana", tid, "ivan")
    tickets.change_status(seeded.writer(), clock, "ana", tid, TicketStatus.IN_PROGRESS)
    tickets.change_severity(seeded.writer(), clock, "ana", tid, Severity.P2)
    calendars.save_calendars(seeded.writer(), clock, "ana", [])
    with seeded.reader() as uow:
        assert uow.tickets.get(tid).description == HUGE


def test_a_ticket_read_cut_is_never_written_cut(seeded: Storage) -> None:
    tid = huge_ticket(seeded)
    with seeded.writer() as uow:
        cut = uow.tickets.get(tid, description_chars=10)
        uow.tickets.update(cut, cut.version)
        uow.commit()
    with seeded.reader() as uow:
        assert uow.tickets.get(tid).description == HUGE


def test_a_description_longer_than_shown_but_short_in_bytes_is_marked_cut(
    seeded: Storage,
) -> None:
    """Between the characters shown and four times as many bytes: still cut, and said so."""
    middle = "a" * (3 * MAX_DESCRIPTION_CHARS)
    tid = ticket_with(seeded, middle)
    with seeded.reader() as uow:
        cut = uow.tickets.get(tid, description_chars=MAX_DESCRIPTION_CHARS)
        exact = uow.tickets.get(tid, description_chars=len(middle))
    assert cut.description == middle[:MAX_DESCRIPTION_CHARS]
    assert cut.description_size == len(middle)
    assert exact.description == middle
    assert exact.description_size is None


def test_a_cut_in_the_middle_of_a_character_leaves_it_out(seeded: Storage) -> None:
    wide = "\u00e9" * 10 + "\U0001f5a8" * 10  # 2 then 4 bytes each: 60 bytes
    tid = ticket_with(seeded, wide)
    with seeded.reader() as uow:
        cut = uow.tickets.get(tid, description_chars=12)
        whole = uow.tickets.get(tid, description_chars=20)
    assert cut.description == wide[:12]
    assert cut.description_size == 60
    assert whole.description == wide
    assert whole.description_size is None


def test_an_empty_description_reads_as_empty_and_whole(seeded: Storage) -> None:
    tid = ticket_with(seeded, "")
    with seeded.reader() as uow:
        shown = uow.tickets.get(tid, description_chars=MAX_DESCRIPTION_CHARS)
        (listed,) = uow.tickets.by_ids([tid])
    assert (shown.description, shown.description_size) == ("", None)
    assert (listed.description, listed.description_size) == ("", None)


def test_a_nul_character_does_not_end_the_description(storage: Storage) -> None:
    """SQLite's text functions stop at NUL; the beginning is read as bytes instead."""
    if storage.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's text cannot hold NUL")
    load_demo(storage)
    text = "before\x00after " * 10
    tid = ticket_with(storage, text)
    with storage.reader() as uow:
        whole = uow.tickets.get(tid, description_chars=MAX_DESCRIPTION_CHARS)
        cut = uow.tickets.get(tid, description_chars=9)
    assert (whole.description, whole.description_size) == (text, None)
    assert (cut.description, cut.description_size) == (text[:9], len(text))
