"""Bulk loading: the demo data set and synthetic load for benchmarks.

These write many rows with Core ``insert`` statements; the ordinary use cases
go through the repositories one ticket at a time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from dispatch.domain.calendar import Calendar
from dispatch.domain.model import (
    OPEN_STATUSES,
    Channel,
    Contract,
    Customer,
    Severity,
    Technician,
    TicketKind,
    TicketStatus,
)
from dispatch.domain.plans import Plan
from dispatch.domain.sla import SlaEngine, engine_for
from dispatch.domain.ticket import Event, Ticket
from dispatch.store import convert
from dispatch.store.plans import SqlPlanStore
from dispatch.store.schema import (
    Base,
    CalendarRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    EventRow,
    TechnicianRow,
    TicketRow,
)
from dispatch.store.uow import SqlUnitOfWork

BATCH = 20_000
DEMO_NOTE = "demo data"
"""How the ``data.loaded`` event of ``dispatch demo`` begins."""


@dataclass(frozen=True, slots=True)
class LoadCounts:
    """What a load wrote.

    Attributes:
        customers: Customers added.
        contracts: Contracts added.
        technicians: Technicians added.
        tickets: Tickets added.
    """

    customers: int
    contracts: int
    technicians: int
    tickets: int

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return {
            "customers": self.customers,
            "contracts": self.contracts,
            "technicians": self.technicians,
            "tickets": self.tickets,
        }


def has_data(session: Session) -> bool:
    """Whether the database holds any customer or ticket."""
    return bool(
        session.scalar(select(exists().where(CustomerRow.id.is_not(None))))
        or session.scalar(select(exists().where(TicketRow.id.is_not(None))))
    )


def holds_demo_data(session: Session) -> bool:
    """Whether ``dispatch demo`` loaded this database."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    EventRow.action == "data.loaded", EventRow.note.startswith(DEMO_NOTE)
                )
            )
        )
    )


def reset(session: Session) -> None:
    """Delete every row of every table (demo ``--reset``), children first.

    The tables come from the schema's metadata in foreign-key order, so a
    table added later (and whatever a console left behind: presence, leases,
    alerts) is emptied too, in the caller's one transaction.
    """
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))


def load(
    session: Session,
    *,
    customers: Sequence[Customer],
    contracts: Sequence[tuple[str, Contract]],
    technicians: Sequence[Technician],
    tickets: Sequence[tuple[Ticket, str, Sequence[Event]]],
    calendars: Sequence[Calendar] = (),
    plans: Sequence[tuple[str, Plan]] = (),
    at: datetime,
    actor: str,
    note: str,
) -> LoadCounts:
    """Write a data set in the session's transaction.

    Args:
        session: The unit of work's session.
        customers: Customers (ids ignored).
        contracts: Contracts with their customer's name (ids ignored).
        technicians: Technicians (ids ignored).
        tickets: Tickets (customer by name, assignee by login) with the name of
            their contract and their history (event ids ignored).
        calendars: Calendar definitions the contracts name.
        plans: Maintenance plans with their contract's name (occurrences from ``at`` on).
        at: When, for the ``data.loaded`` event.
        actor: Who loads, for that event.
        note: What was loaded, for that event.
    """
    for calendar in calendars:
        session.add(CalendarRow(name=calendar.name, definition=calendar.to_json(), updated_at=at))
    customer_ids: dict[str, int] = {}
    for customer in customers:
        row = convert.customer_to_row(customer)
        session.add(row)
        session.flush()
        customer_ids[customer.name] = row.id
        for contact in customer.contacts:
            session.add(ContactRow(**{**convert.contact_columns(contact), "customer_id": row.id}))
    contract_ids: dict[str, int] = {}
    for customer_name, contract in contracts:
        crow = convert.contract_to_row(replace(contract, customer_id=customer_ids[customer_name]))
        session.add(crow)
        session.flush()
        contract_ids[contract.name] = crow.id
    tech_ids: dict[str, int] = {}
    for tech in technicians:
        trow = convert.technician_to_row(tech)
        session.add(trow)
        session.flush()
        tech_ids[tech.login] = trow.id
    for given, contract_name, events in tickets:
        ticket = replace(
            given,
            customer_id=customer_ids[given.customer_name],
            contract_id=contract_ids[contract_name],
        )
        assignee = tech_ids[ticket.assignee] if ticket.assignee else None
        columns = convert.ticket_columns(ticket, assignee)
        # One version per recorded change, as if the history had been lived.
        version = max(1, len(events))
        ticket_id = session.scalars(
            insert(TicketRow).values(**columns, version=version).returning(TicketRow.id)
        ).one()
        session.execute(
            insert(EventRow),
            [
                {
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "ticket_id": ticket_id,
                    "before": dict(e.before),
                    "after": dict(e.after),
                    "note": e.note,
                }
                for e in events
            ],
        )
    plan_store = SqlPlanStore(session)
    for contract_name, plan in plans:
        stored = plan_store.add_plan(
            replace(plan, contract_id=contract_ids[contract_name], created_at=at)
        )
        session.add(
            EventRow(
                at=at,
                actor=actor,
                action="plan.added",
                ticket_id=None,
                before={},
                after={"plan": stored.name, "contract": contract_name, "schedule": stored.schedule},
            )
        )
    counts = LoadCounts(
        customers=len(customer_ids),
        contracts=len(contract_ids),
        technicians=len(tech_ids),
        tickets=len(tickets),
    )
    session.add(
        EventRow(
            at=at,
            actor=actor,
            action="data.loaded",
            ticket_id=None,
            before={},
            after={"note": note, **counts.as_dict()},
            note=note,
        )
    )
    return counts


def synthesize(
    writer: Callable[[], SqlUnitOfWork],
    *,
    count: int,
    open_share: float,
    seed: int,
    now: datetime,
    actor: str,
    problems: Sequence[Mapping[str, Any]] = (),
) -> int:
    """Insert ``count`` synthetic tickets in batches, one short transaction each.

    Open tickets were opened in the last three days, the others over the last
    two years. One ``tickets.seeded`` event records the load.

    Returns:
        The number of tickets inserted.
    """
    rng = random.Random(seed)
    with writer() as uow:
        contracts = [convert.contract_from_row(r) for r in uow.session.scalars(select(ContractRow))]
        tech_ids = list(uow.session.scalars(select(TechnicianRow.id)))
        defined = uow.directory.calendars()
        engines = {
            c.id: engine_for(c, uow.directory.customer(c.customer_id), defined) for c in contracts
        }
    if not contracts:
        raise ValueError("no contracts to attach synthetic tickets to")
    titles = [str(p["title"]) for p in problems] or ["Synthetic load ticket"]
    kinds, channels, severities = list(TicketKind), list(Channel), list(Severity)
    done_statuses = [TicketStatus.RESOLVED, TicketStatus.CLOSED]
    written = 0
    while written < count:
        size = min(BATCH, count - written)
        rows = [
            _synthetic_row(
                rng,
                now,
                contracts,
                engines,
                tech_ids,
                titles,
                kinds,
                channels,
                severities,
                done_statuses,
                open_share,
            )
            for _ in range(size)
        ]
        with writer() as uow:
            uow.session.execute(insert(TicketRow), rows)
            uow.commit()
        written += size
    with writer() as uow:
        uow.events.append(
            at=now, actor=actor, action="tickets.seeded", after={"count": count, "seed": seed}
        )
        uow.commit()
    return written


def _synthetic_row(
    rng: random.Random,
    now: datetime,
    contracts: Sequence[Contract],
    engines: Mapping[int, SlaEngine],
    tech_ids: Sequence[int],
    titles: Sequence[str],
    kinds: Sequence[TicketKind],
    channels: Sequence[Channel],
    severities: Sequence[Severity],
    done_statuses: Sequence[TicketStatus],
    open_share: float,
) -> dict[str, object]:
    contract = rng.choice(contracts)
    severity = rng.choice(severities)
    is_open = rng.random() < open_share
    if is_open:
        opened = now - timedelta(seconds=rng.randint(60, 3 * 86400))
        status = rng.choice(OPEN_STATUSES)
    else:
        opened = now - timedelta(seconds=rng.randint(3 * 86400, 730 * 86400))
        status = rng.choice(done_statuses)
    due = engines[contract.id].deadlines(severity, opened)
    responded = status.counts_as_response or not status.is_open
    first_response = opened + timedelta(minutes=rng.randint(5, 120)) if responded else None
    resolved = opened + timedelta(hours=rng.randint(1, 48)) if not status.is_open else None
    assignee = rng.choice(tech_ids) if tech_ids and status is not TicketStatus.NEW else None
    ticket = Ticket(
        id=0,
        customer_id=contract.customer_id,
        customer_name="",
        contract_id=contract.id,
        contract_kind=contract.kind,
        title=rng.choice(titles),
        opened_at=opened,
        kind=rng.choice(kinds),
        channel=rng.choice(channels),
        severity=severity,
        status=status,
        first_response_at=first_response,
        resolved_at=resolved,
        response_due=due.response,
        resolution_due=due.resolution,
        response_warn_at=due.response_warn,
        resolution_warn_at=due.resolution_warn,
    )
    columns = convert.ticket_columns(ticket, assignee)
    columns["version"] = 1
    return columns
