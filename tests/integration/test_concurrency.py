"""Several dispatchers at once: 16 processes write from one stale read; one wins.

Each child opens its own storage (its own connections, as a separate console
or CLI would), waits at a barrier, and assigns the same ticket to its own
technician with the version every child read before anyone wrote.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest

from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.errors import ConflictError
from dispatch.domain.model import TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.services import directory, presence, queue, tickets
from dispatch.store.feed import open_feed
from tests.conftest import NOW, load_demo

WRITERS = 16


def _assign(url: str, ticket_id: int, login: str, version: int, barrier: Any, out: Any) -> None:
    storage = open_storage(url, migrate=False)
    try:
        barrier.wait(timeout=60)
        tickets.assign_technician(
            storage.writer(), FixedClock(NOW), f"dispatcher-{login}", ticket_id, login,
            if_version=version,
        )  # fmt: skip
        out.put(("won", login))
    except ConflictError as exc:
        out.put(("conflict", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.put(("error", repr(exc)))
    finally:
        storage.dispose()


@pytest.fixture
def seeded_storage(storage: Storage) -> Storage:
    load_demo(storage)
    return storage


def test_sixteen_processes_assign_one_ticket_from_a_stale_version(
    seeded_storage: Storage, db_url: str
) -> None:
    ticket = next(t for t in queue.load_queue(seeded_storage.reader()) if t.assignee is None)
    logins = [t.login for t in directory.list_technicians(seeded_storage.reader())]
    # Sixteen writers need sixteen logins: reuse the technicians round-robin.
    chosen = [logins[i % len(logins)] for i in range(WRITERS)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WRITERS)
    out = context.Queue()
    children = [
        context.Process(
            target=_assign, args=(db_url, ticket.id, login, ticket.version, barrier, out)
        )
        for login in chosen
    ]
    for child in children:
        child.start()
    results = [out.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    outcomes = [kind for kind, _ in results]
    assert outcomes.count("error") == 0, results
    assert outcomes.count("won") == 1, results
    assert outcomes.count("conflict") == WRITERS - 1
    winner = next(detail for kind, detail in results if kind == "won")
    stored = tickets.ticket_detail(seeded_storage.reader(), ticket.id, NOW)
    assert stored.ticket.assignee == winner
    assert stored.ticket.version == ticket.version + 1  # no update lost, none doubled
    assigned = [e for e in stored.events if e.action == "ticket.assigned"]
    assert len(assigned) == 1
    # The refusals say who changed the ticket and what they did.
    refusal = next(detail for kind, detail in results if kind == "conflict")
    assert f"dispatcher-{winner}" in refusal
    assert f"assigned to {winner}" in refusal


def test_a_change_in_another_process_reaches_the_feed_within_a_second(
    seeded_storage: Storage, db_url: str
) -> None:
    feed = open_feed(seeded_storage.engine)
    try:
        assert not feed.changed()
        ticket = next(t for t in queue.load_queue(seeded_storage.reader()) if t.is_open)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "dispatch", "ticket", "assign", ticket.ref, "ivan",
             "--db", db_url],
            check=True, capture_output=True,
        )  # fmt: skip
        committed = time.monotonic()
        while not feed.changed():
            assert time.monotonic() - committed < 1.0, "the feed did not see the change in 1 s"
            time.sleep(0.01)
        assert not feed.changed()  # seen once
        assert committed - started < 30
    finally:
        feed.close()


def test_presence_shows_who_else_has_a_ticket_open_and_expires(seeded_storage: Storage) -> None:
    ticket = next(t for t in queue.load_queue(seeded_storage.reader()) if t.is_open)
    clock = FixedClock(NOW)
    presence.heartbeat(seeded_storage.writer(), clock, "ana", ticket.id)
    presence.heartbeat(seeded_storage.writer(), clock, "bob", ticket.id)
    assert presence.viewers(seeded_storage.reader(), clock, ticket.id, "ana") == ["bob"]
    presence.heartbeat(seeded_storage.writer(), clock, "bob", None)  # bob moved on
    assert presence.viewers(seeded_storage.reader(), clock, ticket.id, "ana") == []
    presence.heartbeat(seeded_storage.writer(), clock, "carol", ticket.id)
    later = FixedClock(NOW + presence.PRESENCE_TTL + timedelta(seconds=1))
    assert presence.viewers(seeded_storage.reader(), later, ticket.id, "ana") == []  # expired


def test_the_event_log_says_which_tickets_changed(seeded_storage: Storage) -> None:
    nothing, newest, _ = presence.changed_tickets(seeded_storage.reader(), None)
    assert nothing == frozenset()
    first, second = [t for t in queue.load_queue(seeded_storage.reader()) if t.is_open][:2]
    tickets.assign_technician(seeded_storage.writer(), FixedClock(NOW), "bob", first.id, "ivan")
    tickets.change_status(
        seeded_storage.writer(), FixedClock(NOW), "bob", second.id, TicketStatus.IN_PROGRESS
    )
    changed, latest, notices = presence.changed_tickets(seeded_storage.reader(), newest)
    assert changed == {first.id, second.id}
    assert latest > newest
    assert notices == []
    assert presence.changed_tickets(seeded_storage.reader(), latest) == (frozenset(), latest, [])
