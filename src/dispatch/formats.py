"""JSON and text forms of domain objects for the command line.

JSON keys are stable (the README documents them); times are ISO-8601 with
offset, ``null`` where none. Text forms pass every untrusted string through
``printable`` so that nothing in the data reaches the terminal as a control
sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.article_format import article_json, articles_text
from dispatch.domain.alerts import Alert
from dispatch.domain.calendar import WEEKDAYS, Calendar, DayPlan, format_clock, zone
from dispatch.domain.model import Contact, Contract, Customer, Technician, TicketStatus
from dispatch.domain.oncall import Override, Rotation, Shift
from dispatch.domain.queue import describe_wait
from dispatch.domain.sla import ClockReading, SlaState
from dispatch.domain.text import printable
from dispatch.domain.ticket import Event, Ticket
from dispatch.monitoring_format import incident_json, incident_line
from dispatch.services.tickets import TicketDetail

UTC = ZoneInfo("UTC")


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with offset, or ``None``."""
    return value.isoformat() if value is not None else None


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """The stable JSON form of a ticket."""
    return {
        "id": ticket.id,
        "ref": ticket.ref,
        "title": ticket.title,
        "customer": ticket.customer_name,
        "customer_id": ticket.customer_id,
        "contract_id": ticket.contract_id,
        "contract_kind": ticket.contract_kind.value,
        "priority_rank": ticket.priority_rank,
        "severity": ticket.severity.value,
        "status": ticket.status.value,
        "kind": ticket.kind.value,
        "channel": ticket.channel.value,
        "assignee": ticket.assignee,
        "needs_onsite": ticket.needs_onsite,
        "skills": sorted(ticket.skills),
        "opened_at": iso(ticket.opened_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "response_due": iso(ticket.response_due),
        "resolution_due": iso(ticket.resolution_due),
        "next_due": iso(ticket.next_due),
        "bug_ref": ticket.bug_ref,
        "contact_id": ticket.contact_id,
        "version": ticket.version,
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    """The JSON form of a customer."""
    return {
        "id": customer.id,
        "name": customer.name,
        "timezone": customer.timezone,
        "country": customer.country,
        "region": customer.region,
        "address": customer.address,
        "contacts": [contact_json(k) for k in customer.contacts],
        "external_id": customer.external_id,
        "retired_at": customer.retired_at.isoformat() if customer.retired_at else None,
        "mail_domains": list(customer.mail_domains),
        "triage": customer.triage,
    }


def contact_json(contact: Contact) -> dict[str, Any]:
    """The JSON form of a contact."""
    return {
        "id": contact.id,
        "name": contact.name,
        "emails": list(contact.emails),
        "phones": list(contact.phones),
        "role": contact.role,
        "external_id": contact.external_id,
    }


def contract_json(contract: Contract, customer: Customer) -> dict[str, Any]:
    """The JSON form of a contract."""
    return {
        "id": contract.id,
        "name": contract.name,
        "customer": customer.name,
        "customer_id": customer.id,
        "kind": contract.kind.value,
        "priority_rank": contract.priority_rank,
        "calendar": contract.calendar,
        "sla": contract.sla.to_json(),
        "hourly_rate": contract.hourly_rate,
        "currency": contract.currency,
        "prepaid_hours": contract.prepaid_hours,
        "period": contract.period.value if contract.period else None,
        "fixed_fee": contract.fixed_fee,
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat() if contract.valid_to else None,
        "external_id": contract.external_id,
        "precedence": contract.precedence,
        "first_response": contract.first_response.value,
        "job_price": _money(contract.job_price),
        "incident_price": _money(contract.incident_price),
        "included_hours": _money(contract.included_hours),
        "overage_rate": _money(contract.overage_rate),
    }


def _money(value: Decimal | None) -> str | None:
    """An exact amount as a JSON string (``"120.00"``): no float touches it."""
    return None if value is None else str(value)


def technician_json(tech: Technician) -> dict[str, Any]:
    """The JSON form of a technician."""
    return {
        "id": tech.id,
        "login": tech.login,
        "name": tech.name,
        "skills": sorted(tech.skills),
        "on_call": tech.on_call,
        "onsite_capable": tech.onsite_capable,
        "home_region": tech.home_region,
        "max_tickets": tech.max_tickets,
        "status": tech.status.value,
        "external_id": tech.external_id,
        "retired_at": tech.retired_at.isoformat() if tech.retired_at else None,
    }


def event_json(event: Event) -> dict[str, Any]:
    """The JSON form of an event."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "ticket_id": event.ticket_id,
        "before": dict(event.before),
        "after": dict(event.after),
        "note": event.note,
    }


CHANGE_FIELDS = {
    "status": "status",
    "assignee": "assignee",
    "severity": "severity",
    "bug_ref": "bug",
    "first_response_at": "first response",
    "resolved_at": "resolved",
    "response_due": "response due",
    "resolution_due": "resolution due",
}
"""How a recorded change names its fields, in this order (others follow by name)."""


def recorded_value(field: str, value: object, tz: ZoneInfo) -> str:
    """A value a change recorded, as people read it: a status's name, a time to the minute."""
    if value is None or value == "":
        return "—"
    if field == "status":
        try:
            return TicketStatus(str(value)).label
        except ValueError:
            return str(value)
    if field.endswith(("_at", "_due")) and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def change_text(event: Event, tz: ZoneInfo, *, changed_only: bool = False) -> str:
    """``status assigned → in progress, first response — → 2026-11-23 10:45 UTC``.

    ``changed_only`` leaves out what an event recorded without a before (the
    fields of a ticket as it was opened). Descriptions are never repeated.
    """
    order = list(CHANGE_FIELDS)
    parts = []
    for key in sorted(event.after, key=lambda k: (order.index(k) if k in order else 99, k)):
        if key == "description" or (changed_only and key not in event.before):
            continue
        name, after = CHANGE_FIELDS.get(key, key), recorded_value(key, event.after[key], tz)
        if key in event.before:
            parts.append(f"{name} {recorded_value(key, event.before[key], tz)} → {after}")
        else:
            parts.append(f"{name} {after}")
    return ", ".join(parts)


def audit_table(events: Sequence[Event]) -> str:
    """Events oldest first: when, who, what, on which ticket, the change."""
    rows = []
    for e in events:
        change = change_text(e, UTC)
        rows.append(
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                clip(e.actor, 16),
                e.action,
                f"T-{e.ticket_id}" if e.ticket_id else "",
                clip(change, 60),
                clip(e.note or "", 30),
            ]
        )
    return table(["AT", "ACTOR", "ACTION", "TICKET", "CHANGE", "NOTE"], rows)


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as ``dispatch alerts list --json`` prints it."""
    return {
        "id": alert.id,
        "ticket_id": alert.ticket_id,
        "target": alert.target.value,
        "level": alert.level.value,
        "due_at": iso(alert.due_at),
        "raised_at": iso(alert.raised_at),
        "late": alert.late,
        "acked_by": alert.acked_by,
        "acked_at": iso(alert.acked_at),
        "imported": alert.imported,
        "ticket_title": alert.ticket_title,
        "customer": alert.customer_name,
    }


def alerts_table(alerts: Sequence[Alert]) -> str:
    """Alerts newest first, one line each."""
    rows = [
        [
            a.ref,
            a.ticket_ref,
            a.target.value,
            a.level.value,
            a.raised_at.strftime("%Y-%m-%d %H:%M UTC"),
            "late" if a.late else "",
            clip(f"{a.acked_by} {a.acked_at:%H:%M}" if a.acked_at else "—", 20),
            clip(f"{a.customer_name}: {a.ticket_title}", 50),
        ]
        for a in alerts
    ]
    headers = ["ALERT", "TICKET", "TARGET", "LEVEL", "RAISED", "LATE", "ACKED", "TICKET TITLE"]
    return table(headers, rows)


def reading_json(reading: ClockReading) -> dict[str, Any]:
    """The JSON form of one SLA clock."""

    def minutes(value: timedelta | None) -> float | None:
        return None if value is None else value / timedelta(minutes=1)

    return {
        "target": reading.target.value,
        "state": reading.state.value,
        "due": iso(reading.due),
        "allowed_minutes": minutes(reading.allowed),
        "used_minutes": minutes(reading.used),
        "remaining_minutes": minutes(reading.remaining),
        "share": reading.share,
        "stopped_at": iso(reading.stopped_at),
    }


def detail_json(detail: TicketDetail) -> dict[str, Any]:
    """A ticket with description, customer, contract, SLA clocks and history."""
    data = ticket_json(detail.ticket)
    data["description"] = detail.ticket.description
    data["customer_detail"] = customer_json(detail.customer)
    caller = detail.caller
    data["caller"] = contact_json(caller) if caller is not None else None
    data["contract"] = contract_json(detail.contract, detail.customer)
    data["calendar"] = {"name": detail.calendar.name, **detail.calendar.to_json()}
    data["follows"] = [f"T-{n}" for n in detail.follows]
    data["followed_by"] = [f"T-{n}" for n in detail.followed_by]
    data["sla"] = {
        "response": reading_json(detail.response),
        "resolution": reading_json(detail.resolution),
    }
    data["events"] = [event_json(e) for e in detail.events]
    data["articles"] = [article_json(a) for a in detail.articles]
    data["monitoring"] = incident_json(detail.monitoring)
    return data


# --- text ---------------------------------------------------------------


def clip(text: str, width: int) -> str:
    """One safe line of at most ``width`` characters."""
    line = printable(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain left-aligned table (cells must already be safe)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(lines)


def due_text(ticket: Ticket, now: datetime) -> str:
    """``1h 12m`` to the nearest deadline, ``-5m`` when overdue, or why there is none."""
    due = ticket.next_due
    if due is None:
        return "no guarantee" if not ticket.contract_kind.has_guarantee else "—"
    return describe_wait(due - now)


def queue_table(tickets: Sequence[Ticket], now: datetime) -> str:
    """The queue as a text table."""
    rows = [
        [
            t.ref,
            t.contract_kind.badge,
            t.severity.value,
            t.status.label,
            clip(t.customer_name, 24),
            clip(t.assignee or "-", 12),
            due_text(t, now),
            clip(t.title, 50),
        ]
        for t in tickets
    ]
    headers = ["TICKET", "KIND", "SEV", "STATUS", "CUSTOMER", "ASSIGNEE", "DUE", "TITLE"]
    return table(headers, rows)


def working_time(delta: timedelta) -> str:
    """Working time in hours and minutes (``46h 05m``): business days are not 24 h."""
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def reading_text(reading: ClockReading, tz: ZoneInfo) -> str:
    """``response  warning  due Mon 2026-11-23 14:00 EET (12:00 UTC)  1h 12m left  82%``."""
    label = f"{reading.target.value:<10}"
    if reading.state is SlaState.NONE:
        return f"{label} no guarantee"
    assert reading.due is not None
    assert reading.remaining is not None
    due = reading.due
    when = f"due {due.astimezone(tz):%a %Y-%m-%d %H:%M %Z} ({due:%H:%M} UTC)"
    if reading.state in (SlaState.MET, SlaState.BREACHED) and reading.stopped_at is not None:
        at = reading.stopped_at
        how = f"stopped {at.astimezone(tz):%a %Y-%m-%d %H:%M %Z}"
    elif reading.remaining >= timedelta(0):
        how = f"{working_time(reading.remaining)} left"
    else:
        how = f"{working_time(-reading.remaining)} overdue"
    share = f"{reading.share:.0%}" if reading.share is not None else ""
    return f"{label} {reading.state.value:<9} {when}  {how}  {share} of working time"


def explain_text(detail: TicketDetail, now: datetime) -> str:
    """``dispatch sla explain``: the clocks, then each deadline's derivation."""
    tz = zone(detail.calendar.timezone)
    lines = [
        f"{detail.ticket.ref}  {clip(detail.ticket.title, 120)}",
        f"now {now.astimezone(tz):%a %Y-%m-%d %H:%M:%S %Z} ({now:%H:%M:%S} UTC)",
        reading_text(detail.response, tz),
        reading_text(detail.resolution, tz),
        "",
        *detail.explanation,
    ]
    return "\n".join(lines)


def calendar_summary(calendar: Calendar) -> str:
    """``mon-fri 09:00-17:00, sat 08:00-12:00`` or ``24/7``."""
    if calendar.always_open:
        return "24/7, holidays included"
    groups: list[tuple[list[str], str]] = []
    for day, windows in zip(WEEKDAYS, calendar.hours, strict=True):
        if not windows:
            continue
        text = " ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in windows)
        if (
            groups
            and groups[-1][1] == text
            and WEEKDAYS.index(groups[-1][0][-1]) + 1 == WEEKDAYS.index(day)
        ):
            groups[-1][0].append(day)
        else:
            groups.append(([day], text))
    parts = [f"{days[0]}{'-' + days[-1] if len(days) > 1 else ''} {text}" for days, text in groups]
    where = calendar.country or ""
    if calendar.subdiv:
        where += f"-{calendar.subdiv}"
    holidays = f"; holidays {where}" if where else ""
    return ", ".join(parts) + holidays


def calendar_days_text(calendar: Calendar, plans: Sequence[DayPlan]) -> str:
    """``dispatch calendar show``: each day's windows in local time and UTC."""
    tz = zone(calendar.timezone)
    lines = [f"calendar {calendar.name}, zone {calendar.timezone}: {calendar_summary(calendar)}"]
    for plan in plans:
        head = f"{plan.day:%a %Y-%m-%d}"
        if not plan.intervals:
            lines.append(f"{head}  closed ({plan.closed_reason or 'no working hours'})")
            continue
        spans = [
            f"{a.astimezone(tz):%H:%M}-{b.astimezone(tz):%H:%M %Z} "
            f"({a:%H:%M}-{b:%H:%M} UTC{'' if b.date() == a.date() else ' +1d'})"
            for a, b in plan.intervals
        ]
        lines.append(f"{head}  " + ", ".join(spans))
    return "\n".join(lines)


def caller_text(caller: Contact | None, width: int) -> str:
    """``Ion Pop (IT lead), +40 21 555 0101, +40 722 000 111`` safe and clipped, or ``-``."""
    if caller is None:
        return "-"
    name = f"{caller.name} ({caller.role})" if caller.role else caller.name
    return clip(", ".join([name, *caller.phones]), width)


def detail_text(detail: TicketDetail, now: datetime) -> str:
    """A ticket in full, as readable text."""
    t = detail.ticket
    c = detail.contract

    def when(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"

    lines = [
        f"{t.ref}  {clip(t.title, 200)}",
        f"customer     {clip(detail.customer.name, 80)} ({detail.customer.timezone})",
        f"caller       {caller_text(detail.caller, 120)}",
        f"contract     {clip(c.name, 40)}: {c.kind.label}, priority {c.priority_rank}",
        f"severity     {t.severity.value}    kind {t.kind.value}    channel {t.channel.value}",
        f"status       {t.status.label}" + (f" (bug {clip(t.bug_ref, 60)})" if t.bug_ref else ""),
        f"assignee     {clip(t.assignee or '-', 40)}",
        f"on site      {'yes' if t.needs_onsite else 'no'}",
        f"skills       {clip(', '.join(sorted(t.skills)) or '-', 80)}",
        f"opened       {when(t.opened_at)}",
        f"response due {when(t.response_due)}   first response {when(t.first_response_at)}",
        f"resolve due  {when(t.resolution_due)}   resolved {when(t.resolved_at)}",
        f"next due     {due_text(t, now)}",
        f"calendar     {clip(detail.calendar.name, 40)} ({detail.calendar.timezone})",
        "sla          " + reading_text(detail.response, zone(detail.calendar.timezone)),
        "             " + reading_text(detail.resolution, zone(detail.calendar.timezone)),
        f"version      {t.version}",
        *(
            [f"follows      {', '.join(f'T-{n}' for n in detail.follows)}"]
            if detail.follows
            else []
        ),
        *(
            [f"followed by  {', '.join(f'T-{n}' for n in detail.followed_by)}"]
            if detail.followed_by
            else []
        ),
        *([incident_line(detail.monitoring)] if detail.monitoring else []),
        "",
        printable(t.description, keep_newlines=True) or "(no description)",
        "",
        "history:",
    ]
    for e in detail.events:
        change = change_text(e, UTC)
        note = f" — {e.note}" if e.note else ""
        lines.append("  " + clip(f"{when(e.at)}  {e.actor}  {e.action}  {change}{note}", 200))
    lines.append("")
    lines.extend(articles_text(detail.articles, detail.article_count))
    return "\n".join(lines)


def rotation_json(rotation: Rotation) -> dict[str, Any]:
    """The JSON form of an on-call rotation."""
    return {
        "id": rotation.id,
        "name": rotation.name,
        "layer": rotation.layer,
        "timezone": rotation.timezone,
        "handover": rotation.handover.strftime("%H:%M"),
        "period": rotation.period.value,
        "weekday": WEEKDAYS[rotation.weekday] if rotation.weekday is not None else None,
        "start": rotation.start.isoformat(),
        "members": list(rotation.members),
    }


def shift_json(shift: Shift) -> dict[str, Any]:
    """The JSON form of an on-call shift (``replaces``: whose turn an override covers)."""
    return {
        "rotation": shift.rotation,
        "layer": shift.layer,
        "login": shift.login,
        "start": iso(shift.start),
        "end": iso(shift.end),
        "replaces": shift.replaces,
    }


def override_json(override: Override) -> dict[str, Any]:
    """The JSON form of an on-call override."""
    return {
        "id": override.id,
        "login": override.login,
        "replaces": override.replaces,
        "start": iso(override.start),
        "end": iso(override.end),
        "note": override.note,
    }
