"""Ports: what the services need from the outside world, as Protocols.

The storage adapter (``dispatch.store``) implements the stores and the unit of
work; ``dispatch.bootstrap`` wires them in. Tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from dispatch.domain.alerts import Alert, AlertLevel, Threshold
from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import Article
from dispatch.domain.exports import ExportSource
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import (
    Contact,
    Contract,
    Customer,
    Event,
    Target,
    Technician,
    Ticket,
)
from dispatch.domain.monitoring import MonitoringStore
from dispatch.domain.notify import Delivery, Secret
from dispatch.domain.oncall import Override, Rotation
from dispatch.domain.plans import Plan, PlanRun


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


class ArticleStore(Protocol):
    """Tickets' conversations: articles are added, never changed."""

    def add(self, article: Article) -> Article:
        """Store a new article (and its attachments' records); it with its id.

        Raises:
            DuplicateError: Its Message-ID is stored already (the transaction
                stays usable: a duplicate delivery is then simply dropped).
        """
        ...

    def get(self, article_id: int) -> Article:
        """One article with its send state.

        Raises:
            NotFoundError: No such article.
        """
        ...

    def for_ticket(self, ticket_id: int, *, last: int | None = None) -> list[Article]:
        """A ticket's articles, oldest first (``last``: only the newest so many)."""
        ...

    def count(self, ticket_id: int) -> int:
        """How many articles a ticket has."""
        ...

    def by_message_id(self, message_id: str) -> Article | None:
        """The article that has this Message-ID, if any."""
        ...

    def thread(self, ticket_id: int) -> list[str]:
        """The Message-IDs of a ticket's e-mails, oldest first."""
        ...


class TicketLinkStore(Protocol):
    """Tickets that follow others (a mail answering a closed ticket opens one)."""

    def add(self, ticket_id: int, follows_id: int, at: datetime) -> None:
        """Record that ``ticket_id`` follows ``follows_id``."""
        ...

    def follows(self, ticket_id: int) -> list[int]:
        """The tickets ``ticket_id`` follows, oldest link first."""
        ...

    def followed_by(self, ticket_id: int) -> list[int]:
        """The tickets that follow ``ticket_id``, oldest link first."""
        ...


class AlertStore(Protocol):
    """Raised alerts and the sweep's lease."""

    def reached(
        self,
        now: datetime,
        limit: int,
        *,
        kind: tuple[Target, AlertLevel] | None = None,
        since: datetime | None = None,
        ticket_ids: Sequence[int] | None = None,
        after: tuple[datetime, int] | None = None,
    ) -> list[Threshold]:
        """Up to ``limit`` thresholds reached by ``now`` that have no alert yet.

        ``kind``: one (target, level) only; ``since``: instants after it only;
        ``ticket_ids``: these tickets only; ``after``: the scan of ``kind``
        resumes behind this (instant, ticket).
        """
        ...

    def raise_alerts(
        self,
        thresholds: Sequence[Threshold],
        now: datetime,
        grace: timedelta,
        *,
        imported: bool = False,
    ) -> list[Alert]:
        """Insert an alert per threshold unless one exists; the alerts this call created.

        ``imported``: recorded by an import for a threshold crossed before it.
        """
        ...

    def get(self, alert_id: int) -> Alert:
        """One alert."""
        ...

    def newest(
        self, *, unacked: bool = False, limit: int | None = None, ticket_id: int | None = None
    ) -> list[Alert]:
        """Alerts, newest first."""
        ...

    def after(self, alert_id: int, limit: int = 500) -> list[Alert]:
        """Alerts raised after ``alert_id``, oldest first."""
        ...

    def last_id(self) -> int:
        """The newest alert's id (0 if none)."""
        ...

    def unacked_breaches(self) -> int:
        """How many breach alerts nobody acknowledged."""
        ...

    def acknowledge(self, alert_id: int, actor: str, at: datetime) -> Alert:
        """Record who acknowledged the alert and when (a second ack is refused)."""
        ...

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew a lease; ``False`` if someone else holds it."""
        ...

    def release_lease(self, name: str, holder: str, now: datetime) -> None:
        """Give the lease up now, if ``holder`` has it."""
        ...

    def lease(self, name: str) -> tuple[str, datetime] | None:
        """The lease's holder and expiry."""
        ...


class Outbox(Protocol):
    """Deliveries of alerts to notification targets, with every attempt."""

    def enqueue(self, alert_id: int, targets: Sequence[str], step: int, now: datetime) -> int:
        """A pending delivery per target unless one exists; how many were added."""
        ...

    def enqueue_reply(self, article_id: int, target: str, now: datetime) -> int:
        """The one pending delivery of a reply through ``target``; its id."""
        ...

    def due(self, now: datetime, limit: int, *, replies: bool = False) -> list[Delivery]:
        """Pending deliveries of alerts (``replies``: of replies) due by ``now``, oldest first."""
        ...

    def claim(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        """Reserve a due delivery for one sender until ``until``."""
        ...

    def record(
        self,
        delivery_id: int,
        now: datetime,
        *,
        ok: bool,
        detail: str,
        retry_at: datetime | None,
    ) -> Delivery:
        """Record an attempt: sent, retried at ``retry_at``, or given up (``None``)."""
        ...

    def for_alert(self, alert_id: int) -> list[Delivery]:
        """An alert's deliveries."""
        ...

    def attempts(self, delivery_id: int) -> list[tuple[datetime, bool, str]]:
        """Every attempt of a delivery."""
        ...

    def unacked_breaches(self, raised_before: datetime, limit: int) -> list[tuple[Alert, int]]:
        """Unacknowledged breaches raised before ``raised_before``, with their top step."""
        ...

    def routing(self, ticket_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Per ticket: contract name and assignee login."""
        ...


class PlanStore(Protocol):
    """Maintenance plans and their runs; time entries and block periods."""

    def add_plan(self, plan: Plan) -> Plan:
        """Insert a plan."""
        ...

    def plans(self, *, active_only: bool = False) -> list[Plan]:
        """Plans by contract and name."""
        ...

    def last_occurrence(self, plan_id: int) -> datetime | None:
        """The latest occurrence a ticket was opened for."""
        ...

    def claim_run(self, plan_id: int, occurrence: datetime, now: datetime) -> bool:
        """Record the occurrence as being opened; ``False`` if it already was."""
        ...

    def set_run_ticket(self, plan_id: int, occurrence: datetime, ticket_id: int) -> None:
        """Link the occurrence to its ticket."""
        ...

    def runs(self, plan_id: int) -> list[PlanRun]:
        """A plan's occurrences so far."""
        ...

    def log_time(
        self,
        *,
        ticket_id: int,
        contract_id: int,
        actor: str,
        minutes: int,
        worked_on: date,
        note: str | None,
        at: datetime,
    ) -> None:
        """Record work on a ticket."""
        ...

    def used_minutes(self, contract_id: int, start: date, end: date) -> int:
        """Minutes logged on the contract for days in ``[start, end)``."""
        ...

    def open_period(
        self, contract_id: int, start: date, end: date, hours: float, now: datetime
    ) -> bool:
        """Start a block period; ``False`` if it was already started."""
        ...

    def period(self, contract_id: int, start: date) -> tuple[date, float, datetime | None] | None:
        """A started period's end, prepaid hours and low-balance warning instant."""
        ...

    def mark_low(self, contract_id: int, start: date, at: datetime) -> bool:
        """Record the period's low-balance warning once."""
        ...


class OnCallStore(Protocol):
    """On-call rotations and overrides (shifts are computed, never stored)."""

    def rotations(self) -> list[Rotation]:
        """Every rotation, by layer and name."""
        ...

    def add_rotation(self, rotation: Rotation) -> Rotation:
        """Insert a rotation; a name taken already raises ``InvalidInputError``."""
        ...

    def overrides(self, start: datetime, end: datetime) -> list[Override]:
        """Overrides overlapping ``[start, end)``, oldest first."""
        ...

    def add_override(self, override: Override) -> Override:
        """Insert an override."""
        ...


class Notifier(Protocol):
    """Sends one message to one address."""

    def send(self, url: Secret, title: str, body: str) -> None:
        """Deliver, or raise ``DeliveryFailedError`` saying why (never the address)."""
        ...


class Mailer(Protocol):
    """Hands one e-mail to the configured SMTP server."""

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        """Deliver ``message``; what the server said (refused recipients, if some were).

        Raises:
            DeliveryRejectedError: The server refused it for good (5xx): no retry helps.
            DeliveryFailedError: Anything that may pass (4xx, no connection,
                a timeout); the text never holds the password.
        """
        ...


class PresenceStore(Protocol):
    """Who has which ticket open."""

    def beat(self, login: str, ticket_id: int | None, until: datetime) -> None:
        """Say that ``login`` has ``ticket_id`` open until ``until``."""
        ...

    def viewers(self, ticket_id: int, now: datetime) -> list[str]:
        """Logins with an unexpired heartbeat on ``ticket_id``."""
        ...


class ChangeFeed(Protocol):
    """Tells cheaply whether anyone committed a change since the last look."""

    def changed(self) -> bool:
        """Whether a change was committed since the last call (the first call: since opening).

        Raises:
            StorageUnavailableError: While the database cannot be reached; the
                feed reconnects by itself, and its first answer after that is
                ``True`` (read the event log since the last look).
        """
        ...

    def close(self) -> None:
        """Release the feed's connection."""
        ...


class Monitor(Protocol):
    """The background watch, as the console sees it: started and stopped with it."""

    def prepare(self) -> None:
        """Load what ``start`` needs; called in a thread, off the event loop."""
        ...

    def start(self) -> None:
        """Start on the running event loop."""
        ...

    def stop(self) -> None:
        """Stop, and let another process take the duty over."""
        ...


class Preferences(Protocol):
    """What one user's console remembers across restarts (the last view, the theme)."""

    def load(self) -> Mapping[str, str]:
        """Everything remembered (empty when nothing is, or it cannot be read)."""
        ...

    def save(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key`` (a failure is logged, never raised)."""
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
