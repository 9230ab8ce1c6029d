"""Export: every row of a kind as a flat record, streamed in the order the store reads it.

Each kind has one field list (:data:`FIELDS`): a field's name and how to read it
from what the store yields. The names are those ``dispatch import`` reads
(the JSON shape of issue 13), so that an export can be imported again; adding
a column is one line in the kind's list. Values are JSON-ready: ``None``,
booleans, numbers, strings, lists and objects; instants are ISO 8601 in UTC
with their offset, days ``YYYY-MM-DD``.

References between kinds use the names that are unique today: a contract's
``customer`` is the customer's name, a ticket's ``contract`` the contract's
name, an ``assignee`` the technician's login. A ticket's ``external_id`` is
its reference here (``T-42``): the id of the system the data comes from.

Uses the domain's ports only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from dispatch.domain.alerts import Alert
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.exports import ContractExport, TicketExport
from dispatch.domain.model import Customer, Technician, TicketStatus, require_utc
from dispatch.domain.ports import UnitOfWork
from dispatch.domain.ticket import Event, Ticket

Record = dict[str, Any]
"""One exported row: field name to JSON-ready value, in the kind's field order."""


class ExportKind(enum.StrEnum):
    """What ``dispatch export`` can write."""

    TICKETS = "tickets"
    EVENTS = "events"
    ALERTS = "alerts"
    CUSTOMERS = "customers"
    CONTRACTS = "contracts"
    TECHNICIANS = "technicians"

    @property
    def timed_by(self) -> str | None:
        """The field whose instant ``--from``/``--to`` bound (``None``: the kind has none)."""
        return _TIMED_BY.get(self)


_TIMED_BY = {
    ExportKind.TICKETS: "opened_at",
    ExportKind.EVENTS: "at",
    ExportKind.ALERTS: "raised_at",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_history(ticket: Ticket, events: Sequence[Event]) -> list[Record]:
    """The ticket's status and assignment changes, oldest first, as ``dispatch import`` reads them.

    Each entry has ``at`` and ``status`` (the status after the change, also when
    only the assignee changed), and ``assignee``, ``bug_ref`` and ``note`` when
    the change set or carried them. Other changes (severity, logged time) are
    in ``dispatch export events``.
    """
    status = TicketStatus.NEW
    history: list[Record] = []
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        after = event.after
        if event.action == "ticket.opened" or not ("status" in after or "assignee" in after):
            continue
        if "status" in after:
            try:
                status = TicketStatus(after["status"])
            except ValueError:
                continue  # a status this version does not know: left out, not guessed
        entry: Record = {"at": _iso(max(event.at, ticket.opened_at)), "status": status.value}
        if "assignee" in after:
            entry["assignee"] = after["assignee"]
        if after.get("bug_ref"):
            entry["bug_ref"] = after["bug_ref"]
        if event.note:
            entry["note"] = event.note
        history.append(entry)
    return history


def _amount(value: Decimal | None) -> str | None:
    """An exact amount as text (``"120.00"``): no float on the way out either."""
    return None if value is None else str(value)


def _stored_float(value: float | None) -> str | None:
    """An older float column as the decimal it was entered as (``95.0`` -> ``"95.00"``)."""
    return None if value is None else str(Decimal(repr(value)).quantize(Decimal("0.01")))


def _targets(item: ContractExport) -> Record:
    targets: Record = item.contract.sla.to_json()["targets"]
    return targets


CUSTOMER_FIELDS: tuple[tuple[str, Callable[[Customer], Any]], ...] = (
    ("external_id", lambda c: c.external_id or f"dispatch:customer:{c.id}"),
    ("name", lambda c: c.name),
    ("timezone", lambda c: c.timezone),
    ("country", lambda c: c.country),
    ("subdiv", lambda c: c.region),
    ("address", lambda c: c.address),
    ("mail_domains", lambda c: list(c.mail_domains)),
    (
        "contacts",
        lambda c: [
            {"name": k.name, "email": list(k.emails), "phone": list(k.phones), "role": k.role}
            for k in c.contacts
        ],
    ),
    ("retired_at", lambda c: _iso(c.retired_at)),
)
"""A customer's fields."""

CONTRACT_FIELDS: tuple[tuple[str, Callable[[ContractExport], Any]], ...] = (
    ("customer", lambda k: k.customer),
    ("name", lambda k: k.contract.name),
    ("kind", lambda k: k.contract.kind.value),
    ("calendar", lambda k: k.contract.calendar),
    ("warning_share", lambda k: k.contract.sla.warning_share),
    ("targets", _targets),
    ("valid_from", lambda k: k.contract.valid_from.isoformat()),
    ("valid_to", lambda k: k.contract.valid_to.isoformat() if k.contract.valid_to else None),
    ("currency", lambda k: k.contract.currency),
    ("hourly_rate", lambda k: _stored_float(k.contract.hourly_rate)),
    ("prepaid_hours", lambda k: _stored_float(k.contract.prepaid_hours)),
    ("period", lambda k: k.contract.period.value if k.contract.period else None),
    ("fixed_fee", lambda k: _stored_float(k.contract.fixed_fee)),
    ("job_price", lambda k: _amount(k.contract.job_price)),
    ("incident_price", lambda k: _amount(k.contract.incident_price)),
    ("included_hours", lambda k: _amount(k.contract.included_hours)),
    ("overage_rate", lambda k: _amount(k.contract.overage_rate)),
    ("precedence", lambda k: k.contract.precedence),
    ("first_response", lambda k: k.contract.first_response.value),
    ("external_id", lambda k: k.contract.external_id or f"dispatch:contract:{k.contract.id}"),
)
"""A contract's fields: its customer, kind, calendar, targets, validity and money terms."""

TECHNICIAN_FIELDS: tuple[tuple[str, Callable[[Technician], Any]], ...] = (
    ("login", lambda t: t.login),
    ("name", lambda t: t.name),
    ("skills", lambda t: sorted(t.skills)),
    ("onsite_capable", lambda t: t.onsite_capable),
    ("max_tickets", lambda t: t.max_tickets),
    ("home_region", lambda t: t.home_region),
    ("on_call", lambda t: t.on_call),
    ("status", lambda t: t.status.value),
    ("external_id", lambda t: t.external_id or f"dispatch:technician:{t.login}"),
    ("retired_at", lambda t: _iso(t.retired_at)),
)
"""A technician's fields."""

TICKET_FIELDS: tuple[tuple[str, Callable[[TicketExport], Any]], ...] = (
    ("external_id", lambda x: x.ticket.external_id or x.ticket.ref),
    ("contract", lambda x: x.contract),
    ("title", lambda x: x.ticket.title),
    ("description", lambda x: x.ticket.description),
    ("severity", lambda x: x.ticket.severity.value),
    ("kind", lambda x: x.ticket.kind.value),
    ("channel", lambda x: x.ticket.channel.value),
    ("opened_at", lambda x: _iso(x.ticket.opened_at)),
    ("assignee", lambda x: x.ticket.assignee),
    ("status", lambda x: x.ticket.status.value),
    ("needs_onsite", lambda x: x.ticket.needs_onsite),
    ("skills", lambda x: sorted(x.ticket.skills)),
    ("bug_ref", lambda x: x.ticket.bug_ref),
    ("contact", lambda x: x.caller),
    ("history", lambda x: ticket_history(x.ticket, x.events)),
)
"""A ticket's fields; ``status`` is the current one (a ticket loaded without events has
no history to derive it from)."""

EVENT_FIELDS: tuple[tuple[str, Callable[[Event], Any]], ...] = (
    ("id", lambda e: e.id),
    ("at", lambda e: _iso(e.at)),
    ("actor", lambda e: e.actor),
    ("action", lambda e: e.action),
    ("ticket_id", lambda e: e.ticket_id),
    ("before", lambda e: dict(e.before)),
    ("after", lambda e: dict(e.after)),
    ("note", lambda e: e.note),
)
"""An event's fields (the keys of ``dispatch audit --json``)."""

ALERT_FIELDS: tuple[tuple[str, Callable[[Alert], Any]], ...] = (
    ("id", lambda a: a.id),
    ("ticket_id", lambda a: a.ticket_id),
    ("target", lambda a: a.target.value),
    ("level", lambda a: a.level.value),
    ("due_at", lambda a: _iso(a.due_at)),
    ("raised_at", lambda a: _iso(a.raised_at)),
    ("late", lambda a: a.late),
    ("acked_by", lambda a: a.acked_by),
    ("acked_at", lambda a: _iso(a.acked_at)),
)
"""An alert's fields (``dispatch alerts list --json`` without the joined names)."""

FIELDS: dict[ExportKind, tuple[tuple[str, Callable[[Any], Any]], ...]] = {
    ExportKind.TICKETS: TICKET_FIELDS,
    ExportKind.EVENTS: EVENT_FIELDS,
    ExportKind.ALERTS: ALERT_FIELDS,
    ExportKind.CUSTOMERS: CUSTOMER_FIELDS,
    ExportKind.CONTRACTS: CONTRACT_FIELDS,
    ExportKind.TECHNICIANS: TECHNICIAN_FIELDS,
}
"""Every kind's fields, in the order they are written."""


def columns(kind: ExportKind) -> list[str]:
    """The field names of ``kind``, in order (the CSV header)."""
    return [name for name, _ in FIELDS[kind]]


def export_records(
    uow: UnitOfWork,
    kind: ExportKind,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Generator[Record, None, None]:
    """Every row of ``kind`` as a record, read in chunks as the caller consumes them.

    The bounds are checked now, before anything is read; the rows are read
    inside one unit of work that stays open until the iterator is exhausted
    or closed.

    Args:
        uow: A fresh unit of work for reading.
        kind: What to export.
        start: Only rows whose natural instant (:attr:`ExportKind.timed_by`) is at
            or after it.
        end: Only rows whose natural instant is before it.

    Raises:
        InvalidInputError: A bound without a time zone, ``start`` not before
            ``end``, or a bound on a kind that has no instant.
    """
    if start is not None:
        start = require_utc(start, "--from")
    if end is not None:
        end = require_utc(end, "--to")
    if (start is not None or end is not None) and kind.timed_by is None:
        raise InvalidInputError(
            f"{kind.value} have no time to filter by: --from/--to apply to tickets,"
            " events and alerts"
        )
    if start is not None and end is not None and start >= end:
        raise InvalidInputError(f"--from {start.isoformat()} is not before --to {end.isoformat()}")
    return _records(uow, kind, start, end)


def _records(
    uow: UnitOfWork, kind: ExportKind, start: datetime | None, end: datetime | None
) -> Generator[Record, None, None]:
    fields = FIELDS[kind]
    with uow:
        source = uow.exports
        items: Iterator[Any]
        match kind:
            case ExportKind.TICKETS:
                items = source.tickets(start, end)
            case ExportKind.EVENTS:
                items = source.events(start, end)
            case ExportKind.ALERTS:
                items = source.alerts(start, end)
            case ExportKind.CUSTOMERS:
                items = source.customers()
            case ExportKind.CONTRACTS:
                items = source.contracts()
            case ExportKind.TECHNICIANS:
                items = source.technicians()
        for item in items:
            yield {name: read(item) for name, read in fields}
