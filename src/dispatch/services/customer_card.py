"""The customer card: one customer's people, contracts, cover and record, read in one go.

:func:`customer_card` reads, in one unit of work, the customer with its
contacts, the contracts valid today (a block-hours contract with its
current balance, read as the ticket detail reads it), who is on call now
(the rota's answer, ``services.oncall``), the open tickets and the tickets of
the last ``RECORD_DAYS`` days, each list at most ``LIMIT`` long. What each SLA
clock of those tickets came to is the domain engine's reading at the instant
asked about (``domain.sla.outcome``), from each ticket's history (all read in
one query), so the card and the ticket's own clocks always agree.
:func:`pickable_customers` lists the customers a dispatcher may pick a card
for (retired ones are reached from their tickets only). Uses the domain's ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from dispatch.domain.calendar import Calendar
from dispatch.domain.card import CardContract, CardTicket, CustomerCard, nearest_first
from dispatch.domain.model import Contract, Customer
from dispatch.domain.plans import Balance
from dispatch.domain.ports import UnitOfWork
from dispatch.domain.sla import SlaEngine, StatusChange, outcome, status_history
from dispatch.domain.ticket import Ticket
from dispatch.services import deadlines, directory, hours, oncall

RECORD_DAYS = 90
"""How far back the card's record of tickets reaches."""

LIMIT = 200
"""The most tickets each of the card's lists holds (the newest)."""


def customer_card(
    uow: UnitOfWork,
    customer_id: int,
    now: datetime,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
    days: int = RECORD_DAYS,
    limit: int = LIMIT,
) -> CustomerCard:
    """The card of customer ``customer_id`` at ``now`` (a retired customer's too).

    Raises:
        NotFoundError: For an unknown customer.
        InvalidInputError: For a contract whose calendar is unknown.
    """
    since = now - timedelta(days=days)
    with uow:
        customer = uow.directory.customer(customer_id)
        own = uow.directory.contracts(customer.id)
        active = directory.active_contracts(own, now.date())
        contracts = tuple(CardContract(c, c.calendar, _balance(uow, c, now)) for c in active)
        on_call = nearest_first(oncall.on_call_at(uow, uow.directory.technicians(), now), customer)
        open_rows = uow.tickets.of_customer(customer.id, limit=limit + 1, open_only=True)
        recent_rows = uow.tickets.of_customer(customer.id, limit=limit + 1, since=since)
        shown = {t.id: t for t in (*open_rows[:limit], *recent_rows[:limit])}
        events = uow.events.for_tickets(list(shown))
        histories = {i: status_history(t, events.get(i, ())) for i, t in shown.items()}
        engines = _engines(uow, customer, own, shown.values(), calendars)
    outcomes = {
        i: _card_ticket(engines[t.contract_id], t, histories[i], now) for i, t in shown.items()
    }
    return CustomerCard(
        customer=customer,
        at=now,
        contracts=contracts,
        on_call=tuple(on_call),
        open_tickets=tuple(outcomes[t.id] for t in open_rows[:limit]),
        recent=tuple(outcomes[t.id] for t in recent_rows[:limit]),
        since=since,
        more_open=len(open_rows) > limit,
        more_recent=len(recent_rows) > limit,
    )


def pickable_customers(uow: UnitOfWork) -> list[Customer]:
    """The customers a card may be picked for, by name: every one not retired."""
    with uow:
        return [c for c in uow.directory.customers() if c.retired_at is None]


def _balance(uow: UnitOfWork, contract: Contract, now: datetime) -> Balance | None:
    """The current block-hours period of ``contract`` (``None``: not block hours)."""
    if contract.period is None or contract.prepaid_hours is None:
        return None
    return hours.read_balance(uow, contract, now.date())


def _engines(
    uow: UnitOfWork,
    customer: Customer,
    own: Sequence[Contract],
    tickets: Iterable[Ticket],
    calendars: Mapping[str, Calendar],
) -> dict[int, SlaEngine]:
    """The SLA engine of each contract the ``tickets`` fall under, by contract id."""
    by_id = {c.id: c for c in own}
    engines: dict[int, SlaEngine] = {}
    for ticket in tickets:
        if ticket.contract_id in engines:
            continue
        contract = by_id.get(ticket.contract_id) or uow.directory.contract(ticket.contract_id)
        engines[contract.id] = deadlines.engine(uow, contract, customer, calendars)
    return engines


def _card_ticket(
    engine: SlaEngine, ticket: Ticket, history: Sequence[StatusChange], now: datetime
) -> CardTicket:
    response, resolution = engine.read(ticket, history, now)
    return CardTicket(ticket, outcome(response), outcome(resolution))
