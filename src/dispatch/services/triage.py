"""Triage: mail from nobody known, and moving a ticket to the customer it belongs to.

Mail whose sender is no contact and whose domain no customer claims opens a
ticket under a stand-in customer, "Unknown senders" (``Customer.triage``),
with an ad-hoc contract that promises nothing: no SLA clock runs against
anyone while nobody knows whose request it is. Both are made on first need.
The queue shows such tickets like any other, under that name; a dispatcher
moves one to its customer (``move_to_customer``): it then falls under that
customer's active contract, with deadlines recomputed from its whole history
(counted from when the mail came, so the wait in triage is not free time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import ArticleChannel
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Contact, Contract, ContractKind, Customer
from dispatch.domain.ports import Clock, FixedClock, UnitOfWork
from dispatch.domain.sla import status_history
from dispatch.domain.ticket import Ticket
from dispatch.services import audit, contacts, deadlines, directory, master_data

TRIAGE_NAME = "Unknown senders"
"""The stand-in customer's name (another is chosen if a real customer has it)."""

TRIAGE_CONTRACT = "TRIAGE-MAIL"
"""Its contract's name."""


def triage_customer(uow: UnitOfWork, actor: str, now: datetime) -> tuple[Customer, Contract]:
    """The stand-in customer and its contract, made now if there are none (caller commits)."""
    customers = uow.directory.customers()
    found = next((c for c in customers if c.triage), None)
    if found is None:
        names = {c.name for c in customers}
        name = TRIAGE_NAME if TRIAGE_NAME not in names else f"{TRIAGE_NAME} (mail)"
        # A 24/7 calendar and no SLA: the place never matters, but the calendar
        # wants a country it knows holidays of: the first customer's, else Romania.
        country = next((c.country for c in sorted(customers, key=lambda c: c.id)), "RO")
        found = uow.directory.add_customer(
            Customer(id=0, name=name, timezone="UTC", country=country, triage=True)
        )
        master_data.record_change(
            uow, FixedClock(now), actor, "customer.added", None, {"name": name, "triage": True}
        )
    contracts = uow.directory.contracts(found.id)
    contract = next((c for c in contracts if c.is_active_on(now.date())), None)
    if contract is None:
        taken = {c.name for c in uow.directory.contracts()}
        name = TRIAGE_CONTRACT
        while name in taken:
            name = f"{name}-{len(taken)}"
        contract = uow.directory.add_contract(
            Contract(id=0, customer_id=found.id, name=name, kind=ContractKind.AD_HOC)
        )
        master_data.record_change(
            uow,
            FixedClock(now),
            actor,
            "contract.added",
            None,
            {"name": name, "customer": found.name},
        )
    return found, contract


def move_to_customer(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    customer_ref: str | int,
    *,
    if_version: int | None = None,
    add_sender: bool = False,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Ticket:
    """Move an open ticket to ``customer_ref``'s active contract, deadlines recomputed.

    ``customer_ref`` is a name or an external id (the command line), or an id
    (the console's picker).

    With ``add_sender`` the address of the ticket's first e-mail becomes a
    contact of that customer (unless it is someone's already), so that the
    next mail from it finds the customer by itself.

    Raises:
        NotFoundError: Unknown ticket or customer, or a customer without a valid contract.
        InvalidInputError: A closed or resolved ticket, a retired customer, the
            triage customer itself, or the customer it already has.
        ConflictError: The ticket changed since ``if_version``.
    """
    now = clock.now()
    with uow:
        ticket = uow.tickets.get(ticket_id)
        expected = ticket.version if if_version is None else if_version
        if isinstance(customer_ref, int):
            customer = uow.directory.customer(customer_ref)  # picked in the console
        else:
            customer = master_data.find_customer(uow, customer_ref)
        if customer.id == ticket.customer_id:
            uow.tickets.check_version(ticket.id, expected)
            raise InvalidInputError(f"{ticket.ref} is {customer.name!r}'s already")
        if customer.triage:
            raise InvalidInputError(f"customer: {customer.name!r} is where unknown mail waits")
        if customer.retired_at is not None:
            raise InvalidInputError(f"customer: {customer.name!r} is retired: choose another")
        if not ticket.is_open:
            raise InvalidInputError(f"{ticket.ref} is {ticket.status.label}; reopen it first")
        contracts = uow.directory.contracts(customer.id)
        try:
            contract = directory.active_contract(contracts, customer, ticket.opened_at)
        except NotFoundError:
            contract = directory.active_contract(contracts, customer, now)
        moved = replace(
            ticket,
            customer_id=customer.id,
            customer_name=customer.name,
            contract_id=contract.id,
            contract_kind=contract.kind,
        )
        history = status_history(ticket, uow.events.for_ticket(ticket.id))
        changed = deadlines.recomputed(uow, moved, history, calendars)
        stored = uow.tickets.update(changed, expected)
        before, after = audit.diff(
            ticket,
            stored,
            ("customer_name", "contract_kind", "response_due", "resolution_due"),
        )
        before["contract_id"], after["contract_id"] = ticket.contract_id, contract.id
        uow.events.append(
            at=now,
            actor=actor,
            action="ticket.moved",
            ticket_id=ticket.id,
            before=before,
            after=after,
        )
        if add_sender:
            _add_sender(uow, clock, actor, ticket, customer)
        uow.commit()
    return stored


def _add_sender(
    uow: UnitOfWork, clock: Clock, actor: str, ticket: Ticket, customer: Customer
) -> None:
    first = next(
        (
            a
            for a in uow.articles.for_ticket(ticket.id)
            if a.channel is ArticleChannel.EMAIL_IN and a.sender and not a.auto
        ),
        None,
    )
    if first is None or first.sender is None:
        raise InvalidInputError(f"{ticket.ref} has no e-mail from a person: no sender to add")
    address = first.sender.lower()
    for other in uow.directory.customers():
        if any(address in k.emails for k in other.contacts):
            return  # someone's already: matched by address from now on anyway
    contact = master_data.checked_contact(
        Contact(id=0, customer_id=customer.id, name=address, emails=(address,))
    )
    contacts.insert_contact(uow, clock, actor, customer, contact)
