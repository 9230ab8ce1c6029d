"""Ticket links in SQL: which ticket follows which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.store.schema import TicketLinkRow

FOLLOWS = "follows"


class SqlTicketLinks:
    """``ticket_links`` rows.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, ticket_id: int, follows_id: int, at: datetime) -> None:
        """Record that ``ticket_id`` follows ``follows_id``."""
        self._session.add(
            TicketLinkRow(ticket_id=ticket_id, other_id=follows_id, kind=FOLLOWS, at=at)
        )
        self._session.flush()

    def follows(self, ticket_id: int) -> list[int]:
        """The tickets ``ticket_id`` follows."""
        query = select(TicketLinkRow.other_id).where(TicketLinkRow.ticket_id == ticket_id)
        return list(self._session.scalars(query.order_by(TicketLinkRow.id)))

    def followed_by(self, ticket_id: int) -> list[int]:
        """The tickets that follow ``ticket_id``."""
        query = select(TicketLinkRow.ticket_id).where(TicketLinkRow.other_id == ticket_id)
        return list(self._session.scalars(query.order_by(TicketLinkRow.id)))
