"""The administrator's writes of a customer's contacts: add, edit, remove.

Like ``master_data`` (whose checks and event record it uses): one short
transaction per use case, everything checked first, nothing written on a
refusal, only the named fields written. An e-mail address belongs to one
contact, since mail is matched to a customer by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Contact
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
        _unique_contact(uow, checked)
        stored = uow.directory.add_contact(replace(checked, customer_id=customer.id))
        after = {"customer": customer.name, **_contact_json(stored)}
        record_change(uow, clock, actor, "contact.added", None, after)
        uow.commit()
    return stored


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
        _unique_contact(uow, after)
        names = changed_fields(before, after)
        if not names:
            return before
        stored = uow.directory.update_contact(after, names)
        record_change(uow, clock, actor, "contact.changed", *field_diff(before, stored, names))
        uow.commit()
    return stored


def remove_contact(uow: UnitOfWork, clock: Clock, actor: str, contact_id: int) -> Contact:
    """Remove one contact (the event keeps what it was)."""
    with uow:
        gone = uow.directory.contact(contact_id)
        uow.directory.remove_contact(contact_id)
        record_change(uow, clock, actor, "contact.removed", _contact_json(gone), {})
        uow.commit()
    return gone


def _unique_contact(uow: UnitOfWork, contact: Contact) -> None:
    """An address belongs to one contact (mail is matched by it); an external id too."""
    mine = set(contact.emails)
    for other_customer in uow.directory.customers():
        for other in other_customer.contacts:
            if other.id == contact.id:
                continue
            shared = mine & set(other.emails)
            if shared:
                raise InvalidInputError(
                    f"email: {sorted(shared)[0]!r} is {other.name!r}'s already "
                    f"(at {other_customer.name!r})"
                )
            if contact.external_id and other.external_id == contact.external_id:
                raise InvalidInputError(
                    f"external_id: {contact.external_id!r} is {other.name!r}'s already"
                )


def _contact_json(contact: Contact) -> dict[str, Any]:
    names = [f.name for f in fields(contact) if f.name not in ("id", "customer_id")]
    return {n: jsonable(getattr(contact, n)) for n in names}
