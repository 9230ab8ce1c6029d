"""The administrator's writes of contracts: add, edit, end, renew.

Like ``master_data`` (whose checks and event record it uses): one short
transaction per use case, everything checked first, nothing written on a
refusal, only the named fields written. A contract's new targets or calendar
recompute the deadlines of its open tickets from their history, in the same
transaction (``ContractChange.moved``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import ALWAYS_OPEN_CALENDAR, Contract, SlaPolicy
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.terms import overlap_errors, term_errors
from dispatch.services import deadlines
from dispatch.services.master_data import (
    changed_fields,
    checked_external_id,
    checked_name,
    field_diff,
    find_customer,
    jsonable,
    only_fields,
    record_change,
)


@dataclass(frozen=True, slots=True)
class ContractChange:
    """A contract as written, and how many open tickets' deadlines moved with it.

    Attributes:
        contract: The contract as stored.
        moved: Open tickets whose deadlines were recomputed and changed.
    """

    contract: Contract
    moved: int = 0


# --- contracts ------------------------------------------------------------------------------


def find_contract(uow: UnitOfWork, ref: str) -> Contract:
    """The contract named ``ref``, or else known by that external id."""
    try:
        return uow.directory.contract_by_name(ref)
    except NotFoundError:
        found = uow.directory.contract_by_external_id(ref)
        if found is None:
            raise NotFoundError(f"no contract named (or with external id) {ref!r}") from None
        return found


def checked_contract(
    uow: UnitOfWork, contract: Contract, calendars: Mapping[str, Calendar]
) -> Contract:
    """``contract`` checked: its kind's terms, its calendar, overlaps, unique name and id."""
    name = checked_name(contract.name)
    if len(name) > 64:
        raise InvalidInputError(f"name: at most 64 characters (got {len(name)})")
    checked = replace(contract, name=name, external_id=checked_external_id(contract.external_id))
    errors = term_errors(checked)
    known = {ALWAYS_OPEN_CALENDAR, *calendars, *uow.directory.calendars()}
    if checked.calendar not in known:
        errors.append(
            f"calendar: no calendar {checked.calendar!r} "
            f"(known: {', '.join(sorted(known))}; add one with `dispatch calendar import`)"
        )
    others = uow.directory.contracts(checked.customer_id)
    errors += overlap_errors(checked, others)
    for other in uow.directory.contracts():
        if other.id != checked.id and other.name == name:
            errors.append(f"name: a contract called {name!r} exists already")
        if other.id != checked.id and checked.external_id == other.external_id is not None:
            errors.append(f"external_id: {checked.external_id!r} is {other.name!r}'s already")
    if errors:
        raise InvalidInputError("; ".join(errors))
    return checked


def add_contract(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    customer_ref: str,
    contract: Contract,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Contract:
    """Add ``contract`` (its id and customer id are ignored) for the customer ``customer_ref``."""
    with uow:
        customer = find_customer(uow, customer_ref)
        if customer.retired_at is not None:
            raise InvalidInputError(f"customer: {customer.name!r} is retired")
        checked = checked_contract(uow, replace(contract, customer_id=customer.id), calendars)
        stored = uow.directory.add_contract(checked)
        after = {"customer": customer.name, **_contract_json(stored)}
        record_change(uow, clock, actor, "contract.added", None, after)
        uow.commit()
    return stored


CONTRACT_FIELDS = frozenset(
    {
        "name",
        "sla",
        "calendar",
        "hourly_rate",
        "currency",
        "prepaid_hours",
        "period",
        "fixed_fee",
        "valid_from",
        "valid_to",
        "external_id",
        "precedence",
        "job_price",
        "incident_price",
        "included_hours",
        "overage_rate",
        "first_response",
    }
)
"""What ``edit_contract`` can change (the kind and the customer stay: add a new contract)."""

_CLOCK_FIELDS = ("sla", "calendar")
"""Fields whose change moves the deadlines of the contract's open tickets."""


def edit_contract(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ref: str,
    changes: Mapping[str, Any],
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> ContractChange:
    """Change the fields named in ``changes`` of the contract ``ref``.

    ``targets`` (severity to ``SlaTarget``) replaces the named severities'
    targets and keeps the others; ``warning_share`` replaces the share.
    A change of targets, warning share or calendar recomputes the deadlines
    of the contract's open tickets from their history in the same
    transaction; ``moved`` says how many changed.
    """
    only_fields(changes, CONTRACT_FIELDS | {"targets", "warning_share"})
    with uow:
        before = find_contract(uow, ref)
        plain = {k: v for k, v in changes.items() if k not in ("targets", "warning_share")}
        try:
            if "targets" in changes or "warning_share" in changes:
                # Merged here, inside the transaction: a target not named stays as stored.
                targets = {**before.sla.targets, **changes.get("targets", {})}
                share = changes.get("warning_share", before.sla.warning_share)
                plain["sla"] = SlaPolicy(targets, share)
            after = replace(before, **plain)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{', '.join(sorted(changes))}: {exc}") from None
        after = checked_contract(uow, after, calendars)
        names = changed_fields(before, after)
        if not names:
            return ContractChange(before)
        stored = uow.directory.update_contract(after, names)
        record_change(uow, clock, actor, "contract.changed", *field_diff(before, stored, names))
        moved = 0
        if any(n in _CLOCK_FIELDS for n in names):
            moved = recompute_open(uow, clock, actor, stored, calendars)
        uow.commit()
    return ContractChange(stored, moved)


def end_contract(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ref: str,
    last_day: date,
) -> Contract:
    """End the contract ``ref`` after ``last_day`` (its open tickets keep it)."""
    return edit_contract(uow, clock, actor, ref, {"valid_to": last_day}).contract


def renew_contract(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ref: str,
    new_name: str,
    *,
    valid_to: date | None = None,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> Contract:
    """A new contract with the terms of ``ref``, valid from the day after it ends."""
    with uow:
        old = find_contract(uow, ref)
        if old.valid_to is None:
            raise InvalidInputError(
                f"valid_to: {old.name!r} is open-ended; end it first (`dispatch contract end`)"
            )
        start = old.valid_to + timedelta(days=1)
        new = replace(
            old, id=0, name=new_name, external_id=None, valid_from=start, valid_to=valid_to
        )
        checked = checked_contract(uow, new, calendars)
        stored = uow.directory.add_contract(checked)
        after = {"renews": old.name, **_contract_json(stored)}
        record_change(uow, clock, actor, "contract.renewed", None, after)
        uow.commit()
    return stored


def recompute_open(
    uow: UnitOfWork, clock: Clock, actor: str, contract: Contract, calendars: Mapping[str, Calendar]
) -> int:
    """Recompute the deadlines of ``contract``'s open tickets; how many moved."""
    moved = 0
    for ticket in uow.tickets.queue():
        if ticket.contract_id != contract.id:
            continue
        stored = deadlines.store_recomputed(
            uow,
            clock,
            actor,
            ticket,
            ticket.version,
            calendars,
            action="ticket.sla_recomputed",
            note=f"contract {contract.name} changed",
            before_ticket=ticket,
        )
        moved += stored is not ticket
    return moved


def _contract_json(contract: Contract) -> dict[str, Any]:
    names = [f.name for f in fields(contract) if f.name not in ("id", "customer_id")]
    return {n: jsonable(getattr(contract, n)) for n in names}
