"""JSON and text forms of domain objects for the command line.

JSON keys are stable (the README documents them); times are ISO-8601 with
offset, ``null`` where none. Text forms pass every untrusted string through
``printable`` so that nothing in the data reaches the terminal as a control
sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dispatch.domain.model import Contract, Customer, Event, Technician, Ticket
from dispatch.domain.queue import describe_wait
from dispatch.domain.text import printable
from dispatch.services import TicketDetail


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
        "contact": customer.contact,
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
    }


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


def detail_json(detail: TicketDetail) -> dict[str, Any]:
    """A ticket with description, customer, contract and history."""
    data = ticket_json(detail.ticket)
    data["description"] = detail.ticket.description
    data["customer_detail"] = customer_json(detail.customer)
    data["contract"] = contract_json(detail.contract, detail.customer)
    data["events"] = [event_json(e) for e in detail.events]
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


def sla_text(contract: Contract) -> str:
    """``P1 2h 00m/8h 00m, ...`` (response/resolution), or ``no guarantee``."""
    parts = [
        f"{sev.value} {describe_wait(t.response)}/{describe_wait(t.resolution)}"
        for sev, t in sorted(contract.sla.targets.items())
    ]
    return ", ".join(parts) or "no guarantee"


def queue_table(tickets: Sequence[Ticket], now: datetime) -> str:
    """The queue as a text table."""
    rows = [
        [
            t.ref,
            t.contract_kind.badge,
            t.severity.value,
            t.status.value,
            clip(t.customer_name, 24),
            clip(t.assignee or "-", 12),
            due_text(t, now),
            clip(t.title, 50),
        ]
        for t in tickets
    ]
    headers = ["TICKET", "KIND", "SEV", "STATUS", "CUSTOMER", "ASSIGNEE", "DUE", "TITLE"]
    return table(headers, rows)


def detail_text(detail: TicketDetail, now: datetime) -> str:
    """A ticket in full, as readable text."""
    t = detail.ticket
    c = detail.contract

    def when(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"

    lines = [
        f"{t.ref}  {clip(t.title, 200)}",
        f"customer     {clip(detail.customer.name, 80)} ({detail.customer.timezone})",
        f"contract     {clip(c.name, 40)}: {c.kind.label}, priority {c.priority_rank}",
        f"severity     {t.severity.value}    kind {t.kind.value}    channel {t.channel.value}",
        f"status       {t.status.value}" + (f" (bug {clip(t.bug_ref, 60)})" if t.bug_ref else ""),
        f"assignee     {clip(t.assignee or '-', 40)}",
        f"on site      {'yes' if t.needs_onsite else 'no'}",
        f"skills       {clip(', '.join(sorted(t.skills)) or '-', 80)}",
        f"opened       {when(t.opened_at)}",
        f"response due {when(t.response_due)}   first response {when(t.first_response_at)}",
        f"resolve due  {when(t.resolution_due)}   resolved {when(t.resolved_at)}",
        f"next due     {due_text(t, now)}",
        f"version      {t.version}",
        "",
        printable(t.description, keep_newlines=True) or "(no description)",
        "",
        "history:",
    ]
    for e in detail.events:
        change = ", ".join(f"{k}: {e.before.get(k, '-')} -> {e.after[k]}" for k in sorted(e.after))
        note = f" — {e.note}" if e.note else ""
        lines.append("  " + clip(f"{when(e.at)}  {e.actor}  {e.action}  {change}{note}", 200))
    return "\n".join(lines)
