"""Who else is looking, and what changed: heartbeats, viewers, the event log's news.

A console beats for the ticket it shows and asks who else has it open; its
change feed says *that* something was committed, :func:`changed_tickets`
says *what* (from the event log). Uses the domain's ports.
"""

from __future__ import annotations

from datetime import timedelta

from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ticket import Event

PRESENCE_TTL = timedelta(seconds=15)
"""A heartbeat lasts this long: a console that stops beating drops out after it."""


def heartbeat(uow: UnitOfWork, clock: Clock, login: str, ticket_id: int | None) -> None:
    """Say that ``login`` has ``ticket_id`` open (``None``: nothing) for ``PRESENCE_TTL``."""
    with uow:
        uow.presence.beat(login, ticket_id, clock.now() + PRESENCE_TTL)
        uow.commit()


def viewers(uow: UnitOfWork, clock: Clock, ticket_id: int, me: str) -> list[str]:
    """Who else has ``ticket_id`` open now."""
    with uow:
        return [login for login in uow.presence.viewers(ticket_id, clock.now()) if login != me]


def changed_tickets(
    uow: UnitOfWork, after_event: int | None
) -> tuple[frozenset[int], int, list[Event]]:
    """Tickets with events after ``after_event``, the newest event id, and notices.

    Notices are events a dispatcher should hear of although no ticket changed
    (a block-hours balance running low). ``after_event`` ``None`` (a console's
    first look) answers nothing: it only learns where the log stands.
    """
    with uow:
        newest = uow.events.last_id()
        if after_event is None or newest <= after_event:
            return frozenset(), newest, []
        events = uow.events.listing(after_id=after_event)
    tickets = frozenset(e.ticket_id for e in events if e.ticket_id is not None)
    return tickets, newest, [e for e in events if e.action in NOTICE_ACTIONS]


NOTICE_ACTIONS = frozenset({"block.low_balance"})
"""Events a console shows as a toast when they appear."""
