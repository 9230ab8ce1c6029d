"""Writing an import: upsert every record by its external id, all or nothing.

``run_import`` reads the files (``ImportReader``) and writes each valid record
inside ONE transaction as it comes: customers, contacts, calendars, contracts,
technicians, tickets, in that order (``applying_order``; a JSON document comes
in that order whatever its own; JSON Lines in file order). A record is
*created* when its external id is new, *updated* when a field differs, else
*unchanged*, so running the same import twice changes nothing. The checks are
those of ``dispatch customer|contract|tech add`` (``master_data``); a record
they refuse becomes an issue at its line. If anything is wrong, or for a dry
run (the default), the transaction is rolled back: nothing is written.

An imported ticket gets its deadlines from its history by the SLA engine (the
history is written as the ticket's events, so later recomputation reads it),
and every threshold it crossed before the import is recorded as an alert
marked ``imported``: nobody is paged for the past, and the sweep, finding the
alert, raises nothing again. An existing ticket is updated in its title,
description and skills only; a history that differs from the stored one is
refused (the event log is never rewritten).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import DispatchError, InvalidInputError
from dispatch.domain.model import Contact, Contract, Customer, SlaPolicy, Technician, TicketStatus
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.records import (
    CalendarRecord,
    ContactRecord,
    ContractRecord,
    CustomerRecord,
    ImportIssue,
    Record,
    RecordKind,
    TechnicianRecord,
    TicketRecord,
)
from dispatch.domain.sla import SlaEngine, StatusChange
from dispatch.domain.ticket import Ticket
from dispatch.services import audit, contracts, deadlines, master_data
from dispatch.services.imports.reader import ImportReader, applying_order

IMPORT_ACTOR_NOTE = "import"
"""The note on every event an import writes (the actor is who ran it)."""

Outcome = Literal["created", "updated", "unchanged"]

TICKET_BATCH = 500
"""New tickets inserted per statement."""

EVENT_BATCH = 1000
"""History events inserted per statement."""

ALERT_BATCH = 500
"""Thresholds looked up per query when recording the imported alerts."""


@dataclass(slots=True)
class ImportReport:
    """What an import did, or would do.

    Attributes:
        counts: Per outcome (``created``, ``updated``, ``unchanged``), per kind.
        issues: Everything wrong, in file order; any issue means nothing was written.
        applied: Whether the transaction was committed.
        alerts: Alerts recorded as imported (thresholds crossed before the import).
    """

    counts: dict[str, Counter[RecordKind]] = field(
        default_factory=lambda: {k: Counter() for k in ("created", "updated", "unchanged")}
    )
    issues: list[ImportIssue] = field(default_factory=list)
    applied: bool = False
    alerts: int = 0


def run_import(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    paths: Sequence[Path],
    *,
    apply: bool = False,
    encoding: str | None = None,
    mapping_file: Path | None = None,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> ImportReport:
    """Read ``paths`` and upsert their records in one transaction (committed if ``apply``)."""
    report = ImportReport()
    reader = ImportReader()
    writer = _Writer(uow, clock, actor, calendars)
    with uow:
        for path in applying_order(paths):
            for record in reader.read(path, encoding=encoding, mapping_file=mapping_file):
                try:
                    outcome = writer.write(record)
                except DispatchError as exc:
                    report.issues.append(_issue(record, exc))
                    continue
                report.counts[outcome][_kind(record)] += 1
        writer.flush()
        summary = reader.finish()
        report.issues = sorted(
            [*summary.issues, *report.issues], key=lambda i: (i.source.file, i.source.line)
        )
        if not report.issues:
            report.alerts = writer.record_crossed_thresholds()
        if apply and not report.issues:
            uow.commit()
            report.applied = True
    return report


def _kind(record: Record) -> RecordKind:
    return {
        CustomerRecord: RecordKind.CUSTOMER,
        ContactRecord: RecordKind.CONTACT,
        CalendarRecord: RecordKind.CALENDAR,
        ContractRecord: RecordKind.CONTRACT,
        TechnicianRecord: RecordKind.TECHNICIAN,
        TicketRecord: RecordKind.TICKET,
    }[type(record)]


def _issue(record: Record, exc: DispatchError) -> ImportIssue:
    """The refusal of a check as an issue at the record's line (``field: message``)."""
    text = str(exc)
    name, sep, message = text.partition(": ")
    if sep and " " not in name and len(name) <= 40:
        return ImportIssue(record.source, name, message)
    return ImportIssue(record.source, _kind(record).value, text)


class _Writer:
    """Upserts one record at a time in the caller's transaction."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, actor: str, calendars: Mapping[str, Calendar]
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._actor = actor
        self._calendars = calendars
        self._new_tickets: list[int] = []
        # Tickets come after every contract and technician: what they refer to is read
        # once per import, not once per ticket (the SLA engine builds its calendar).
        self._contracts: dict[str, tuple[Contract, Customer, SlaEngine]] = {}
        self._pending: list[tuple[Ticket, TicketRecord]] = []
        """New tickets not yet inserted (in batches of ``TICKET_BATCH``)."""
        self._events: list[dict[str, Any]] = []
        """Tickets' history events not yet inserted (in batches: one statement each)."""
        self._logins: set[str] | None = None
        self._any_imported: bool | None = None

    def write(self, record: Record) -> Outcome:
        if isinstance(record, CustomerRecord):
            return self._customer(record)
        if isinstance(record, ContactRecord):
            return self._contact(record)
        if isinstance(record, CalendarRecord):
            return self._calendar(record.calendar)
        if isinstance(record, ContractRecord):
            return self._contract(record)
        if isinstance(record, TechnicianRecord):
            return self._technician(record)
        return self._ticket(record)

    def _log(self, action: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
        master_data.record_change(self._uow, self._clock, self._actor, action, before, after)

    # --- the directory ----------------------------------------------------------------

    def _customer(self, record: CustomerRecord) -> Outcome:
        directory = self._uow.directory
        existing = directory.customer_by_external_id(record.external_id)
        given = Customer(
            id=existing.id if existing else 0,
            name=record.name,
            timezone=record.timezone,
            country=record.country,
            region=record.subdiv,
            address=record.address,
            external_id=record.external_id,
            contacts=existing.contacts if existing else (),
            retired_at=record.retired_at or (existing.retired_at if existing else None),
            mail_domains=(
                record.mail_domains
                if record.mail_domains is not None
                else (existing.mail_domains if existing else ())
            ),
        )
        checked = master_data.checked_customer(self._uow, given)
        if existing is None:
            stored = directory.add_customer(checked)
            self._log("customer.imported", None, {"external_id": stored.external_id})
            return "created"
        names = master_data.changed_fields(existing, checked)
        if not names:
            return "unchanged"
        directory.update_customer(checked, names)
        self._log("customer.changed", *master_data.field_diff(existing, checked, names))
        return "updated"

    def _contact(self, record: ContactRecord) -> Outcome:
        directory = self._uow.directory
        customer = self._customer_of(record.customer)
        same = [k for k in customer.contacts if k.name == record.name]
        given = Contact(
            id=same[0].id if same else 0,
            customer_id=customer.id,
            name=record.name,
            emails=record.email,
            phones=record.phone,
            role=record.role,
        )
        checked = master_data.checked_contact(given)
        if not same:
            directory.add_contact(checked)
            self._log("contact.added", None, {"customer": customer.name, "name": checked.name})
            return "created"
        names = master_data.changed_fields(same[0], checked)
        if not names:
            return "unchanged"
        directory.update_contact(checked, names)
        self._log("contact.changed", *master_data.field_diff(same[0], checked, names))
        return "updated"

    def _customer_of(self, external_id: str) -> Customer:
        found = self._uow.directory.customer_by_external_id(external_id)
        if found is None:
            raise InvalidInputError(
                f"customer: no customer {external_id!r} earlier in the files or in the database"
            )
        return found

    def _calendar(self, calendar: Calendar) -> Outcome:
        stored = self._uow.directory.calendars().get(calendar.name)
        if stored is not None and stored.to_json() == calendar.to_json():
            return "unchanged"
        created = self._uow.directory.save_calendar(calendar, self._clock.now())
        self._log(
            "calendar.created" if created else "calendar.changed",
            None,
            {"name": calendar.name, "definition": calendar.to_json()},
        )
        return "created" if created else "updated"

    def _contract(self, record: ContractRecord) -> Outcome:
        directory = self._uow.directory
        customer = self._customer_of(record.customer)
        calendar = record.calendar
        if isinstance(calendar, Calendar):
            self._calendar(calendar)  # an inline calendar is stored under its own name
            calendar = calendar.name
        existing = directory.contract_by_external_id(record.external_id)
        terms = record.terms
        given = Contract(
            id=existing.id if existing else 0,
            customer_id=customer.id,
            name=record.name,
            kind=record.kind,
            sla=SlaPolicy(dict(record.targets), record.warning_share),
            calendar=calendar or "24/7",
            hourly_rate=_float(terms.hourly_rate),
            currency=terms.currency,
            prepaid_hours=_float(terms.prepaid_hours),
            period=terms.period,
            fixed_fee=_float(terms.fixed_fee),
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            external_id=record.external_id,
            precedence=record.precedence,
            first_response=record.first_response,
            job_price=terms.job_price,
            incident_price=terms.incident_price,
            included_hours=terms.included_hours,
            overage_rate=terms.overage_rate,
        )
        checked = contracts.checked_contract(self._uow, given, self._calendars)
        if existing is None:
            stored = directory.add_contract(checked)
            self._log("contract.imported", None, {"external_id": stored.external_id})
            return "created"
        names = master_data.changed_fields(existing, checked)
        if not names:
            return "unchanged"
        if "kind" in names or "customer_id" in names:
            raise InvalidInputError(
                f"kind: {existing.name!r} is a {existing.kind.label} contract of another "
                "customer or kind in the database; give the new one another external_id"
            )
        stored = directory.update_contract(checked, names)
        self._log("contract.changed", *master_data.field_diff(existing, stored, names))
        if {"sla", "calendar"} & set(names):
            contracts.recompute_open(self._uow, self._clock, self._actor, stored, self._calendars)
        return "updated"

    def _technician(self, record: TechnicianRecord) -> Outcome:
        directory = self._uow.directory
        existing = directory.technician_by_external_id(record.external_id)
        if existing is None:
            by_login = [t for t in directory.technicians() if t.login == record.login]
            if by_login:
                raise InvalidInputError(
                    f"login: {record.login!r} exists already (not from this import: "
                    "give it this external_id with `dispatch tech edit --external-id`)"
                )
        base = existing or Technician(id=0, login=record.login, name=record.name)
        given = replace(
            base,
            login=record.login,
            name=record.name,
            skills=record.skills,
            onsite_capable=record.onsite_capable,
            max_tickets=record.max_tickets,
            home_region=record.home_region,
            external_id=record.external_id,
            on_call=record.on_call,
            status=record.status,
            retired_at=record.retired_at or base.retired_at,
        )
        checked = master_data.checked_technician(self._uow, given)
        if existing is None:
            directory.add_technician(checked)
            self._log("technician.imported", None, {"login": checked.login})
            return "created"
        names = master_data.changed_fields(existing, checked)
        if not names:
            return "unchanged"
        if "login" in names:
            raise InvalidInputError(
                f"login: {existing.external_id!r} is {existing.login!r} in the database"
            )
        directory.update_technician(checked, names)
        self._log("technician.changed", *master_data.field_diff(existing, checked, names))
        return "updated"

    # --- tickets ----------------------------------------------------------------------

    def _ticket(self, record: TicketRecord) -> Outcome:
        uow = self._uow
        contract, customer, engine = self._contract_of(record.contract)
        if self._logins is None:
            self._logins = {t.login for t in uow.directory.technicians() if t.retired_at is None}
        for login in {record.assignee, *(e.assignee for e in record.history)} - {None}:
            if login not in self._logins:
                raise InvalidInputError(
                    f"assignee: no technician {login!r} earlier in the files or in the database"
                )
        if self._any_imported is None:  # a first import: no ticket to look up at all
            self._any_imported = uow.tickets.by_external_id_exists()
        existing = uow.tickets.by_external_id(record.external_id) if self._any_imported else None
        if existing is not None:
            return self._update_ticket(existing, record)
        now = self._clock.now()
        if record.opened_at > now:
            raise InvalidInputError(f"opened_at: {record.opened_at.isoformat()} lies in the future")
        changes = [StatusChange(record.opened_at, TicketStatus.NEW)] + [
            StatusChange(max(e.at, record.opened_at), e.status)
            for e in record.history
            if e.status is not None
        ]
        due = engine.deadlines(record.severity, record.opened_at, changes)
        caller = _caller(customer, record.contact)
        status = record.status
        resolved_at = None
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            resolved_at = next(
                c.at
                for c in reversed(changes)
                if c.status is TicketStatus.RESOLVED or (c.status is TicketStatus.CLOSED)
            )
        self._pending.append(
            (
                Ticket(
                    id=0,
                    customer_id=customer.id,
                    customer_name=customer.name,
                    contract_id=contract.id,
                    contract_kind=contract.kind,
                    title=record.title,
                    description=record.description,
                    kind=record.kind,
                    channel=record.channel,
                    severity=record.severity,
                    status=status,
                    needs_onsite=record.needs_onsite,
                    skills=record.skills,
                    opened_at=record.opened_at,
                    first_response_at=record.first_response_at,
                    resolved_at=resolved_at,
                    response_due=due.response,
                    resolution_due=due.resolution,
                    response_warn_at=due.response_warn,
                    resolution_warn_at=due.resolution_warn,
                    assignee=record.assignee,
                    bug_ref=record.bug_ref,
                    external_id=record.external_id,
                    contact_id=caller,
                ),
                record,
            )
        )
        if len(self._pending) >= TICKET_BATCH:
            self.flush()
        return "created"

    def _contract_of(self, external_id: str) -> tuple[Contract, Customer, SlaEngine]:
        known = self._contracts.get(external_id)
        if known is not None:
            return known
        uow = self._uow
        contract = uow.directory.contract_by_external_id(external_id)
        if contract is None:
            raise InvalidInputError(
                f"contract: no contract {external_id!r} earlier in the files or in the database"
            )
        customer = uow.directory.customer(contract.customer_id)
        engine = deadlines.engine(uow, contract, customer, self._calendars)
        self._contracts[external_id] = (contract, customer, engine)
        return self._contracts[external_id]

    def _history(self, ticket: Ticket, record: TicketRecord) -> None:
        """The ticket's history as its events: what ``status_history`` reads back.

        Kept back and inserted in batches (``flush_events``): one statement per
        thousand events rather than one flush each.
        """
        snapshot = audit.snapshot(replace(ticket, status=TicketStatus.NEW, assignee=None))
        entries: list[dict[str, Any]] = [
            {
                "at": record.opened_at,
                "action": "ticket.opened",
                "after": {**snapshot, "external_id": record.external_id},
                "note": IMPORT_ACTOR_NOTE,
            }
        ]
        status, assignee = TicketStatus.NEW, None
        for entry in record.history:
            note = entry.note or IMPORT_ACTOR_NOTE
            if entry.assignee is not None and entry.assignee != assignee:
                entries.append(
                    {
                        "at": entry.at,
                        "action": "ticket.assigned",
                        "before": {"assignee": assignee},
                        "after": {"assignee": entry.assignee},
                        "note": note,
                    }
                )
                assignee = entry.assignee
            if entry.status is not None and entry.status is not status:
                after: dict[str, Any] = {"status": entry.status.value}
                if entry.bug_ref:
                    after["bug_ref"] = entry.bug_ref
                entries.append(
                    {
                        "at": entry.at,
                        "action": "ticket.status",
                        "before": {"status": status.value},
                        "after": after,
                        "note": note,
                    }
                )
                status = entry.status
        self._events += [{**e, "actor": self._actor, "ticket_id": ticket.id} for e in entries]
        if len(self._events) >= EVENT_BATCH:
            self.flush_events()

    def flush_events(self) -> None:
        """Insert the history events kept back."""
        self._uow.events.append_many(self._events)
        self._events = []

    def flush(self) -> None:
        """Insert the tickets kept back (one statement), then their histories' events."""
        pending, self._pending = self._pending, []
        stored = self._uow.tickets.add_many([ticket for ticket, _ in pending])
        for ticket, (_, record) in zip(stored, pending, strict=True):
            self._history(ticket, record)
            if ticket.is_open:
                self._new_tickets.append(ticket.id)
        self.flush_events()

    def _update_ticket(self, existing: Ticket, record: TicketRecord) -> Outcome:
        stored_history = [
            (e.at, e.after.get("status"))
            for e in self._uow.events.for_ticket(existing.id)
            if e.action == "ticket.status"
        ]
        given_history = [(e.at, e.status.value) for e in record.history if e.status is not None]
        if _collapse(stored_history) != _collapse(given_history):
            raise InvalidInputError(
                f"history: {record.external_id} is in the database with another history "
                "(the event log is never rewritten; change the ticket in dispatch)"
            )
        changed = replace(
            existing, title=record.title, description=record.description, skills=record.skills
        )
        if changed == existing:
            return "unchanged"
        self._uow.tickets.update(changed, existing.version)
        before, after = audit.diff(existing, changed, ("title", "description", "skills"))
        self._uow.events.append(
            at=self._clock.now(),
            actor=self._actor,
            action="ticket.edited",
            ticket_id=existing.id,
            before=before,
            after=after,
            note=IMPORT_ACTOR_NOTE,
        )
        return "updated"

    def record_crossed_thresholds(self) -> int:
        """Alerts, marked imported, for every threshold the new open tickets crossed already."""
        alerts = self._uow.alerts
        now = self._clock.now()
        count = 0
        ids = self._new_tickets
        for start in range(0, len(ids), ALERT_BATCH):
            batch = ids[start : start + ALERT_BATCH]
            reached = alerts.reached(now, 4 * len(batch), ticket_ids=batch)
            count += len(alerts.raise_alerts(reached, now, timedelta(0), imported=True))
        return count


def _collapse(history: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Consecutive repeats of a status dropped (an import writes a change only)."""
    out: list[tuple[Any, Any]] = []
    last = "new"
    for at, status in history:
        if status != last:
            out.append((at, status))
            last = status
    return out


def _float(value: Any) -> float | None:
    """The older rate and fee columns are floats until the billing work migrates them."""
    return None if value is None else float(value)


def _caller(customer: Customer, contact: str | None) -> int | None:
    """The id of the customer's contact ``contact`` names (an address or an external id)."""
    if contact is None:
        return None
    wanted = contact.strip().lower()
    for person in customer.contacts:
        if wanted in person.emails or (person.external_id or "").lower() == wanted:
            return person.id
    raise InvalidInputError(
        f"contact: {contact!r} is no contact of {customer.name!r} "
        "(give one of its contacts' addresses or external ids)"
    )
