"""What ``y`` and ``Y`` copy of a ticket: its reference and title, or a summary.

The console copies with OSC 52 (Textual's ``App.copy_to_clipboard``), which the
terminal on the dispatcher's own machine receives, so it works over SSH.
Customer text is made printable first: what is pasted elsewhere carries no
control or escape sequence.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch.domain.queue import describe_wait
from dispatch.domain.text import printable
from dispatch.domain.ticket import Ticket


def copy_line(ticket: Ticket) -> str:
    """``T-19 Order replacement toner and drums`` (``y``)."""
    return f"{ticket.ref} {printable(ticket.title)}"


def copy_summary(ticket: Ticket, now: datetime, zone: ZoneInfo) -> str:
    """Several lines a colleague can read in a chat or a mail (``Y``)."""
    due = ticket.next_due
    if due is not None:
        when = due.astimezone(zone).strftime("%a %d %b %H:%M %Z")
        left = describe_wait(due - now)
        deadline = f"{when} ({left})" if due >= now else f"{when} (breached {left[1:]} ago)"
    else:
        deadline = "none running"
    lines = [
        copy_line(ticket),
        f"Customer: {printable(ticket.customer_name)}",
        f"Contract: {ticket.contract_kind.value}, {ticket.severity.value}, {ticket.kind.value}",
        f"Status: {ticket.status.label}; assignee: {printable(ticket.assignee or 'none')}",
        f"Next deadline: {deadline}",
        f"Opened: {ticket.opened_at.astimezone(zone).strftime('%a %d %b %H:%M %Z')}",
    ]
    return "\n".join(lines)
