"""The administrator's writes of a customer's contacts: add, edit, remove.

Like ``master_data`` (whose checks and event record it uses): one short
transaction per use case, everything checked first, nothing written on a
refusal, only the named fields written. An e-mail address belongs to one
contact, since mail is matched to a customer by it. A new ticket's caller can
be added with the ticket (``tickets.open_ticket`` uses ``insert_contact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Contact, Customer
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.services.master_data import (
    changed_fields,
    checked_contact,
    field_diff,
    find_customer,
    jsonable,
    only_fields,
    record_change,
)


def add_contact(uow: UnitOfWork, clock: Clock, actor: str, ref: str, contact: Contact) -> Contact:
    """Add ``contact`` to the customer ``ref``."""
    checked = checked_contact(contact)
    with uow:
        customer = find_customer(uow, ref)
        stored = insert_contact(uow, clock, actor, customer, checked)
        uow.commit()
    return stored


def insert_contact(
    uow: UnitOfWork, clock: Clock, actor: str, customer: Customer, contact: Contact
) -> Contact:
    """Add the checked ``contact`` to ``customer``, with its event, in the caller's transaction.

    Raises:
        InvalidInputError: One of its addresses (or its external id) is another contact's.
    """
    unique_contact(contact, uow.directory.customers())
    stored = uow.directory.add_contact(replace(contact, id=0, customer_id=customer.id))
    after = {"customer": customer.name, **_contact_json(stored)}
    record_change(uow, clock, actor, "contact.added", None, after)
    return stored


def caller_of(uow: UnitOfWork, customer: Customer, contact_id: int | None) -> Contact | None:
    """The contact ``contact_id``, who must be ``customer``'s (``None``: no caller).

    Raises:
        NotFoundError: No contact has that id.
        InvalidInputError: The contact is another customer's.
    """
    if contact_id is None:
        return None
    contact = uow.directory.contact(contact_id)
    if contact.customer_id != customer.id:
        raise InvalidInputError(
            f"contact: {contact.name!r} (id {contact.id}) is not a contact of {customer.name!r}"
        )
    return contact


def find_contact(uow: UnitOfWork, ref: str) -> Contact:
    """The contact with the id ``ref``, or else the one with that e-mail address.

    Raises:
        NotFoundError: No contact has that id or address.
    """
    text = ref.strip()
    with uow:
        if text.isdigit():
            return uow.directory.contact(int(text))
        address = text.lower()
        for customer in uow.directory.customers():
            for contact in customer.contacts:
                if address in contact.emails:
                    return contact
    raise NotFoundError(f"contact: no contact with the id or e-mail address {ref!r}")


def edit_contact(
    uow: UnitOfWork, clock: Clock, actor: str, contact_id: int, changes: Mapping[str, Any]
) -> Contact:
    """Change the fields named in ``changes`` of one contact.

    Fields: ``name``, ``emails``, ``phones``, ``role``, ``external_id``.
    """
    only_fields(changes, {"name", "emails", "phones", "role", "external_id"})
    with uow:
        before = uow.directory.contact(contact_id)
        after = checked_contact(replace(before, **changes))
        unique_contact(after, uow.directory.customers())
        names = changed_fields(before, after)
        if not names:
            return before
        stored = uow.directory.update_contact(after, names)
        record_change(uow, clock, actor, "contact.changed", *field_diff(before, stored, names))
        uow.commit()
    return stored


def remove_contact(uow: UnitOfWork, clock: Clock, actor: str, contact_id: int) -> Contact:
    """Remove one contact (the event keeps what it was).

    Their tickets stay, with no caller recorded; each one's ``ticket.opened``
    event still names them.
    """
    with uow:
        gone = uow.directory.contact(contact_id)
        uow.directory.remove_contact(contact_id)
        record_change(uow, clock, actor, "contact.removed", _contact_json(gone), {})
        uow.commit()
    return gone


def unique_contact(contact: Contact, customers: Iterable[Customer]) -> None:
    """An address belongs to one contact (mail is matched by it); an external id too.

    ``customers`` are all of them with their contacts (the form checks against
    those it shows; the use cases against the database, in their transaction).

    Raises:
        InvalidInputError: Naming the field, the value and whose it is.
    """
    mine = set(contact.emails)
    for other_customer in customers:
        for other in other_customer.contacts:
            if other.id == contact.id:
                continue
            shared = mine & set(other.emails)
            if shared:
                raise InvalidInputError(
                    f"email: {sorted(shared)[0]!r} belongs to {other.name!r} "
                    f"(at {other_customer.name!r}) already"
                )
            if contact.external_id and other.external_id == contact.external_id:
                raise InvalidInputError(
                    f"external_id: {contact.external_id!r} belongs to {other.name!r} already"
                )


def _contact_json(contact: Contact) -> dict[str, Any]:
    names = [f.name for f in fields(contact) if f.name not in ("id", "customer_id")]
    return {n: jsonable(getattr(contact, n)) for n in names}
