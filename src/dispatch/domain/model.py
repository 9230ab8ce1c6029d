"""The dispatch domain: customers, contracts, technicians, and the enums tickets share.

Tickets, their events and new-ticket requests are in ``domain.ticket``.

Everything here is a frozen dataclass or an enum built from the standard library
only. Objects cross every layer of the application; the storage adapter converts
its rows to these types and the UI renders them.

Datetimes are always timezone-aware and in UTC (see ``require_utc``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dispatch.domain.conversation import FirstResponse
from dispatch.domain.errors import InvalidInputError


def require_utc(value: datetime, what: str) -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes.

    Args:
        value: The datetime to check.
        what: What the value is, for the error message.

    Raises:
        InvalidInputError: If ``value`` carries no time zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{what} must carry a time zone, got {value.isoformat()}")
    return value.astimezone(UTC)


class ContractKind(enum.StrEnum):
    """How support is sold (DOMAIN.md, "Kinds of contract")."""

    SUBSCRIPTION = "subscription"
    MANAGED = "managed"
    BLOCK_HOURS = "block_hours"
    TIME_MATERIAL = "time_material"
    PER_JOB = "per_job"
    AD_HOC = "ad_hoc"

    @property
    def priority_rank(self) -> int:
        """Queue priority: 1 is served first (guaranteed reaction), 3 last ("when possible")."""
        return _PRIORITY_RANK[self]

    @property
    def has_guarantee(self) -> bool:
        """Whether contracts of this kind may promise reaction times at all."""
        return self in _GUARANTEED

    @property
    def label(self) -> str:
        """A human name for the kind."""
        return _KIND_LABEL[self]

    @property
    def badge(self) -> str:
        """A three-letter badge for narrow columns."""
        return _KIND_BADGE[self]


_PRIORITY_RANK = {
    ContractKind.SUBSCRIPTION: 1,
    ContractKind.MANAGED: 1,
    ContractKind.BLOCK_HOURS: 2,
    ContractKind.TIME_MATERIAL: 3,
    ContractKind.PER_JOB: 3,
    ContractKind.AD_HOC: 3,
}
_GUARANTEED = frozenset({ContractKind.SUBSCRIPTION, ContractKind.MANAGED, ContractKind.BLOCK_HOURS})
_KIND_LABEL = {
    ContractKind.SUBSCRIPTION: "subscription",
    ContractKind.MANAGED: "managed services",
    ContractKind.BLOCK_HOURS: "block hours",
    ContractKind.TIME_MATERIAL: "time and material",
    ContractKind.PER_JOB: "per job",
    ContractKind.AD_HOC: "ad hoc",
}
_KIND_BADGE = {
    ContractKind.SUBSCRIPTION: "SUB",
    ContractKind.MANAGED: "MSP",
    ContractKind.BLOCK_HOURS: "BLK",
    ContractKind.TIME_MATERIAL: "T&M",
    ContractKind.PER_JOB: "JOB",
    ContractKind.AD_HOC: "ADH",
}


class Severity(enum.StrEnum):
    """Ticket severity; P1 is the most severe."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def level(self) -> int:
        """1 for P1 up to 4 for P4 (smaller is more severe)."""
        return int(self.value[1])


class TicketKind(enum.StrEnum):
    """Kind of work (DOMAIN.md, "Kinds of work")."""

    EMERGENCY = "emergency"
    REGULAR = "regular"
    ADDITIONAL = "additional"


class Channel(enum.StrEnum):
    """How the request reached support."""

    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    REMOTE = "remote"
    ONSITE = "onsite"


class TicketStatus(enum.StrEnum):
    """Where a ticket stands in its life."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    ESCALATED_DEV = "escalated_dev"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Open tickets are the ones in the queue."""
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)

    @property
    def label(self) -> str:
        """The status's one name on every screen and in text output.

        The value (``in_progress``) stays the stable key of JSON, the database
        and command-line options.
        """
        return _STATUS_LABELS[self]

    @property
    def meaning(self) -> str:
        """What the status says about the ticket, in a few words (the console's help)."""
        return _STATUS_MEANINGS[self]

    @property
    def counts_as_response(self) -> bool:
        """Whether entering this status is a reaction to the customer.

        Assignment alone is not: the customer has heard nothing yet.
        """
        return self in _RESPONSE_STATUSES


_STATUS_LABELS = {
    TicketStatus.NEW: "new",
    TicketStatus.ASSIGNED: "assigned",
    TicketStatus.IN_PROGRESS: "in progress",
    TicketStatus.WAITING_CUSTOMER: "waiting",
    TicketStatus.ESCALATED_DEV: "escalated",
    TicketStatus.RESOLVED: "resolved",
    TicketStatus.CLOSED: "closed",
}

_STATUS_MEANINGS = {
    TicketStatus.NEW: "just opened, nobody has it yet",
    TicketStatus.ASSIGNED: "a technician has it, not started",
    TicketStatus.IN_PROGRESS: "working on it (a first response where the contract says so)",
    TicketStatus.WAITING_CUSTOMER: "on the customer, pauses the SLA clocks",
    TicketStatus.ESCALATED_DEV: "to development, needs a bug reference",
    TicketStatus.RESOLVED: "stops the resolution clock",
    TicketStatus.CLOSED: "final",
}

_RESPONSE_STATUSES = frozenset(
    {
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.ESCALATED_DEV,
        TicketStatus.RESOLVED,
    }
)

OPEN_STATUSES: tuple[TicketStatus, ...] = tuple(s for s in TicketStatus if s.is_open)
"""The statuses of tickets that stand in the queue."""

# Which status may follow which. A closed ticket is final; a resolved one may be
# closed or reopened; "new" is only ever the first status.
_WORKING = frozenset(OPEN_STATUSES) - {TicketStatus.NEW} | {TicketStatus.RESOLVED}
ALLOWED_TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    **{status: _WORKING - {status} for status in OPEN_STATUSES},
    TicketStatus.RESOLVED: frozenset(
        {TicketStatus.CLOSED, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS}
    ),
    TicketStatus.CLOSED: frozenset(),
}


class TechStatus(enum.StrEnum):
    """A technician's availability."""

    AVAILABLE = "available"
    BUSY = "busy"
    OFF = "off"


class BlockPeriod(enum.StrEnum):
    """The period over which block hours are prepaid."""

    MONTH = "month"
    YEAR = "year"


class Target(enum.StrEnum):
    """The two SLA targets of a ticket."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


ALWAYS_OPEN_CALENDAR = "24/7"
"""Calendar name of contracts whose clock runs every minute, holidays included."""

BUSINESS_HOURS_CALENDAR = "business-hours"
"""Calendar name of contracts counting working hours in the customer's zone."""


@dataclass(frozen=True, slots=True)
class Customer:
    """A business or person that buys support.

    Attributes:
        id: Database identity.
        name: Unique display name (untrusted text).
        timezone: IANA zone of the customer's site, e.g. ``Europe/Bucharest``.
        country: ISO 3166-1 alpha-2 code, for public holidays.
        region: Subdivision code for regional holidays, or ``None``.
        address: Site address for on-site visits.
        contacts: Its contact people (how mail and calls are matched to it).
        external_id: Its id in the system it came from (an import's key).
        retired_at: When it was retired: its tickets stay, new work cannot choose it.
        mail_domains: Domains whose mail is its own when the sender is no
            contact (``example.ro``; never a free-mail domain), lower-case.
        triage: The stand-in customer "Unknown senders": mail from nobody
            known waits there, with no SLA, until a dispatcher moves it.
    """

    id: int
    name: str
    timezone: str
    country: str
    region: str | None = None
    address: str = ""
    contacts: tuple[Contact, ...] = ()
    external_id: str | None = None
    retired_at: datetime | None = None
    mail_domains: tuple[str, ...] = ()
    triage: bool = False

    @property
    def contact_line(self) -> str:
        """The first contact as one line (``Name, phone, e-mail``), or ``""``."""
        if not self.contacts:
            return ""
        first = self.contacts[0]
        return ", ".join([first.name, *first.phones[:1], *first.emails[:1]])


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at a customer: who calls, who gets the replies.

    Attributes:
        id: Database identity.
        customer_id: The customer they belong to.
        name: Their name (untrusted text).
        emails: Their e-mail addresses, lower-case.
        phones: Their phone numbers as given.
        role: What they are, e.g. ``IT lead`` (free text).
        external_id: Their id in the system they came from.
    """

    id: int
    customer_id: int
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    role: str = ""
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """Reaction and resolution times promised for one severity.

    Attributes:
        response: Business time until the first reaction.
        resolution: Business time until the ticket is resolved.
    """

    response: timedelta
    resolution: timedelta

    def __post_init__(self) -> None:
        if self.response <= timedelta(0) or self.resolution <= timedelta(0):
            raise InvalidInputError("SLA targets must be positive durations")
        if self.resolution < self.response:
            raise InvalidInputError(
                "the resolution target cannot be shorter than the response target"
            )


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per severity; severities without an entry have no guarantee.

    Attributes:
        targets: The promised times by severity.
        warning_share: Share of a target elapsed at which a warning is raised.
    """

    targets: Mapping[Severity, SlaTarget] = field(default_factory=dict)
    warning_share: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 < self.warning_share < 1.0:
            raise InvalidInputError(
                f"warning share must lie between 0 and 1, got {self.warning_share}"
            )

    def for_severity(self, severity: Severity) -> SlaTarget | None:
        """The targets for ``severity``, or ``None`` where nothing is promised."""
        return self.targets.get(severity)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form: minutes per severity."""
        return {
            "warning_share": self.warning_share,
            "targets": {
                sev.value: {
                    "response_minutes": t.response.total_seconds() / 60,
                    "resolution_minutes": t.resolution.total_seconds() / 60,
                }
                for sev, t in sorted(self.targets.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """Read the form written by ``to_json``.

        Raises:
            InvalidInputError: If a severity or duration is malformed.
        """
        try:
            targets = {
                Severity(sev): SlaTarget(
                    response=timedelta(minutes=float(t["response_minutes"])),
                    resolution=timedelta(minutes=float(t["resolution_minutes"])),
                )
                for sev, t in dict(data.get("targets", {})).items()
            }
            return cls(targets=targets, warning_share=float(data.get("warning_share", 0.8)))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"malformed SLA policy: {exc}") from exc


NO_GUARANTEE = SlaPolicy()
"""The policy of contracts that promise no reaction time."""


@dataclass(frozen=True, slots=True)
class Contract:
    """An agreement under which a customer gets support.

    Attributes:
        id: Database identity.
        customer_id: The customer it belongs to.
        name: A short reference, e.g. ``SUB-2026-014``.
        kind: How the support is sold.
        sla: Targets per severity (empty for kinds without a guarantee).
        calendar: ``24/7`` or the name of a working-hours calendar.
        hourly_rate: Rate for billed work, in the contract currency.
        currency: ISO 4217 code.
        prepaid_hours: Hours per period for block-hours contracts.
        period: The block-hours period.
        fixed_fee: Fee per month for subscriptions and managed services.
        valid_from: First day the contract applies.
        valid_to: Last day it applies, or ``None`` for open-ended.
        external_id: Its id in the system it came from.
        precedence: Among the customer's contracts valid on the same day, the
            one with the lowest number takes new work (overlapping contracts
            must differ: never chosen by accident).
        job_price: The agreed price per job (per-job contracts).
        incident_price: The agreed sum per incident (ad-hoc contracts).
        included_hours: Hours of work a subscription's fee includes per month.
        overage_rate: The hourly fee above the included hours.
        first_response: What stops the response clock: a reply to the customer
            (the default), or also a status change to in progress.
    """

    id: int
    customer_id: int
    name: str
    kind: ContractKind
    sla: SlaPolicy = NO_GUARANTEE
    calendar: str = ALWAYS_OPEN_CALENDAR
    hourly_rate: float | None = None
    currency: str = "EUR"
    prepaid_hours: float | None = None
    period: BlockPeriod | None = None
    fixed_fee: float | None = None
    valid_from: date = date(2000, 1, 1)
    valid_to: date | None = None
    external_id: str | None = None
    precedence: int = 1
    job_price: Decimal | None = None
    incident_price: Decimal | None = None
    included_hours: Decimal | None = None
    overage_rate: Decimal | None = None
    first_response: FirstResponse = FirstResponse.REPLY

    def __post_init__(self) -> None:
        if self.sla.targets and not self.kind.has_guarantee:
            raise InvalidInputError(f"a {self.kind.label} contract cannot promise reaction times")
        if self.kind is ContractKind.BLOCK_HOURS and (
            self.prepaid_hours is None or self.period is None
        ):
            raise InvalidInputError("a block-hours contract needs prepaid hours and a period")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidInputError("a contract cannot end before it starts")

    @property
    def priority_rank(self) -> int:
        """Queue priority derived from the kind (1 first)."""
        return self.kind.priority_rank

    def is_active_on(self, day: date) -> bool:
        """Whether the contract applies on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def responds_by_status(self, status: TicketStatus) -> bool:
        """Whether moving a ticket to ``status`` is its first response under this contract."""
        return self.first_response is FirstResponse.REPLY_OR_STATUS and status.counts_as_response


@dataclass(frozen=True, slots=True)
class Technician:
    """A person who works tickets.

    Attributes:
        id: Database identity.
        login: OS login, unique; what ``assign`` and ``take`` name.
        name: Display name.
        skills: Skill tags, e.g. ``network``, ``printers``.
        on_call: Whether the technician is on call: the stored flag, which the
            services replace with the rota's answer at an instant wherever a
            rotation exists (``dispatch.domain.oncall.apply_schedule``).
        onsite_capable: Whether the technician can visit customers.
        home_region: Region the technician is based in.
        max_tickets: Maximum number of concurrent open tickets.
        status: Availability.
        external_id: Their id in the system they came from.
        retired_at: When they were retired: they stay in old assignments, new
            work cannot choose them.
    """

    id: int
    login: str
    name: str
    skills: frozenset[str] = frozenset()
    on_call: bool = False
    onsite_capable: bool = False
    home_region: str = ""
    max_tickets: int = 5
    status: TechStatus = TechStatus.AVAILABLE
    external_id: str | None = None
    retired_at: datetime | None = None
