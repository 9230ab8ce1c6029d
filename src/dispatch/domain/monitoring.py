"""Monitoring events: what an alert says, which source it came from, what it does to a ticket.

A monitoring system (Prometheus Alertmanager, anything that speaks the
PagerDuty Events v2 shape, Nagios or Icinga) reports problems; each report is
parsed (``monitoring_formats``) into a :class:`MonitoringEvent` with a dedup
key. What the event does is decided here, from the event and what is stored
for its key (:func:`decide`), by these rules (the issue's, and research round 2,
M3–M5):

- One open ticket per key (the database enforces it). A firing event whose key
  has no open ticket opens one; a repeat adds an article to it ("still firing
  (P1), occurrence 7", or "changed" when its severity or summary changed, or
  "firing again" after a recovery) and counts it (``occurrences``,
  ``last_seen``), never another ticket: a flood of 1,000 repeats is one
  ticket. (Research rule M4 would only count repeats; the issue asks for the
  article, and the console shows the newest 30 of them.)
- A firing after the ticket was resolved reopens it within the source's
  ``reopen_window`` and opens a new ticket after it (a closed ticket is final:
  always a new one). A repeat of the occurrence a dispatcher resolved by hand
  (the same ``occurrence``: Alertmanager's ``startsAt``, Nagios's problem id)
  only counts, so resolving a still-firing alert does not bring it back.
- A recovery applies the policy (:class:`OnResolve`): ``close`` resolves the
  ticket, ``confirm`` marks it recovered and leaves it for a dispatcher, ``note``
  only adds the article. A recovery for a key without a ticket is ignored.
- An acknowledgement or an informational notice adds an article to the open
  ticket and is ignored otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Severity, TicketStatus

MAX_KEY = 255
"""The longest dedup key kept as it is (PagerDuty's limit); longer ones are hashed."""

MAX_PAYLOAD = 65_536
"""How much of an event's last payload is kept with its incident."""


class PayloadError(InvalidInputError):
    """A payload that is not what its format says: the field's path and what is wrong.

    Attributes:
        path: Where in the payload, e.g. ``alerts[2].labels.severity`` (``""``:
            the payload as a whole).
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        super().__init__(f"{path}: {problem}" if path else problem)


class UnknownTargetError(InvalidInputError):
    """An event no customer can be found for (the source names none and maps none)."""


class EventAction(enum.StrEnum):
    """What an event reports about its problem."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    INFO = "info"
    """A notice on a problem (Nagios downtime, flapping stopped): an article at most."""


class OnResolve(enum.StrEnum):
    """What a recovery does to the ticket."""

    CLOSE = "close"
    """Resolve the ticket (its resolution clock stops; a re-fire reopens it)."""
    CONFIRM = "confirm"
    """Mark it recovered and leave it open for a dispatcher to resolve."""
    NOTE = "note"
    """Only add the recovery to the conversation."""


class TicketsPer(enum.StrEnum):
    """What one Alertmanager ticket stands for."""

    GROUP = "group"
    """One ticket per notification group (``groupKey``): a noisy cluster is one ticket."""
    ALERT = "alert"
    """One ticket per alert (``fingerprint``)."""


class IncidentState(enum.StrEnum):
    """What the monitoring system last said of a key."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RECOVERED = "recovered"


class Step(enum.StrEnum):
    """What an event does (:func:`decide`)."""

    OPEN = "opened"
    """Open a ticket for the key."""
    REOPEN = "reopened"
    """Reopen the key's resolved ticket, with an article."""
    ARTICLE = "updated"
    """Add an article to the key's ticket."""
    COUNT = "counted"
    """Only count the event on the key's ticket (a repeat)."""
    RESOLVE = "recovered"
    """Apply the recovery policy, with an article."""
    IGNORE = "ignored"
    """Nothing is written (a recovery or notice for a key without a ticket)."""


DEFAULT_SEVERITIES: Mapping[str, Severity] = {
    "critical": Severity.P1,
    "disaster": Severity.P1,
    "down": Severity.P1,
    "unreachable": Severity.P1,
    "error": Severity.P2,
    "high": Severity.P2,
    "major": Severity.P2,
    "page": Severity.P2,
    "average": Severity.P3,
    "warning": Severity.P3,
    "unknown": Severity.P3,
    "minor": Severity.P3,
    "info": Severity.P4,
    "information": Severity.P4,
    "low": Severity.P4,
    "none": Severity.P4,
}
"""Monitoring severities (lower-cased) to P1–P4: Alertmanager's usual ``severity``
label values, PagerDuty's four, Nagios's states and Zabbix's names."""


@dataclass(frozen=True, slots=True)
class MonitoringEvent:
    """One report of a problem, whatever format it came in.

    Attributes:
        key: The dedup key within its source (fingerprint, groupKey,
            dedup_key, ``host!service``).
        action: Firing, acknowledged, recovered, or a notice.
        summary: One line: the ticket's title.
        details: The article's text: what the monitor said, line by line.
        severities: The source's own severity words (one per firing alert of
            a group), mapped by the source's rule to P1–P4.
        labels: What the source's rule may map to a customer (Alertmanager's
            labels, Events v2's ``custom_details``, Nagios's macros lower-cased).
        routing_key: Events v2's ``routing_key``.
        occurrence: What names this occurrence of the problem (Alertmanager's
            ``startsAt``, Nagios's problem id), if the format has it.
        group: Alertmanager's ``groupKey``.
        truncated: How many alerts Alertmanager left out (``truncatedAlerts``).
    """

    key: str
    action: EventAction
    summary: str
    details: str
    severities: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    routing_key: str | None = None
    occurrence: str | None = None
    group: str | None = None
    truncated: int = 0


@dataclass(frozen=True, slots=True)
class SourceRule:
    """How one monitoring source's events become tickets (``[intake.sources.NAME]``).

    Attributes:
        name: The source's name: part of every key, and of the actor recorded.
        format: ``alertmanager``, ``events-v2`` or ``nagios``.
        customer: The customer of events that name none.
        customer_label: The label (or custom detail, or lower-cased macro)
            whose value names the customer.
        customers: Label values and routing keys to customer names; a label
            value not listed is taken as the customer's name itself.
        severity_label: The Alertmanager label holding the severity.
        severities: The source's severity words (lower-case) to P1–P4.
        default_severity: The severity of events whose word is not mapped.
        on_resolve: What a recovery does; ``None``: the contract decides
            (``confirm`` where it promises reaction times, else ``close``).
        tickets_per: One Alertmanager ticket per group or per alert.
        reopen_window: How long after its resolution a ticket is reopened by a
            re-fire (later: a new ticket).
    """

    name: str
    format: str
    customer: str | None = None
    customer_label: str | None = None
    customers: Mapping[str, str] = field(default_factory=dict)
    severity_label: str = "severity"
    severities: Mapping[str, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    default_severity: Severity = Severity.P3
    on_resolve: OnResolve | None = None
    tickets_per: TicketsPer = TicketsPer.GROUP
    reopen_window: timedelta = timedelta(hours=1)

    @property
    def actor(self) -> str:
        """Who the event log names for this source's changes."""
        return f"monitor:{self.name}"

    def customer_for(self, event: MonitoringEvent) -> str:
        """The customer's name for ``event``: its label, its routing key, the default.

        Raises:
            UnknownTargetError: None of them names one.
        """
        if self.customer_label is not None:
            value = event.labels.get(self.customer_label, "").strip()
            if value:
                return self.customers.get(value, value)
        if event.routing_key is not None and event.routing_key in self.customers:
            return self.customers[event.routing_key]
        if self.customer is not None:
            return self.customer
        named = f"label {self.customer_label!r}, " if self.customer_label else ""
        raise UnknownTargetError(
            f"source {self.name!r}: no customer for {event.key!r}: the event has no "
            f"{named}no mapped routing key, and the source has no default customer"
        )

    def severity_for(self, event: MonitoringEvent) -> Severity:
        """The most severe of the event's mapped severities, else the default."""
        mapped = [
            self.severities[word.strip().lower()]
            for word in event.severities
            if word.strip().lower() in self.severities
        ]
        return min(mapped, key=lambda s: s.level) if mapped else self.default_severity


def resolve_policy(
    rule: SourceRule, contract_name: str, has_targets: bool, by_contract: Mapping[str, OnResolve]
) -> OnResolve:
    """What a recovery does under a contract: its own setting, the source's, the default.

    The default is ``confirm`` for a contract that promises reaction times (an
    automatic close could hide a breach) and ``close`` otherwise.
    """
    if contract_name in by_contract:
        return by_contract[contract_name]
    if rule.on_resolve is not None:
        return rule.on_resolve
    return OnResolve.CONFIRM if has_targets else OnResolve.CLOSE


@dataclass(frozen=True, slots=True)
class Incident:
    """What is stored of a key on its ticket.

    Attributes:
        ticket_id: The ticket.
        source: The source's name.
        key: The dedup key within the source.
        state: What the monitor last said.
        severity: The P1–P4 the monitor's severity last mapped to.
        summary: The last summary.
        occurrence: The occurrence the ticket is for (see ``MonitoringEvent``).
        occurrences: How many events came for it.
        first_seen: When the first came.
        last_seen: When the last came.
        group: Alertmanager's ``groupKey``.
        truncated: Whether Alertmanager ever left alerts out of its notice.
        payload: The last payload as received, cut at ``MAX_PAYLOAD`` characters.
    """

    ticket_id: int
    source: str
    key: str
    state: IncidentState
    severity: Severity
    summary: str
    occurrence: str | None
    occurrences: int
    first_seen: datetime
    last_seen: datetime
    group: str | None = None
    truncated: bool = False
    payload: str = ""


@dataclass(frozen=True, slots=True)
class KeyTicket:
    """The newest ticket of a key, with its incident: what :func:`decide` reads.

    Attributes:
        incident: What is stored of the key.
        status: The ticket's status.
        resolved_at: When the ticket was resolved, if it is.
    """

    incident: Incident
    status: TicketStatus
    resolved_at: datetime | None


def decide(
    event: MonitoringEvent,
    severity: Severity,
    latest: KeyTicket | None,
    now: datetime,
    reopen_window: timedelta,
) -> Step:
    """What ``event`` does, given the key's newest ticket (see the module's rules)."""
    is_open = latest is not None and latest.status.is_open
    if event.action is EventAction.TRIGGER:
        if latest is None:
            return Step.OPEN
        incident = latest.incident
        if is_open:
            return Step.ARTICLE  # a repeat adds an article, never a ticket

        same = event.occurrence is not None and event.occurrence == incident.occurrence
        if same and incident.state is not IncidentState.RECOVERED:
            return Step.COUNT  # a dispatcher resolved it while it still fired
        if (
            latest.status is TicketStatus.RESOLVED
            and latest.resolved_at is not None
            and now - latest.resolved_at <= reopen_window
        ):
            return Step.REOPEN
        return Step.OPEN
    if latest is None:
        return Step.IGNORE
    state = latest.incident.state
    if event.action is EventAction.RESOLVE:
        if state is IncidentState.RECOVERED:
            return Step.COUNT
        return Step.RESOLVE if is_open else Step.COUNT
    if not is_open:
        return Step.IGNORE
    if event.action is EventAction.ACKNOWLEDGE and state is IncidentState.ACKNOWLEDGED:
        return Step.COUNT
    return Step.ARTICLE


class MonitoringStore(Protocol):
    """Monitoring keys on tickets (``uow.monitoring``); one open ticket per key."""

    def latest(self, source: str, key: str) -> KeyTicket | None:
        """The key's newest ticket with its incident, or ``None``."""
        ...

    def incident(self, ticket_id: int) -> Incident | None:
        """The ticket's incident, if a monitoring event opened it."""
        ...

    def attach(self, incident: Incident) -> None:
        """Give the incident's (new) ticket its key and store the incident.

        Raises:
            DuplicateError: Another open ticket holds the key; the transaction
                stays usable (the caller starts over and finds that ticket).
        """
        ...

    def save(self, incident: Incident) -> None:
        """Store what the monitor last said of the key."""
        ...
