"""Use cases: what dispatchers, the CLI and the scheduler do, on the ports only.

Each function takes a fresh unit of work (``uow``), runs one short transaction
in it, records an event for every change and returns domain objects. Errors
are the domain's: ``InvalidInputError``, ``NotFoundError``, ``ConflictError``,
``StorageUnavailableError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.assign import Candidate, rank_technicians
from dispatch.domain.calendar import BUILTIN_CALENDARS, BusinessClock, Calendar, DayPlan
from dispatch.domain.errors import DeliveryFailedError, InvalidInputError, NotFoundError
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import (
    ALLOWED_TRANSITIONS,
    Channel,
    Contract,
    Customer,
    Event,
    NewTicket,
    Severity,
    Target,
    Technician,
    Ticket,
    TicketKind,
    TicketStatus,
    require_utc,
)
from dispatch.domain.notify import Delivery, NotifyPolicy, message
from dispatch.domain.plans import MAX_CATCH_UP, Balance, Plan, period_bounds
from dispatch.domain.ports import ChangeFeed, Clock, Notifier, UnitOfWork
from dispatch.domain.sla import (
    ClockReading,
    SlaEngine,
    StatusChange,
    engine_for,
    place_calendar,
    status_history,
)

MAX_TITLE = 500
MAX_DESCRIPTION = 1_000_000


NO_CALENDARS: Mapping[str, Calendar] = {}


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """A ticket with its contract, customer, history and SLA clocks.

    Attributes:
        ticket: The ticket.
        customer: Its customer.
        contract: Its contract.
        events: Its history, oldest first.
        calendar: The contract's calendar placed at the customer's site.
        response: The response clock at read time.
        resolution: The resolution clock at read time.
        explanation: How each deadline was derived, in plain lines.
        balance: The current block-hours period, for a block-hours contract.
    """

    ticket: Ticket
    customer: Customer
    contract: Contract
    events: Sequence[Event]
    calendar: Calendar
    response: ClockReading
    resolution: ClockReading
    explanation: Sequence[str]
    balance: Balance | None = None


def _engine(
    uow: UnitOfWork, contract: Contract, customer: Customer, calendars: Mapping[str, Calendar]
) -> SlaEngine:
    # Calendars stored in the database are shared by every console: they win
    # over those of this user's configuration file.
    return engine_for(contract, customer, {**calendars, **uow.directory.calendars()})


def active_contract(contracts: Sequence[Contract], customer: Customer, at: datetime) -> Contract:
    """The contract under which new work for ``customer`` falls at instant ``at``.

    With several active contracts the one of highest priority wins (a customer
    with a subscription and a time-and-material agreement gets the guarantee).

    Raises:
        NotFoundError: If no contract of the customer is valid on that day.
    """
    day = at.date()
    active = [c for c in contracts if c.is_active_on(day)]
    if not active:
        raise NotFoundError(
            f"customer {customer.name!r} has no contract valid on {day.isoformat()}"
        )
    return min(active, key=lambda c: (c.priority_rank, c.id))


def open_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    request: NewTicket,
    *,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> Ticket:
    """Open a ticket under the customer's active contract, with its SLA deadlines.

    Raises:
        InvalidInputError: Empty or oversized title, a naive or future opening time.
        NotFoundError: Unknown customer, or a customer without a valid contract.
    """
    title = request.title.strip()
    if not title:
        raise InvalidInputError("the title is empty")
    if len(title) > MAX_TITLE:
        raise InvalidInputError(f"the title is {len(title)} characters long; at most {MAX_TITLE}")
    if len(request.description) > MAX_DESCRIPTION:
        raise InvalidInputError(f"the description is longer than {MAX_DESCRIPTION} characters")
    now = clock.now()
    opened_at = now if request.opened_at is None else require_utc(request.opened_at, "opened at")
    if opened_at > now:
        raise InvalidInputError(f"opened at {opened_at.isoformat()} lies in the future")
    with uow:
        customer = uow.directory.customer_by_name(request.customer)
        contract = active_contract(uow.directory.contracts(customer.id), customer, opened_at)
        ticket = _add_ticket(
            uow, actor, request, title, customer, contract, opened_at, now, calendars
        )
        uow.commit()
    return ticket


def _add_ticket(
    uow: UnitOfWork,
    actor: str,
    request: NewTicket,
    title: str,
    customer: Customer,
    contract: Contract,
    opened_at: datetime,
    now: datetime,
    calendars: Mapping[str, Calendar],
) -> Ticket:
    """Insert the ticket with its deadlines and its event, in the caller's transaction."""
    due = _engine(uow, contract, customer, calendars).deadlines(request.severity, opened_at)
    ticket = uow.tickets.add(
        Ticket(
            id=0,
            customer_id=customer.id,
            customer_name=customer.name,
            contract_id=contract.id,
            contract_kind=contract.kind,
            title=title,
            description=request.description,
            kind=request.kind,
            channel=request.channel,
            severity=request.severity,
            needs_onsite=request.needs_onsite,
            skills=request.skills,
            opened_at=opened_at,
            response_due=due.response,
            resolution_due=due.resolution,
            response_warn_at=due.response_warn,
            resolution_warn_at=due.resolution_warn,
        )
    )
    uow.events.append(
        at=now,
        actor=actor,
        action="ticket.opened",
        ticket_id=ticket.id,
        after=_snapshot(ticket),
    )
    return ticket


def assign_technician(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    login: str,
    *,
    if_version: int | None = None,
) -> Ticket:
    """Assign a technician; a new ticket becomes ``assigned``.

    Args:
        uow: A fresh unit of work.
        clock: The clock.
        actor: Who assigns.
        ticket_id: The ticket.
        login: The technician's login.
        if_version: The version the caller read; the change is refused if the
            ticket changed since. ``None`` takes the current version.

    Raises:
        NotFoundError: Unknown ticket or technician.
        InvalidInputError: The ticket is resolved or closed.
        ConflictError: The ticket changed since ``if_version``.
    """
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        tech = uow.directory.technician(login)
        if not ticket.is_open:
            raise InvalidInputError(f"{ticket.ref} is {ticket.status.value}; reopen it first")
        status = TicketStatus.ASSIGNED if ticket.status is TicketStatus.NEW else ticket.status
        changed = replace(ticket, assignee=tech.login, status=status)
        stored = uow.tickets.update(changed, expected)
        before, after = _diff(ticket, stored, ("assignee", "status"))
        uow.events.append(
            at=clock.now(),
            actor=actor,
            action="ticket.assigned",
            ticket_id=ticket.id,
            before=before,
            after=after,
        )
        uow.commit()
    return stored


def change_status(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    status: TicketStatus,
    *,
    note: str | None = None,
    bug_ref: str | None = None,
    if_version: int | None = None,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> Ticket:
    """Move a ticket to ``status``, recording the first response and resolution.

    Escalating to development needs a bug reference; the reference stays on the
    ticket afterwards. Reopening a resolved ticket clears its resolution time.
    Both deadlines are recomputed from the whole status history, so entering or
    leaving ``waiting_customer`` moves them by the paused working time.

    Raises:
        NotFoundError: Unknown ticket.
        InvalidInputError: A transition the workflow forbids, or a missing bug reference.
        ConflictError: The ticket changed since ``if_version``.
    """
    bug = bug_ref.strip() if bug_ref else None
    if status is TicketStatus.ESCALATED_DEV and not bug:
        raise InvalidInputError("escalating to development needs a bug reference (--bug)")
    if bug and status is not TicketStatus.ESCALATED_DEV:
        raise InvalidInputError("a bug reference goes with the status escalated_dev only")
    now = clock.now()
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        if status is ticket.status:
            raise InvalidInputError(f"{ticket.ref} is already {status.value}")
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[ticket.status]))
            raise InvalidInputError(
                f"{ticket.ref} cannot go from {ticket.status.value} to {status.value}"
                f" (allowed: {allowed or 'none, it is closed'})"
            )
        first_response = ticket.first_response_at
        if first_response is None and status.counts_as_response:
            first_response = now
        resolved_at = ticket.resolved_at
        if status is TicketStatus.RESOLVED:
            resolved_at = now
        elif status.is_open:
            resolved_at = None
        contract = uow.directory.contract(ticket.contract_id)
        customer = uow.directory.customer(ticket.customer_id)
        history = [
            *status_history(ticket, uow.events.for_ticket(ticket.id)),
            StatusChange(now, status),
        ]
        due = _engine(uow, contract, customer, calendars).deadlines(
            ticket.severity, ticket.opened_at, history
        )
        changed = replace(
            ticket,
            status=status,
            first_response_at=first_response,
            resolved_at=resolved_at,
            bug_ref=bug or ticket.bug_ref,
            response_due=due.response,
            resolution_due=due.resolution,
            response_warn_at=due.response_warn,
            resolution_warn_at=due.resolution_warn,
        )
        stored = uow.tickets.update(changed, expected)
        before, after = _diff(
            ticket,
            stored,
            (
                "status",
                "first_response_at",
                "resolved_at",
                "bug_ref",
                "response_due",
                "resolution_due",
            ),
        )
        uow.events.append(
            at=now,
            actor=actor,
            action="ticket.status",
            ticket_id=ticket.id,
            note=note,
            before=before,
            after=after,
        )
        uow.commit()
    return stored


def load_queue(
    uow: UnitOfWork, *, open_only: bool = True, limit: int | None = None
) -> list[Ticket]:
    """Tickets in queue order."""
    with uow:
        return uow.tickets.queue(open_only=open_only, limit=limit)


def ticket_detail(
    uow: UnitOfWork,
    ticket_id: int,
    now: datetime,
    *,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> TicketDetail:
    """A ticket with its customer, contract, history and SLA clocks at ``now``."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        contract = uow.directory.contract(ticket.contract_id)
        customer = uow.directory.customer(ticket.customer_id)
        events = uow.events.for_ticket(ticket_id)
        engine = _engine(uow, contract, customer, calendars)
        balance = _read_balance(uow, contract, now.date()) if contract.period else None
    history = status_history(ticket, events)
    response, resolution = engine.read(ticket, history, now)
    explanation = [
        *engine.explain(ticket, history, Target.RESPONSE),
        *engine.explain(ticket, history, Target.RESOLUTION),
    ]
    return TicketDetail(
        ticket=ticket,
        customer=customer,
        contract=contract,
        events=events,
        calendar=engine.calendar,
        response=response,
        resolution=resolution,
        explanation=explanation,
        balance=balance,
    )


def list_customers(uow: UnitOfWork) -> list[Customer]:
    """All customers by name."""
    with uow:
        return uow.directory.customers()


def list_contracts(uow: UnitOfWork) -> list[tuple[Contract, Customer]]:
    """All contracts with their customers."""
    with uow:
        customers = {c.id: c for c in uow.directory.customers()}
        return [(c, customers[c.customer_id]) for c in uow.directory.contracts()]


def list_technicians(uow: UnitOfWork) -> list[Technician]:
    """All technicians by login."""
    with uow:
        return uow.directory.technicians()


# --- event payloads -------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


_SNAPSHOT_FIELDS = (
    "title",
    "customer_name",
    "contract_kind",
    "kind",
    "channel",
    "severity",
    "status",
    "needs_onsite",
    "skills",
    "opened_at",
    "response_due",
    "resolution_due",
    "assignee",
)


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {name: _jsonable(getattr(ticket, name)) for name in _SNAPSHOT_FIELDS}


def _diff(
    before: Ticket, after: Ticket, fields: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed fields' values before and after, JSON-ready."""
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    return (
        {f: _jsonable(getattr(before, f)) for f in changed},
        {f: _jsonable(getattr(after, f)) for f in changed},
    )


@dataclass(frozen=True, slots=True)
class Runtime:
    """What the use cases run with; ``dispatch.bootstrap`` builds it.

    Attributes:
        reader: Makes a unit of work for reading (does not take the write lock).
        writer: Makes a unit of work for changing data.
        clock: The clock.
        actor: The OS login acting, recorded on every event.
        db_label: The database in use, with any password masked.
        calendars: Calendars defined in the configuration file.
        open_feed: Opens a change feed on the database (``None``: no live updates
            beyond the periodic refresh).
    """

    reader: Callable[[], UnitOfWork]
    writer: Callable[[], UnitOfWork]
    clock: Clock
    actor: str
    db_label: str
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    open_feed: Callable[[], ChangeFeed] | None = None


# --- SLA and calendars ------------------------------------------------------


def change_severity(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    severity: Severity,
    *,
    note: str | None = None,
    if_version: int | None = None,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> Ticket:
    """Change a ticket's severity; both deadlines are recomputed from its history.

    Raises:
        NotFoundError: Unknown ticket.
        InvalidInputError: Same severity, or a resolved or closed ticket.
        ConflictError: The ticket changed since ``if_version``.
    """
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        if severity is ticket.severity:
            raise InvalidInputError(f"{ticket.ref} is already {severity.value}")
        if not ticket.is_open:
            raise InvalidInputError(f"{ticket.ref} is {ticket.status.value}; reopen it first")
        stored = _store_recomputed(
            uow,
            clock,
            actor,
            replace(ticket, severity=severity),
            expected,
            calendars,
            action="ticket.severity",
            note=note,
            before_ticket=ticket,
        )
        uow.commit()
    return stored


def _store_recomputed(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket: Ticket,
    expected: int,
    calendars: Mapping[str, Calendar],
    *,
    action: str,
    note: str | None,
    before_ticket: Ticket,
) -> Ticket:
    """Recompute ``ticket``'s deadlines from its history, store it, record the event.

    Returns ``before_ticket`` itself, unwritten, when nothing changed.
    """
    contract = uow.directory.contract(ticket.contract_id)
    customer = uow.directory.customer(ticket.customer_id)
    history = status_history(ticket, uow.events.for_ticket(ticket.id))
    due = _engine(uow, contract, customer, calendars).deadlines(
        ticket.severity, ticket.opened_at, history
    )
    changed = replace(
        ticket,
        response_due=due.response,
        resolution_due=due.resolution,
        response_warn_at=due.response_warn,
        resolution_warn_at=due.resolution_warn,
    )
    if changed == before_ticket:
        return before_ticket  # nothing moved: no write, no event
    stored = uow.tickets.update(changed, expected)
    before, after = _diff(before_ticket, stored, ("severity", "response_due", "resolution_due"))
    uow.events.append(
        at=clock.now(),
        actor=actor,
        action=action,
        ticket_id=ticket.id,
        before=before,
        after=after,
        note=note,
    )
    return stored


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    """A calendar and where its definition comes from.

    Attributes:
        calendar: The definition.
        source: ``database``, ``config`` or ``built-in``.
    """

    calendar: Calendar
    source: str


def list_calendars(
    uow: UnitOfWork, calendars: Mapping[str, Calendar] = NO_CALENDARS
) -> list[CalendarInfo]:
    """Every calendar a contract can name, with the definition that wins."""
    with uow:
        stored = uow.directory.calendars()
    found: dict[str, CalendarInfo] = {
        name: CalendarInfo(cal, "built-in") for name, cal in BUILTIN_CALENDARS.items()
    }
    found.update({name: CalendarInfo(cal, "config") for name, cal in calendars.items()})
    found.update({name: CalendarInfo(cal, "database") for name, cal in stored.items()})
    return [found[name] for name in sorted(found)]


def calendar_days(
    uow: UnitOfWork,
    name: str,
    first: date,
    days: int,
    *,
    customer: str | None = None,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> tuple[Calendar, list[DayPlan]]:
    """The working windows of a calendar over ``days`` local dates from ``first``.

    A template calendar (no zone of its own) needs a customer to be placed at.

    Raises:
        InvalidInputError: Unknown calendar, a template without customer, or a
            bad number of days.
        NotFoundError: Unknown customer.
    """
    if not 1 <= days <= 366:
        raise InvalidInputError(f"--days must lie between 1 and 366, got {days}")
    with uow:
        defined = {**calendars, **uow.directory.calendars()}
        place = uow.directory.customer_by_name(customer) if customer else None
    base = defined.get(name) or BUILTIN_CALENDARS.get(name)
    if base is None:
        known = ", ".join(sorted({*defined, *BUILTIN_CALENDARS}))
        raise InvalidInputError(f"unknown calendar {name!r} (known: {known})")
    if place is not None:
        calendar = place_calendar(name, place, defined)
    elif base.is_template:
        raise InvalidInputError(
            f"calendar {name!r} takes its zone and holidays from a customer: add --customer NAME"
        )
    else:
        calendar = base
    return calendar, BusinessClock(calendar).windows_between(first, days)


def save_calendars(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    new: Sequence[Calendar],
    *,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> tuple[int, int]:
    """Store calendar definitions and recompute the deadlines they govern.

    Every open ticket whose contract names one of the calendars gets both
    deadlines recomputed from its history, in the same transaction.

    Returns:
        How many calendars were stored and how many tickets were recomputed.
    """
    now = clock.now()
    names = {c.name for c in new}
    recomputed = 0
    with uow:
        for calendar in new:
            created = uow.directory.save_calendar(calendar, now)
            uow.events.append(
                at=now,
                actor=actor,
                action="calendar.created" if created else "calendar.changed",
                after={"name": calendar.name, "definition": calendar.to_json()},
            )
        contracts = {c.id: c for c in uow.directory.contracts() if c.calendar in names}
        for ticket in uow.tickets.queue():
            if ticket.contract_id not in contracts:
                continue
            stored = _store_recomputed(
                uow,
                clock,
                actor,
                ticket,
                ticket.version,
                calendars,
                action="ticket.sla_recomputed",
                note="calendar changed",
                before_ticket=ticket,
            )
            recomputed += stored is not ticket
        uow.commit()
    return len(new), recomputed


# --- the console's queries ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueWindow:
    """A slice of the filtered queue, with what the console needs around it.

    Attributes:
        total: How many open tickets match the filter.
        offset: The row of ``tickets[0]``.
        tickets: The tickets, in queue order.
        focus_row: The row of the focused ticket, if it still matches.
        at: The instant the window was read at.
    """

    total: int
    offset: int
    tickets: Sequence[Ticket]
    focus_row: int | None
    at: datetime


def queue_window(
    uow: UnitOfWork,
    where: QueueFilter,
    now: datetime,
    *,
    offset: int,
    limit: int,
    focus_id: int | None = None,
    total: int | None = None,
) -> QueueWindow:
    """Read one window of the filtered queue in one short transaction.

    With ``focus_id``, the window is centred on that ticket's new row (so a
    refresh keeps the cursor on the same ticket, not the same row number)
    unless it no longer matches, in which case ``offset`` is kept. A caller
    that only scrolls passes the ``total`` it already knows, which spares the
    count (a scan of every matching ticket).
    """
    with uow:
        if total is None:
            total = uow.tickets.count(where, now)
        focus_row = uow.tickets.position(where, now, focus_id) if focus_id is not None else None
        if focus_row is not None and not offset <= focus_row < offset + limit:
            offset = max(0, focus_row - limit // 2)
        offset = max(0, min(offset, max(total - 1, 0)))
        tickets = uow.tickets.window(where, now, offset, limit)
    return QueueWindow(total, offset, tickets, focus_row, now)


@dataclass(frozen=True, slots=True)
class QueueStats:
    """The whole queue's figures, read once per refresh rather than per window.

    Attributes:
        counts: ``open``, ``unassigned``, ``at_risk``, ``breached`` (unfiltered).
        loads: Open tickets per assigned technician's login.
        at: The instant they were read at.
    """

    counts: Mapping[str, int]
    loads: Mapping[str, int]
    at: datetime


def queue_stats(uow: UnitOfWork, now: datetime) -> QueueStats:
    """Count the queue and the technicians' loads in one short transaction."""
    with uow:
        counts, loads = uow.tickets.counts_and_loads(now)
        return QueueStats(counts, loads, now)


def technician_ranking(
    uow: UnitOfWork, ticket_id: int, loads: Mapping[str, int] | None = None
) -> tuple[Ticket, list[Candidate]]:
    """The technicians ranked for a ticket, best first, with their reasons.

    ``loads`` (from :func:`queue_stats`) spares counting every open ticket
    again; without it they are counted here.
    """
    with uow:
        ticket = uow.tickets.get(ticket_id)
        if loads is None:
            loads = uow.tickets.loads()
        ranked = rank_technicians(ticket, uow.directory.technicians(), loads)
    return ticket, ranked


def take_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    *,
    if_version: int | None = None,
) -> Ticket:
    """Assign the ticket to the acting user, who must be a technician.

    The version check makes two dispatchers taking the same ticket at once
    unable to both get it: the second is refused with a conflict.

    Raises:
        InvalidInputError: If the acting user is not a technician.
    """
    try:
        return assign_technician(uow, clock, actor, ticket_id, actor, if_version=if_version)
    except NotFoundError as exc:
        if "technician" in str(exc):
            raise InvalidInputError(
                f"you ({actor}) are not a technician: ask an administrator to add your login"
            ) from None
        raise


def customers_with_contracts(
    uow: UnitOfWork, now: datetime
) -> list[tuple[Customer, Contract | None]]:
    """Every customer with the contract new work would fall under today (or ``None``)."""
    with uow:
        customers = uow.directory.customers()
        contracts = uow.directory.contracts()
    out: list[tuple[Customer, Contract | None]] = []
    for customer in customers:
        own = [c for c in contracts if c.customer_id == customer.id]
        try:
            out.append((customer, active_contract(own, customer, now)))
        except NotFoundError:
            out.append((customer, None))
    return out


# --- alerts ---------------------------------------------------------------------

SWEEP_LEASE = "sweep"
"""The lease the sweeping process holds (one sweeper per database at a time)."""

SWEEP_ACTOR = "scheduler"
"""Who the event log names for what the sweep does."""


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    """How the sweep runs.

    Attributes:
        interval: Time between sweeps.
        lease: How long a sweeper's lease lasts without renewal (a few intervals,
            so that a dead sweeper is replaced after about this long).
        late_after: An alert raised more than this after its threshold is late.
        batch: Thresholds read and raised per transaction.
        most: Alerts one sweep raises at most; a larger backlog (a long
            outage over a huge queue) is raised over the following sweeps.
    """

    interval: timedelta = timedelta(seconds=15)
    lease: timedelta = timedelta(seconds=45)
    late_after: timedelta = timedelta(seconds=60)
    batch: int = 2000
    most: int = 20_000

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise InvalidInputError("the sweep interval must be positive")
        if self.lease <= self.interval:
            raise InvalidInputError(
                "the sweep lease must outlast the interval, or sweepers take turns"
            )
        if self.batch < 1:
            raise InvalidInputError("the sweep batch must hold at least one alert")


def hold_lease(
    uow: UnitOfWork, clock: Clock, holder: str, ttl: timedelta, name: str = SWEEP_LEASE
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; ``False`` if another holds it."""
    with uow:
        held = uow.alerts.take_lease(name, holder, clock.now(), ttl)
        uow.commit()
    return held


def release_lease(uow: UnitOfWork, clock: Clock, holder: str, name: str = SWEEP_LEASE) -> None:
    """Give the lease up (a clean shutdown), so that another sweeper takes over at once."""
    with uow:
        uow.alerts.release_lease(name, holder, clock.now())
        uow.commit()


def lease_holder(uow: UnitOfWork, name: str = SWEEP_LEASE) -> tuple[str, datetime] | None:
    """Who holds the lease and until when (``None``: never taken)."""
    with uow:
        return uow.alerts.lease(name)


@dataclass(slots=True)
class SweepState:
    """What a sweeper remembers between its sweeps, so that a sweep reads only news.

    Attributes:
        looked_until: The instant up to which the last complete sweep looked
            (``None``: never swept; the next sweep looks at everything).
        event_id: The newest event when that sweep began: tickets changed
            since (a deadline moved into the past, a pause ended) are looked
            at whole.
    """

    looked_until: datetime | None = None
    event_id: int = 0


def sweep_alerts(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    policy: SweepPolicy = SweepPolicy(),
    notify: NotifyPolicy | None = None,
    state: SweepState | None = None,
) -> list[Alert]:
    """Raise an alert for every threshold reached and not yet alerted; the ones raised.

    Level-triggered: whatever was missed while nothing swept is raised now
    (marked late). Thresholds are read without the write lock, then raised in
    short writing transactions of at most ``policy.batch``; an alert another
    sweeper raised meanwhile is not raised again (the alert key is unique), and
    is not among the ones returned. With ``notify``, each alert's first
    deliveries go into the outbox in the same transaction as the alert.

    Each scan resumes behind its last batch, so catching up on N thresholds
    reads each index entry once. With a ``state`` from an earlier sweep, only
    thresholds reached since it looked, and tickets changed since, are read:
    a steady sweep costs what happened meanwhile, not the size of the queue.
    """
    now = clock.now()
    with reader:
        event_id = reader.events.last_id()
        changed: list[int] = []
        if state is not None and state.looked_until is not None:
            changed = sorted(
                {e.ticket_id for e in reader.events.listing(after_id=state.event_id)
                 if e.ticket_id is not None}
            )  # fmt: skip
    since = state.looked_until if state is not None else None
    raised = _sweep_pass(reader, writer, now, policy, notify, since=since)
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        raised += _sweep_pass(reader, writer, now, policy, notify, ticket_ids=chunk)
    if state is not None and len(raised) < policy.most:
        state.looked_until, state.event_id = now, event_id
    # (A sweep cut short at ``policy.most`` leaves the state alone: the next looks again.)
    return raised


def _sweep_pass(
    reader: UnitOfWork,
    writer: UnitOfWork,
    now: datetime,
    policy: SweepPolicy,
    notify: NotifyPolicy | None,
    *,
    since: datetime | None = None,
    ticket_ids: Sequence[int] | None = None,
) -> list[Alert]:
    """Each (target, level) in turn, batch by batch, every scan resuming behind the last."""
    raised: list[Alert] = []
    for kind in SWEPT_KINDS:
        after: tuple[datetime, int] | None = None
        while len(raised) < policy.most:
            want = min(policy.batch, policy.most - len(raised))
            with reader:
                found = reader.alerts.reached(
                    now,
                    want,
                    kind=kind,
                    since=since,
                    ticket_ids=ticket_ids,
                    after=after,
                )
            if not found:
                break
            with writer:
                new = writer.alerts.raise_alerts(found, now, policy.late_after)
                if notify is not None and notify.enabled and new:
                    _enqueue_first(writer, notify, new, now)
                writer.commit()
            raised += new
            after = (found[-1].at, found[-1].ticket_id)
            if len(found) < want:
                break
    return raised


SWEPT_KINDS = [(target, level) for target in Target for level in AlertLevel]
"""Every (target, level) the sweep looks for."""


def list_alerts(
    uow: UnitOfWork,
    *,
    unacked: bool = False,
    limit: int | None = None,
    ticket_id: int | None = None,
) -> list[Alert]:
    """Alerts, newest first."""
    with uow:
        return uow.alerts.newest(unacked=unacked, limit=limit, ticket_id=ticket_id)


def alerts_after(uow: UnitOfWork, alert_id: int) -> tuple[list[Alert], int]:
    """Alerts raised after ``alert_id`` (oldest first) and the unacknowledged breaches."""
    with uow:
        return uow.alerts.after(alert_id), uow.alerts.unacked_breaches()


def last_alert_id(uow: UnitOfWork) -> int:
    """The newest alert's id (0 if none): where a console starts watching."""
    with uow:
        return uow.alerts.last_id()


def acknowledge_alert(uow: UnitOfWork, clock: Clock, actor: str, alert_id: int) -> Alert:
    """Record that ``actor`` has seen the alert (once; a second ack is refused)."""
    with uow:
        now = clock.now()
        alert = uow.alerts.acknowledge(alert_id, actor, now)
        uow.events.append(
            at=now,
            actor=actor,
            action="alert.acknowledged",
            ticket_id=alert.ticket_id,
            after={"alert": alert.id, "target": alert.target.value, "level": alert.level.value},
        )
        uow.commit()
    return alert


# --- notifications ---------------------------------------------------------------

CLAIM_HOLD = timedelta(minutes=2)
"""How long a sender reserves a delivery it is attempting."""


def _enqueue_first(
    uow: UnitOfWork, notify: NotifyPolicy, alerts: Sequence[Alert], now: datetime
) -> None:
    """Step-0 deliveries of ``alerts``, inside the caller's transaction."""
    technicians = uow.directory.technicians()
    routes = uow.outbox.routing([a.ticket_id for a in alerts])
    for alert in alerts:
        contract, assignee = routes.get(alert.ticket_id, ("", None))
        targets = notify.first_targets(alert, contract, assignee, technicians)
        uow.outbox.enqueue(alert.id, targets, 0, now)


def escalate_alerts(uow: UnitOfWork, clock: Clock, notify: NotifyPolicy) -> int:
    """Queue the next escalation steps of breaches nobody acknowledged; how many were added."""
    if not notify.escalation:
        return 0
    now = clock.now()
    added = 0
    with uow:
        for alert, top in uow.outbox.unacked_breaches(now - notify.escalate_after, limit=1000):
            reached_step = notify.escalation_step(alert, now)
            for step in range(top + 1, reached_step + 1):
                added += uow.outbox.enqueue(alert.id, notify.step_targets(step), step, now)
        uow.commit()
    return added


def deliver_due(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    notifier: Notifier,
    notify: NotifyPolicy,
    *,
    limit: int = 50,
) -> list[Delivery]:
    """Attempt every due delivery once; the deliveries as recorded afterwards.

    Each is first claimed in a short transaction (so that two senders never
    send it twice), then sent with no transaction open, then its attempt is
    recorded: sent (never sent again), retried after the policy's wait, or
    given up after ``max_attempts``.
    """
    now = clock.now()
    with writer:
        due = writer.outbox.due(now, limit)
        claimed = [d for d in due if writer.outbox.claim(d.id, now, now + CLAIM_HOLD)]
        writer.commit()
    done: list[Delivery] = []
    for delivery in claimed:
        with reader:
            alert = reader.alerts.get(delivery.alert_id)
        ok, detail = True, "delivered"
        url = notify.url(delivery.target)
        if url is None:
            ok, detail = False, f"target {delivery.target!r} is no longer configured"
        else:
            title, body = message(alert, delivery.step)
            try:
                notifier.send(url, title, body)
            except DeliveryFailedError as exc:
                ok, detail = False, str(exc)
        at = clock.now()
        attempts = delivery.attempts + 1
        give_up = url is None or attempts >= notify.max_attempts
        retry_at = None if ok or give_up else at + notify.wait_after(attempts)
        with writer:
            done.append(
                writer.outbox.record(delivery.id, at, ok=ok, detail=detail, retry_at=retry_at)
            )
            writer.commit()
    return done


def alert_deliveries(
    uow: UnitOfWork, alert_id: int
) -> list[tuple[Delivery, list[tuple[datetime, bool, str]]]]:
    """An alert's deliveries, each with its attempts."""
    with uow:
        return [(d, uow.outbox.attempts(d.id)) for d in uow.outbox.for_alert(alert_id)]


# --- regular work: maintenance plans ----------------------------------------------

Occurrences = Callable[[Plan, datetime, datetime], list[datetime]]
"""A plan's occurrences strictly after the first instant, up to the second
(the scheduler layer computes them from the crontab line)."""

PLAN_ACTOR = "scheduler"


def add_plan(uow: UnitOfWork, clock: Clock, actor: str, contract_name: str, plan: Plan) -> Plan:
    """Store a maintenance plan for the named contract (occurrences from now on)."""
    with uow:
        contract = next((c for c in uow.directory.contracts() if c.name == contract_name), None)
        if contract is None:
            raise NotFoundError(f"no contract named {contract_name!r}")
        stored = uow.plans.add_plan(replace(plan, contract_id=contract.id, created_at=clock.now()))
        uow.events.append(
            at=clock.now(),
            actor=actor,
            action="plan.added",
            after={"plan": stored.name, "contract": contract.name, "schedule": stored.schedule},
        )
        uow.commit()
    return stored


def list_plans(uow: UnitOfWork) -> list[tuple[Plan, str, datetime | None]]:
    """Every plan with its contract's name and its latest occurrence opened."""
    with uow:
        names = {c.id: c.name for c in uow.directory.contracts()}
        return [
            (p, names.get(p.contract_id, "?"), uow.plans.last_occurrence(p.id))
            for p in uow.plans.plans()
        ]


def run_plans(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    occurrences: Occurrences,
    *,
    calendars: Mapping[str, Calendar] = NO_CALENDARS,
) -> list[Ticket]:
    """Open the regular ticket of every occurrence due within its plan's lead time.

    Each occurrence is opened in its own transaction that first records the
    (plan, occurrence) run: an occurrence another scheduler opened (or this one
    before a restart) is skipped, so every occurrence gets exactly one ticket.
    Occurrences missed while nothing ran are opened late, at most
    ``MAX_CATCH_UP`` per plan and run.
    """
    now = clock.now()
    with reader:
        plans = reader.plans.plans(active_only=True)
        last = {p.id: reader.plans.last_occurrence(p.id) for p in plans}
        contracts = {c.id: c for c in reader.directory.contracts()}
    opened: list[Ticket] = []
    for plan in plans:
        contract = contracts.get(plan.contract_id)
        if contract is None:
            continue
        start = max(filter(None, [last[plan.id], plan.created_at]))
        due = [o for o in occurrences(plan, start, now + plan.lead) if o - plan.lead <= now]
        for occurrence in due[:MAX_CATCH_UP]:
            with writer:
                if not writer.plans.claim_run(plan.id, occurrence, now):
                    continue  # opened already (another scheduler, or before a restart)
                customer = writer.directory.customer(contract.customer_id)
                local = occurrence.astimezone(ZoneInfo(plan.timezone))
                request = NewTicket(
                    customer=customer.name,
                    title=f"{plan.title} ({local:%Y-%m-%d %H:%M})",
                    description=(
                        f"Planned work ({plan.name}, {plan.schedule} {plan.timezone}), "
                        f"due {local:%a %Y-%m-%d %H:%M %Z}.\n\n{plan.description}"
                    ).strip(),
                    severity=plan.severity,
                    kind=TicketKind.REGULAR,
                    channel=Channel.ONSITE if plan.needs_onsite else Channel.REMOTE,
                    skills=plan.skills,
                    needs_onsite=plan.needs_onsite,
                )
                ticket = _add_ticket(
                    writer, PLAN_ACTOR, request, request.title, customer, contract, now, now,
                    calendars,
                )  # fmt: skip
                writer.plans.set_run_ticket(plan.id, occurrence, ticket.id)
                writer.commit()
            opened.append(ticket)
    return opened


# --- money: time logged, block hours ------------------------------------------------------


def log_time(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    worked: timedelta,
    *,
    worked_on: date | None = None,
    note: str | None = None,
) -> Balance | None:
    """Record work on a ticket; for a block-hours contract, its period's balance after it."""
    minutes = int(worked.total_seconds() // 60)
    if not 0 < minutes <= 24 * 60:
        raise InvalidInputError("a time entry lasts more than 0 and at most 24 h")
    now = clock.now()
    with uow:
        ticket = uow.tickets.get(ticket_id)
        contract = uow.directory.contract(ticket.contract_id)
        day = worked_on or now.date()
        uow.plans.log_time(
            ticket_id=ticket.id,
            contract_id=contract.id,
            actor=actor,
            minutes=minutes,
            worked_on=day,
            note=note,
            at=now,
        )
        uow.events.append(
            at=now,
            actor=actor,
            action="ticket.time_logged",
            ticket_id=ticket.id,
            after={"minutes": minutes, "worked_on": day.isoformat()},
            note=note,
        )
        balance = (
            _balance(uow, contract, day, now)
            if contract.period is not None and contract.prepaid_hours is not None
            else None
        )
        uow.commit()
    return balance


def _balance(uow: UnitOfWork, contract: Contract, day: date, now: datetime) -> Balance:
    """The balance of the period holding ``day`` (started now if nobody started it)."""
    if contract.period is None or contract.prepaid_hours is None:
        raise InvalidInputError(f"{contract.name} is not a block-hours contract")
    start, end = period_bounds(contract.period, day, contract.valid_from)
    uow.plans.open_period(contract.id, start, end, contract.prepaid_hours, now)
    return _read_balance(uow, contract, day)


def _read_balance(uow: UnitOfWork, contract: Contract, day: date) -> Balance:
    """The balance of the period holding ``day``, without writing (not started: full)."""
    if contract.period is None or contract.prepaid_hours is None:
        raise InvalidInputError(f"{contract.name} is not a block-hours contract")
    start, end = period_bounds(contract.period, day, contract.valid_from)
    found = uow.plans.period(contract.id, start)
    end, hours, warned = found if found else (end, contract.prepaid_hours, None)
    used = uow.plans.used_minutes(contract.id, start, end) / 60
    return Balance(contract.id, contract.name, start, end, hours, used, warned)


def block_balances(uow: UnitOfWork, clock: Clock) -> list[Balance]:
    """The current period of every block-hours contract valid today (read only)."""
    today = clock.now().date()
    with uow:
        return [
            _read_balance(uow, c, today)
            for c in uow.directory.contracts()
            if c.period is not None and c.valid_from <= today
            and (c.valid_to is None or today <= c.valid_to)
        ]  # fmt: skip


def watch_block_hours(uow: UnitOfWork, clock: Clock) -> tuple[list[Balance], list[Balance]]:
    """The block-hours job: roll periods over; warn once per period of a low balance.

    Returns the periods started now and the balances newly found low; each
    rollover and warning is recorded in the event log, once (unique keys).
    """
    now = clock.now()
    started: list[Balance] = []
    warned: list[Balance] = []
    with uow:
        for contract in uow.directory.contracts():
            if contract.period is None or contract.prepaid_hours is None:
                continue
            if contract.valid_from > now.date() or (
                contract.valid_to is not None and now.date() > contract.valid_to
            ):
                continue
            start, end = period_bounds(contract.period, now.date(), contract.valid_from)
            if uow.plans.open_period(contract.id, start, end, contract.prepaid_hours, now):
                uow.events.append(
                    at=now,
                    actor=PLAN_ACTOR,
                    action="block.period_started",
                    after={
                        "contract": contract.name,
                        "start": start.isoformat(),
                        "hours": contract.prepaid_hours,
                    },
                )
                started.append(_balance(uow, contract, now.date(), now))
            balance = _balance(uow, contract, now.date(), now)
            if balance.low and uow.plans.mark_low(contract.id, start, now):
                uow.events.append(
                    at=now,
                    actor=PLAN_ACTOR,
                    action="block.low_balance",
                    after={
                        "contract": contract.name,
                        "left_hours": round(balance.left_hours, 2),
                        "prepaid_hours": balance.prepaid_hours,
                    },
                )
                warned.append(replace(balance, low_warned_at=now))
        uow.commit()
    return started, warned


# --- audit --------------------------------------------------------------------------


def audit(
    uow: UnitOfWork,
    *,
    ticket_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Sequence[Event]:
    """Who did what and when, oldest first (the event log is append-only)."""
    if since is not None:
        since = require_utc(since, "since")
    with uow:
        if ticket_id is not None:
            uow.tickets.get(ticket_id)  # an unknown ticket is an error, not an empty list
        return uow.events.listing(ticket_id=ticket_id, since=since, limit=limit)


# --- presence -----------------------------------------------------------------------

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
