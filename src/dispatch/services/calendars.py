"""Business calendars: list them, show their working windows, store definitions.

Storing a calendar recomputes the deadlines of the open tickets it governs,
in the same transaction (``deadlines``). Uses the domain's calendars and ports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dispatch.domain.calendar import BUILTIN_CALENDARS, BusinessClock, Calendar, DayPlan
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.sla import place_calendar
from dispatch.services import deadlines


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    """A calendar and where its definition comes from.

    Attributes:
        calendar: The definition.
        source: ``database``, ``config`` or ``built-in``.
    """

    calendar: Calendar
    source: str


def list_calendars(
    uow: UnitOfWork, calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS
) -> list[CalendarInfo]:
    """Every calendar a contract can name, with the definition that wins."""
    with uow:
        stored = uow.directory.calendars()
    found: dict[str, CalendarInfo] = {
        name: CalendarInfo(cal, "built-in") for name, cal in BUILTIN_CALENDARS.items()
    }
    found.update({name: CalendarInfo(cal, "config") for name, cal in calendars.items()})
    found.update({name: CalendarInfo(cal, "database") for name, cal in stored.items()})
    return [found[name] for name in sorted(found)]


def calendar_days(
    uow: UnitOfWork,
    name: str,
    first: date,
    days: int,
    *,
    customer: str | None = None,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> tuple[Calendar, list[DayPlan]]:
    """The working windows of a calendar over ``days`` local dates from ``first``.

    A template calendar (no zone of its own) needs a customer to be placed at.

    Raises:
        InvalidInputError: Unknown calendar, a template without customer, or a
            bad number of days.
        NotFoundError: Unknown customer.
    """
    if not 1 <= days <= 366:
        raise InvalidInputError(f"--days must lie between 1 and 366, got {days}")
    with uow:
        defined = {**calendars, **uow.directory.calendars()}
        place = uow.directory.customer_by_name(customer) if customer else None
    base = defined.get(name) or BUILTIN_CALENDARS.get(name)
    if base is None:
        known = ", ".join(sorted({*defined, *BUILTIN_CALENDARS}))
        raise InvalidInputError(f"unknown calendar {name!r} (known: {known})")
    if place is not None:
        calendar = place_calendar(name, place, defined)
    elif base.is_template:
        raise InvalidInputError(
            f"calendar {name!r} takes its zone and holidays from a customer: add --customer NAME"
        )
    else:
        calendar = base
    return calendar, BusinessClock(calendar).windows_between(first, days)


def save_calendars(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    new: Sequence[Calendar],
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> tuple[int, int]:
    """Store calendar definitions and recompute the deadlines they govern.

    Every open ticket whose contract names one of the calendars gets both
    deadlines recomputed from its history, in the same transaction.

    Returns:
        How many calendars were stored and how many tickets were recomputed.
    """
    now = clock.now()
    names = {c.name for c in new}
    recomputed = 0
    with uow:
        for calendar in new:
            created = uow.directory.save_calendar(calendar, now)
            uow.events.append(
                at=now,
                actor=actor,
                action="calendar.created" if created else "calendar.changed",
                after={"name": calendar.name, "definition": calendar.to_json()},
            )
        contracts = {c.id: c for c in uow.directory.contracts() if c.calendar in names}
        for ticket in uow.tickets.queue():
            if ticket.contract_id not in contracts:
                continue
            stored = deadlines.store_recomputed(
                uow,
                clock,
                actor,
                ticket,
                ticket.version,
                calendars,
                action="ticket.sla_recomputed",
                note="calendar changed",
                before_ticket=ticket,
            )
            recomputed += stored is not ticket
        uow.commit()
    return len(new), recomputed
