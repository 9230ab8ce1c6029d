"""Regular work: maintenance plans and the tickets the scheduler opens from them.

Every occurrence of a plan gets exactly one ticket, across restarts and
several schedulers (the run is claimed in the ticket's transaction). The
scheduler layer computes occurrences from the crontab line; this module
only opens tickets (``tickets``). Uses the domain's ports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import NotFoundError
from dispatch.domain.model import Channel, TicketKind
from dispatch.domain.plans import MAX_CATCH_UP, Plan
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import deadlines, tickets
from dispatch.services.runtime import SCHEDULER_ACTOR

Occurrences = Callable[[Plan, datetime, datetime], list[datetime]]
"""A plan's occurrences strictly after the first instant, up to the second
(the scheduler layer computes them from the crontab line)."""


def add_plan(uow: UnitOfWork, clock: Clock, actor: str, contract_name: str, plan: Plan) -> Plan:
    """Store a maintenance plan for the named contract (occurrences from now on)."""
    with uow:
        contract = next((c for c in uow.directory.contracts() if c.name == contract_name), None)
        if contract is None:
            raise NotFoundError(f"no contract named {contract_name!r}")
        stored = uow.plans.add_plan(replace(plan, contract_id=contract.id, created_at=clock.now()))
        uow.events.append(
            at=clock.now(),
            actor=actor,
            action="plan.added",
            after={"plan": stored.name, "contract": contract.name, "schedule": stored.schedule},
        )
        uow.commit()
    return stored


def list_plans(uow: UnitOfWork) -> list[tuple[Plan, str, datetime | None]]:
    """Every plan with its contract's name and its latest occurrence opened."""
    with uow:
        names = {c.id: c.name for c in uow.directory.contracts()}
        return [
            (p, names.get(p.contract_id, "?"), uow.plans.last_occurrence(p.id))
            for p in uow.plans.plans()
        ]


def run_plans(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    occurrences: Occurrences,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> list[Ticket]:
    """Open the regular ticket of every occurrence due within its plan's lead time.

    Each occurrence is opened in its own transaction that first records the
    (plan, occurrence) run: an occurrence another scheduler opened (or this one
    before a restart) is skipped, so every occurrence gets exactly one ticket.
    Occurrences missed while nothing ran are opened late, at most
    ``MAX_CATCH_UP`` per plan and run.
    """
    now = clock.now()
    with reader:
        plans = reader.plans.plans(active_only=True)
        last = {p.id: reader.plans.last_occurrence(p.id) for p in plans}
        contracts = {c.id: c for c in reader.directory.contracts()}
    opened: list[Ticket] = []
    for plan in plans:
        contract = contracts.get(plan.contract_id)
        if contract is None:
            continue
        start = max(filter(None, [last[plan.id], plan.created_at]))
        due = [o for o in occurrences(plan, start, now + plan.lead) if o - plan.lead <= now]
        for occurrence in due[:MAX_CATCH_UP]:
            with writer:
                if not writer.plans.claim_run(plan.id, occurrence, now):
                    continue  # opened already (another scheduler, or before a restart)
                customer = writer.directory.customer(contract.customer_id)
                local = occurrence.astimezone(ZoneInfo(plan.timezone))
                request = NewTicket(
                    customer=customer.name,
                    title=f"{plan.title} ({local:%Y-%m-%d %H:%M})",
                    description=(
                        f"Planned work ({plan.name}, {plan.schedule} {plan.timezone}), "
                        f"due {local:%a %Y-%m-%d %H:%M %Z}.\n\n{plan.description}"
                    ).strip(),
                    severity=plan.severity,
                    kind=TicketKind.REGULAR,
                    channel=Channel.ONSITE if plan.needs_onsite else Channel.REMOTE,
                    skills=plan.skills,
                    needs_onsite=plan.needs_onsite,
                )
                ticket = tickets.add_ticket(
                    writer, SCHEDULER_ACTOR, request, request.title, customer, contract, now, now,
                    calendars,
                )  # fmt: skip
                writer.plans.set_run_ticket(plan.id, occurrence, ticket.id)
                writer.commit()
            opened.append(ticket)
    return opened
