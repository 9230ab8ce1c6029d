"""The console's queries: windows of the filtered queue, its figures, the ranking.

Reads only, each in one short transaction; the console asks for a window
of rows around its cursor, never for the whole queue. Uses the domain's
ports and its assignment ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.assign import Candidate, rank_technicians
from dispatch.domain.filter import QueueFilter
from dispatch.domain.ports import UnitOfWork
from dispatch.domain.ticket import Ticket
from dispatch.services import oncall


def load_queue(
    uow: UnitOfWork, *, open_only: bool = True, limit: int | None = None
) -> list[Ticket]:
    """Tickets in queue order."""
    with uow:
        return uow.tickets.queue(open_only=open_only, limit=limit)


@dataclass(frozen=True, slots=True)
class QueueWindow:
    """A slice of the filtered queue, with what the console needs around it.

    Attributes:
        total: How many open tickets match the filter (at least, if ``more``).
        offset: The row of ``tickets[0]``.
        tickets: The tickets, in queue order.
        focus_row: The row of the focused ticket, if it still matches.
        at: The instant the window was read at.
        more: ``total`` is a lower bound: counting stopped there, more match.
    """

    total: int
    offset: int
    tickets: Sequence[Ticket]
    focus_row: int | None
    at: datetime
    more: bool = False


def queue_window(
    uow: UnitOfWork,
    where: QueueFilter,
    now: datetime,
    *,
    offset: int,
    limit: int,
    focus_id: int | None = None,
    total: int | None = None,
    count_cap: int | None = None,
    count_ahead: int = 0,
    to_end: bool = False,
) -> QueueWindow:
    """Read one window of the filtered queue in one short transaction.

    With ``focus_id``, the window is centred on that ticket's new row (so a
    refresh keeps the cursor on the same ticket, not the same row number)
    unless it no longer matches, in which case ``offset`` is kept. A caller
    that only scrolls passes the ``total`` it already knows, which spares the
    count (a scan of every matching ticket).

    ``count_cap``: the count stops after ``max(count_cap, offset + limit +
    max(count_ahead, 1))`` matches (always past the window, so the list is longer
    than the rows read; it grows as the cursor goes deeper) and the window says it is a
    lower bound (``more``). ``to_end``: the last window, counted exactly
    (``focus_id`` and ``offset`` are not used).
    """
    with uow:
        more = False
        if to_end:
            total = uow.tickets.count(where, now)
            focus_row = None
            offset = max(total - limit, 0)
        else:
            focus_row = uow.tickets.position(where, now, focus_id) if focus_id is not None else None
            if focus_row is not None and not offset <= focus_row < offset + limit:
                offset = max(0, focus_row - limit // 2)
            if total is None and count_cap is not None:
                upto = max(count_cap, max(offset, 0) + limit + max(count_ahead, 1))
                total, more = uow.tickets.count_upto(where, now, upto)
            elif total is None:
                total = uow.tickets.count(where, now)
        offset = max(0, min(offset, max(total - 1, 0)))
        tickets = uow.tickets.window(where, now, offset, limit)
    return QueueWindow(total, offset, tickets, focus_row, now, more)


@dataclass(frozen=True, slots=True)
class QueueStats:
    """The whole queue's figures, read once per refresh rather than per window.

    Attributes:
        counts: ``open``, ``unassigned``, ``at_risk``, ``breached`` (unfiltered).
        loads: Open tickets per assigned technician's login.
        at: The instant they were read at.
        next_change: When time alone next changes the at-risk or breached count
            (an open ticket's nearest deadline or warning ahead), ``None``: never.
            Until then, and until a write, reading them again would give the same.
        has_customers: Whether any customer exists (a new database has none yet).
    """

    counts: Mapping[str, int]
    loads: Mapping[str, int]
    at: datetime
    next_change: datetime | None = None
    has_customers: bool = True


def queue_stats(uow: UnitOfWork, now: datetime) -> QueueStats:
    """Count the queue and the technicians' loads in one short transaction."""
    with uow:
        counts, loads = uow.tickets.counts_and_loads(now)
        return QueueStats(
            counts,
            loads,
            now,
            uow.tickets.next_count_change(now),
            uow.directory.has_customers(),
        )


def technician_ranking(
    uow: UnitOfWork, ticket_id: int, at: datetime, loads: Mapping[str, int] | None = None
) -> tuple[Ticket, list[Candidate]]:
    """The technicians ranked for a ticket at instant ``at``, best first, with their reasons.

    Who is on call is the rota's answer at ``at`` (the stored flags where no
    rotation exists). ``loads`` (from :func:`queue_stats`) spares counting
    every open ticket again; without it they are counted here.
    """
    with uow:
        ticket = uow.tickets.get(ticket_id, description_chars=0)  # ranking reads none
        if loads is None:
            loads = uow.tickets.loads()
        technicians = oncall.on_call_at(uow, uow.directory.technicians(), at)
        ranked = rank_technicians(ticket, technicians, loads)
    return ticket, ranked
