"""Time logged on tickets and block-hours balances: periods, draw-down, low warnings.

Time logged on a block-hours contract draws its current period down; the
scheduler's block-hours job (:func:`watch_block_hours`) starts periods and
warns once per period of a low balance. Uses the domain's ports.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Contract
from dispatch.domain.plans import Balance, period_bounds
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.services.runtime import SCHEDULER_ACTOR


def log_time(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    worked: timedelta,
    *,
    worked_on: date | None = None,
    note: str | None = None,
) -> Balance | None:
    """Record work on a ticket; for a block-hours contract, its period's balance after it."""
    minutes = int(worked.total_seconds() // 60)
    if not 0 < minutes <= 24 * 60:
        raise InvalidInputError("a time entry lasts more than 0 and at most 24 h")
    now = clock.now()
    with uow:
        ticket = uow.tickets.get(ticket_id)
        contract = uow.directory.contract(ticket.contract_id)
        day = worked_on or now.date()
        uow.plans.log_time(
            ticket_id=ticket.id,
            contract_id=contract.id,
            actor=actor,
            minutes=minutes,
            worked_on=day,
            note=note,
            at=now,
        )
        uow.events.append(
            at=now,
            actor=actor,
            action="ticket.time_logged",
            ticket_id=ticket.id,
            after={"minutes": minutes, "worked_on": day.isoformat()},
            note=note,
        )
        balance = (
            _balance(uow, contract, day, now)
            if contract.period is not None and contract.prepaid_hours is not None
            else None
        )
        uow.commit()
    return balance


def _balance(uow: UnitOfWork, contract: Contract, day: date, now: datetime) -> Balance:
    """The balance of the period holding ``day`` (started now if nobody started it)."""
    if contract.period is None or contract.prepaid_hours is None:
        raise InvalidInputError(f"{contract.name} is not a block-hours contract")
    start, end = period_bounds(contract.period, day, contract.valid_from)
    uow.plans.open_period(contract.id, start, end, contract.prepaid_hours, now)
    return read_balance(uow, contract, day)


def read_balance(uow: UnitOfWork, contract: Contract, day: date) -> Balance:
    """The balance of the period holding ``day``, without writing (not started: full)."""
    if contract.period is None or contract.prepaid_hours is None:
        raise InvalidInputError(f"{contract.name} is not a block-hours contract")
    start, end = period_bounds(contract.period, day, contract.valid_from)
    found = uow.plans.period(contract.id, start)
    end, hours, warned = found if found else (end, contract.prepaid_hours, None)
    used = uow.plans.used_minutes(contract.id, start, end) / 60
    return Balance(contract.id, contract.name, start, end, hours, used, warned)


def block_balances(uow: UnitOfWork, clock: Clock) -> list[Balance]:
    """The current period of every block-hours contract valid today (read only)."""
    today = clock.now().date()
    with uow:
        return [
            read_balance(uow, c, today)
            for c in uow.directory.contracts()
            if c.period is not None and c.valid_from <= today
            and (c.valid_to is None or today <= c.valid_to)
        ]  # fmt: skip


def watch_block_hours(uow: UnitOfWork, clock: Clock) -> tuple[list[Balance], list[Balance]]:
    """The block-hours job: roll periods over; warn once per period of a low balance.

    Returns the periods started now and the balances newly found low; each
    rollover and warning is recorded in the event log, once (unique keys).
    """
    now = clock.now()
    started: list[Balance] = []
    warned: list[Balance] = []
    with uow:
        for contract in uow.directory.contracts():
            if contract.period is None or contract.prepaid_hours is None:
                continue
            if contract.valid_from > now.date() or (
                contract.valid_to is not None and now.date() > contract.valid_to
            ):
                continue
            start, end = period_bounds(contract.period, now.date(), contract.valid_from)
            if uow.plans.open_period(contract.id, start, end, contract.prepaid_hours, now):
                uow.events.append(
                    at=now,
                    actor=SCHEDULER_ACTOR,
                    action="block.period_started",
                    after={
                        "contract": contract.name,
                        "start": start.isoformat(),
                        "hours": contract.prepaid_hours,
                    },
                )
                started.append(_balance(uow, contract, now.date(), now))
            balance = _balance(uow, contract, now.date(), now)
            if balance.low and uow.plans.mark_low(contract.id, start, now):
                uow.events.append(
                    at=now,
                    actor=SCHEDULER_ACTOR,
                    action="block.low_balance",
                    after={
                        "contract": contract.name,
                        "left_hours": round(balance.left_hours, 2),
                        "prepaid_hours": balance.prepaid_hours,
                    },
                )
                warned.append(replace(balance, low_warned_at=now))
        uow.commit()
    return started, warned
