"""The administrator's writes: customers and technicians; the checks of contacts too.

What ``dispatch customer|contact|contract|tech add|edit|...`` and the import
do. Each use case is one short transaction that checks everything first and
writes nothing when anything is wrong (``InvalidInputError``, one line naming
the field and the value), records one event per change, and writes only the
fields it changes, so that two administrators editing different fields of the
same record never undo each other.

Retiring keeps history: a retired customer's tickets stay readable and a
retired technician stays in old assignments; neither can be chosen for new
work (``tickets.open_ticket``, ``tickets.assign_technician`` and the ranking
refuse them). Contracts and contacts have their own rooms (``services.contracts``,
``services.contacts``), which use the checks and the event record here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

from dispatch.domain.calendar import public_holidays, zone
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.mail import is_free_mail
from dispatch.domain.model import (
    Contact,
    Customer,
    Technician,
)
from dispatch.domain.ports import Clock, UnitOfWork

MAX_NAME = 200
"""The longest name of a customer, contact or technician (the column's size)."""

LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
"""A technician's login: an OS login (lower case, digits, ``_ . -``)."""

EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
"""An address as contacts write it (no display name); lower-cased when stored."""

PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,30}$")
"""A phone number as people write it."""

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
"""A mail domain as a customer's domain rule names it (``example.ro``)."""

SKILL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
"""A skill tag (``network``, ``printers``)."""


# --- checks (pure) ------------------------------------------------------------------------


def checked_name(value: str, field: str = "name") -> str:
    """``value`` stripped; refused empty, too long or with control characters."""
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{field}: cannot be empty")
    if len(text) > MAX_NAME:
        raise InvalidInputError(f"{field}: at most {MAX_NAME} characters (got {len(text)})")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidInputError(f"{field}: no control characters (got {text!r})")
    return text


def checked_external_id(value: str | None) -> str | None:
    """An external id stripped, 1 to ``MAX_NAME`` characters (``None`` stays ``None``)."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_NAME:
        raise InvalidInputError(f"external_id: 1 to {MAX_NAME} characters (got {value!r})")
    return text


def _place(timezone: str, country: str, region: str | None) -> tuple[str, str, str | None]:
    try:
        zone(timezone)
    except InvalidInputError as exc:
        raise InvalidInputError(f"timezone: {exc}") from None
    code = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise InvalidInputError(f"country: an ISO 3166 code such as RO (got {country!r})")
    sub = region.strip().upper() if region else None
    try:
        public_holidays(code, sub, 2026)
    except InvalidInputError:
        where = f"{code}-{sub}" if sub else code
        raise InvalidInputError(
            f"{'region' if sub else 'country'}: no public holidays known for {where!r}"
        ) from None
    return timezone, code, sub


def _emails(values: Sequence[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        address = value.strip().lower()
        if not EMAIL.match(address):
            raise InvalidInputError(f"email: not an address (got {value!r})")
        out.append(address)
    return tuple(dict.fromkeys(out))


def mail_domains(values: Sequence[str]) -> tuple[str, ...]:
    """Domains lower-cased, each checked; a free-mail domain is refused (anyone has one)."""
    out = []
    for value in values:
        domain = value.strip().lower().lstrip("@").rstrip(".")
        if not DOMAIN.match(domain):
            raise InvalidInputError(f"mail_domains: not a domain (got {value!r})")
        if is_free_mail(domain):
            raise InvalidInputError(
                f"mail_domains: {domain!r} is a free-mail domain: anyone can have an address "
                "there, so it cannot tell a customer (add the person as a contact instead)"
            )
        out.append(domain)
    return tuple(dict.fromkeys(out))


def _phones(values: Sequence[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        number = " ".join(value.split())
        if not PHONE.match(number):
            raise InvalidInputError(f"phone: not a phone number (got {value!r})")
        out.append(number)
    return tuple(dict.fromkeys(out))


def checked_contact(contact: Contact) -> Contact:
    """``contact`` tidied (addresses lower-cased, numbers spaced once) and checked."""
    return replace(
        contact,
        name=checked_name(contact.name),
        emails=_emails(contact.emails),
        phones=_phones(contact.phones),
        role=contact.role.strip()[:100],
        external_id=checked_external_id(contact.external_id),
    )


def changed_fields(before: Any, after: Any) -> list[str]:
    """The names of the dataclass fields in which ``after`` differs from ``before``."""
    return [f.name for f in fields(before) if getattr(before, f.name) != getattr(after, f.name)]


def jsonable(value: Any) -> Any:
    """A field's value as an event's JSON holds it (amounts as text, no floats)."""
    if isinstance(value, frozenset | tuple):
        return sorted(value) if isinstance(value, frozenset) else list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_diff(
    before: Any, after: Any, names: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``names`` fields' values before and after, JSON-ready (for the event)."""
    return (
        {n: jsonable(getattr(before, n)) for n in names},
        {n: jsonable(getattr(after, n)) for n in names},
    )


def record_change(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    """Append the event of one change of the directory."""
    uow.events.append(
        at=clock.now(), actor=actor, action=action, before=dict(before or {}), after=dict(after)
    )


# --- customers ------------------------------------------------------------------------------


def find_customer(uow: UnitOfWork, ref: str) -> Customer:
    """The customer named ``ref``, or else known by that external id."""
    try:
        return uow.directory.customer_by_name(ref)
    except NotFoundError:
        found = uow.directory.customer_by_external_id(ref)
        if found is None:
            raise NotFoundError(f"no customer named (or with external id) {ref!r}") from None
        return found


def checked_customer(uow: UnitOfWork, customer: Customer) -> Customer:
    """``customer`` tidied and checked against the others; raises ``InvalidInputError``."""
    name = checked_name(customer.name)
    timezone, country, region = _place(customer.timezone, customer.country, customer.region)
    external_id = checked_external_id(customer.external_id)
    domains = mail_domains(customer.mail_domains)
    for other in uow.directory.customers():
        if other.id != customer.id and other.name == name:
            raise InvalidInputError(f"name: a customer called {name!r} exists already")
        if other.id != customer.id and external_id and other.external_id == external_id:
            raise InvalidInputError(f"external_id: {external_id!r} is {other.name!r}'s already")
        shared = sorted(set(domains) & set(other.mail_domains)) if other.id != customer.id else []
        if shared:
            raise InvalidInputError(f"mail_domains: {shared[0]!r} is {other.name!r}'s already")
    return replace(
        customer,
        name=name,
        timezone=timezone,
        country=country,
        region=region,
        address=customer.address.strip(),
        external_id=external_id,
        mail_domains=domains,
    )


def add_customer(uow: UnitOfWork, clock: Clock, actor: str, customer: Customer) -> Customer:
    """Add ``customer`` (its id is ignored) with its contacts."""
    with uow:
        checked = checked_customer(uow, customer)
        contacts = tuple(checked_contact(k) for k in customer.contacts)
        stored = uow.directory.add_customer(replace(checked, contacts=contacts))
        record_change(uow, clock, actor, "customer.added", None, _customer_json(stored))
        uow.commit()
    return stored


def edit_customer(
    uow: UnitOfWork, clock: Clock, actor: str, ref: str, changes: Mapping[str, Any]
) -> Customer:
    """Change the fields named in ``changes`` of the customer ``ref``.

    Fields: ``name``, ``timezone``, ``country``, ``region``, ``address``,
    ``external_id``, ``mail_domains``. Returns the customer as stored
    (unchanged: no write).
    """
    allowed = {"name", "timezone", "country", "region", "address", "external_id", "mail_domains"}
    only_fields(changes, allowed)
    with uow:
        before = find_customer(uow, ref)
        after = checked_customer(uow, replace(before, **changes))
        names = changed_fields(before, after)
        if not names:
            return before
        stored = uow.directory.update_customer(after, names)
        record_change(uow, clock, actor, "customer.changed", *field_diff(before, stored, names))
        uow.commit()
    return stored


def retire_customer(uow: UnitOfWork, clock: Clock, actor: str, ref: str) -> Customer:
    """Retire a customer: its tickets stay, no new ticket can be opened for it."""
    with uow:
        before = find_customer(uow, ref)
        if before.retired_at is not None:
            raise InvalidInputError(f"customer {before.name!r} is retired already")
        stored = uow.directory.update_customer(
            replace(before, retired_at=clock.now()), ["retired_at"]
        )
        record_change(
            uow, clock, actor, "customer.retired", *field_diff(before, stored, ["retired_at"])
        )
        uow.commit()
    return stored


def _customer_json(customer: Customer) -> dict[str, Any]:
    names = [f.name for f in fields(customer) if f.name not in ("id", "contacts")]
    out = {n: jsonable(getattr(customer, n)) for n in names}
    out["contacts"] = [k.name for k in customer.contacts]
    return out


# --- technicians ----------------------------------------------------------------------------


def checked_technician(uow: UnitOfWork, tech: Technician) -> Technician:
    """``tech`` tidied and checked against the others; raises ``InvalidInputError``."""
    login = tech.login.strip()
    if not LOGIN.match(login):
        raise InvalidInputError(
            f"login: an OS login (lower case, digits, _ . -; got {tech.login!r})"
        )
    bad = [s for s in tech.skills if not SKILL.match(s)]
    if bad:
        raise InvalidInputError(f"skills: lower-case tags such as network (got {bad[0]!r})")
    if not 1 <= tech.max_tickets <= 1000:
        raise InvalidInputError(f"max_tickets: 1 to 1000 (got {tech.max_tickets})")
    checked = replace(
        tech,
        login=login,
        name=checked_name(tech.name),
        home_region=tech.home_region.strip(),
        external_id=checked_external_id(tech.external_id),
    )
    for other in uow.directory.technicians():
        if other.id != tech.id and other.login == login:
            raise InvalidInputError(f"login: {login!r} exists already")
        if other.id != tech.id and checked.external_id and other.external_id == checked.external_id:
            raise InvalidInputError(f"external_id: {checked.external_id!r} is {other.login!r}'s")
    return checked


def find_technician(uow: UnitOfWork, ref: str) -> Technician:
    """The technician with login ``ref``, or else known by that external id."""
    try:
        return uow.directory.technician(ref)
    except NotFoundError:
        found = uow.directory.technician_by_external_id(ref)
        if found is None:
            raise NotFoundError(f"no technician with login (or external id) {ref!r}") from None
        return found


def add_technician(uow: UnitOfWork, clock: Clock, actor: str, tech: Technician) -> Technician:
    """Add ``tech`` (its id is ignored)."""
    with uow:
        stored = uow.directory.add_technician(checked_technician(uow, replace(tech, id=0)))
        record_change(uow, clock, actor, "technician.added", None, _tech_json(stored))
        uow.commit()
    return stored


TECH_FIELDS = frozenset(
    {
        "name",
        "skills",
        "on_call",
        "onsite_capable",
        "home_region",
        "max_tickets",
        "status",
        "external_id",
    }
)
"""What ``edit_technician`` can change (the login is who they are)."""


def edit_technician(
    uow: UnitOfWork, clock: Clock, actor: str, ref: str, changes: Mapping[str, Any]
) -> Technician:
    """Change the fields named in ``changes`` of the technician ``ref``."""
    only_fields(changes, TECH_FIELDS)
    with uow:
        before = find_technician(uow, ref)
        after = checked_technician(uow, replace(before, **changes))
        names = changed_fields(before, after)
        if not names:
            return before
        stored = uow.directory.update_technician(after, names)
        record_change(uow, clock, actor, "technician.changed", *field_diff(before, stored, names))
        uow.commit()
    return stored


def retire_technician(uow: UnitOfWork, clock: Clock, actor: str, ref: str) -> Technician:
    """Retire a technician: old assignments keep them, new work cannot choose them."""
    with uow:
        before = find_technician(uow, ref)
        if before.retired_at is not None:
            raise InvalidInputError(f"technician {before.login!r} is retired already")
        after = replace(before, retired_at=clock.now(), on_call=False)
        names = changed_fields(before, after)
        stored = uow.directory.update_technician(after, names)
        record_change(uow, clock, actor, "technician.retired", *field_diff(before, stored, names))
        uow.commit()
    return stored


def _tech_json(tech: Technician) -> dict[str, Any]:
    names = [f.name for f in fields(tech) if f.name != "id"]
    return {n: jsonable(getattr(tech, n)) for n in names}


def only_fields(changes: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Refuse a change of a field the use case cannot change, naming it."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInputError(f"{unknown[0]}: cannot be changed here")
