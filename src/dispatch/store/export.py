"""Whole tables read in chunks for ``dispatch export`` (the ``ExportSource`` port).

Each kind is read in keyset pages of :data:`CHUNK` rows (``WHERE id > last
ORDER BY id LIMIT CHUNK``), one statement per page, rather than through one
server-side cursor: a page of tickets needs a second query for those tickets'
events, and separate statements interleave the same way on SQLite and
PostgreSQL. Memory holds one page at a time, whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from dispatch.domain.alerts import Alert
from dispatch.domain.exports import ContractExport, TicketExport
from dispatch.domain.model import Customer, Technician
from dispatch.domain.ticket import Event
from dispatch.store import convert
from dispatch.store.alerts import alert_from_row
from dispatch.store.schema import (
    AlertRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    EventRow,
    TechnicianRow,
    TicketRow,
)

CHUNK = 500
"""Rows read per statement."""


def _span(
    column: InstrumentedAttribute[datetime], start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def key_of(table: type[CustomerRow | ContractRow], kind: str) -> ColumnElement[str]:
    """What an export names a customer or contract by.

    Its external id, else ``dispatch:KIND:ID`` (stable, so that the files read
    back in with ``dispatch import``).
    """
    generated = literal(f"dispatch:{kind}:") + cast(table.id, String)
    return func.coalesce(table.external_id, generated)


class SqlExportSource:
    """Whole tables, one page of :data:`CHUNK` rows at a time.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _pages(
        self,
        query: Select[*tuple[Any, ...]],
        key: InstrumentedAttribute[int],
        id_of: Callable[[Any], int],
    ) -> Iterator[Sequence[Any]]:
        """The query's result rows in pages ordered by ``key``, ``CHUNK`` a page."""
        last = 0
        while True:
            page = self._session.execute(query.where(key > last).order_by(key).limit(CHUNK)).all()
            if not page:
                return
            yield page
            # Rows already written are not needed again: the identity map keeps them
            # only while referenced, but expunging makes that certain.
            self._session.expunge_all()
            if len(page) < CHUNK:
                return
            last = id_of(page[-1])

    def customers(self) -> Iterator[Customer]:
        """All customers in id order, each with its contacts."""
        for page in self._pages(select(CustomerRow), CustomerRow.id, lambda r: r[0].id):
            contacts: dict[int, list[ContactRow]] = {}
            for contact in self._session.scalars(
                select(ContactRow)
                .where(ContactRow.customer_id.in_([row.id for (row,) in page]))
                .order_by(ContactRow.id)
            ):
                contacts.setdefault(contact.customer_id, []).append(contact)
            for (row,) in page:
                yield convert.customer_from_row(row, contacts.get(row.id, ()))

    def contracts(self) -> Iterator[ContractExport]:
        """All contracts in id order, with their customers' references (``key_of``)."""
        query = select(ContractRow, key_of(CustomerRow, "customer")).join(
            CustomerRow, CustomerRow.id == ContractRow.customer_id
        )
        for page in self._pages(query, ContractRow.id, lambda r: r[0].id):
            for row, customer in page:
                yield ContractExport(convert.contract_from_row(row), customer)

    def technicians(self) -> Iterator[Technician]:
        """All technicians in id order."""
        for page in self._pages(select(TechnicianRow), TechnicianRow.id, lambda r: r[0].id):
            for (row,) in page:
                yield convert.technician_from_row(row)

    def tickets(self, start: datetime | None, end: datetime | None) -> Iterator[TicketExport]:
        """Tickets opened in ``[start, end)`` in id order, with contract names and events."""
        query = (
            select(
                TicketRow,
                CustomerRow.name,
                ContractRow.kind,
                key_of(ContractRow, "contract"),
                TechnicianRow.login,
            )
            .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
            .join(ContractRow, ContractRow.id == TicketRow.contract_id)
            .outerjoin(TechnicianRow, TechnicianRow.id == TicketRow.assignee_id)
            .where(*_span(TicketRow.opened_at, start, end))
        )
        for page in self._pages(query, TicketRow.id, lambda r: r[0].id):
            events = self._events_of([row.id for row, *_ in page])
            callers = self._callers_of({row.contact_id for row, *_ in page} - {None})
            for row, customer, kind, contract, assignee in page:
                ticket = convert.ticket_from_row(row, customer, kind, assignee)
                caller = callers.get(row.contact_id) if row.contact_id else None
                yield TicketExport(ticket, contract, events.get(row.id, ()), caller)

    def _callers_of(self, contact_ids: set[int | None]) -> dict[int, str]:
        """How an import names each of these contacts: its external id, else its first address."""
        if not contact_ids:
            return {}
        rows = self._session.execute(
            select(ContactRow.id, ContactRow.external_id, ContactRow.emails).where(
                ContactRow.id.in_([i for i in contact_ids if i is not None])
            )
        )
        return {
            row.id: row.external_id or row.emails[0]
            for row in rows
            if row.external_id or row.emails
        }

    def _events_of(self, ticket_ids: list[int]) -> dict[int, list[Event]]:
        """The events of these tickets (one page of them), oldest first per ticket."""
        rows = self._session.scalars(
            select(EventRow)
            .where(EventRow.ticket_id.in_(ticket_ids))
            .order_by(EventRow.ticket_id, EventRow.id)
        )
        out: dict[int, list[Event]] = {}
        for row in rows:
            assert row.ticket_id is not None
            out.setdefault(row.ticket_id, []).append(convert.event_from_row(row))
        return out

    def events(self, start: datetime | None, end: datetime | None) -> Iterator[Event]:
        """Events recorded in ``[start, end)``, in id order."""
        query = select(EventRow).where(*_span(EventRow.at, start, end))
        for page in self._pages(query, EventRow.id, lambda r: r[0].id):
            for (row,) in page:
                yield convert.event_from_row(row)

    def alerts(self, start: datetime | None, end: datetime | None) -> Iterator[Alert]:
        """Alerts raised in ``[start, end)``, in id order."""
        query = (
            select(AlertRow, TicketRow.title, CustomerRow.name)
            .join(TicketRow, TicketRow.id == AlertRow.ticket_id)
            .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
            .where(*_span(AlertRow.raised_at, start, end))
        )
        for page in self._pages(query, AlertRow.id, lambda r: r[0].id):
            for row, title, customer in page:
                yield alert_from_row(row, title, customer)
