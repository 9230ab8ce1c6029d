"""The event log: what every change records, and reading it back.

Every use case that changes something appends one event in its own
transaction: who, when, what, and the changed fields before and after
(JSON-ready, built here). The log is append-only; :func:`audit` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dispatch.domain.model import require_utc
from dispatch.domain.ports import UnitOfWork
from dispatch.domain.ticket import Event, Ticket


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


_SNAPSHOT_FIELDS = (
    "title",
    "customer_name",
    "contract_kind",
    "kind",
    "channel",
    "severity",
    "status",
    "needs_onsite",
    "skills",
    "opened_at",
    "response_due",
    "resolution_due",
    "assignee",
)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """The ticket's recorded fields, JSON-ready (the ``after`` of ``ticket.opened``)."""
    return {name: _jsonable(getattr(ticket, name)) for name in _SNAPSHOT_FIELDS}


def diff(
    before: Ticket, after: Ticket, fields: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed fields' values before and after, JSON-ready."""
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    return (
        {f: _jsonable(getattr(before, f)) for f in changed},
        {f: _jsonable(getattr(after, f)) for f in changed},
    )


def read_log(
    uow: UnitOfWork,
    *,
    ticket_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Sequence[Event]:
    """Who did what and when, oldest first (the event log is append-only)."""
    if since is not None:
        since = require_utc(since, "since")
    with uow:
        if ticket_id is not None:
            # An unknown ticket is an error, not an empty list.
            uow.tickets.get(ticket_id, description_chars=0)
        return uow.events.listing(ticket_id=ticket_id, since=since, limit=limit)
