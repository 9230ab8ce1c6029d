"""One customer's tickets in SQL, newest first and bounded (the customer card's record).

A base of ``SqlTicketStore`` (``repository.py``, which holds the queue): the
ids are read by ``ix_tickets_customer_id`` and sorted by opening (a customer's
tickets, not the whole table), then the rows by primary key without their
descriptions, as the queue reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from dispatch.domain.ticket import Ticket
from dispatch.store.schema import TicketRow


class CustomerTickets:
    """``TicketStore.of_customer``, for a store with a session and ``by_ids``."""

    _session: Session

    def by_ids(self, ids: Sequence[int]) -> list[Ticket]:
        """These tickets without descriptions (the store's own read)."""
        raise NotImplementedError

    def of_customer(
        self,
        customer_id: int,
        *,
        limit: int,
        since: datetime | None = None,
        open_only: bool = False,
    ) -> list[Ticket]:
        """A customer's tickets, newest opened first, at most ``limit``, without descriptions.

        ``since``: opened at or after it only; ``open_only``: open ones only.
        """
        if limit <= 0:
            return []
        query = select(TicketRow.id).where(TicketRow.customer_id == customer_id)
        if since is not None:
            query = query.where(TicketRow.opened_at >= since)
        if open_only:
            query = query.where(TicketRow.is_open == true())
        query = query.order_by(TicketRow.opened_at.desc(), TicketRow.id.desc()).limit(limit)
        ids = list(self._session.scalars(query))
        found = {t.id: t for t in self.by_ids(ids)}
        return [found[i] for i in ids if i in found]
