"""Queue order (DOMAIN.md rule 1) and its explanation in words.

Order: contract priority first (subscription and managed services, then block
hours, then time-and-material, per-job and ad hoc), then the nearest running SLA
deadline (tickets without one after those with one), then severity (P1 first),
then age (oldest first), and finally the ticket id, so that the order is total
and two consoles always agree on it.

The console offers other orders beside it (:class:`QueueOrder`, sorted here
by :func:`order_tickets`): nearest deadline whatever the contract, oldest
first, and by assignee. The storage adapter runs each as an SQL query on an
index; a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import Enum

from dispatch.domain.model import TicketStatus
from dispatch.domain.ticket import Ticket

_RANK_WORDS = {
    1: "guaranteed reaction (subscription or managed services)",
    2: "block hours",
    3: "no guarantee (time and material, per job or ad hoc)",
}


class QueueOrder(Enum):
    """The order the queue is shown in: ``o`` cycles them."""

    PRIORITY = "priority"
    """Contract priority first (the default; ``w`` explains a ticket's place)."""
    DEADLINE = "deadline"
    """Nearest deadline first, whatever the contract (tickets without one last)."""
    AGE = "age"
    """Oldest first: the urgency of tickets without a guarantee."""
    ASSIGNEE = "assignee"
    """By assignee (unassigned first), then by priority: a workload board."""

    @property
    def label(self) -> str:
        """How the console names the order."""
        return {
            "priority": "contract priority",
            "deadline": "nearest deadline",
            "age": "oldest first",
            "assignee": "by assignee",
        }[self.value]

    def next(self) -> QueueOrder:
        """The order after this one (the last wraps round to the first)."""
        members = list(QueueOrder)
        return members[(members.index(self) + 1) % len(members)]


QueueKey = tuple[int, int, datetime | None, int, datetime, int]
"""The sort key: rank, has-no-deadline, deadline, severity level, opened at, id."""


def queue_key(ticket: Ticket) -> QueueKey:
    """The sort key that places ``ticket`` in the queue (smaller comes first)."""
    due = ticket.next_due
    return (
        ticket.priority_rank,
        0 if due is not None else 1,
        due,
        ticket.severity.level,
        ticket.opened_at,
        ticket.id,
    )


_NO_DUE = datetime.max.replace(tzinfo=UTC)


def _comparable(key: QueueKey) -> tuple[int, int, datetime, int, datetime, int]:
    # Tickets without a deadline are equal on it (the flag in key[1] already puts
    # them after those with one); severity and age then decide among them.
    rank, missing, due, level, opened, ident = key
    return (rank, missing, due if due is not None else _NO_DUE, level, opened, ident)


def order_queue(tickets: Iterable[Ticket]) -> list[Ticket]:
    """Return the tickets in queue order."""
    return sorted(tickets, key=lambda t: _comparable(queue_key(t)))


def order_tickets(tickets: Iterable[Ticket], order: QueueOrder) -> list[Ticket]:
    """The tickets in ``order``, open ones before closed ones (the scope "all")."""

    def key(t: Ticket) -> tuple[object, ...]:
        due = t.next_due
        if order is QueueOrder.DEADLINE:
            rest: tuple[object, ...] = (due if due is not None else _NO_DUE, t.id)
        elif order is QueueOrder.AGE:
            rest = (t.opened_at, t.id)
        elif order is QueueOrder.ASSIGNEE:
            rest = (t.assignee or "", *_comparable(queue_key(t)))
        else:
            rest = _comparable(queue_key(t))
        return (not t.is_open, *rest)

    return sorted(tickets, key=key)


def describe_wait(delta: timedelta) -> str:
    """Say a duration the way a dispatcher reads it: ``1h 12m``, ``3d 4h``, ``45s``."""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m"
    else:
        text = f"{secs}s"
    return f"-{text}" if delta < timedelta(0) else text


def explain_place(ticket: Ticket, ahead: Ticket | None, now: datetime) -> list[str]:
    """Say in words why ``ticket`` stands where it does in the queue.

    Args:
        ticket: The ticket to explain.
        ahead: The ticket directly above it, or ``None`` if it is first.
        now: The current instant, for "due in" wording.

    Returns:
        Lines of plain text: the ticket's own sort facts, then what decides
        its place against the ticket above.
    """
    kind = ticket.contract_kind
    lines = [
        f"Contract: {kind.label}, priority {ticket.priority_rank} of 3 — "
        f"{_RANK_WORDS[ticket.priority_rank]}."
    ]
    nearest = ticket.next_deadline()
    if nearest is None:
        why = "no running SLA deadline"
        if not kind.has_guarantee:
            why += " (the contract promises none)"
        elif ticket.status is TicketStatus.WAITING_CUSTOMER:
            why += " (paused: waiting on the customer)"
        lines.append(f"Deadline: {why}.")
    else:
        target, due = nearest
        lines.append(
            f"Deadline: {target.value} due {due:%Y-%m-%d %H:%M} UTC "
            f"({describe_wait(abs(due - now))} {'left' if due >= now else 'overdue'})."
        )
    lines.append(f"Severity: {ticket.severity.value}.")
    lines.append(f"Age: opened {describe_wait(now - ticket.opened_at)} ago.")
    if ahead is None:
        lines.append("It is first in the queue.")
    else:
        lines.append(f"Below {ahead.ref} because {_decider(ahead, ticket)}.")
    return lines


def _decider(ahead: Ticket, ticket: Ticket) -> str:
    """Name the first sort criterion on which ``ahead`` wins over ``ticket``."""
    a, b = queue_key(ahead), queue_key(ticket)
    if a[0] != b[0]:
        return f"its contract has a higher priority ({ahead.contract_kind.label})"
    if a[1] != b[1]:
        return "it has a running deadline and this one has none"
    if a[2] != b[2]:
        return "its deadline comes sooner"
    if a[3] != b[3]:
        return f"it is more severe ({ahead.severity.value})"
    if a[4] != b[4]:
        return "it was opened earlier"
    return "it was entered first (same contract priority, deadline, severity and age)"
