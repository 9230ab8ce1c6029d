"""The append-only event log in SQL (the ``EventLog`` port): the audit trail and the feed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dispatch.domain.ticket import Event
from dispatch.store import convert
from dispatch.store.feed import announce_change
from dispatch.store.schema import EventRow


class SqlEventLog:
    """The append-only event table.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        ticket_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> Event:
        """Record one change."""
        row = EventRow(
            at=at,
            actor=actor,
            action=action,
            ticket_id=ticket_id,
            before=dict(before or {}),
            after=dict(after or {}),
            note=note,
        )
        self._session.add(row)
        self._session.flush()
        announce_change(self._session)
        return convert.event_from_row(row)

    def append_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Record several changes in one statement (an import's histories)."""
        if not entries:
            return
        rows = [
            {
                "at": e["at"],
                "actor": e["actor"],
                "action": e["action"],
                "ticket_id": e.get("ticket_id"),
                "before": dict(e.get("before") or {}),
                "after": dict(e.get("after") or {}),
                "note": e.get("note"),
            }
            for e in entries
        ]
        self._session.execute(insert(EventRow), rows)
        announce_change(self._session)

    def listing(
        self,
        *,
        ticket_id: int | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Sequence[Event]:
        """Events oldest first: of one ticket, from an instant, after an event id."""
        query = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id)
        if ticket_id is not None:
            query = query.where(EventRow.ticket_id == ticket_id)
        if since is not None:
            query = query.where(EventRow.at >= since)
        if limit is not None:
            query = query.limit(limit)
        return [convert.event_from_row(r) for r in self._session.scalars(query)]

    def last_id(self) -> int:
        """The newest event's id (0 if none)."""
        return int(self._session.scalar(select(func.max(EventRow.id))) or 0)

    def for_ticket(self, ticket_id: int) -> Sequence[Event]:
        """A ticket's history, oldest first."""
        rows = self._session.scalars(
            select(EventRow).where(EventRow.ticket_id == ticket_id).order_by(EventRow.id)
        )
        return [convert.event_from_row(r) for r in rows]

    def for_tickets(self, ticket_ids: Sequence[int]) -> dict[int, list[Event]]:
        """The histories of these tickets, oldest first each, in one query (no events: absent)."""
        found: dict[int, list[Event]] = {}
        if not ticket_ids:
            return found
        query = (
            select(EventRow)
            .where(EventRow.ticket_id.in_(sorted(set(ticket_ids))))
            .order_by(EventRow.id)
        )
        for row in self._session.scalars(query):
            event = convert.event_from_row(row)
            found.setdefault(row.ticket_id or 0, []).append(event)
        return found
