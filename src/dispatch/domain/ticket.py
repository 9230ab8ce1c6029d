"""Tickets and what is recorded of them: the ticket, its events, a new ticket's request.

Split from ``model`` (customers, contracts, technicians and the enums they share);
frozen dataclasses from the standard library only, times in UTC (``require_utc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch.domain.model import (
    Channel,
    Contact,
    ContractKind,
    Severity,
    Target,
    TicketKind,
    TicketStatus,
)


@dataclass(frozen=True, slots=True)
class Ticket:
    """A unit of support work, with what the queue needs to place it.

    ``customer_name`` and ``contract_kind`` are read along with the ticket so
    that the queue can order and show it without further look-ups.

    Attributes:
        id: Database identity; shown as ``T-<id>``.
        customer_id: The customer.
        customer_name: The customer's name at read time.
        contract_id: The contract the work falls under.
        contract_kind: That contract's kind.
        title: One-line summary (untrusted text).
        description: Full text (untrusted, possibly long).
        kind: Kind of work.
        channel: How it came in.
        severity: P1 to P4.
        status: Current status.
        needs_onsite: Whether someone must visit the site.
        skills: Skills the work needs.
        opened_at: When the customer asked.
        first_response_at: When support first reacted.
        resolved_at: When it was resolved.
        response_due: Deadline for the first reaction, if promised.
        resolution_due: Deadline for the resolution, if promised.
        assignee: Login of the assigned technician.
        bug_ref: Reference of the development bug it was escalated to.
        version: Increases with every change; guards against lost updates.
        response_warn_at: When the response clock reaches its warning share.
        resolution_warn_at: When the resolution clock reaches its warning share.
        description_size: The whole description's size in bytes (UTF-8) when
            ``description`` holds only its beginning (read for display: such a
            ticket never writes its description back); ``None`` when whole.
        external_id: Its id in the help desk it was imported from.
        contact_id: Who called: one of the customer's contacts (``None``: not
            recorded, or the contact was removed since).
    """

    id: int
    customer_id: int
    customer_name: str
    contract_id: int
    contract_kind: ContractKind
    title: str
    opened_at: datetime
    description: str = ""
    kind: TicketKind = TicketKind.EMERGENCY
    channel: Channel = Channel.PHONE
    severity: Severity = Severity.P3
    status: TicketStatus = TicketStatus.NEW
    needs_onsite: bool = False
    skills: frozenset[str] = frozenset()
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None
    assignee: str | None = None
    bug_ref: str | None = None
    version: int = 1
    response_warn_at: datetime | None = None
    resolution_warn_at: datetime | None = None
    description_size: int | None = None
    external_id: str | None = None
    contact_id: int | None = None

    @property
    def ref(self) -> str:
        """The ticket's reference as dispatchers say it: ``T-42``."""
        return f"T-{self.id}"

    @property
    def priority_rank(self) -> int:
        """Queue priority of the ticket's contract."""
        return self.contract_kind.priority_rank

    @property
    def is_open(self) -> bool:
        """Whether the ticket stands in the queue."""
        return self.status.is_open

    def pending_deadlines(self) -> list[tuple[Target, datetime]]:
        """The deadlines still running: response until answered, resolution until resolved.

        None runs while the ticket waits on the customer: the clock is paused and
        the deadline will move by the length of the pause when it ends.
        """
        pending: list[tuple[Target, datetime]] = []
        if self.status is TicketStatus.WAITING_CUSTOMER:
            return pending
        if self.response_due is not None and self.first_response_at is None:
            pending.append((Target.RESPONSE, self.response_due))
        if self.resolution_due is not None and self.resolved_at is None:
            pending.append((Target.RESOLUTION, self.resolution_due))
        return pending

    def next_deadline(self) -> tuple[Target, datetime] | None:
        """The nearest deadline still running, or ``None``."""
        pending = self.pending_deadlines()
        return min(pending, key=lambda p: p[1]) if pending else None

    @property
    def next_due(self) -> datetime | None:
        """The instant of the nearest running deadline."""
        nearest = self.next_deadline()
        return nearest[1] if nearest else None

    @property
    def next_warn(self) -> datetime | None:
        """When the clock of the nearest running deadline reaches its warning share."""
        nearest = self.next_deadline()
        if nearest is None:
            return None
        return self.response_warn_at if nearest[0] is Target.RESPONSE else self.resolution_warn_at

    def sla_flag(self, now: datetime) -> str:
        """The queue's view of the nearest running deadline at ``now``.

        ``breached``, ``warning``, ``ok``, ``paused`` (waiting on the customer)
        or ``none`` (no running deadline: no guarantee, or all met).
        """
        due = self.next_due
        if due is None:
            return "paused" if self.status is TicketStatus.WAITING_CUSTOMER else "none"
        if now > due:
            return "breached"
        warn = self.next_warn
        return "warning" if warn is not None and now >= warn else "ok"


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded change: the audit trail and the change feed.

    Attributes:
        id: Database identity, increasing in commit order.
        at: When the change was made (UTC).
        actor: OS login of whoever made it.
        action: What happened, e.g. ``ticket.assigned``.
        ticket_id: The ticket concerned, if any.
        before: Changed fields before the change.
        after: Changed fields after the change.
        note: Free text given with the change.
    """

    id: int
    at: datetime
    actor: str
    action: str
    ticket_id: int | None = None
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What a dispatcher states when opening a ticket; the rest is derived.

    Attributes:
        customer: The customer's name.
        title: One-line summary.
        description: Full text.
        severity: P1 to P4.
        kind: Kind of work.
        channel: How it came in.
        opened_at: When the customer asked; ``None`` means now.
        skills: Skills the work needs.
        needs_onsite: Whether someone must visit.
        contact_id: The caller, one of the customer's contacts.
        new_contact: A caller not yet among the customer's contacts: added to
            them in the ticket's transaction (its ``id`` and ``customer_id`` are
            ignored). At most one of ``contact_id`` and ``new_contact``.
    """

    customer: str
    title: str
    description: str = ""
    severity: Severity = Severity.P3
    kind: TicketKind = TicketKind.EMERGENCY
    channel: Channel = Channel.PHONE
    opened_at: datetime | None = None
    skills: frozenset[str] = frozenset()
    needs_onsite: bool = False
    contact_id: int | None = None
    new_contact: Contact | None = None
