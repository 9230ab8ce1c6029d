"""The records an import file describes, validated but not yet stored.

``dispatch import`` reads customers, contacts, calendars, contracts,
technicians and tickets from CSV, JSON Lines or one JSON document
(``services/imports``). Each record here is what one element of such a file
says, already checked field by field, with the place it came from. Records
refer to each other by external id (a ticket names its contract's external id,
a contract its customer's); the apply step resolves those ids against the file
and the database.

Pure: no I/O. Money and hours are ``Decimal`` (never ``float``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import FirstResponse
from dispatch.domain.model import (
    BlockPeriod,
    Channel,
    ContractKind,
    Severity,
    SlaTarget,
    TechStatus,
    TicketKind,
    TicketStatus,
)
from dispatch.domain.text import printable


class RecordKind(enum.StrEnum):
    """The kinds of record an import holds, in the order they are applied."""

    CUSTOMER = "customer"
    CONTACT = "contact"
    CALENDAR = "calendar"
    CONTRACT = "contract"
    TECHNICIAN = "technician"
    TICKET = "ticket"


@dataclass(frozen=True, slots=True, order=True)
class Source:
    """Where a record or a value sits in its file.

    Attributes:
        file: The file's name as given.
        line: The physical line, from 1.
        column: For JSON the character column (from 1); for CSV the field's
            number in its row (from 1, as spreadsheets count).
    """

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One thing wrong with an import file.

    Attributes:
        source: Where.
        field: The element's path (``tickets[3].history[1].at``) or CSV column.
        message: What is wrong.
        value: The value at fault, if there is one.
    """

    source: Source
    field: str
    message: str
    value: str | None = None

    def line(self) -> str:
        """``FILE:LINE:COLUMN: field: message (value)``, safe for a terminal."""
        text = f"{self.source}: {self.field}: {self.message}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            text += f" ({shown})"
        return printable(text)


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer to create or update.

    Attributes:
        external_id: The id in the system it comes from; the upsert key.
        name: Display name.
        timezone: IANA zone of the customer's site.
        country: ISO 3166 country code (public holidays).
        subdiv: Region code within the country, if holidays differ by region.
        address: Postal address.
        source: Where the record starts.
        retired_at: When it was retired (``None``: active, or as stored).
        mail_domains: Its mail domains (``None``: as stored).
    """

    external_id: str
    name: str
    timezone: str
    country: str
    subdiv: str | None
    address: str
    source: Source
    retired_at: datetime | None = None
    mail_domains: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A person at a customer; upserted by (customer, name).

    Attributes:
        customer: The customer's external id.
        name: The person's name.
        email: E-mail addresses.
        phone: Phone numbers.
        source: Where the record starts.
        role: What they are, e.g. ``IT lead`` (free text).
    """

    customer: str
    name: str
    email: tuple[str, ...]
    phone: tuple[str, ...]
    source: Source
    role: str = ""


@dataclass(frozen=True, slots=True)
class CalendarRecord:
    """A named business calendar (the definition ``dispatch sla check`` reads).

    Attributes:
        calendar: The definition; its ``name`` is the upsert key.
        source: Where the record starts.
    """

    calendar: Calendar
    source: Source


@dataclass(frozen=True, slots=True)
class MoneyTerms:
    """What a contract costs; which fields apply depends on its kind.

    Which apply to which kind: ``domain.terms``. Money is in ``currency``; hours are
    decimal hours.

    Attributes:
        currency: ISO 4217 code.
        fixed_fee: Fee per month (subscription, managed services).
        included_hours: Hours of work the fee includes per month (subscription).
        overage_rate: Rate per hour beyond the included or prepaid hours.
        prepaid_hours: Hours bought per period (block hours).
        period: The block-hours period.
        hourly_rate: Rate per hour of billed work (time and material).
        job_price: Price of one job (per job).
        incident_price: Agreed sum per incident until solved (ad hoc).
    """

    currency: str = "EUR"
    fixed_fee: Decimal | None = None
    included_hours: Decimal | None = None
    overage_rate: Decimal | None = None
    prepaid_hours: Decimal | None = None
    period: BlockPeriod | None = None
    hourly_rate: Decimal | None = None
    job_price: Decimal | None = None
    incident_price: Decimal | None = None


TERM_FIELDS: tuple[str, ...] = (
    "fixed_fee",
    "included_hours",
    "overage_rate",
    "prepaid_hours",
    "period",
    "hourly_rate",
    "job_price",
    "incident_price",
)
"""The money-term fields of ``MoneyTerms`` besides the currency."""


@dataclass(frozen=True, slots=True)
class ContractRecord:
    """A contract to create or update.

    Attributes:
        external_id: The upsert key.
        customer: The customer's external id.
        name: The contract's reference, e.g. ``SUB-2026-014``.
        kind: How support is sold.
        calendar: A calendar's name (in the file, built in or in the
            database), a definition given inline, or ``None`` for the default.
        warning_share: Share of a target elapsed at which a warning is raised.
        targets: Promised times per severity (guaranteed kinds only).
        terms: The money terms of its kind.
        valid_from: First day it applies.
        valid_to: Last day it applies, or ``None``.
        source: Where the record starts.
        precedence: Among the customer's overlapping contracts, 1 takes new work first.
        first_response: What stops its response clock.
    """

    external_id: str
    customer: str
    name: str
    kind: ContractKind
    calendar: str | Calendar | None
    warning_share: float
    targets: Mapping[Severity, SlaTarget]
    terms: MoneyTerms
    valid_from: date
    valid_to: date | None
    source: Source
    precedence: int = 1
    first_response: FirstResponse = FirstResponse.REPLY


@dataclass(frozen=True, slots=True)
class TechnicianRecord:
    """A technician to create or update.

    Attributes:
        external_id: The upsert key.
        login: The login tickets are assigned to.
        name: Display name.
        skills: Skill tags.
        onsite_capable: Whether they can go on site.
        max_tickets: How many open tickets they take at once.
        home_region: Where they are based.
        source: Where the record starts.
        on_call: The stored on-call flag (where no rota says otherwise).
        status: Availability.
        retired_at: When they were retired (``None``: active, or as stored).
    """

    external_id: str
    login: str
    name: str
    skills: frozenset[str]
    onsite_capable: bool
    max_tickets: int
    home_region: str
    source: Source
    on_call: bool = False
    status: TechStatus = TechStatus.AVAILABLE
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One timestamped change in an imported ticket's past.

    An entry changes the status, the assignee, or marks the first response (or
    several at once); a note may go with any of them.

    Attributes:
        at: When (UTC).
        status: The status entered, if the entry changes it.
        assignee: The login assigned, if the entry assigns.
        note: Free text.
        bug_ref: The development bug an escalation refers to (may be absent
            for escalations: the source system may have had none).
        first_response: Whether this is the first response to the customer
            (entering a status that counts as a response is one as well).
        source: Where the entry starts.
    """

    at: datetime
    status: TicketStatus | None
    assignee: str | None
    note: str | None
    bug_ref: str | None
    first_response: bool
    source: Source


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket to create or update, with its history.

    Attributes:
        external_id: The upsert key (the other system's ticket number).
        contract: The contract's external id.
        title: One-line summary.
        description: Body text.
        severity: Severity.
        kind: Kind of work.
        channel: How it came in.
        opened_at: When it was opened (UTC).
        assignee: The technician's login who holds it now, or ``None``.
        skills: Skills it needs.
        needs_onsite: Whether someone must go on site.
        history: Its changes, oldest first.
        source: Where the record starts.
        given_bug_ref: The bug reference the ticket names, where no history entry does.
        contact: The caller: an e-mail address or the external id of one of the
            customer's contacts (``None``: not recorded).
    """

    external_id: str
    contract: str
    title: str
    description: str
    severity: Severity
    kind: TicketKind
    channel: Channel
    opened_at: datetime
    assignee: str | None
    skills: frozenset[str]
    needs_onsite: bool
    history: tuple[HistoryEntry, ...]
    source: Source
    given_bug_ref: str | None = None
    contact: str | None = None

    @property
    def status(self) -> TicketStatus:
        """The status of the last entry that sets one; ``new`` without any."""
        for entry in reversed(self.history):
            if entry.status is not None:
                return entry.status
        return TicketStatus.NEW

    @property
    def first_response_at(self) -> datetime | None:
        """When the customer first heard back, from the history."""
        for entry in self.history:
            if entry.first_response or (
                entry.status is not None and entry.status.counts_as_response
            ):
                return entry.at
        return None

    @property
    def bug_ref(self) -> str | None:
        """The latest bug reference the history names."""
        for entry in reversed(self.history):
            if entry.bug_ref:
                return entry.bug_ref
        return self.given_bug_ref


Record = (
    CustomerRecord
    | ContactRecord
    | CalendarRecord
    | ContractRecord
    | TechnicianRecord
    | TicketRecord
)
"""Any record an import yields."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference by external id to a record the file does not hold.

    The apply step looks these up in the database (``check_references``).

    Attributes:
        kind: The kind referred to.
        key: The external id (for technicians: the login; for calendars: the name).
        source: Where it is first referred to.
        field: The referring field, e.g. ``tickets[3].contract``.
        count: How many times the file refers to it.
    """

    kind: RecordKind
    key: str
    source: Source
    field: str
    count: int = 1


@dataclass(slots=True)
class ImportSummary:
    """What reading some files found: counts per kind, issues, open references.

    Attributes:
        counts: Records read per kind.
        issues: Every issue found, in file order.
        unresolved: References to records the files do not hold.
    """

    counts: dict[RecordKind, int] = field(default_factory=dict)
    issues: list[ImportIssue] = field(default_factory=list)
    unresolved: list[Reference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong (unresolved references still need the database)."""
        return not self.issues
