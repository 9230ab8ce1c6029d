"""Business time: the one module that adds durations to instants and measures them.

A ``Calendar`` says when the SLA clock runs: weekly working windows in a time
zone, minus public holidays (the ``holidays`` package, by country and
subdivision) and extra closed dates, plus extra open dates; or "24/7", where
every minute counts, holidays included.

Windows and holidays are local; instants are aware UTC datetimes. Each local
day's windows are built as wall-clock times and only then converted to UTC, so
deadlines are exact across daylight-saving changes (a window that spans the
spring-forward hour is an hour shorter, one that spans the fall-back hour an
hour longer). No timedelta is ever added to an aware local datetime.

Operations walk whole working windows day by day (a year is about 365 steps,
never minutes), with each day's windows cached per calendar.

``pauses`` are intervals in which the clock stops (the ticket waits on the
customer); they are subtracted from working time, and a start inside a pause
begins at the pause's end.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.domain.errors import InvalidInputError

Interval = tuple[datetime, datetime]
"""A half-open span ``[start, end)`` of UTC instants."""

Window = tuple[int, int]
"""Minutes after local midnight: ``(start, end)``; ``end`` may pass 1440 (past midnight)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = timedelta(days=1)
_MAX_SEARCH_DAYS = 3660  # ten years without working time means the calendar is broken
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)


class EndConvention(enum.StrEnum):
    """What happens to a deadline that lands exactly on a window's close."""

    STAY = "stay"
    """It stays at that instant (the default)."""
    NEXT_OPEN = "next_open"
    """It moves to the next opening."""


def parse_clock(text: str, *, where: str) -> int:
    """``"09:30"`` -> 570 minutes; ``"24:00"`` -> 1440.

    Raises:
        InvalidInputError: Naming ``where`` if the text is not ``HH:MM``.
    """
    parts = str(text).split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InvalidInputError(f"{where}: {text!r} is not a time of day (HH:MM)")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidInputError(f"{where}: {text!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    """570 -> ``"09:30"``; minutes past midnight wrap (1800 -> ``"06:00"``)."""
    if minutes == 1440:
        return "24:00"
    return f"{(minutes // 60) % 24:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Calendar:
    """When an SLA clock runs.

    Attributes:
        name: The calendar's name (``24/7``, ``business-hours``, ...).
        timezone: IANA zone the windows and dates are in; empty for a template
            that takes the customer's zone, country and region
            (``dispatch.domain.sla.place_calendar``).
        hours: Windows per weekday, Monday first; a window whose end is not
            after its start runs past midnight into the next day, and belongs
            to the day it starts on.
        holidays: Extra closed dates (besides public holidays).
        open_dates: Dates worked even if a holiday, closed or a day without
            windows; they use that weekday's windows, or, where it has none,
            the first weekday's windows that has some.
        country: ISO country code for public holidays, or ``None``.
        subdiv: Subdivision (state, region) for regional holidays.
        end_convention: Deadline on a window's close: stay or move.
        always_open: 24/7: every minute counts, holidays included.
    """

    name: str = ""
    timezone: str = ""
    hours: tuple[tuple[Window, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()
    country: str | None = None
    subdiv: str | None = None
    end_convention: EndConvention = EndConvention.STAY
    always_open: bool = False

    def __post_init__(self) -> None:
        if self.timezone:
            zone(self.timezone)  # validates
        if len(self.hours) != 7:
            raise InvalidInputError(f"calendar {self.name!r}: hours need 7 weekdays")
        for day, windows in zip(WEEKDAYS, self.hours, strict=True):
            for start, end in windows:
                if not (0 <= start < 1440 and start < end <= start + 1440):
                    raise InvalidInputError(
                        f"calendar {self.name!r}: {day} window {format_clock(start)}-"
                        f"{format_clock(end)} is not a valid span"
                    )
            spans = sorted(windows)
            for (_, end1), (start2, _) in zip(spans, spans[1:], strict=False):
                if start2 < end1:
                    raise InvalidInputError(f"calendar {self.name!r}: {day} windows overlap")
        if not self.always_open and not any(self.hours):
            raise InvalidInputError(f"calendar {self.name!r} has no working window in the week")
        if self.country:
            public_holidays(self.country, self.subdiv, 2000)  # validates country and subdiv

    @property
    def standard_windows(self) -> tuple[Window, ...]:
        """The windows an extra open date uses when its weekday has none."""
        return next((w for w in self.hours if w), ())

    def with_place(self, timezone: str, country: str | None, subdiv: str | None) -> Calendar:
        """This calendar placed at a customer's site (for templates without a zone)."""
        return Calendar(
            name=self.name,
            timezone=timezone,
            hours=self.hours,
            holidays=self.holidays,
            open_dates=self.open_dates,
            country=country,
            subdiv=subdiv,
            end_convention=self.end_convention,
            always_open=self.always_open,
        )

    # --- the JSON / TOML form -------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The form ``from_json`` reads (and ``dispatch sla check`` files use)."""
        return {
            "timezone": self.timezone,
            "hours": {
                day: [[format_clock(s), format_clock(e if e <= 1440 else e - 1440)] for s, e in w]
                for day, w in zip(WEEKDAYS, self.hours, strict=True)
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "open_dates": sorted(d.isoformat() for d in self.open_dates),
            "country": self.country,
            "subdiv": self.subdiv,
            "end_convention": self.end_convention.value,
            "always_open": self.always_open,
        }

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        *,
        name: str = "",
        where: str = "",
        require_zone: bool = False,
    ) -> Calendar:
        """Read a calendar definition; unknown keys are ignored.

        Args:
            data: ``{"timezone": ..., "hours": {"mon": [["09:00", "17:00"]]}, ...}``.
            name: The calendar's name.
            where: Where the definition sits, for error messages.
            require_zone: Refuse a definition without ``timezone`` (else it is
                a template placed at each customer's site).

        Raises:
            InvalidInputError: Naming ``where`` and the field at fault.
        """
        at = where or f"calendar {name!r}"
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"{at}: a calendar must be an object")
        always = data.get("always_open", False)
        if not isinstance(always, bool):
            raise InvalidInputError(f"{at}.always_open: must be true or false")
        tz = data.get("timezone", "")
        if not isinstance(tz, str):
            raise InvalidInputError(f"{at}.timezone: must be a string")
        if require_zone and not tz:
            raise InvalidInputError(f"{at}.timezone: missing")
        hours_data = data.get("hours", {} if always else None)
        if hours_data is None:
            raise InvalidInputError(f"{at}.hours: missing (or set always_open)")
        if not isinstance(hours_data, Mapping):
            raise InvalidInputError(f"{at}.hours: must map weekdays to windows")
        unknown = set(hours_data) - set(WEEKDAYS)
        if unknown:
            raise InvalidInputError(f"{at}.hours: unknown weekday {sorted(unknown)[0]!r}")
        hours = tuple(
            _windows(hours_data.get(day, []), where=f"{at}.hours.{day}") for day in WEEKDAYS
        )
        convention = data.get("end_convention", "stay")
        try:
            end = EndConvention(convention)
        except ValueError:
            raise InvalidInputError(
                f"{at}.end_convention: {convention!r} is not 'stay' or 'next_open'"
            ) from None
        country = data.get("country")
        subdiv = data.get("subdiv")
        for key, value in (("country", country), ("subdiv", subdiv)):
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(f"{at}.{key}: must be a string")
        try:
            return cls(
                name=name,
                timezone=tz,
                hours=hours,
                holidays=_dates(data.get("holidays", []), where=f"{at}.holidays"),
                open_dates=_dates(data.get("open_dates", []), where=f"{at}.open_dates"),
                country=country or None,
                subdiv=subdiv or None,
                end_convention=end,
                always_open=always,
            )
        except InvalidInputError as exc:
            raise InvalidInputError(f"{at}: {exc}") from None

    @property
    def is_template(self) -> bool:
        """Whether the calendar takes its zone and holidays from the customer."""
        return not self.timezone


def _windows(raw: Any, *, where: str) -> tuple[Window, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInputError(f"{where}: must be a list of [start, end] pairs")
    windows: list[Window] = []
    for index, pair in enumerate(raw):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise InvalidInputError(f"{where}[{index}]: must be a [start, end] pair")
        start = parse_clock(pair[0], where=f"{where}[{index}]")
        end = parse_clock(pair[1], where=f"{where}[{index}]")
        if start == 1440:
            raise InvalidInputError(f"{where}[{index}]: a window cannot start at 24:00")
        if end <= start:
            end += 1440  # runs past midnight
        windows.append((start, end))
    return tuple(sorted(windows))


def _dates(raw: Any, *, where: str) -> frozenset[date]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInputError(f"{where}: must be a list of dates")
    out: set[date] = set()
    for index, item in enumerate(raw):
        if isinstance(item, date) and not isinstance(item, datetime):
            out.add(item)
            continue
        try:
            out.add(date.fromisoformat(str(item)))
        except ValueError:
            raise InvalidInputError(
                f"{where}[{index}]: {item!r} is not a date (YYYY-MM-DD)"
            ) from None
    return frozenset(out)


ALWAYS_OPEN = Calendar(name="24/7", always_open=True)
"""Every minute counts, holidays included."""

BUSINESS_HOURS = Calendar(
    name="business-hours",
    hours=(((540, 1020),),) * 5 + ((), ()),
)
"""Monday to Friday, 09:00 to 17:00; placed in the customer's zone and country."""

BUILTIN_CALENDARS: Mapping[str, Calendar] = {c.name: c for c in (ALWAYS_OPEN, BUSINESS_HOURS)}


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``.

    Raises:
        InvalidInputError: If there is no such zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(f"unknown time zone {name!r}") from None


@functools.cache
def public_holidays(country: str, subdiv: str | None, year: int) -> Mapping[date, str]:
    """Public holidays of a country (and subdivision) in one year, by date.

    Raises:
        InvalidInputError: For an unknown country or subdivision.
    """
    import holidays  # a data library, imported on first use (it takes ~0.1 s)

    try:
        found = holidays.country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError as exc:
        raise InvalidInputError(f"no public holidays known for {country}/{subdiv}: {exc}") from None
    return dict(found)


def wall_instant(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant at which the wall clock in ``tz`` first reads ``local`` or later (UTC).

    The rule the calendars use for daylight-saving changes (see ``_utc``), for
    other modules that turn a local wall time into an instant (on-call hand-overs).
    """
    return _utc(local, tz)


def _utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant at which the wall clock in ``tz`` first reads ``local`` or later.

    A repeated wall time (the fall-back hour) takes its first occurrence. A wall
    time skipped by a spring-forward gap takes the instant of the jump: a window
    that opens at 02:30 on a day when the clock jumps from 02:00 to 03:00 opens
    at 03:00, and one that closes at 02:30 closes at the jump.
    """
    first = local.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the earlier offset
    if first.astimezone(tz).replace(tzinfo=None) == local:
        return first
    # In a gap, fold=1 gives an instant before the jump and fold=0 one after it.
    # Offsets change on whole seconds: bisect between the two.
    lo = int(local.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    hi = int(first.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) < local:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One local day: its working intervals (UTC) and why it has none, if so.

    Attributes:
        day: The local date.
        intervals: Working intervals starting on this day, in UTC.
        windows: The same as local wall-clock windows.
        closed_reason: Holiday name, "closed date", "no working hours", or ``None``.
    """

    day: date
    intervals: tuple[Interval, ...]
    windows: tuple[Window, ...]
    closed_reason: str | None = None


class BusinessClock:
    """A calendar made ready for arithmetic, with each day's plan cached.

    Args:
        calendar: The calendar.
    """

    def __init__(self, calendar: Calendar) -> None:
        if not calendar.timezone:
            raise InvalidInputError(
                f"calendar {calendar.name!r} has no time zone: place it at a customer first"
            )
        self.calendar = calendar
        self._tz = zone(calendar.timezone)
        self._days: dict[date, DayPlan] = {}

    # --- days -------------------------------------------------------------------

    def day(self, day: date) -> DayPlan:
        """The working plan of local date ``day``."""
        plan = self._days.get(day)
        if plan is None:
            plan = self._plan(day)
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[day] = plan
        return plan

    def _plan(self, day: date) -> DayPlan:
        cal = self.calendar
        reason: str | None = None
        if cal.always_open:
            windows: tuple[Window, ...] = ((0, 1440),)
        elif day in cal.open_dates:
            windows = cal.hours[day.weekday()] or cal.standard_windows
        elif day in cal.holidays:
            windows, reason = (), "closed date"
        else:
            name = (
                public_holidays(cal.country, cal.subdiv, day.year).get(day) if cal.country else None
            )
            if name:
                windows, reason = (), f"public holiday: {name}"
            else:
                windows = cal.hours[day.weekday()]
                if not windows:
                    reason = "no working hours"
        midnight = datetime.combine(day, time())
        intervals = []
        for start, end in windows:
            a = _utc(midnight + timedelta(minutes=start), self._tz)
            b = _utc(midnight + timedelta(minutes=end), self._tz)
            if b > a:  # a window inside a spring-forward gap has no length
                intervals.append((a, b))
        return DayPlan(day, tuple(intervals), windows, reason)

    def local_date(self, instant: datetime) -> date:
        """The local date of an instant."""
        return instant.astimezone(self._tz).date()

    # --- working intervals -------------------------------------------------------

    def intervals_from(self, start: datetime) -> Iterator[Interval]:
        """Working intervals that end after ``start``, clipped to it, in time order.

        Overlapping intervals (a night shift running into the next morning's
        window) are merged; touching ones are yielded separately, which is
        harmless: the end convention moves a deadline only when the next
        interval starts later.
        """
        if self.calendar.always_open:
            yield (start, _FAR_FUTURE)
            return
        # A window past midnight may start on the previous local day.
        day = self.local_date(start) - _DAY
        pending: Interval | None = None
        idle_days = 0
        while True:
            plan = self.day(day)
            day += _DAY
            idle_days = 0 if plan.intervals else idle_days + 1
            if idle_days > _MAX_SEARCH_DAYS:
                raise InvalidInputError(
                    f"calendar {self.calendar.name!r} has no working time in ten years "
                    f"after {start.isoformat()}"
                )
            for a, b in plan.intervals:
                if b <= start:
                    continue
                a = max(a, start)
                if pending is None:
                    pending = (a, b)
                elif a < pending[1]:
                    pending = (pending[0], max(pending[1], b))
                else:
                    yield pending
                    pending = (a, b)

    def effective(self, start: datetime, pauses: Sequence[Interval]) -> Iterator[Interval]:
        """Working intervals from ``start`` with the pauses cut out."""
        cuts = normalise(pauses)
        index = 0
        for a, b in self.intervals_from(start):
            while index < len(cuts) and cuts[index][1] <= a:
                index += 1
            cursor = a
            j = index
            while j < len(cuts) and cuts[j][0] < b:
                p0, p1 = cuts[j]
                if p0 > cursor:
                    yield (cursor, p0)
                cursor = max(cursor, p1)
                if p1 >= b:
                    break
                j += 1
            if cursor < b:
                yield (cursor, b)

    # --- the two operations -------------------------------------------------------

    def add(
        self, start: datetime, duration: timedelta, pauses: Sequence[Interval] = ()
    ) -> datetime:
        """The instant at which ``duration`` of working time after ``start`` has passed.

        A zero duration gives the first working instant at or after ``start``.

        Raises:
            InvalidInputError: For a negative duration, a naive start, or an
                instant beyond the year 9999.
        """
        start = _aware(start, "start")
        if duration < timedelta(0):
            raise InvalidInputError(f"a duration cannot be negative ({duration})")
        remaining = duration
        moved = False
        for a, b in self.effective(start, pauses):
            if moved or remaining == timedelta(0):
                return a
            span = b - a
            if span > remaining:
                return a + remaining
            remaining -= span
            if remaining == timedelta(0):
                if self.calendar.end_convention is EndConvention.STAY:
                    return b
                moved = True
        # The working intervals end only where datetime ends.
        raise InvalidInputError(
            f"{duration} of working time after {start.isoformat()} lies beyond the year 9999"
        )

    def elapsed(self, start: datetime, end: datetime, pauses: Sequence[Interval] = ()) -> timedelta:
        """Working time between ``start`` and ``end`` (zero when ``end`` is not after it)."""
        start, end = _aware(start, "start"), _aware(end, "end")
        total = timedelta(0)
        if end <= start:
            return total
        for a, b in self.effective(start, pauses):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    def windows_between(self, first: date, days: int) -> list[DayPlan]:
        """The plans of ``days`` local dates from ``first``."""
        return [self.day(first + timedelta(days=n)) for n in range(days)]


def normalise(pauses: Sequence[Interval]) -> list[Interval]:
    """Pauses sorted, empty ones dropped, overlapping ones merged; all in UTC."""
    spans = sorted((_aware(a, "pause start"), _aware(b, "pause end")) for a, b in pauses if b > a)
    merged: list[Interval] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{what} must carry a time zone, got {value.isoformat()}")
    return value.astimezone(UTC)


# --- explanations ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    """How a due instant was derived, for people.

    Attributes:
        due: The result.
        lines: The derivation in plain words.
    """

    due: datetime
    lines: tuple[str, ...] = field(default=())


def explain_add(
    clock: BusinessClock,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[Interval] = (),
    *,
    max_windows: int = 12,
) -> Explanation:
    """``clock.add`` with the derivation spelled out.

    Lists the calendar and zone, the windows counted (the first and last few of
    long walks), the days skipped and why (holidays, closed dates, days
    without hours), the pauses subtracted and the end convention.
    """
    due = clock.add(start, duration, pauses)
    cal = clock.calendar
    tz = clock._tz  # noqa: SLF001 - same module
    lines = [f"calendar {cal.name or '(unnamed)'}, zone {cal.timezone}"]
    if cal.always_open:
        lines.append("24/7: every minute counts, weekends and holidays included")
    else:
        where = f"{cal.country}" + (f"-{cal.subdiv}" if cal.subdiv else "") if cal.country else None
        lines.append(
            f"public holidays of {where}" if where else "no public holidays (no country set)"
        )
    lines.append(f"start {_both(start, tz)}; target {_duration(duration)} of working time")
    counted: list[str] = []
    skipped: list[str] = []
    if not cal.always_open:
        day = clock.local_date(start)
        last = clock.local_date(due)
        while day <= last:
            plan = clock.day(day)
            if plan.closed_reason and plan.closed_reason != "no working hours":
                skipped.append(f"{day.isoformat()} ({plan.closed_reason})")
            day += _DAY
    cuts = normalise(pauses)
    for a, b in clock.effective(start, pauses):
        if a >= due:
            break
        b = min(b, due)
        counted.append(f"{_both(a, tz)} to {_local(b, tz)}: {_duration(b - a)}")
    if len(counted) > max_windows:
        head, tail = counted[: max_windows // 2], counted[-max_windows // 2 :]
        counted = [*head, f"... {len(counted) - len(head) - len(tail)} more windows ...", *tail]
    lines.append("working time counted:")
    lines.extend(f"  {line}" for line in counted or ["  (none: the target is zero)"])
    if skipped:
        lines.append("days skipped:")
        lines.extend(f"  {s}" for s in skipped)
    relevant = [(a, b) for a, b in cuts if b > start and a < due]
    if relevant:
        lines.append("pauses subtracted (waiting on the customer):")
        for a, b in relevant:
            lines.append(
                f"  {_both(a, tz)} to {_local(b, tz)}: {_duration(clock.elapsed(a, b))} "
                "of working time"
            )
    lines.append(
        f"end convention {cal.end_convention.value}: "
        + (
            "a deadline on a window's close stays there"
            if cal.end_convention is EndConvention.STAY
            else "a deadline on a window's close moves to the next opening"
        )
    )
    lines.append(f"due {_both(due, tz)}")
    return Explanation(due, tuple(lines))


def _local(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%a %Y-%m-%d %H:%M:%S %Z")


def _both(instant: datetime, tz: ZoneInfo) -> str:
    return f"{_local(instant, tz)} ({instant.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}h {minutes:02d}m"
    return text + (f" {secs:02d}s" if secs else "")
