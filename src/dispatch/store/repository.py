"""The tickets in SQL (the ``TicketStore`` port): windows, counts, positions, versioned writes.

Customers, contracts and technicians are in ``directory.py``, the event log in
``events.py``, one customer's tickets in ``customer_tickets.py`` (a base); all
work inside the unit of work's one Session.
"""

from __future__ import annotations

import codecs
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    insert,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.exc import StaleDataError

from dispatch.domain.errors import ConflictError, NotFoundError
from dispatch.domain.filter import UNASSIGNED, QueueFilter, Scope
from dispatch.domain.ticket import Ticket
from dispatch.store import convert
from dispatch.store.counters import Counters
from dispatch.store.customer_tickets import CustomerTickets
from dispatch.store.queue_filter import (
    QUEUE_ORDER,
    filtered,
    order_keys,
    parts,
    search_driven,
    search_matches,
)
from dispatch.store.schema import (
    ContractRow,
    CustomerRow,
    EventRow,
    TechnicianRow,
    TicketRow,
)


def _head(value: str | bytes, size: int, chars: int) -> tuple[str, int | None]:
    """What the display reads of a description, and its size when that is not all of it.

    At most ``chars`` characters; the whole size in bytes when cut.
    ``value`` is the beginning read: bytes from SQLite (``4 * chars`` of
    them, never fewer than ``chars`` characters), text from PostgreSQL
    (``chars + 1`` characters).
    """
    if isinstance(value, bytes):
        missing = size > len(value)
        # Cut anywhere: a character split at the end is left out, not garbled.
        value = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(value)
    else:
        missing = False
    if missing or len(value) > chars:
        return value[:chars], size
    return value, None


def _ticket_select() -> Select[TicketRow, str, str, str | None]:
    return (
        select(TicketRow, CustomerRow.name, ContractRow.kind, TechnicianRow.login)
        .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
        .join(ContractRow, ContractRow.id == TicketRow.contract_id)
        .outerjoin(TechnicianRow, TechnicianRow.id == TicketRow.assignee_id)
    )


POSITION_CAP = 2000
"""Tickets ahead of a focused one counted before trying the other side (see ``position``)."""

SMALL_MATCHES = 1000
"""A word's matches a window read sorts by itself (see ``_part_ids``)."""


class SqlTicketStore(CustomerTickets):
    """Tickets in SQL.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def get(self, ticket_id: int, *, description_chars: int | None = None) -> Ticket:
        """The ticket with this id; raises ``NotFoundError``.

        With ``description_chars``, only that many characters of the
        description (and its length) are read: a 10 MB description costs a
        display what its first screens cost.
        """
        if description_chars is not None:
            for ticket in self._cut(TicketRow.id == ticket_id, description_chars):
                return ticket
            raise NotFoundError(f"no ticket T-{ticket_id}")
        found = self._session.execute(_ticket_select().where(TicketRow.id == ticket_id)).first()
        if found is None:
            raise NotFoundError(f"no ticket T-{ticket_id}")
        row, customer_name, contract_kind, assignee = found
        return convert.ticket_from_row(row, customer_name, contract_kind, assignee)

    def _cut(self, where: ColumnElement[bool], chars: int) -> list[Ticket]:
        """Tickets matching ``where``, each with at most ``chars`` of its description.

        Only the beginning of each description is read, with its size (see
        ``_head``). SQLite cannot read the beginning of a value in SQL without
        loading all of it (10 MB: some 20 ms a row), so there the bytes come
        through its incremental blob reader, which reads only the pages asked
        for (bytes too because a hostile description may hold a NUL
        character, at which SQLite's text functions stop).
        """
        if self._dialect == "sqlite":
            return self._cut_sqlite(where, chars)
        stored = TicketRow.description
        query = (
            _ticket_select()
            .add_columns(func.substr(stored, 1, chars + 1), func.octet_length(stored))
            .options(defer(TicketRow.description))
            .where(where)
        )
        return [
            convert.ticket_from_row(row, name, kind, login, _head(text, size, chars))
            for row, name, kind, login, text, size in self._session.execute(query)
        ]

    def _cut_sqlite(self, where: ColumnElement[bool], chars: int) -> list[Ticket]:
        query = _ticket_select().options(defer(TicketRow.description)).where(where)
        found = self._session.execute(query).all()
        raw = self._session.connection().connection.driver_connection  # this transaction's
        assert isinstance(raw, sqlite3.Connection)
        out = []
        for row, name, kind, login in found:
            with raw.blobopen("tickets", "description", row.id, readonly=True) as blob:
                size = len(blob)
                head = blob.read(4 * chars) if chars and size else b""  # 4: UTF-8's longest
            out.append(convert.ticket_from_row(row, name, kind, login, _head(head, size, chars)))
        return out

    def add(self, ticket: Ticket) -> Ticket:
        """Insert ``ticket`` and return it with its new id and version 1.

        Not read back: what was inserted is what ``get`` would give (an
        import inserts a hundred thousand, and the read cost as much as the insert).
        """
        columns = convert.ticket_columns(ticket, self._assignee_id(ticket.assignee))
        statement = insert(TicketRow).values(**columns, version=1).returning(TicketRow.id)
        new_id = self._session.scalar(statement)
        return replace(ticket, id=int(new_id or 0), version=1)

    def add_many(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Insert ``tickets`` in one statement; them with their new ids, in order."""
        if not tickets:
            return []
        logins = {t.assignee for t in tickets} - {None}
        found = self._session.execute(
            select(TechnicianRow.login, TechnicianRow.id).where(
                TechnicianRow.login.in_(list(logins))
            )
        )
        ids_of: dict[str, int] = {row.login: row.id for row in found}
        missing = sorted(str(login) for login in logins - set(ids_of))
        if missing:
            raise NotFoundError(f"no technician with login {missing[0]!r}")
        rows = [
            {**convert.ticket_columns(t, ids_of.get(t.assignee or "")), "version": 1}
            for t in tickets
        ]
        statement = insert(TicketRow).returning(TicketRow.id, sort_by_parameter_order=True)
        new_ids = self._session.scalars(statement, rows).all()
        return [replace(t, id=i, version=1) for t, i in zip(tickets, new_ids, strict=True)]

    def check_version(self, ticket_id: int, expected_version: int) -> None:
        """Raise ``ConflictError`` unless the ticket is still at ``expected_version``."""
        version = self._session.scalar(select(TicketRow.version).where(TicketRow.id == ticket_id))
        if version is None:
            raise NotFoundError(f"no ticket T-{ticket_id}")
        if version != expected_version:
            raise self._conflict(ticket_id, expected_version, version)

    def update(self, ticket: Ticket, expected_version: int) -> Ticket:
        """Write ``ticket`` unless someone changed it since ``expected_version``."""
        row = self._session.get(TicketRow, ticket.id)
        if row is None:
            raise NotFoundError(f"no ticket T-{ticket.id}")
        if row.version != expected_version:
            raise self._conflict(ticket.id, expected_version, row.version)
        for name, value in convert.ticket_columns(
            ticket, self._assignee_id(ticket.assignee)
        ).items():
            if name == "description" and ticket.description_size is not None:
                continue  # read cut for display: the stored text stays whole
            if name == "contact_id":
                # Set when the ticket is opened; a contact removed since has set it to
                # NULL (without a new version), which writing the read value back would undo.
                continue
            setattr(row, name, value)
        try:
            # The UPDATE carries "WHERE version = :read": a concurrent writer in
            # between makes it touch no row, which SQLAlchemy reports as stale.
            self._session.flush()
        except StaleDataError:
            # PostgreSQL: the UPDATE waited for the other writer's commit, then
            # found the version moved. Say who changed it, as the check above does.
            self._session.rollback()
            actual = self._session.scalar(
                select(TicketRow.version).where(TicketRow.id == ticket.id)
            )
            raise self._conflict(
                ticket.id, expected_version, actual or expected_version + 1
            ) from None
        return self.get(ticket.id)

    def queue(self, *, open_only: bool = True, limit: int | None = None) -> list[Ticket]:
        """Tickets in queue order, walking ``ix_tickets_queue``."""
        query = _ticket_select()
        if open_only:
            query = query.where(TicketRow.is_open == true()).order_by(*QUEUE_ORDER)
        else:
            query = query.order_by(TicketRow.is_open.desc(), *QUEUE_ORDER)
        if limit is not None:
            query = query.limit(limit)
        return [
            convert.ticket_from_row(row, customer_name, contract_kind, assignee)
            for row, customer_name, contract_kind, assignee in self._session.execute(query)
        ]

    def window(self, where: QueueFilter, now: datetime, offset: int, limit: int) -> list[Ticket]:
        """Tickets matching ``where``, in its order, ``limit`` from ``offset``.

        Only ids are paged (an index-only walk when no filter applies), part
        by part (open, then closed for the scope "all"); the rows are then
        read by primary key.
        """
        keys = order_keys(where.order)
        ids: list[int] = []
        skip = max(offset, 0)
        for is_open in parts(where):
            if len(ids) >= limit:
                break
            if is_open and len(parts(where)) > 1:
                in_part, more = self._part_count_upto(where, now, is_open=True, upto=skip)
                if not more and in_part <= skip:  # the whole part lies before the window
                    skip -= in_part
                    continue
            ids += self._session.scalars(
                self._part_ids(where, now, is_open, skip + limit)
                .order_by(*keys)
                .offset(skip)
                .limit(limit - len(ids))
            )
            skip = 0
        found = {t.id: t for t in self.by_ids(ids)}
        return [found[i] for i in ids if i in found]

    def _part_ids(
        self, where: QueueFilter, now: datetime, is_open: bool, reach: int
    ) -> Select[Any]:
        """The ids of one part's tickets matching ``where``, to be sorted and paged to ``reach``.

        On SQLite, a word with few matches (fewer than ``SMALL_MATCHES``, or
        than twice the rows up to the window's end) is read from the trigram
        index and its tickets sorted (a cost of the matches, not of the
        queue); a word with many walks the part's index in order, checking
        each ticket against the matches, and stops at the window's end
        (``EXPLAIN QUERY PLAN``: ``SEARCH tickets USING COVERING INDEX
        ix_tickets_queue``, then ``INTEGER PRIMARY KEY`` with a sort for few).
        """
        driven = search_driven(where, now, dialect=self._dialect, is_open=is_open)
        if driven is not None:
            upto = max(SMALL_MATCHES, 2 * reach)
            probe = search_matches(where, upto)
            if probe is not None and int(self._session.scalar(probe) or 0) <= upto:
                return select(TicketRow.id).where(TicketRow.id.in_(driven))
        return self._filtered(select(TicketRow.id), where, now, is_open)

    def by_ids(self, ids: Sequence[int]) -> list[Ticket]:
        """These tickets (in no particular order; unknown ids are left out)."""
        if not ids:
            return []
        # The queue shows no description: none is read (the detail reads its own).
        return self._cut(TicketRow.id.in_(ids), 0)

    def count(self, where: QueueFilter, now: datetime) -> int:
        """How many tickets match ``where`` (in its scope)."""
        return sum(self._part_count(where, now, is_open=part) for part in parts(where))

    def count_upto(self, where: QueueFilter, now: datetime, upto: int) -> tuple[int, bool]:
        """How many tickets match ``where``, counting no further than ``upto`` where it can.

        ``(n, True)``: more than ``n`` match (``n`` is at least ``upto``, a
        lower bound); ``(n, False)``: exactly ``n``. A part whose size is a
        counter is exact whatever its size.
        """
        total = 0
        for part in parts(where):
            n, more = self._part_count_upto(where, now, is_open=part, upto=max(upto - total, 0))
            total += n
            if more:
                return total, True
        return total, False

    def _part_count(self, where: QueueFilter, now: datetime, *, is_open: bool) -> int:
        """The tickets of one part matching ``where``: from the counters when no term narrows it."""
        return self._part_count_upto(where, now, is_open=is_open, upto=None)[0]

    def _part_count_upto(
        self,
        where: QueueFilter,
        now: datetime,
        *clauses: ColumnElement[bool],
        is_open: bool,
        upto: int | None,
    ) -> tuple[int, bool]:
        """One part's tickets matching ``where`` and ``clauses``, as ``count_upto`` counts them.

        The counters when no term narrows the part; on SQLite, a filter with
        words counts from the trigram index's matches (``search_driven``);
        else the part's rows, stopping after ``upto + 1`` when bounded.
        """
        counted = None if clauses else self._counted(where, is_open=is_open)
        if counted is not None:
            return counted, False
        driven = search_driven(where, now, *clauses, dialect=self._dialect, is_open=is_open)
        if driven is None and upto is None:
            return self._count(where, now, *clauses, is_open=is_open), False
        some = driven
        if some is None:
            some = self._filtered(select(TicketRow.id), where, now, is_open).where(*clauses)
        if upto is not None:
            some = some.limit(upto + 1)
        n = int(self._session.scalar(select(func.count()).select_from(some.subquery())) or 0)
        if upto is not None and n > upto:
            return upto, True
        return n, False

    def _counted(self, where: QueueFilter, *, is_open: bool) -> int | None:
        """The open part's size from the counters, with no term typed (``None``: count it)."""
        if not (is_open and where.is_empty):
            return None
        per_assignee = Counters(self._session).by_assignee()
        if where.scope is not Scope.MINE:
            return sum(per_assignee.values())
        if where.me is None or where.me == UNASSIGNED:
            return per_assignee.get(None, 0)
        tech_id = self._session.scalar(
            select(TechnicianRow.id).where(TechnicianRow.login == where.me)
        )
        return per_assignee.get(tech_id, 0) if tech_id is not None else 0

    def _filtered(
        self, query: Select[Any], where: QueueFilter, now: datetime, is_open: bool
    ) -> Select[Any]:
        return filtered(query, where, now, dialect=self._dialect, is_open=is_open)

    def _count(
        self, where: QueueFilter, now: datetime, *clauses: ColumnElement[bool], is_open: bool
    ) -> int:
        query = self._filtered(select(func.count()).select_from(TicketRow), where, now, is_open)
        return int(self._session.scalar(query.where(*clauses)) or 0)

    def position(self, where: QueueFilter, now: datetime, ticket_id: int) -> int | None:
        """The 0-based row of ticket ``ticket_id`` in the filtered queue, or ``None``."""
        keys = order_keys(where.order)
        row = self._session.execute(
            select(TicketRow.is_open, *keys).where(TicketRow.id == ticket_id)
        ).first()  # the sort key only: not a long description
        if row is None or row[0] not in parts(where):
            return None
        is_open, key = bool(row[0]), tuple(row[1:])
        one = filtered(
            select(TicketRow.id), where, now, dialect=self._dialect, is_open=is_open, per_row=True
        ).where(TicketRow.id == ticket_id)  # its own words only: not all of a word's matches
        if self._session.scalar(one) is None:
            return None
        at = tuple_(*[literal(v, type_=c.type) for v, c in zip(key, keys, strict=True)])
        before = self._count_upto(where, now, tuple_(*keys) < at, is_open, POSITION_CAP)
        if before is None:
            # Deep in the part: count the (cheaper) other side when the part's size
            # is a counter; else every ticket ahead, as before.
            size = self._counted(where, is_open=is_open)
            if size is not None:
                before = size - 1 - self._count(where, now, tuple_(*keys) > at, is_open=is_open)
            else:
                before = self._count(where, now, tuple_(*keys) < at, is_open=is_open)
        if not is_open:  # the scope "all": every open ticket comes first
            before += self._part_count(where, now, is_open=True)
        return before

    def _count_upto(
        self,
        where: QueueFilter,
        now: datetime,
        clause: ColumnElement[bool],
        is_open: bool,
        cap: int,
    ) -> int | None:
        """How many tickets of a part match ``where`` and ``clause``; ``None`` beyond ``cap``."""
        some = self._filtered(select(TicketRow.id), where, now, is_open).where(clause)
        found = self._session.scalar(
            select(func.count()).select_from(some.limit(cap + 1).subquery())
        )
        n = int(found or 0)
        return None if n > cap else n

    def by_external_id(self, external_id: str) -> Ticket | None:
        """The ticket an import knows as ``external_id``, if any."""
        found = self._session.scalar(
            select(TicketRow.id).where(TicketRow.external_id == external_id)
        )
        return None if found is None else self.get(found)

    def by_external_id_exists(self) -> bool:
        """Whether any ticket has an external id (one probe of its index)."""
        found = self._session.scalar(
            select(TicketRow.id).where(TicketRow.external_id.is_not(None)).limit(1)
        )
        return found is not None

    def loads(self) -> dict[str, int]:
        """Open tickets per assigned technician's login."""
        return self._name_loads(Counters(self._session).by_assignee())

    def counts_and_loads(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """The header's counts and the technicians' loads, from the counters of migration 0010.

        Open, unassigned and the loads are counter rows; breached and at risk
        are sums of deadline buckets plus a range count inside now's bucket.
        No walk of the open queue.
        """
        counters = Counters(self._session)
        per_assignee = counters.by_assignee()
        breached, at_risk = counters.breached_and_at_risk(now)
        counts = {
            "open": sum(per_assignee.values()),
            "unassigned": per_assignee.get(None, 0),
            "at_risk": at_risk,
            "breached": breached,
        }
        return counts, self._name_loads(per_assignee)

    def next_count_change(self, now: datetime) -> datetime | None:
        """When time alone next changes the at-risk or breached count (``None``: never)."""
        return Counters(self._session).next_change(now)

    def _name_loads(self, per_assignee: Mapping[int | None, int]) -> dict[str, int]:
        ids = [i for i in per_assignee if i is not None]
        if not ids:
            return {}
        logins = self._session.execute(
            select(TechnicianRow.id, TechnicianRow.login).where(TechnicianRow.id.in_(ids))
        )
        return {login: per_assignee[tech_id] for tech_id, login in logins}

    def count_open(self) -> int:
        """Number of open tickets (the sum of the per-assignee counters)."""
        return sum(Counters(self._session).by_assignee().values())

    def _assignee_id(self, login: str | None) -> int | None:
        if login is None:
            return None
        tech_id = self._session.scalar(select(TechnicianRow.id).where(TechnicianRow.login == login))
        if tech_id is None:
            raise NotFoundError(f"no technician with login {login!r}")
        return tech_id

    def _conflict(self, ticket_id: int, expected: int, actual: int) -> ConflictError:
        last = self._session.scalars(
            select(EventRow)
            .where(EventRow.ticket_id == ticket_id)
            .order_by(EventRow.id.desc())
            .limit(1)
        ).first()
        if last is None:
            return ConflictError(ticket_id, expected, actual)
        return ConflictError(
            ticket_id,
            expected,
            actual,
            changed_by=last.actor,
            changed_at=last.at.strftime("%Y-%m-%d %H:%M UTC"),
            summary=_summarise(last),
        )


def _summarise(event: EventRow) -> str:
    after = event.after
    if "assignee" in after:
        return f"assigned to {after['assignee']}" if after["assignee"] else "unassigned"
    if "status" in after:
        return f"status {after['status']}"
    return event.action
