"""The counters of migration 0010: the header's figures without counting the queue.

Triggers keep one row per name exact in every writer's transaction (the names
are explained in that migration). Open tickets per assignee are read as they
are; "breached" and "at risk" depend on the instant, so they are sums of the
ten-minute deadline buckets before now's, plus an index range count inside
now's bucket: the cost of one bucket, not of the queue.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from dispatch.store.schema import NO_DEADLINE, CounterRow, TicketRow

UNACKED_BREACHES = "unacked:breach"
"""The counter of breach alerts nobody acknowledged."""

ASSIGNEE = "assignee:"
"""The prefix of open tickets per assignee (``assignee:-``: unassigned)."""


def bucket(now: datetime) -> tuple[str, datetime]:
    """The name of ``now``'s ten-minute bucket (as the triggers spell it) and its start."""
    utc = now.astimezone(UTC)
    start = utc.replace(minute=utc.minute - utc.minute % 10, second=0, microsecond=0)
    return start.strftime("%Y-%m-%d %H:%M")[:15], start


class Counters:
    """Reads of the counters table.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def value(self, name: str) -> int:
        """One counter (0 when it has no row)."""
        n = self._session.scalar(select(CounterRow.n).where(CounterRow.name == name))
        return int(n or 0)

    def by_assignee(self) -> dict[int | None, int]:
        """Open tickets per assignee's id (``None``: unassigned)."""
        rows = self._session.execute(
            select(CounterRow.name, CounterRow.n).where(
                CounterRow.name >= ASSIGNEE, CounterRow.name < "assignee;"
            )
        )
        out: dict[int | None, int] = {}
        for name, n in rows:
            key = name.removeprefix(ASSIGNEE)
            out[None if key == "-" else int(key)] = int(n)
        return out

    def breached_and_at_risk(self, now: datetime) -> tuple[int, int]:
        """Open tickets past their deadline, and warned but not past it, at ``now``."""
        name, start = bucket(now)
        open_ = TicketRow.is_open == true()
        warned = TicketRow.queue_warn <= TicketRow.queue_due
        due_now = (TicketRow.queue_due >= start, TicketRow.queue_due < now)
        breached = self._before("due", name) + self._count(open_, *due_now)
        warned_by_now = self._before("risk", name) + self._count(
            open_, TicketRow.queue_warn >= start, TicketRow.queue_warn <= now, warned
        )
        due_by_now = self._before("riskend", name) + self._count(open_, *due_now, warned)
        return breached, warned_by_now - due_by_now

    def next_change(self, now: datetime) -> datetime | None:
        """The first instant after ``now`` at which time alone changes ``breached_and_at_risk``.

        That is the nearest deadline or warning still ahead among the open
        tickets (two index seeks); ``None`` when none lies ahead. A deadline
        at ``now`` itself is still ahead: it is breached just after.
        """
        open_ = TicketRow.is_open == true()
        due = self._session.scalar(
            select(func.min(TicketRow.queue_due)).where(
                open_, TicketRow.queue_due >= now, TicketRow.queue_due < NO_DEADLINE
            )
        )
        warn = self._session.scalar(
            select(func.min(TicketRow.queue_warn)).where(
                open_, TicketRow.queue_warn > now, TicketRow.queue_warn < NO_DEADLINE
            )
        )
        ahead = [at for at in (due, warn) if at is not None]
        return min(ahead) if ahead else None

    def _before(self, family: str, name: str) -> int:
        """The sum of ``family``'s buckets before bucket ``name`` (a primary-key range)."""
        total = self._session.scalar(
            select(func.sum(CounterRow.n)).where(
                CounterRow.name >= f"{family}:", CounterRow.name < f"{family}:{name}"
            )
        )
        return int(total or 0)

    def _count(self, *clauses: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(TicketRow).where(*clauses)
        return int(self._session.scalar(query) or 0)
