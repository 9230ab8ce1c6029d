"""Which SLA engine governs a ticket, and moving its deadlines from its history.

The one place that decides which calendar definitions win (the database's
over the configuration file's) and that stores recomputed deadlines with
their event. Used by ``tickets`` (status and severity changes), ``undo``
and ``calendars`` (a changed calendar); uses the domain's SLA engine and ports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from dispatch.domain.calendar import Calendar
from dispatch.domain.model import Contract, Customer
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.sla import SlaEngine, StatusChange, engine_for, status_history
from dispatch.domain.ticket import Ticket
from dispatch.services import audit

NO_CALENDARS: Mapping[str, Calendar] = {}
"""No calendars from the configuration file (the default of every use case)."""


def engine(
    uow: UnitOfWork, contract: Contract, customer: Customer, calendars: Mapping[str, Calendar]
) -> SlaEngine:
    """The SLA engine of ``contract`` at ``customer``'s site."""
    # Calendars stored in the database are shared by every console: they win
    # over those of this user's configuration file.
    return engine_for(contract, customer, {**calendars, **uow.directory.calendars()})


def recomputed(
    uow: UnitOfWork,
    ticket: Ticket,
    history: Sequence[StatusChange],
    calendars: Mapping[str, Calendar],
) -> Ticket:
    """``ticket`` with its deadlines (and warning instants) derived again from ``history``."""
    contract = uow.directory.contract(ticket.contract_id)
    customer = uow.directory.customer(ticket.customer_id)
    due = engine(uow, contract, customer, calendars).deadlines(
        ticket.severity, ticket.opened_at, history
    )
    return replace(
        ticket,
        response_due=due.response,
        resolution_due=due.resolution,
        response_warn_at=due.response_warn,
        resolution_warn_at=due.resolution_warn,
    )


def store_recomputed(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket: Ticket,
    expected: int,
    calendars: Mapping[str, Calendar],
    *,
    action: str,
    note: str | None,
    before_ticket: Ticket,
) -> Ticket:
    """Recompute ``ticket``'s deadlines from its history, store it, record the event.

    Returns ``before_ticket`` itself, unwritten, when nothing changed.
    """
    history = status_history(ticket, uow.events.for_ticket(ticket.id))
    changed = recomputed(uow, ticket, history, calendars)
    if changed == before_ticket:
        return before_ticket  # nothing moved: no write, no event
    stored = uow.tickets.update(changed, expected)
    before, after = audit.diff(
        before_ticket, stored, ("severity", "response_due", "resolution_due")
    )
    uow.events.append(
        at=clock.now(),
        actor=actor,
        action=action,
        ticket_id=ticket.id,
        before=before,
        after=after,
        note=note,
    )
    return stored
