"""A ticket's life: open, assign, take, move, change severity; read it in full.

Each use case takes a fresh unit of work (``uow``), runs one short
transaction in it, records an event for the change (``audit``) and returns
domain objects. Deadlines come from ``deadlines``; the contract new work falls
under from ``directory``. Errors are the domain's: ``InvalidInputError``,
``NotFoundError``, ``ConflictError``, ``StorageUnavailableError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import Article
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import (
    ALLOWED_TRANSITIONS,
    Contact,
    Contract,
    Customer,
    Severity,
    Target,
    TicketStatus,
    require_utc,
)
from dispatch.domain.monitoring import Incident
from dispatch.domain.plans import Balance
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.sla import ClockReading, StatusChange, status_history
from dispatch.domain.ticket import Event, NewTicket, Ticket
from dispatch.services import audit, contacts, deadlines, directory, hours, master_data

MAX_TITLE = 500
MAX_DESCRIPTION = 1_000_000


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
        articles: Its conversation, oldest first (the newest ones when cut).
        article_count: How many articles it has in all.
        follows: The (closed) tickets it follows: mail answering them opened it.
        followed_by: The tickets that follow it.
        caller: Who called (a property: one of the customer's contacts).
        monitoring: The monitoring incident it was opened for, if any.
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
    articles: Sequence[Article] = ()
    article_count: int = 0
    follows: Sequence[int] = ()
    followed_by: Sequence[int] = ()

    @property
    def caller(self) -> Contact | None:
        """Who called, among the customer's contacts (``None``: not recorded)."""
        wanted = self.ticket.contact_id
        return next((k for k in self.customer.contacts if k.id == wanted), None)

    monitoring: Incident | None = None


def open_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    request: NewTicket,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Ticket:
    """Open a ticket under the customer's active contract, with its SLA deadlines.

    The caller is ``request.contact_id``, or ``request.new_contact``, which is
    added to the customer's contacts in the same transaction.

    Raises:
        InvalidInputError: Empty or oversized title, a naive or future opening time,
            a caller who is another customer's contact, a new contact refused by
            the checks of ``dispatch contact add`` (the field named).
        NotFoundError: Unknown customer or contact, or a customer without a valid contract.
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
    new_contact = None
    if request.new_contact is not None:
        if request.contact_id is not None:
            raise InvalidInputError("contact: a contact or a new one, not both")
        new_contact = master_data.checked_contact(request.new_contact)
    with uow:
        customer = uow.directory.customer_by_name(request.customer)
        if customer.retired_at is not None:
            raise InvalidInputError(f"customer {customer.name!r} is retired: no new tickets")
        contract = directory.active_contract(
            uow.directory.contracts(customer.id), customer, opened_at
        )
        if new_contact is not None:
            # In the ticket's transaction: a refused ticket leaves no contact behind
            # (the dispatcher corrects the form and saves both again).
            added = contacts.insert_contact(uow, clock, actor, customer, new_contact)
            request = replace(request, contact_id=added.id, new_contact=None)
        ticket = add_ticket(
            uow, actor, request, title, customer, contract, opened_at, now, calendars
        )
        uow.commit()
    return ticket


def add_ticket(
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
    """Insert the ticket with its deadlines and its event, in the caller's transaction.

    ``request.contact_id`` is the caller, one of ``customer``'s contacts; the
    event keeps their name, which outlives the contact's removal.

    Raises:
        NotFoundError: No contact has the id ``request.contact_id``.
        InvalidInputError: The contact is another customer's.
    """
    caller = contacts.caller_of(uow, customer, request.contact_id)
    due = deadlines.engine(uow, contract, customer, calendars).deadlines(
        request.severity, opened_at
    )
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
            contact_id=request.contact_id,
        )
    )
    after = audit.snapshot(ticket)
    if caller is not None:
        after.update(caller=caller.name, contact_id=caller.id)
    uow.events.append(at=now, actor=actor, action="ticket.opened", ticket_id=ticket.id, after=after)
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
        InvalidInputError: The ticket is resolved or closed, or already assigned to
            ``login`` (nothing is written).
        ConflictError: The ticket changed since ``if_version`` (also when the
            change would change nothing).
    """
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        tech = uow.directory.technician(login)
        if tech.retired_at is not None:
            raise InvalidInputError(f"technician {tech.login!r} is retired: choose another")
        if not ticket.is_open:
            raise InvalidInputError(f"{ticket.ref} is {ticket.status.label}; reopen it first")
        status = TicketStatus.ASSIGNED if ticket.status is TicketStatus.NEW else ticket.status
        if ticket.assignee == tech.login and status is ticket.status:
            uow.tickets.check_version(ticket.id, expected)  # stale: a conflict, not a no-op
            raise InvalidInputError(
                f"{ticket.ref} is already assigned to {tech.login}: nothing changed"
            )
        changed = replace(ticket, assignee=tech.login, status=status)
        stored = uow.tickets.update(changed, expected)
        before, after = audit.diff(ticket, stored, ("assignee", "status"))
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
                f"you ({actor}) are not a technician: an administrator adds you with "
                f"`dispatch tech add {actor} --name NAME`"
            ) from None
        raise


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
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Ticket:
    """Move a ticket to ``status``, recording its resolution (or first response).

    The first response is stamped only where the contract counts taking a ticket
    up as one (``Contract.first_response``); otherwise a reply stamps it.

    Escalating to development needs a bug reference; the reference stays on the
    ticket afterwards. Reopening a resolved ticket clears its resolution time.
    Both deadlines are recomputed from the whole status history, so entering or
    leaving ``waiting_customer`` moves them by the paused working time.

    Raises:
        NotFoundError: Unknown ticket.
        InvalidInputError: A transition the workflow forbids, the status it already
            has, or a missing bug reference.
        ConflictError: The ticket changed since ``if_version`` (also when the
            change would change nothing).
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
            uow.tickets.check_version(ticket.id, expected)  # stale: a conflict, not a no-op
            raise InvalidInputError(f"{ticket.ref} is already {status.label}")
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            allowed = ", ".join(sorted(s.label for s in ALLOWED_TRANSITIONS[ticket.status]))
            raise InvalidInputError(
                f"{ticket.ref} cannot go from {ticket.status.label} to {status.label}"
                f" (allowed: {allowed or 'none, it is closed'})"
            )
        stored = move_status(
            uow, now, actor, ticket, status, expected, note=note, bug_ref=bug, calendars=calendars
        )
        uow.commit()
    return stored


def move_status(
    uow: UnitOfWork,
    now: datetime,
    actor: str,
    ticket: Ticket,
    status: TicketStatus,
    expected: int,
    *,
    note: str | None = None,
    bug_ref: str | None = None,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
    by_support: bool = True,
) -> Ticket:
    """Store ``ticket`` moved to ``status`` with its event, in the caller's transaction.

    The transition must be allowed (``change_status`` checks it for people;
    the monitoring intake moves only resolved tickets back and open ones to
    resolved). Stamps the resolution time and, where the contract counts the
    status and support made the change (``by_support``: not a monitor's
    recovery), the first response; recomputes both deadlines from the history.
    """
    first_response = ticket.first_response_at
    contract = uow.directory.contract(ticket.contract_id)
    if by_support and first_response is None and contract.responds_by_status(status):
        first_response = now
    resolved_at = ticket.resolved_at
    if status is TicketStatus.RESOLVED:
        resolved_at = now
    elif status.is_open:
        resolved_at = None
    history = [
        *status_history(ticket, uow.events.for_ticket(ticket.id)),
        StatusChange(now, status),
    ]
    moved = replace(
        ticket,
        status=status,
        first_response_at=first_response,
        resolved_at=resolved_at,
        bug_ref=bug_ref or ticket.bug_ref,
    )
    changed = deadlines.recomputed(uow, moved, history, calendars)
    stored = uow.tickets.update(changed, expected)
    before, after = audit.diff(
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
    return stored


def change_severity(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    severity: Severity,
    *,
    note: str | None = None,
    if_version: int | None = None,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Ticket:
    """Change a ticket's severity; both deadlines are recomputed from its history.

    Raises:
        NotFoundError: Unknown ticket.
        InvalidInputError: Same severity, or a resolved or closed ticket.
        ConflictError: The ticket changed since ``if_version`` (also when the
            change would change nothing).
    """
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        if severity is ticket.severity:
            uow.tickets.check_version(ticket.id, expected)  # stale: a conflict, not a no-op
            raise InvalidInputError(f"{ticket.ref} is already {severity.value}")
        if not ticket.is_open:
            raise InvalidInputError(f"{ticket.ref} is {ticket.status.label}; reopen it first")
        stored = deadlines.store_recomputed(
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


def read_ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    """The ticket as stored now (without its description)."""
    with uow:
        return uow.tickets.get(ticket_id, description_chars=0)


def ticket_detail(
    uow: UnitOfWork,
    ticket_id: int,
    now: datetime,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
    description_chars: int | None = None,
    last_articles: int | None = None,
    links: bool = True,
) -> TicketDetail:
    """A ticket with its customer, contract, history, conversation and SLA clocks.

    ``description_chars`` reads only the beginning of the description and
    ``last_articles`` only the newest articles (the console shows no more); the
    command line reads them whole. ``links=False`` leaves out the tickets it
    follows or is followed by and its monitoring incident (the console shows
    neither: it reads the detail at every move of the cursor).
    """
    with uow:
        ticket = uow.tickets.get(ticket_id, description_chars=description_chars)
        contract = uow.directory.contract(ticket.contract_id)
        customer = uow.directory.customer(ticket.customer_id)
        events = uow.events.for_ticket(ticket_id)
        engine = deadlines.engine(uow, contract, customer, calendars)
        balance = hours.read_balance(uow, contract, now.date()) if contract.period else None
        articles = uow.articles.for_ticket(ticket_id, last=last_articles)
        article_count = len(articles) if last_articles is None else uow.articles.count(ticket_id)
        follows = uow.links.follows(ticket_id) if links else ()
        followed_by = uow.links.followed_by(ticket_id) if links else ()
        monitoring = uow.monitoring.incident(ticket_id) if links else None
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
        articles=articles,
        article_count=article_count,
        follows=follows,
        followed_by=followed_by,
        monitoring=monitoring,
    )
