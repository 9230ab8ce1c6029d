"""SLA on tickets: deadlines from the status history, and where each clock stands.

The rules (DOMAIN.md rule 2):

- Targets come from the contract and the ticket's severity; kinds without a
  guarantee have none ("no guarantee"), and nothing is ever raised for them.
- Both clocks start when the ticket is opened and run on the contract's
  calendar (``dispatch.domain.calendar`` does all the arithmetic).
- ``waiting_customer`` pauses both clocks. The first response stops the
  response clock. Resolving stops the resolution clock; reopening resumes it,
  the time spent resolved not counting.
- Deadlines are recomputed from the whole history on every change, never
  accumulated, so a change of contract, severity or calendar keeps paused time
  right. While a pause is open the stored deadline ignores it (the deadline
  moves when the pause ends); the queue treats a paused ticket as having no
  running deadline.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.domain.calendar import (
    BUILTIN_CALENDARS,
    BusinessClock,
    Calendar,
    Interval,
    explain_add,
)
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Contract, Customer, Severity, Target, TicketStatus, require_utc
from dispatch.domain.ticket import Event, Ticket


class SlaState(enum.StrEnum):
    """Where one SLA clock stands."""

    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    NONE = "none"


class Outcome(enum.StrEnum):
    """What one SLA clock came to, as a customer's record shows it."""

    MET = "met"
    """Stopped in time: answered (or resolved) before the deadline."""
    BREACHED = "breached"
    """The deadline passed first, whether the clock has stopped since or not."""
    RUNNING = "running"
    """Not stopped and not overdue yet (paused while waiting on the customer included)."""
    NONE = "none"
    """Nothing was promised."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The ticket entered ``status`` at ``at``.

    Attributes:
        at: When (UTC).
        status: The status entered.
    """

    at: datetime
    status: TicketStatus


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The due instants of one ticket; ``None`` where nothing is promised.

    Attributes:
        response: Deadline for the first reaction.
        resolution: Deadline for the resolution.
        response_warn: When the response clock reaches the warning share.
        resolution_warn: When the resolution clock reaches the warning share.
    """

    response: datetime | None
    resolution: datetime | None
    response_warn: datetime | None = None
    resolution_warn: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClockReading:
    """One SLA clock of one ticket at one instant.

    Attributes:
        target: Response or resolution.
        state: ``ok``, ``warning``, ``breached``, ``met``, ``paused`` or ``none``.
        due: The deadline, if any.
        allowed: The promised working time.
        used: Working time used so far (up to the stop, if stopped).
        remaining: ``allowed - used``; negative once overdue.
        share: ``used / allowed``.
        stopped_at: When the clock stopped (response given, ticket resolved).
    """

    target: Target
    state: SlaState
    due: datetime | None = None
    allowed: timedelta | None = None
    used: timedelta = timedelta(0)
    remaining: timedelta | None = None
    share: float | None = None
    stopped_at: datetime | None = None


def outcome(reading: ClockReading) -> Outcome:
    """What the clock of ``reading`` came to: met, breached, still running, or no guarantee.

    A clock past its deadline is breached for good (stopping it later changes
    nothing); a paused one is still running, its deadline moves when the pause ends.
    """
    return _OUTCOMES[reading.state]


_OUTCOMES = {
    SlaState.MET: Outcome.MET,
    SlaState.BREACHED: Outcome.BREACHED,
    SlaState.OK: Outcome.RUNNING,
    SlaState.WARNING: Outcome.RUNNING,
    SlaState.PAUSED: Outcome.RUNNING,
    SlaState.NONE: Outcome.NONE,
}


def status_history(ticket: Ticket, events: Iterable[Event]) -> list[StatusChange]:
    """The ticket's status changes, oldest first, starting ``new`` at its opening."""
    history = [StatusChange(ticket.opened_at, TicketStatus.NEW)]
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        status = event.after.get("status")
        if event.action == "ticket.opened" or not status:
            continue
        try:
            history.append(StatusChange(max(event.at, ticket.opened_at), TicketStatus(status)))
        except ValueError:
            continue  # a status this version does not know: ignore, do not guess
    return history


@dataclass(frozen=True, slots=True)
class _Timeline:
    response_pauses: list[Interval]
    resolution_pauses: list[Interval]
    first_response: datetime | None
    resolved_at: datetime | None
    open_pause: datetime | None


def _timeline(history: Sequence[StatusChange]) -> _Timeline:
    response_pauses: list[Interval] = []
    resolution_pauses: list[Interval] = []
    first_response: datetime | None = None
    waiting_since: datetime | None = None
    resolved_since: datetime | None = None
    for change in history:
        if waiting_since is not None and change.status is not TicketStatus.WAITING_CUSTOMER:
            if first_response is None or waiting_since < first_response:
                # Pauses after the first response cannot move a stopped clock.
                response_pauses.append((waiting_since, change.at))
            resolution_pauses.append((waiting_since, change.at))
            waiting_since = None
        if resolved_since is not None and change.status.is_open:
            # Reopened: the time spent resolved does not count.
            resolution_pauses.append((resolved_since, change.at))
            resolved_since = None
        if change.status is TicketStatus.WAITING_CUSTOMER and waiting_since is None:
            waiting_since = change.at
        if not change.status.is_open and resolved_since is None:
            resolved_since = change.at
        if first_response is None and change.status.counts_as_response:
            first_response = change.at
    return _Timeline(
        response_pauses, resolution_pauses, first_response, resolved_since, waiting_since
    )


class SlaEngine:
    """Deadlines and clock readings for the tickets of one contract calendar.

    Args:
        contract: The contract.
        calendar: Its calendar, placed at the customer's site.
    """

    def __init__(self, contract: Contract, calendar: Calendar) -> None:
        self.contract = contract
        self.calendar = calendar
        self.clock = BusinessClock(calendar)

    def deadlines(
        self, severity: Severity, opened_at: datetime, history: Sequence[StatusChange] = ()
    ) -> Deadlines:
        """Both deadlines, recomputed from the whole history."""
        opened_at = require_utc(opened_at, "opened at")
        target = self.contract.sla.for_severity(severity)
        if target is None:
            return Deadlines(None, None)
        line = _timeline(history or [StatusChange(opened_at, TicketStatus.NEW)])
        share = self.contract.sla.warning_share
        return Deadlines(
            self.clock.add(opened_at, target.response, line.response_pauses),
            self.clock.add(opened_at, target.resolution, line.resolution_pauses),
            self.clock.add(opened_at, target.response * share, line.response_pauses),
            self.clock.add(opened_at, target.resolution * share, line.resolution_pauses),
        )

    def read(
        self, ticket: Ticket, history: Sequence[StatusChange], now: datetime
    ) -> tuple[ClockReading, ClockReading]:
        """Where the response and resolution clocks of ``ticket`` stand at ``now``."""
        target = self.contract.sla.for_severity(ticket.severity)
        if target is None:
            return ClockReading(Target.RESPONSE, SlaState.NONE), ClockReading(
                Target.RESOLUTION, SlaState.NONE
            )
        line = _timeline(history)
        due = self.deadlines(ticket.severity, ticket.opened_at, history)
        share_warn = self.contract.sla.warning_share
        return (
            self._reading(
                Target.RESPONSE,
                ticket.opened_at,
                target.response,
                due.response,
                line.response_pauses,
                line.first_response,
                line.open_pause,
                now,
                share_warn,
            ),
            self._reading(
                Target.RESOLUTION,
                ticket.opened_at,
                target.resolution,
                due.resolution,
                line.resolution_pauses,
                line.resolved_at,
                line.open_pause,
                now,
                share_warn,
            ),
        )

    def _reading(
        self,
        which: Target,
        opened: datetime,
        allowed: timedelta,
        due: datetime | None,
        pauses: list[Interval],
        stopped_at: datetime | None,
        paused_since: datetime | None,
        now: datetime,
        warn_share: float,
    ) -> ClockReading:
        assert due is not None
        if stopped_at is not None:
            used = self.clock.elapsed(opened, stopped_at, pauses)
            state = SlaState.MET if stopped_at <= due else SlaState.BREACHED
        else:
            until = now if paused_since is None else min(now, paused_since)
            used = self.clock.elapsed(opened, until, pauses)
            if until > due:
                state = SlaState.BREACHED
            elif paused_since is not None:
                state = SlaState.PAUSED
            elif used / allowed >= warn_share:
                state = SlaState.WARNING
            else:
                state = SlaState.OK
        return ClockReading(
            target=which,
            state=state,
            due=due,
            allowed=allowed,
            used=used,
            remaining=allowed - used,
            share=used / allowed,
            stopped_at=stopped_at,
        )

    def explain(self, ticket: Ticket, history: Sequence[StatusChange], which: Target) -> list[str]:
        """How one deadline of ``ticket`` was derived, in plain lines."""
        target = self.contract.sla.for_severity(ticket.severity)
        kind = self.contract.kind
        if target is None:
            why = (
                f"a {kind.label} contract promises no reaction time"
                if not kind.has_guarantee
                else f"contract {self.contract.name} sets no target for {ticket.severity.value}"
            )
            return [f"{which.value}: no guarantee ({why})"]
        line = _timeline(history)
        allowed = target.response if which is Target.RESPONSE else target.resolution
        pauses = line.response_pauses if which is Target.RESPONSE else line.resolution_pauses
        derivation = explain_add(self.clock, ticket.opened_at, allowed, pauses)
        head = (
            f"{which.value}: {ticket.severity.value} under {self.contract.name} "
            f"({kind.label}) allows {_hours(allowed)} of working time"
        )
        tail: list[str] = []
        if line.open_pause is not None:
            tail.append(
                f"paused since {line.open_pause:%Y-%m-%d %H:%M} UTC (waiting on the customer): "
                "the deadline moves by the working time of the pause when it ends"
            )
        return [head, *(f"  {x}" for x in derivation.lines), *(f"  {x}" for x in tail)]


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m"


def place_calendar(name: str, customer: Customer, defined: Mapping[str, Calendar]) -> Calendar:
    """The calendar called ``name``, placed at ``customer``'s site if it is a template.

    Definitions in ``defined`` (database, then configuration) win over the
    built-ins ``24/7`` and ``business-hours``. A template takes the customer's
    zone, and its country and region for public holidays unless it names a
    country of its own.

    Raises:
        InvalidInputError: For an unknown calendar, or a customer region that
            the holidays data does not know.
    """
    calendar = defined.get(name) or BUILTIN_CALENDARS.get(name)
    if calendar is None:
        known = ", ".join(sorted({*defined, *BUILTIN_CALENDARS}))
        raise InvalidInputError(f"unknown calendar {name!r} (known: {known})")
    if not calendar.is_template:
        return calendar
    if calendar.country and calendar.country != customer.country:
        return calendar.with_place(customer.timezone, calendar.country, calendar.subdiv)
    try:
        return calendar.with_place(customer.timezone, customer.country, customer.region)
    except InvalidInputError as exc:
        raise InvalidInputError(f"calendar {name!r} at customer {customer.name!r}: {exc}") from None


def engine_for(
    contract: Contract, customer: Customer, defined: Mapping[str, Calendar]
) -> SlaEngine:
    """The SLA engine of ``contract`` at ``customer``'s site."""
    return SlaEngine(contract, place_calendar(contract.calendar, customer, defined))
