"""Regular work and block hours: maintenance plans, and prepaid hours per period.

A maintenance plan belongs to a contract and has a cron schedule in a time
zone; the scheduler opens a "regular" ticket for each occurrence a lead time
before it is due, once per (plan, occurrence) however often it runs.

Block-hours contracts prepay hours per month or year; time logged on their
tickets draws the period's balance down. A period starts with the full
prepaid hours (unused hours do not carry over); a warning is recorded once per
period when the balance falls to the low share of the prepaid hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import BlockPeriod, Severity

MAX_CATCH_UP = 100
"""Occurrences opened per plan in one run at most (a long outage catches up gradually)."""

LOW_BALANCE_SHARE = 0.2
"""A block's balance is low at or below this share of its prepaid hours."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A maintenance plan: a regular ticket per occurrence of ``schedule``.

    Attributes:
        id: Database identity.
        contract_id: The contract the work falls under.
        name: Unique per contract, e.g. ``monthly-backup-test``.
        title: The tickets' title (the occurrence's date is added).
        schedule: A five-field crontab expression (minute hour day month weekday).
        timezone: The zone the schedule is read in (IANA name).
        lead: How long before an occurrence its ticket is opened.
        severity: The tickets' severity.
        skills: Skills the work needs.
        needs_onsite: Whether someone must visit.
        description: The tickets' description.
        active: Paused plans open nothing.
        created_at: Occurrences before this are not opened.
    """

    id: int
    contract_id: int
    name: str
    title: str
    schedule: str
    timezone: str
    lead: timedelta
    created_at: datetime
    severity: Severity = Severity.P3
    skills: frozenset[str] = frozenset()
    needs_onsite: bool = False
    description: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.title.strip():
            raise InvalidInputError("a plan needs a name and a title")
        if len(self.schedule.split()) != 5:
            raise InvalidInputError(
                f"schedule {self.schedule!r} is not a crontab line of five fields "
                "(minute hour day month weekday), e.g. '0 6 * * mon'"
            )
        if self.lead < timedelta(0):
            raise InvalidInputError("a plan's lead time cannot be negative")


@dataclass(frozen=True, slots=True)
class PlanRun:
    """One occurrence of a plan, and the ticket opened for it."""

    plan_id: int
    occurrence: datetime
    ticket_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Balance:
    """A block-hours contract's current period.

    Attributes:
        contract_id: The contract.
        contract_name: Its name.
        start: First day of the period.
        end: First day after it.
        prepaid_hours: Hours the period starts with.
        used_hours: Hours logged on the contract's tickets within the period.
        low_warned_at: When the low-balance warning was recorded (once per period).
    """

    contract_id: int
    contract_name: str
    start: date
    end: date
    prepaid_hours: float
    used_hours: float
    low_warned_at: datetime | None = None

    @property
    def left_hours(self) -> float:
        """Hours left (negative when overdrawn)."""
        return self.prepaid_hours - self.used_hours

    @property
    def low(self) -> bool:
        """Whether the balance is at or below the low share."""
        return self.left_hours <= self.prepaid_hours * LOW_BALANCE_SHARE


def period_bounds(period: BlockPeriod, day: date, valid_from: date) -> tuple[date, date]:
    """The block period holding ``day``: calendar months, or contract years from ``valid_from``."""
    if period is BlockPeriod.MONTH:
        start = day.replace(day=1)
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return start, end
    years = day.year - valid_from.year
    start = _add_years(valid_from, years)
    if start > day:
        start = _add_years(valid_from, years - 1)
    return start, _add_years(start, 1)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def parse_duration(text: str) -> timedelta:
    """``90``, ``90m``, ``1h30m``, ``1.5h`` as a duration of logged work."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise InvalidInputError("the duration is empty")
    try:
        if raw.endswith("h") and "m" not in raw:
            minutes = float(raw[:-1]) * 60
        elif "h" in raw:
            hours, _, rest = raw.partition("h")
            minutes = float(hours) * 60 + (float(rest.removesuffix("m")) if rest else 0)
        else:
            minutes = float(raw.removesuffix("m"))
    except ValueError:
        raise InvalidInputError(
            f"{text!r} is not a duration (use 90, 90m, 1h30m or 1.5h)"
        ) from None
    if not 0 < minutes <= 24 * 60:
        raise InvalidInputError(f"{text!r}: a time entry lasts more than 0 and at most 24 h")
    return timedelta(minutes=round(minutes))
