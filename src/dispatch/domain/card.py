"""A customer card: one customer's people, contracts, cover and record, as one frozen object.

What a dispatcher wants on screen when a customer calls: who they are and
where, whom to call back, what they are entitled to (the active contracts'
terms, the block-hours balance), who is on call now (technicians based near
the customer first), what is open, and how the last weeks went against the
contract's promises (each clock met, breached or still running). The
services assemble it (``dispatch.services.customer_card``); the console
shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.model import Contract, Customer, Technician
from dispatch.domain.plans import Balance
from dispatch.domain.sla import Outcome
from dispatch.domain.ticket import Ticket


@dataclass(frozen=True, slots=True)
class CardContract:
    """An active contract and what it grants now.

    Attributes:
        contract: The contract.
        calendar: The name of the calendar its clocks run on.
        balance: The current block-hours period (block-hours contracts only).
    """

    contract: Contract
    calendar: str
    balance: Balance | None = None


@dataclass(frozen=True, slots=True)
class CardTicket:
    """One of the customer's tickets with what each SLA clock came to.

    Attributes:
        ticket: The ticket (read without its description).
        response: The response clock's outcome.
        resolution: The resolution clock's outcome.
    """

    ticket: Ticket
    response: Outcome
    resolution: Outcome


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """Everything the card shows of one customer, read at one instant.

    Attributes:
        customer: The customer with its contacts (possibly retired).
        at: When it was read.
        contracts: The contracts valid on that day, the one new work falls under first.
        on_call: The technicians on call at ``at``, those based near the customer first.
        open_tickets: The open tickets, newest first.
        recent: The tickets opened since ``since``, newest first (open ones too).
        since: The start of the record shown.
        more_open: Whether there are more open tickets than ``open_tickets`` holds.
        more_recent: Whether more tickets were opened since ``since`` than ``recent`` holds.
    """

    customer: Customer
    at: datetime
    contracts: tuple[CardContract, ...]
    on_call: tuple[Technician, ...]
    open_tickets: tuple[CardTicket, ...]
    recent: tuple[CardTicket, ...]
    since: datetime
    more_open: bool = False
    more_recent: bool = False


def nearness(tech: Technician, customer: Customer) -> int:
    """How near ``tech`` is based to ``customer``: 0 same region, 1 same country, 2 elsewhere.

    A technician's home region is an ISO 3166-2 code (``DE-NW``) or a country
    code alone; a customer has a country (``DE``) and perhaps a region (``NW``).
    """
    home = tech.home_region.strip().upper()
    country = customer.country.strip().upper()
    if not home or not country:
        return 2
    region = (customer.region or "").strip().upper()
    if region and home == f"{country}-{region}":
        return 0
    return 1 if home.partition("-")[0] == country else 2


def nearest_first(technicians: Iterable[Technician], customer: Customer) -> list[Technician]:
    """The technicians who are on call and not retired, by nearness to ``customer``, then login."""
    on_call = [t for t in technicians if t.on_call and t.retired_at is None]
    return sorted(on_call, key=lambda t: (nearness(t, customer), t.login))
