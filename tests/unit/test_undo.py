"""Undoing a console's last change: a new change, version-checked, clocks recomputed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.domain.errors import ConflictError, InvalidInputError
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.services import tickets, undo
from dispatch.services.undo import Change
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_services import NOW, _open, clock, uow  # noqa: F401 - fixtures

__all__ = ["clock", "uow"]


def test_undoing_a_resolve_reopens_and_restarts_the_resolution_clock(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    working = tickets.change_status(uow, clock, "d", tid, TicketStatus.IN_PROGRESS)
    clock.advance(timedelta(minutes=30))
    resolved = tickets.change_status(uow, clock, "d", tid, TicketStatus.RESOLVED)
    clock.advance(timedelta(minutes=10))
    back = undo.undo_change(uow, clock, "d", Change(working, resolved, "T-1 is now resolved"))
    assert back.status is TicketStatus.IN_PROGRESS
    assert back.resolved_at is None
    assert back.first_response_at == NOW  # what happened stays recorded
    # The ten minutes spent resolved do not count against the resolution target.
    assert working.resolution_due is not None
    assert back.resolution_due == working.resolution_due + timedelta(minutes=10)
    event = uow.events.events[-1]
    assert (event.action, event.note) == ("ticket.undone", "undo of: T-1 is now resolved")
    assert event.before["status"] == "resolved"
    assert event.after["status"] == "in_progress"


def test_undoing_an_assignment_of_a_new_ticket_makes_it_new_and_unassigned(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    new = uow.tickets.get(tid)
    assigned = tickets.assign_technician(uow, clock, "d", tid, "ana")
    back = undo.undo_change(uow, clock, "d", Change(new, assigned, "T-1 assigned to ana"))
    assert (back.assignee, back.status, back.version) == (None, TicketStatus.NEW, 3)


def test_undo_after_another_change_is_a_conflict_and_writes_nothing(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    new = uow.tickets.get(tid)
    raised = tickets.change_severity(uow, clock, "d", tid, Severity.P2)
    tickets.assign_technician(uow, clock, "bob", tid, "ana")
    events = len(uow.events.events)
    with pytest.raises(ConflictError):
        undo.undo_change(uow, clock, "d", Change(new, raised, "T-1 is now P2"))
    assert uow.tickets.get(tid).severity is Severity.P2
    assert len(uow.events.events) == events


def test_a_closed_ticket_is_final(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    resolved = tickets.change_status(uow, clock, "d", tid, TicketStatus.RESOLVED)
    closed = tickets.change_status(uow, clock, "d", tid, TicketStatus.CLOSED)
    with pytest.raises(InvalidInputError, match="final"):
        undo.undo_change(uow, clock, "d", Change(resolved, closed, "T-1 is now closed"))
