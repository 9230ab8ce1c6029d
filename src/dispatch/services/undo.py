"""Undo the last change a console made to a ticket, as a new change of its own.

A console remembers the ticket as it was before its last change (assign,
take, status, severity) and as that change left it. Undoing puts the
assignee, status, severity and bug reference back, in one transaction, only
if nobody changed the ticket since (the version check, as for any change);
the deadlines are recomputed from the whole status history and the history
gets a ``ticket.undone`` line. What happened stays in the history: a first
response recorded by the undone change stays recorded, as it would after
moving the ticket back by hand. Uses the domain's ports and ``deadlines``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import TicketStatus
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.sla import StatusChange, status_history
from dispatch.domain.ticket import Ticket
from dispatch.services import audit, deadlines

UNDONE_FIELDS = ("assignee", "status", "severity", "bug_ref")
"""What an undo puts back."""


@dataclass(frozen=True, slots=True)
class Change:
    """A change a console made, as it can be undone.

    Attributes:
        before: The ticket as the console showed it before the change.
        after: The ticket as the change stored it.
        what: The change in words, for the history ("assigned to ana").
    """

    before: Ticket
    after: Ticket
    what: str


def undo_change(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    change: Change,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Ticket:
    """Put back what ``change`` changed, if the ticket is still as it left it.

    Raises:
        ConflictError: Someone changed the ticket since (nothing is written).
        InvalidInputError: The ticket is closed (final), or the change changed
            none of the fields an undo puts back.
        NotFoundError: Unknown ticket.
    """
    now = clock.now()
    with uow:
        ticket = uow.tickets.get(change.after.id)
        uow.tickets.check_version(ticket.id, change.after.version)
        if ticket.status is TicketStatus.CLOSED:
            raise InvalidInputError(f"{ticket.ref} is closed, which is final: nothing to undo")
        fields = {f: getattr(change.before, f) for f in UNDONE_FIELDS}
        restored = replace(ticket, **fields)
        if restored == ticket:
            raise InvalidInputError(f"{ticket.ref}: the last change changed nothing to undo")
        history = status_history(ticket, uow.events.for_ticket(ticket.id))
        if restored.status is not ticket.status:
            resolved_at = now if restored.status is TicketStatus.RESOLVED else None
            restored = replace(restored, resolved_at=resolved_at)
            history.append(StatusChange(now, restored.status))
        restored = deadlines.recomputed(uow, restored, history, calendars)
        stored = uow.tickets.update(restored, change.after.version)
        before, after = audit.diff(
            ticket, stored, (*UNDONE_FIELDS, "resolved_at", "response_due", "resolution_due")
        )
        uow.events.append(
            at=now,
            actor=actor,
            action="ticket.undone",
            ticket_id=ticket.id,
            note=f"undo of: {change.what}",
            before=before,
            after=after,
        )
        uow.commit()
    return stored
