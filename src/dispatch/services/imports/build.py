"""From checked fields to records: the rules of each kind of import record.

One builder per kind takes a ``Fields`` reader over the record's raw values and
returns the record, or ``None`` when anything in it was wrong (the issues are
in the reader's list). The same builders serve JSON, JSON Lines and CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import FirstResponse
from dispatch.domain.errors import InvalidInputError
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
from dispatch.domain.records import (
    TERM_FIELDS,
    CalendarRecord,
    ContactRecord,
    ContractRecord,
    CustomerRecord,
    HistoryEntry,
    MoneyTerms,
    TechnicianRecord,
    TicketRecord,
)
from dispatch.domain.terms import ALLOWED, NEEDS_TARGETS, REQUIRED
from dispatch.services.imports.fields import Fields

CUSTOMER_KEYS = (
    "external_id",
    "name",
    "timezone",
    "country",
    "subdiv",
    "address",
    "mail_domains",
    "contacts",
    "retired_at",
)
CONTACT_KEYS = ("name", "email", "phone", "role")
CALENDAR_KEYS = (
    "timezone",
    "hours",
    "holidays",
    "open_dates",
    "country",
    "subdiv",
    "end_convention",
    "always_open",
)
CONTRACT_KEYS = (
    "external_id",
    "customer",
    "name",
    "kind",
    "calendar",
    "warning_share",
    "targets",
    "valid_from",
    "valid_to",
    "currency",
    *TERM_FIELDS,
    "precedence",
    "first_response",
)
TARGET_KEYS = ("response_minutes", "resolution_minutes")
TECHNICIAN_KEYS = (
    "external_id",
    "login",
    "name",
    "skills",
    "onsite_capable",
    "max_tickets",
    "home_region",
    "on_call",
    "status",
    "retired_at",
)
TICKET_KEYS = (
    "external_id",
    "contract",
    "title",
    "description",
    "severity",
    "kind",
    "channel",
    "opened_at",
    "assignee",
    "skills",
    "needs_onsite",
    "history",
    "status",
    "bug_ref",
    "contact",
)
HISTORY_KEYS = ("at", "status", "assignee", "note", "bug_ref", "first_response")

MONEY_PLACES = 2
"""Decimal places a money value may have (cents)."""

MAX_TARGET_MINUTES = 366 * 24 * 60
"""The longest target a contract may promise: a year."""


def customer(fields: Fields) -> CustomerRecord | None:
    """A customer (its contacts are read separately with ``contact``)."""
    fields.check_keys(CUSTOMER_KEYS)
    external_id = fields.text("external_id")
    name = fields.text("name")
    timezone = fields.text("timezone")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            fields.fail("timezone", "is not a known IANA time zone", timezone)
    country = fields.text("country")
    if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
        fields.fail("country", "must be a two-letter ISO 3166 code such as BG", country)
    subdiv = fields.optional_text("subdiv")
    address = fields.text("address", required=False)
    retired_at = fields.instant("retired_at", required=False)
    domains = tuple(fields.strings("mail_domains")) if fields.present("mail_domains") else None
    if not fields.ok:
        return None
    return CustomerRecord(
        external_id,
        name,
        timezone,
        country,
        subdiv,
        address,
        fields.where.source(fields.path),
        retired_at=retired_at,
        mail_domains=domains,
    )


def contact(fields: Fields, customer_id: str) -> ContactRecord | None:
    """A contact of the customer ``customer_id``."""
    fields.check_keys(CONTACT_KEYS)
    name = fields.text("name")
    email = fields.strings("email")
    for address in email:
        if "@" not in address.strip("@"):
            fields.fail("email", "is not an e-mail address", address)
    phone = fields.strings("phone")
    role = fields.text("role", required=False)
    if not fields.ok:
        return None
    return ContactRecord(
        customer_id, name, email, phone, fields.where.source(fields.path), role=role or ""
    )


def calendar(fields: Fields, name: str) -> CalendarRecord | None:
    """A named calendar; ``fields.raw`` is the ``Calendar.from_json`` object."""
    fields.check_keys(CALENDAR_KEYS)
    definition = inline_calendar(fields, None, name)
    if definition is None:
        return None
    return CalendarRecord(definition, fields.where.source(fields.path))


def inline_calendar(fields: Fields, key: str | None, name: str) -> Calendar | None:
    """A calendar definition at ``key`` (``None``: ``fields.raw`` itself)."""
    raw = fields.raw if key is None else fields.raw[key]
    if key is not None:
        fields.child(key, raw).check_keys(CALENDAR_KEYS)
    try:
        return Calendar.from_json(raw, name=name, where="calendar", require_zone=False)
    except InvalidInputError as exc:
        fields.fail(key, str(exc).removeprefix("calendar: ").removeprefix("calendar"))
        return None


def contract(fields: Fields) -> ContractRecord | None:
    """A contract with its targets and the money terms of its kind."""
    fields.check_keys(CONTRACT_KEYS)
    external_id = fields.text("external_id")
    customer_id = fields.text("customer")
    name = fields.text("name")
    kind = fields.choice("kind", ContractKind)
    share = fields.number("warning_share", default=0.8)
    if share is not None and not 0.0 < share < 1.0:
        fields.fail("warning_share", "must lie between 0 and 1", fields.raw["warning_share"])
    targets = _targets(fields)
    cal = _contract_calendar(fields, external_id)
    valid_from = fields.day("valid_from", required=False) or date(2000, 1, 1)
    valid_to = fields.day("valid_to", required=False)
    if valid_to is not None and valid_to < valid_from:
        fields.fail("valid_to", "is before valid_from", fields.raw["valid_to"])
    terms = _terms(fields, kind)
    precedence = fields.integer("precedence", default=1, minimum=1)
    first_response = fields.choice("first_response", FirstResponse, FirstResponse.REPLY)
    if kind is not None:
        if targets and not kind.has_guarantee:
            fields.fail("targets", f"a {kind.label} contract cannot promise reaction times")
        if kind in NEEDS_TARGETS and not targets and fields.ok:
            fields.fail("targets", f"a {kind.label} contract must promise targets per severity")
        if targets and cal is None and fields.ok:
            fields.fail("calendar", "missing: targets count on a calendar")
    if not fields.ok or kind is None or terms is None:
        return None
    return ContractRecord(
        external_id=external_id,
        customer=customer_id,
        name=name,
        kind=kind,
        calendar=cal,
        warning_share=share if share is not None else 0.8,
        targets=targets,
        terms=terms,
        valid_from=valid_from,
        valid_to=valid_to,
        source=fields.where.source(fields.path),
        precedence=precedence,
        first_response=first_response or FirstResponse.REPLY,
    )


def _contract_calendar(fields: Fields, external_id: str) -> str | Calendar | None:
    if not fields.present("calendar"):
        return None
    value = fields.raw["calendar"]
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return inline_calendar(fields, "calendar", f"contract {external_id}")
    fields.fail("calendar", "must be a calendar's name or a calendar object", value)
    return None


def _targets(fields: Fields) -> dict[Severity, SlaTarget]:
    if not fields.present("targets"):
        return {}
    raw = fields.raw["targets"]
    if not isinstance(raw, Mapping):
        fields.fail("targets", "must map severities (P1..P4) to targets", raw)
        return {}
    targets: dict[Severity, SlaTarget] = {}
    severities = fields.child("targets", raw)
    for sev_text, value in raw.items():
        try:
            severity = Severity(sev_text)
        except ValueError:
            severities.fail(sev_text, "is not a severity (P1, P2, P3, P4)", sev_text, on_key=True)
            continue
        if not isinstance(value, Mapping):
            severities.fail(
                sev_text, "must be an object with response and resolution minutes", value
            )
            continue
        target = severities.child(sev_text, value)
        target.check_keys(TARGET_KEYS)
        response = target.number("response_minutes")
        resolution = target.number("resolution_minutes")
        for key, minutes in (("response_minutes", response), ("resolution_minutes", resolution)):
            if minutes is not None and not 0 < minutes <= MAX_TARGET_MINUTES:
                target.fail(
                    key, f"must be more than 0 and at most {MAX_TARGET_MINUTES}", value[key]
                )
        if response is not None and resolution is not None and target.ok:
            if resolution < response:
                target.fail(
                    "resolution_minutes",
                    "is shorter than the response target",
                    value["resolution_minutes"],
                )
            else:
                targets[severity] = SlaTarget(
                    timedelta(minutes=response), timedelta(minutes=resolution)
                )
    return targets


def _terms(fields: Fields, kind: ContractKind | None) -> MoneyTerms | None:
    currency = fields.text("currency", required=False, default="EUR")
    if currency and not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        fields.fail("currency", "must be a three-letter ISO 4217 code such as EUR", currency)
    values: dict[str, Any] = {}
    for key in TERM_FIELDS:
        if key == "period":
            if fields.present(key):
                values[key] = fields.choice(key, BlockPeriod)
        elif key in ("included_hours", "prepaid_hours"):
            values[key] = fields.decimal(key, places=2)
        else:
            values[key] = fields.decimal(key, places=MONEY_PLACES)
    if kind is None:
        return None
    # The same rules as `dispatch contract add` (domain.terms), checked here with positions.
    for group in REQUIRED[kind]:
        if not any(fields.present(key) for key in group):
            fields.fail(group[0], f"missing: a {kind.label} contract needs {' or '.join(group)}")
    for key in TERM_FIELDS:
        if fields.present(key) and key not in ALLOWED[kind]:
            fields.fail(key, f"is not a term of a {kind.label} contract", fields.raw[key])
    if values.get("included_hours") is not None and values.get("overage_rate") is None:
        fields.fail("overage_rate", "missing: included hours need a rate for the hours beyond them")
    for key in ("prepaid_hours",):
        if values.get(key) == Decimal(0):
            fields.fail(key, "must be more than 0", fields.raw[key])
    return MoneyTerms(
        currency=currency or "EUR", **{k: v for k, v in values.items() if v is not None}
    )


def technician(fields: Fields) -> TechnicianRecord | None:
    """A technician."""
    fields.check_keys(TECHNICIAN_KEYS)
    external_id = fields.text("external_id")
    login = fields.text("login")
    if login and (login != login.strip() or any(ch.isspace() for ch in login)):
        fields.fail("login", "must not contain spaces", login)
    name = fields.text("name")
    skills = frozenset(fields.strings("skills"))
    onsite = fields.boolean("onsite_capable")
    max_tickets = fields.integer("max_tickets", default=5, minimum=1)
    region = fields.text("home_region", required=False)
    on_call = fields.boolean("on_call")
    status = fields.choice("status", TechStatus, TechStatus.AVAILABLE)
    retired_at = fields.instant("retired_at", required=False)
    if not fields.ok or status is None:
        return None
    return TechnicianRecord(
        external_id,
        login,
        name,
        skills,
        onsite,
        max_tickets,
        region,
        fields.where.source(fields.path),
        on_call=on_call,
        status=status,
        retired_at=retired_at,
    )


def ticket(fields: Fields) -> TicketRecord | None:
    """A ticket with its history."""
    fields.check_keys(TICKET_KEYS)
    external_id = fields.text("external_id")
    contract_id = fields.text("contract")
    title = fields.text("title")
    description = fields.text("description", required=False)
    severity = fields.choice("severity", Severity, Severity.P3)
    kind = fields.choice("kind", TicketKind, TicketKind.EMERGENCY)
    channel = fields.choice("channel", Channel, Channel.PHONE)
    opened_at = fields.instant("opened_at")
    assignee = fields.optional_text("assignee")
    skills = frozenset(fields.strings("skills"))
    onsite = fields.boolean("needs_onsite")
    history: list[HistoryEntry] = []
    previous = opened_at
    for index, raw in fields.objects("history"):
        where = fields.child("history", {}).child(index, raw)
        entry = history_entry(where)
        if entry is None:
            continue
        if previous is not None and entry.at < previous:
            what = "opened_at" if not history else "the entry before it"
            where.fail("at", f"is before {what}", raw.get("at"))
        previous = entry.at
        history.append(entry)
    # ``status`` (as ``dispatch export`` writes it) must agree with the history; a ticket
    # without a status in its history takes it as of its opening.
    status = fields.choice("status", TicketStatus, None) if fields.present("status") else None
    bug_ref = fields.optional_text("bug_ref")
    contact = fields.optional_text("contact")
    ends = next((e.status for e in reversed(history) if e.status is not None), None)
    if status is not None and ends is not None and status is not ends:
        fields.fail("status", f"the history ends in {ends.value}", status.value)
    if not fields.ok or severity is None or kind is None or channel is None or opened_at is None:
        return None
    if status is not None and ends is None and status is not TicketStatus.NEW:
        history.insert(
            0,
            HistoryEntry(
                opened_at, status, None, None, None, False, fields.where.source(fields.path)
            ),
        )
    return TicketRecord(
        external_id=external_id,
        contract=contract_id,
        title=title,
        description=description,
        severity=severity,
        kind=kind,
        channel=channel,
        opened_at=opened_at,
        assignee=assignee,
        skills=skills,
        needs_onsite=onsite,
        history=tuple(history),
        source=fields.where.source(fields.path),
        given_bug_ref=bug_ref,
        contact=contact,
    )


def history_entry(fields: Fields) -> HistoryEntry | None:
    """One entry of a ticket's history."""
    fields.check_keys(HISTORY_KEYS)
    at = fields.instant("at")
    status = fields.choice("status", TicketStatus, None) if fields.present("status") else None
    assignee = fields.optional_text("assignee")
    note = fields.optional_text("note")
    bug_ref = fields.optional_text("bug_ref")
    first = fields.boolean("first_response")
    if status is TicketStatus.NEW:
        fields.fail(
            "status", "'new' is only ever a ticket's first status, before any history", "new"
        )
    if fields.ok and status is None and assignee is None and not first:
        fields.fail(None, "changes nothing: give a status, an assignee or first_response")
    if not fields.ok or at is None:
        return None
    return HistoryEntry(
        at, status, assignee, note, bug_ref, first, fields.where.source(fields.path)
    )
