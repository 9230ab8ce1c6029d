"""Breach alerts: which SLA thresholds a ticket has reached, and the alert record.

An alert is raised once per ticket, target (response or resolution) and level
(warning at the contract's warning share, breach at the deadline). The sweep
is level-triggered: it asks which open tickets are past a threshold and have
no alert for it yet, so an alert missed while nothing ran is raised by the
next sweep (marked late) instead of being lost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.domain.model import Target, TicketStatus
from dispatch.domain.ticket import Ticket


class AlertLevel(enum.StrEnum):
    """How far a clock has run."""

    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A threshold a ticket has reached: ``level`` of ``target`` at ``at``."""

    ticket_id: int
    target: Target
    level: AlertLevel
    at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    """One raised alert.

    Attributes:
        id: Database identity.
        ticket_id: The ticket.
        target: ``response`` or ``resolution``.
        level: ``warning`` or ``breach``.
        due_at: The instant the threshold was reached (warning instant or deadline).
        raised_at: When a sweep raised it.
        late: Raised well after ``due_at`` (nothing swept meanwhile, e.g. downtime).
        acked_by: Who acknowledged it.
        acked_at: When.
        ticket_title: The ticket's title at read time (untrusted text).
        customer_name: The customer's name at read time (untrusted text).
        imported: Recorded by an import for a threshold crossed before it: nobody
            was paged for it.
    """

    id: int
    ticket_id: int
    target: Target
    level: AlertLevel
    due_at: datetime
    raised_at: datetime
    late: bool
    acked_by: str | None = None
    acked_at: datetime | None = None
    ticket_title: str = ""
    customer_name: str = ""
    imported: bool = False

    @property
    def ref(self) -> str:
        """``A-7``."""
        return f"A-{self.id}"

    @property
    def ticket_ref(self) -> str:
        """``T-42``."""
        return f"T-{self.ticket_id}"

    @property
    def acked(self) -> bool:
        """Whether someone acknowledged it."""
        return self.acked_at is not None

    def summary(self) -> str:
        """``T-42 response breached`` / ``T-42 resolution at its warning share``."""
        what = "breached" if self.level is AlertLevel.BREACH else "at its warning share"
        return f"{self.ticket_ref} {self.target.value} {what}"


def reached(ticket: Ticket, now: datetime) -> list[Threshold]:
    """The thresholds ``ticket`` has reached at ``now`` (none while paused or closed).

    A target's warning is reached at its warning instant, its breach at its
    deadline; a met target (answered, resolved) reaches nothing more.
    """
    if not ticket.is_open or ticket.status is TicketStatus.WAITING_CUSTOMER:
        return []
    out: list[Threshold] = []
    for target, due in ticket.pending_deadlines():
        warn = ticket.response_warn_at if target is Target.RESPONSE else ticket.resolution_warn_at
        if warn is not None and warn <= now:
            out.append(Threshold(ticket.id, target, AlertLevel.WARNING, warn))
        if due <= now:
            out.append(Threshold(ticket.id, target, AlertLevel.BREACH, due))
    return out


def is_late(threshold_at: datetime, raised_at: datetime, grace: timedelta) -> bool:
    """Whether an alert raised at ``raised_at`` came more than ``grace`` after its threshold."""
    return raised_at - threshold_at > grace
