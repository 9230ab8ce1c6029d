"""Ports: what the services need from the outside world, as Protocols.

The storage adapter (``dispatch.store``) implements the stores and the unit of
work; ``dispatch.bootstrap`` wires them in. Tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from dispatch.domain.calendar import Calendar
from dispatch.domain.exports import ExportSource
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import Contact, Contract, Customer, Technician
from dispatch.domain.monitoring import MonitoringStore
from dispatch.domain.ports_alerts import AlertStore, Outbox
from dispatch.domain.ports_console import PresenceStore
from dispatch.domain.ports_conversation import ArticleStore, TicketLinkStore
from dispatch.domain.ports_schedule import OnCallStore, PlanStore
from dispatch.domain.ticket import Event, Ticket


class Clock(Protocol):
    """Tells the time; injected so that tests and snapshots can fix it."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests, demos and snapshots.

    Args:
        at: The instant to show (aware).
    """

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """The fixed instant."""
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._at += delta


class TicketStore(Protocol):
    """Tickets, read and written inside one unit of work."""

    def get(self, ticket_id: int, *, description_chars: int | None = None) -> Ticket:
        """The ticket with this id; raises ``NotFoundError``.

        With ``description_chars``, a longer description holds only its first
        characters (at most that many) and ``description_size`` the whole
        size in bytes (for display; such a ticket never writes it back).
        """
        ...

    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (its ``id`` is ignored) and return it with its id."""
        ...

    def update(self, ticket: Ticket, expected_version: int) -> Ticket:
        """Write ``ticket`` if the stored version is still ``expected_version``.

        Returns the stored ticket with its new version; raises ``ConflictError``
        when someone else changed it first.
        """
        ...

    def check_version(self, ticket_id: int, expected_version: int) -> None:
        """Raise ``ConflictError`` (saying who changed it) unless the ticket is at that version.

        Writes nothing: a change that would change nothing still fails for a
        caller who read an older version.
        """
        ...

    def queue(self, *, open_only: bool = True, limit: int | None = None) -> list[Ticket]:
        """Tickets in queue order (``dispatch.domain.queue``), open ones by default."""
        ...

    def count_open(self) -> int:
        """How many tickets stand in the queue."""
        ...

    def window(self, where: QueueFilter, now: datetime, offset: int, limit: int) -> list[Ticket]:
        """Open tickets matching ``where`` in queue order, ``limit`` from ``offset``."""
        ...

    def count(self, where: QueueFilter, now: datetime) -> int:
        """How many open tickets match ``where``."""
        ...

    def count_upto(self, where: QueueFilter, now: datetime, upto: int) -> tuple[int, bool]:
        """How many match, counting no further than ``upto`` where it can.

        ``(n, True)``: more than ``n`` match, ``n >= upto`` (a lower bound);
        ``(n, False)``: exactly ``n``.
        """
        ...

    def position(self, where: QueueFilter, now: datetime, ticket_id: int) -> int | None:
        """The 0-based row of a ticket in the filtered queue, or ``None``."""
        ...

    def loads(self) -> dict[str, int]:
        """Open tickets per assigned technician's login."""
        ...

    def by_external_id(self, external_id: str) -> Ticket | None:
        """The ticket an import knows as ``external_id``, if any."""
        ...

    def add_many(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Insert ``tickets`` at once (an import); them with their new ids, in order."""
        ...

    def by_external_id_exists(self) -> bool:
        """Whether any ticket has an external id (an earlier import)."""
        ...

    def counts_and_loads(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """The ``open``, ``unassigned``, ``at_risk``, ``breached`` counts, and ``loads()``."""
        ...

    def next_count_change(self, now: datetime) -> datetime | None:
        """When time alone next changes the at-risk or breached count, after ``now``.

        That is an open ticket's nearest deadline or warning (``None``: none ahead).
        """
        ...

    def of_customer(
        self,
        customer_id: int,
        *,
        limit: int,
        since: datetime | None = None,
        open_only: bool = False,
    ) -> list[Ticket]:
        """A customer's tickets, newest opened first, at most ``limit`` (without descriptions).

        ``since``: opened at or after it only; ``open_only``: open ones only.
        Each ticket's ``description`` is empty and ``description_size`` its size.
        """
        ...


class DirectoryStore(Protocol):
    """Customers, contracts and technicians."""

    def customers(self) -> list[Customer]:
        """All customers by name."""
        ...

    def customer_by_name(self, name: str) -> Customer:
        """The customer with this exact name; raises ``NotFoundError``."""
        ...

    def customer(self, customer_id: int) -> Customer:
        """The customer with this id; raises ``NotFoundError``."""
        ...

    def contracts(self, customer_id: int | None = None) -> list[Contract]:
        """Contracts, all or one customer's."""
        ...

    def contract(self, contract_id: int) -> Contract:
        """One contract; raises ``NotFoundError``."""
        ...

    def technicians(self) -> list[Technician]:
        """All technicians by login."""
        ...

    def technician(self, login: str) -> Technician:
        """The technician with this login; raises ``NotFoundError``."""
        ...

    def calendars(self) -> dict[str, Calendar]:
        """The calendars defined in the database, by name."""
        ...

    def save_calendar(self, calendar: Calendar, at: datetime) -> bool:
        """Create or replace a calendar; ``True`` if it was new."""
        ...

    def has_customers(self) -> bool:
        """Whether any customer that is not retired exists (an empty database has none)."""
        ...

    # --- the administrator's writes (``dispatch customer|contact|contract|tech``) ---

    def customer_by_external_id(self, external_id: str) -> Customer | None:
        """The customer an import knows as ``external_id``, if any."""
        ...

    def add_customer(self, customer: Customer) -> Customer:
        """Insert a customer (its id is chosen by the store) with its contacts."""
        ...

    def update_customer(self, customer: Customer, fields: Collection[str]) -> Customer:
        """Write the ``fields`` of ``customer`` (by id) and no other; raises ``NotFoundError``."""
        ...

    def contact(self, contact_id: int) -> Contact:
        """One contact; raises ``NotFoundError``."""
        ...

    def add_contact(self, contact: Contact) -> Contact:
        """Insert a contact."""
        ...

    def update_contact(self, contact: Contact, fields: Collection[str]) -> Contact:
        """Write the ``fields`` of ``contact`` (by id) and no other; raises ``NotFoundError``."""
        ...

    def remove_contact(self, contact_id: int) -> None:
        """Delete a contact; raises ``NotFoundError``."""
        ...

    def contract_by_name(self, name: str) -> Contract:
        """The contract with this exact name; raises ``NotFoundError``."""
        ...

    def contract_by_external_id(self, external_id: str) -> Contract | None:
        """The contract an import knows as ``external_id``, if any."""
        ...

    def add_contract(self, contract: Contract) -> Contract:
        """Insert a contract."""
        ...

    def update_contract(self, contract: Contract, fields: Collection[str]) -> Contract:
        """Write the ``fields`` of ``contract`` (by id) and no other; raises ``NotFoundError``."""
        ...

    def technician_by_external_id(self, external_id: str) -> Technician | None:
        """The technician an import knows as ``external_id``, if any."""
        ...

    def add_technician(self, tech: Technician) -> Technician:
        """Insert a technician."""
        ...

    def update_technician(self, tech: Technician, fields: Collection[str]) -> Technician:
        """Write the ``fields`` of ``tech`` (by id) and no other; raises ``NotFoundError``."""
        ...


class EventLog(Protocol):
    """The append-only record of changes."""

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
        ...

    def append_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Record several changes in one statement (keys as ``append``'s); no ids returned."""
        ...

    def for_ticket(self, ticket_id: int) -> Sequence[Event]:
        """A ticket's history, oldest first."""
        ...

    def for_tickets(self, ticket_ids: Sequence[int]) -> Mapping[int, Sequence[Event]]:
        """The histories of several tickets at once, oldest first each (none: absent)."""
        ...

    def listing(
        self,
        *,
        ticket_id: int | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Sequence[Event]:
        """Events oldest first: of one ticket, from an instant, after an event id."""
        ...

    def last_id(self) -> int:
        """The newest event's id (0 if none)."""
        ...


class UnitOfWork(Protocol):
    """One short transaction: enter, work on the stores, commit (or it rolls back)."""

    @property
    def tickets(self) -> TicketStore:
        """The tickets."""
        ...

    @property
    def directory(self) -> DirectoryStore:
        """Customers, contracts and technicians."""
        ...

    @property
    def events(self) -> EventLog:
        """The event log."""
        ...

    @property
    def articles(self) -> ArticleStore:
        """Tickets' conversations."""
        ...

    @property
    def links(self) -> TicketLinkStore:
        """Which tickets follow which."""
        ...

    @property
    def alerts(self) -> AlertStore:
        """Alerts and leases."""
        ...

    @property
    def monitoring(self) -> MonitoringStore:
        """Monitoring keys on tickets."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Deliveries of alerts."""
        ...

    @property
    def plans(self) -> PlanStore:
        """Plans, time entries, block periods."""
        ...

    @property
    def presence(self) -> PresenceStore:
        """Who has which ticket open."""
        ...

    @property
    def oncall(self) -> OnCallStore:
        """On-call rotations and overrides."""
        ...

    @property
    def exports(self) -> ExportSource:
        """Whole tables, read in chunks (``dispatch export``)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make the work permanent."""
        ...

    def rollback(self) -> None:
        """Undo the work."""
        ...
