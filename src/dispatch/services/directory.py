"""Customers, contracts and technicians: reading the directory, choosing a contract.

Which contract new work falls under (:func:`active_contract`) is decided
here and only here. Uses the domain's ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from dispatch.domain.errors import NotFoundError
from dispatch.domain.model import Contract, Customer, Technician
from dispatch.domain.ports import UnitOfWork


def active_contract(contracts: Sequence[Contract], customer: Customer, at: datetime) -> Contract:
    """The contract under which new work for ``customer`` falls at instant ``at``.

    With several active contracts their stated ``precedence`` decides (1
    first; overlapping contracts cannot share one, see ``domain.terms``), then,
    for data from before precedences, the kind's priority.

    Raises:
        NotFoundError: If no contract of the customer is valid on that day.
    """
    day = at.date()
    active = active_contracts(contracts, day)
    if not active:
        raise NotFoundError(
            f"customer {customer.name!r} has no contract valid on {day.isoformat()}"
        )
    return active[0]


def active_contracts(contracts: Sequence[Contract], day: date) -> list[Contract]:
    """The contracts valid on ``day``, the one new work falls under first (see above)."""
    active = [c for c in contracts if c.is_active_on(day)]
    return sorted(active, key=lambda c: (c.precedence, c.priority_rank, c.id))


def list_customers(uow: UnitOfWork) -> list[Customer]:
    """All customers by name."""
    with uow:
        return uow.directory.customers()


def list_contracts(uow: UnitOfWork) -> list[tuple[Contract, Customer]]:
    """All contracts with their customers."""
    with uow:
        customers = {c.id: c for c in uow.directory.customers()}
        return [(c, customers[c.customer_id]) for c in uow.directory.contracts()]


def list_technicians(uow: UnitOfWork) -> list[Technician]:
    """All technicians by login."""
    with uow:
        return uow.directory.technicians()


def customers_with_contracts(
    uow: UnitOfWork, now: datetime
) -> list[tuple[Customer, Contract | None]]:
    """Every customer with the contract new work would fall under today (or ``None``)."""
    with uow:
        customers = uow.directory.customers()
        contracts = uow.directory.contracts()
    out: list[tuple[Customer, Contract | None]] = []
    for customer in customers:
        own = [c for c in contracts if c.customer_id == customer.id]
        try:
            out.append((customer, active_contract(own, customer, now)))
        except NotFoundError:
            out.append((customer, None))
    return out
