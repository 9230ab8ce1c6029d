"""Monitoring in: events from monitoring systems open, update and recover tickets.

The story of one event (``dispatch intake alert`` and ``dispatch intake
serve`` both run it):

1. The payload was parsed (``domain.monitoring_formats``) into events with a
   dedup key each; the source's rule (``SourceRule``) maps them to a customer
   and a severity.
2. Each event is one short transaction: read the key's newest ticket, decide
   (``domain.monitoring.decide``), write. A firing event for a new key opens
   a ticket under the customer's active contract and gives it the key; a
   repeat counts; a change adds a ``monitoring`` article; a recovery applies
   the contract's policy; a re-fire reopens or opens anew.
3. Two events for one key at once cannot open two tickets: the key is unique
   among open tickets in the database, and the event that loses the race
   starts over and finds the winner's ticket. A ticket changed meanwhile
   (a version conflict) is read again the same way.

An event for a customer dispatch does not know is refused (``UnknownTargetError``)
and nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import Article, ArticleChannel, Visibility
from dispatch.domain.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    StorageUnavailableError,
)
from dispatch.domain.model import Channel, Severity, TicketKind, TicketStatus
from dispatch.domain.monitoring import (
    MAX_PAYLOAD,
    EventAction,
    Incident,
    IncidentState,
    KeyTicket,
    MonitoringEvent,
    OnResolve,
    SourceRule,
    Step,
    UnknownTargetError,
    decide,
    resolve_policy,
)
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import deadlines, directory, tickets
from dispatch.services.conversation import append_article

ATTEMPTS = 5
"""How often one event is tried when another writer got there first."""

_STATES = {
    EventAction.TRIGGER: IncidentState.FIRING,
    EventAction.ACKNOWLEDGE: IncidentState.ACKNOWLEDGED,
    EventAction.RESOLVE: IncidentState.RECOVERED,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one event did.

    Attributes:
        key: The event's dedup key.
        step: What it did.
        ticket_id: The ticket it landed on (``None``: ignored).
        article_id: The article it added, if any.
    """

    key: str
    step: Step
    ticket_id: int | None = None
    article_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The outcome as the command line and the server answer it."""
        return {
            "key": self.key,
            "result": self.step.value,
            "ticket": None if self.ticket_id is None else f"T-{self.ticket_id}",
            "article": self.article_id,
        }


def receive(
    writer: Callable[[], UnitOfWork],
    clock: Clock,
    rule: SourceRule,
    events: Sequence[MonitoringEvent],
    *,
    payload: str = "",
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
    on_resolve: Mapping[str, OnResolve] | None = None,
) -> list[Outcome]:
    """Apply ``events`` from ``rule``'s source, each in its own transaction.

    Args:
        writer: Makes a fresh unit of work that writes.
        clock: The clock.
        rule: The source's rule.
        events: The parsed events.
        payload: The payload as received (its beginning is kept with the key).
        calendars: Calendars of the configuration file.
        on_resolve: Recovery policies by contract name (they win over the source's).

    Raises:
        UnknownTargetError: An event names no customer, or one not known.
        StorageUnavailableError: The database cannot be used (or stays contended).
    """
    for event in events:  # a pure check first: refuse before anything is written
        if event.action is EventAction.TRIGGER:
            rule.customer_for(event)
    policies = on_resolve or {}
    kept = payload[:MAX_PAYLOAD]
    return [_one(writer, clock, rule, e, kept, calendars, policies) for e in events]


def _one(
    writer: Callable[[], UnitOfWork],
    clock: Clock,
    rule: SourceRule,
    event: MonitoringEvent,
    payload: str,
    calendars: Mapping[str, Calendar],
    policies: Mapping[str, OnResolve],
) -> Outcome:
    for _attempt in range(ATTEMPTS):
        try:
            return _apply(writer(), clock, rule, event, payload, calendars, policies)
        except (DuplicateError, ConflictError):
            continue  # another event for the key committed first: read again
    raise StorageUnavailableError(
        f"source {rule.name!r}: key {event.key!r} stayed contended for {ATTEMPTS} attempts"
    )


def _apply(
    uow: UnitOfWork,
    clock: Clock,
    rule: SourceRule,
    event: MonitoringEvent,
    payload: str,
    calendars: Mapping[str, Calendar],
    policies: Mapping[str, OnResolve],
) -> Outcome:
    severity = rule.severity_for(event)
    now = clock.now()
    with uow:
        latest = uow.monitoring.latest(rule.name, event.key)
        step = decide(event, severity, latest, now, rule.reopen_window)
        if step is Step.IGNORE:
            return Outcome(event.key, step)
        if step is Step.OPEN or latest is None:
            ticket = _open(uow, rule, event, severity, now, calendars)
            uow.monitoring.attach(
                Incident(
                    ticket_id=ticket.id,
                    source=rule.name,
                    key=event.key,
                    state=IncidentState.FIRING,
                    severity=severity,
                    summary=event.summary,
                    occurrence=event.occurrence,
                    occurrences=1,
                    first_seen=now,
                    last_seen=now,
                    group=event.group,
                    truncated=event.truncated > 0,
                    payload=payload,
                )
            )
            article = _article(uow, rule, ticket, now, f"firing ({severity.value})", event)
            uow.commit()
            return Outcome(event.key, step, ticket.id, article.id)
        outcome = _follow_up(
            uow, rule, event, step, latest, severity, now, payload, calendars, policies
        )
        uow.commit()
    return outcome


def _follow_up(
    uow: UnitOfWork,
    rule: SourceRule,
    event: MonitoringEvent,
    step: Step,
    latest: KeyTicket,
    severity: Severity,
    now: datetime,
    payload: str,
    calendars: Mapping[str, Calendar],
    policies: Mapping[str, OnResolve],
) -> Outcome:
    """A repeat, a change, a re-fire or a recovery on the key's ticket."""
    incident = latest.incident
    state = _STATES.get(event.action, incident.state)
    acknowledged = incident.state is IncidentState.ACKNOWLEDGED
    repeat = event.action is EventAction.TRIGGER and step in (Step.COUNT, Step.ARTICLE)
    if repeat and acknowledged:
        state = incident.state  # a repeat does not take back the acknowledgement
    changed = replace(
        incident,
        state=state,
        occurrences=incident.occurrences + 1,
        last_seen=now,
        payload=payload or incident.payload,
        truncated=incident.truncated or event.truncated > 0,
    )
    if event.action is EventAction.TRIGGER:
        changed = replace(changed, severity=severity, summary=event.summary or incident.summary)
        if step is Step.REOPEN:
            changed = replace(changed, occurrence=event.occurrence)
    if step is Step.COUNT:
        uow.monitoring.save(changed)
        return Outcome(event.key, step, incident.ticket_id)
    ticket = uow.tickets.get(incident.ticket_id)
    if step is Step.REOPEN:
        ticket = tickets.move_status(
            uow,
            now,
            rule.actor,
            ticket,
            TicketStatus.ASSIGNED,
            ticket.version,
            note="firing again",
            calendars=calendars,
        )
        heading = f"firing again ({severity.value}): reopened"
    elif step is Step.RESOLVE:
        heading = _recover(uow, rule, ticket, now, calendars, policies)
    elif event.action is EventAction.TRIGGER:
        again = incident.state is IncidentState.RECOVERED
        same = severity is incident.severity and event.summary in ("", incident.summary)
        heading = (
            f"firing again ({severity.value})"
            if again
            else f"still firing ({severity.value}), occurrence {changed.occurrences}"
            if same
            else f"changed ({severity.value})"
        )
    else:
        heading = event.action.value
    uow.monitoring.save(changed)
    article = _article(uow, rule, ticket, now, heading, event)
    return Outcome(event.key, step, ticket.id, article.id)


def _recover(
    uow: UnitOfWork,
    rule: SourceRule,
    ticket: Ticket,
    now: datetime,
    calendars: Mapping[str, Calendar],
    policies: Mapping[str, OnResolve],
) -> str:
    """Apply the recovery policy of the ticket's contract; the article's heading."""
    contract = uow.directory.contract(ticket.contract_id)
    policy = resolve_policy(rule, contract.name, bool(contract.sla.targets), policies)
    if policy is OnResolve.CLOSE:
        tickets.move_status(
            uow,
            now,
            rule.actor,
            ticket,
            TicketStatus.RESOLVED,
            ticket.version,
            note="recovered (monitoring)",
            calendars=calendars,
            by_support=False,
        )
        return "recovered: resolved by the monitor"
    if policy is OnResolve.CONFIRM:
        return f"recovered: confirm and resolve it (dispatch ticket status {ticket.ref} resolved)"
    return "recovered"


def _open(
    uow: UnitOfWork,
    rule: SourceRule,
    event: MonitoringEvent,
    severity: Severity,
    now: datetime,
    calendars: Mapping[str, Calendar],
) -> Ticket:
    name = rule.customer_for(event)
    try:
        customer = uow.directory.customer_by_name(name)
        contract = directory.active_contract(uow.directory.contracts(customer.id), customer, now)
    except NotFoundError as exc:
        raise UnknownTargetError(f"source {rule.name!r}, key {event.key!r}: {exc}") from None
    if customer.retired_at is not None:
        raise UnknownTargetError(
            f"source {rule.name!r}, key {event.key!r}: customer {customer.name!r} is retired"
        )
    title = " ".join(event.summary.split()) or f"{rule.name}: {event.key}"
    request = NewTicket(
        customer=customer.name,
        title=title,
        description=event.details,
        severity=severity,
        kind=TicketKind.EMERGENCY,
        channel=Channel.REMOTE,
    )
    return tickets.add_ticket(
        uow,
        rule.actor,
        request,
        title[: tickets.MAX_TITLE],
        customer,
        contract,
        now,
        now,
        calendars,
    )


def _article(
    uow: UnitOfWork,
    rule: SourceRule,
    ticket: Ticket,
    now: datetime,
    heading: str,
    event: MonitoringEvent,
) -> Article:
    body = f"{rule.name}: {heading}\n{event.details}".rstrip("\n")
    article = Article(
        id=0,
        ticket_id=ticket.id,
        at=now,
        author=rule.actor,
        channel=ArticleChannel.MONITORING,
        visibility=Visibility.INTERNAL,
        body=body,
        subject=event.summary or None,
    )
    return append_article(uow, rule.actor, ticket, article)
