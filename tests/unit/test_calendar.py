"""Business time: hand-worked cases, DST in five zones, and a minute-by-minute oracle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.domain.calendar import (
    BusinessClock,
    Calendar,
    EndConvention,
    Interval,
    explain_add,
    parse_clock,
)
from dispatch.domain.errors import InvalidInputError

H = timedelta(hours=1)
M = timedelta(minutes=1)


def cal(
    tz: str = "Europe/Berlin",
    *,
    days: Sequence[str] = ("mon", "tue", "wed", "thu", "fri"),
    windows: Sequence[tuple[str, str]] = (("09:00", "17:00"),),
    **extra: object,
) -> Calendar:
    spec: dict[str, object] = {
        "timezone": tz,
        "hours": {d: [list(w) for w in windows] for d in days},
        **extra,
    }
    return Calendar.from_json(spec, name="test")


def at(text: str, tz: str = "Europe/Berlin") -> datetime:
    """A local wall time in ``tz`` (first occurrence), as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


BERLIN = BusinessClock(cal())


# --- hand-worked cases --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-11-23T10:00", 2, "2026-11-23T12:00"),  # inside a window
        ("2026-11-23T16:00", 2, "2026-11-24T10:00"),  # runs over the night
        ("2026-11-23T07:00", 1, "2026-11-23T10:00"),  # starts before opening
        ("2026-11-23T19:00", 1, "2026-11-24T10:00"),  # starts after closing
        ("2026-11-27T16:00", 3, "2026-11-30T11:00"),  # Friday over the weekend
        ("2026-11-28T12:00", 1, "2026-11-30T10:00"),  # starts on a Saturday
        ("2026-11-23T10:00", 40, "2026-11-30T10:00"),  # one working week
    ],
)
def test_add_in_plain_office_hours(start: str, hours: float, expected: str) -> None:
    assert BERLIN.add(at(start), hours * H) == at(expected)


def test_split_days() -> None:
    clock = BusinessClock(cal(windows=[("08:00", "12:00"), ("13:00", "17:00")]))
    assert clock.add(at("2026-11-23T11:00"), 2 * H) == at("2026-11-23T14:00")
    assert clock.add(at("2026-11-23T12:30"), 30 * M) == at("2026-11-23T13:30")
    assert clock.elapsed(at("2026-11-23T09:00"), at("2026-11-23T16:00")) == 6 * H


def test_zero_duration_is_the_first_working_instant() -> None:
    assert BERLIN.add(at("2026-11-23T10:15"), timedelta(0)) == at("2026-11-23T10:15")
    assert BERLIN.add(at("2026-11-23T09:00"), timedelta(0)) == at("2026-11-23T09:00")
    assert BERLIN.add(at("2026-11-23T17:00"), timedelta(0)) == at("2026-11-24T09:00")
    assert BERLIN.add(at("2026-11-28T10:00"), timedelta(0)) == at("2026-11-30T09:00")


def test_end_convention() -> None:
    stay = BusinessClock(cal())
    move = BusinessClock(cal(end_convention="next_open"))
    assert stay.add(at("2026-11-23T15:00"), 2 * H) == at("2026-11-23T17:00")
    assert move.add(at("2026-11-23T15:00"), 2 * H) == at("2026-11-24T09:00")
    assert move.add(at("2026-11-23T15:00"), 2 * H - timedelta(seconds=1)) == at(
        "2026-11-23T16:59:59"
    )


def test_seconds_and_microseconds_are_kept() -> None:
    start = at("2026-11-23T10:00:00.250000")
    assert BERLIN.add(start, timedelta(seconds=7.5)) == at("2026-11-23T10:00:07.750000")


def test_public_holidays_by_country_and_subdivision() -> None:
    # 8 March (Women's Day) is a holiday in Berlin, not in Bavaria.
    berlin = BusinessClock(cal(country="DE", subdiv="BE"))
    bavaria = BusinessClock(cal(country="DE", subdiv="BY"))
    start = at("2027-03-05T16:00")  # a Friday; 8 March 2027 is a Monday
    assert berlin.add(start, 2 * H) == at("2027-03-09T10:00")
    assert bavaria.add(start, 2 * H) == at("2027-03-08T10:00")


def test_extra_closed_and_open_dates() -> None:
    clock = BusinessClock(
        cal(country="DE", holidays=["2026-11-24"], open_dates=["2026-12-25", "2026-11-28"])
    )
    assert clock.add(at("2026-11-23T16:00"), 2 * H) == at("2026-11-25T10:00")
    # Saturday 28th is open with the standard windows, Christmas too.
    assert clock.add(at("2026-11-27T16:00"), 2 * H) == at("2026-11-28T10:00")
    assert clock.add(at("2026-12-24T16:00"), 2 * H) == at("2026-12-25T10:00")


def test_night_shift_runs_past_midnight() -> None:
    night = BusinessClock(cal("America/New_York", windows=[("22:00", "06:00")]))
    start = at("2026-11-23T23:00", "America/New_York")  # Monday night
    assert night.add(start, 3 * H) == at("2026-11-24T02:00", "America/New_York")
    assert night.add(start, 8 * H) == at("2026-11-24T23:00", "America/New_York")
    # Friday's shift ends Saturday 06:00; the next starts Monday 22:00.
    fri = at("2026-11-27T22:00", "America/New_York")
    assert night.add(fri, 9 * H) == at("2026-11-30T23:00", "America/New_York")
    assert night.elapsed(fri, at("2026-11-30T23:00", "America/New_York")) == 9 * H


def test_long_durations_across_year_end_and_leap_day() -> None:
    always = BusinessClock(Calendar(name="24/7", timezone="Europe/Berlin", always_open=True))
    start = at("2027-12-31T12:00")
    assert always.add(start, timedelta(days=366)) == start + timedelta(days=366)
    assert always.add(start, timedelta(days=366)) == at("2028-12-31T12:00")  # 29 Feb counts
    office = BusinessClock(cal(country="DE", subdiv="BE"))
    due = office.add(at("2027-12-20T09:00"), 2000 * H)  # 250 working days
    assert office.elapsed(at("2027-12-20T09:00"), due) == 2000 * H
    assert due.astimezone(ZoneInfo("Europe/Berlin")).year == 2028


def test_pauses_are_subtracted_in_working_time() -> None:
    start = at("2026-11-23T09:00")
    # Paused 10:00-12:00 (2 working hours) and over the night (no working time).
    pauses = [
        (at("2026-11-23T10:00"), at("2026-11-23T12:00")),
        (at("2026-11-23T20:00"), at("2026-11-24T08:00")),
    ]
    assert BERLIN.add(start, 4 * H, pauses) == at("2026-11-23T15:00")
    assert BERLIN.elapsed(start, at("2026-11-23T15:00"), pauses) == 4 * H
    # A start inside a pause begins at its end.
    assert BERLIN.add(at("2026-11-23T11:00"), H, pauses) == at("2026-11-23T13:00")
    # Overlapping pauses count once.
    doubled = [*pauses, (at("2026-11-23T11:00"), at("2026-11-23T12:30"))]
    assert BERLIN.add(start, 4 * H, doubled) == at("2026-11-23T15:30")


def test_elapsed_is_zero_when_end_is_not_after_start() -> None:
    assert BERLIN.elapsed(at("2026-11-23T12:00"), at("2026-11-23T10:00")) == timedelta(0)
    assert BERLIN.elapsed(at("2026-11-23T12:00"), at("2026-11-23T12:00")) == timedelta(0)


def test_calendar_zone_differs_from_the_timestamps_zone() -> None:
    tokyo = timezone(timedelta(hours=9))
    start = datetime(2026, 11, 23, 18, 0, tzinfo=tokyo)  # 10:00 in Berlin
    due = BERLIN.add(start, 2 * H)
    assert due == at("2026-11-23T12:00")
    assert due.tzinfo is UTC


# --- daylight saving ----------------------------------------------------------------


def _day(tz: str, windows: Sequence[tuple[str, str]]) -> BusinessClock:
    every = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return BusinessClock(cal(tz, days=every, windows=windows))


@pytest.mark.parametrize(
    ("tz", "day", "windows", "hours"),
    [
        # Spring forward: the local day is shorter, a window over the jump too.
        ("Europe/Berlin", "2026-03-29", [("00:00", "24:00")], 23),
        ("Europe/Berlin", "2026-03-29", [("01:00", "04:00")], 2),
        ("Europe/Berlin", "2026-03-29", [("01:00", "02:30")], 1),  # closes at the jump
        ("Europe/Berlin", "2026-03-29", [("02:30", "04:00")], 1),  # opens at the jump
        ("Europe/Berlin", "2026-03-29", [("09:00", "17:00")], 8),
        ("America/New_York", "2026-03-08", [("00:00", "24:00")], 23),
        ("America/Sao_Paulo", "2018-11-04", [("00:00", "06:00")], 5),  # midnight jump
        ("Asia/Tehran", "2021-03-22", [("00:00", "24:00")], 23),
        ("Australia/Lord_Howe", "2026-10-04", [("00:00", "06:00")], 5.5),  # 30 minutes
        # Fall back: the repeated hour counts twice.
        ("Europe/Berlin", "2026-10-25", [("00:00", "24:00")], 25),
        ("Europe/Berlin", "2026-10-25", [("01:00", "04:00")], 4),
        ("America/New_York", "2026-11-01", [("00:00", "24:00")], 25),
        ("America/Sao_Paulo", "2018-02-17", [("22:00", "24:00")], 3),  # 23:00 twice
        ("Asia/Tehran", "2021-09-21", [("00:00", "24:00")], 25),  # 23:00 twice
        ("Australia/Lord_Howe", "2026-04-05", [("00:00", "06:00")], 6.5),
    ],
)
def test_dst_days_have_their_real_length(
    tz: str, day: str, windows: Sequence[tuple[str, str]], hours: float
) -> None:
    clock = _day(tz, windows)
    local = date.fromisoformat(day)
    start = at(f"{day}T00:00", tz) - 6 * H
    end = at((local + timedelta(days=1)).isoformat() + "T12:00", tz)
    first = clock.day(local)
    assert sum((b - a for a, b in first.intervals), timedelta(0)) == hours * H
    # Elapsed over the whole day agrees, and add() inverts it.
    assert clock.elapsed(start, end) - _others(clock, local, start, end) == hours * H
    assert clock.elapsed(start, clock.add(start, hours * H)) == hours * H


def _others(clock: BusinessClock, day: date, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for offset in (-1, 1):
        for a, b in clock.day(day + timedelta(days=offset)).intervals:
            total += max(timedelta(0), min(b, end) - max(a, start))
    return total


def test_deadlines_across_dst_are_exact_instants() -> None:
    always = BusinessClock(Calendar(name="24/7", timezone="Europe/Berlin", always_open=True))
    before = at("2026-03-28T12:00")
    # 24 h of real time after Saturday noon is Sunday 13:00 local (the clock jumped).
    assert always.add(before, 24 * H) == at("2026-03-29T13:00")
    office = _day("Europe/Berlin", [("09:00", "17:00")])
    assert office.add(at("2026-03-28T16:00"), 2 * H) == at("2026-03-29T10:00")
    assert office.add(at("2026-10-24T16:00"), 2 * H) == at("2026-10-25T10:00")


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"timezone": "Mars/Olympus", "hours": {"mon": [["09:00", "17:00"]]}}, "unknown time zone"),
        ({"timezone": "UTC", "hours": {"mon": [["9am", "17:00"]]}}, "hours.mon[0]"),
        ({"timezone": "UTC", "hours": {"mon": [["09:00", "25:00"]]}}, "00:00 to 24:00"),
        ({"timezone": "UTC", "hours": {"funday": []}}, "unknown weekday 'funday'"),
        ({"timezone": "UTC", "hours": {}}, "no working window"),
        (
            {"timezone": "UTC", "hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},
            "overlap",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}, "end_convention": "x"},
            "end_convention",
        ),
        ({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}, "country": "XX"}, "XX"),
        (
            {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}, "holidays": ["soon"]},
            "holidays[0]",
        ),
        ({"timezone": "UTC"}, "hours: missing"),
    ],
)
def test_bad_calendars_name_the_field(spec: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        Calendar.from_json(spec, name="bad")


def test_negative_durations_and_naive_times_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="negative"):
        BERLIN.add(at("2026-11-23T10:00"), -H)
    with pytest.raises(InvalidInputError, match="time zone"):
        BERLIN.add(datetime(2026, 11, 23, 10, 0), H)  # noqa: DTZ001 - the point


def test_parse_clock() -> None:
    assert parse_clock("00:00", where="x") == 0
    assert parse_clock("24:00", where="x") == 1440
    with pytest.raises(InvalidInputError):
        parse_clock("24:30", where="x")


def test_explanation_lists_windows_holidays_and_pauses() -> None:
    clock = BusinessClock(cal(country="DE", subdiv="BE"))
    pauses = [(at("2026-12-23T10:00"), at("2026-12-23T11:00"))]
    text = "\n".join(explain_add(clock, at("2026-12-23T09:00"), 20 * H, pauses).lines)
    assert "zone Europe/Berlin" in text
    assert "public holidays of DE-BE" in text
    assert "2026-12-25 (public holiday: Christmas Day)" in text
    assert "pauses subtracted" in text
    assert "end convention stay" in text
    assert "due Mon 2026-12-28 14:00:00 CET" in text


# --- against a minute-by-minute oracle -------------------------------------------------


ORACLE_CALENDARS = {
    "berlin-office": cal(country="DE", subdiv="BE"),
    "berlin-early": cal(
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        windows=[("01:00", "02:30"), ("02:45", "04:00"), ("09:00", "12:00")],
    ),
    "ny-night": cal("America/New_York", windows=[("22:00", "06:00")], end_convention="next_open"),
    "saopaulo-2018": cal(
        "America/Sao_Paulo",
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        windows=[("00:00", "03:00"), ("22:00", "24:00")],
    ),
    "tehran": cal(
        "Asia/Tehran", days=("sat", "sun", "mon", "tue", "wed"), windows=[("23:00", "01:30")]
    ),
    "lord-howe": cal(
        "Australia/Lord_Howe",
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        windows=[("01:30", "02:15"), ("02:20", "03:00")],
    ),
}
ANCHORS = {
    "berlin-office": [utc("2026-03-26T08:00"), utc("2026-10-22T08:00"), utc("2026-12-22T08:00")],
    "berlin-early": [utc("2026-03-27T20:00"), utc("2026-10-23T20:00")],
    "ny-night": [utc("2026-03-05T12:00"), utc("2026-10-29T12:00")],
    "saopaulo-2018": [utc("2018-11-01T12:00"), utc("2018-02-15T12:00")],
    "tehran": [utc("2021-03-19T12:00"), utc("2021-09-18T12:00")],
    "lord-howe": [utc("2026-10-01T00:00"), utc("2026-04-02T00:00")],
}


def _wall_instant(local: datetime, tz: ZoneInfo) -> datetime:
    """Independent of the module: step minute by minute to the first instant whose
    wall time reads ``local`` or later (the first occurrence of a repeated time)."""
    candidate = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    probe = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    start = min(candidate, probe) - 2 * H
    t = start
    while (t.astimezone(tz).replace(tzinfo=None)) < local:
        t += M
    return t


def _oracle_minutes(calendar: Calendar, first: datetime, last: datetime) -> list[datetime]:
    """Every working minute in ``[first, last)``, from the definition, by brute force."""
    import holidays

    tz = ZoneInfo(calendar.timezone)
    spans: list[Interval] = []
    day = first.astimezone(tz).date() - timedelta(days=1)
    while day <= last.astimezone(tz).date():
        closed = day in calendar.holidays or (
            calendar.country is not None
            and day
            in holidays.country_holidays(calendar.country, subdiv=calendar.subdiv, years=day.year)
        )
        windows = calendar.hours[day.weekday()]
        if day in calendar.open_dates:
            closed, windows = False, windows or calendar.standard_windows
        if not closed:
            for s, e in windows:
                midnight = datetime.combine(day, datetime.min.time())
                spans.append(
                    (
                        _wall_instant(midnight + timedelta(minutes=s), tz),
                        _wall_instant(midnight + timedelta(minutes=e), tz),
                    )
                )
        day += timedelta(days=1)
    minutes = []
    t = first
    while t < last:
        if any(a <= t < b for a, b in spans):
            minutes.append(t)
        t += M
    return minutes


@st.composite
def scenario(draw: st.DrawFn) -> tuple[str, datetime, int, list[Interval]]:
    name = draw(st.sampled_from(sorted(ORACLE_CALENDARS)))
    anchor = draw(st.sampled_from(ANCHORS[name]))
    start = anchor + draw(st.integers(0, 4 * 24 * 60)) * M
    minutes = draw(st.integers(0, 16 * 60))
    pauses: list[Interval] = []
    for _ in range(draw(st.integers(0, 2))):
        p0 = start + draw(st.integers(-120, 3 * 24 * 60)) * M
        pauses.append((p0, p0 + draw(st.integers(1, 600)) * M))
    return name, start, minutes, pauses


@settings(max_examples=60, deadline=None)
@given(scenario())
def test_add_and_elapsed_agree_with_the_minute_oracle(
    case: tuple[str, datetime, int, list[Interval]],
) -> None:
    name, start, minutes, pauses = case
    calendar = ORACLE_CALENDARS[name]
    clock = BusinessClock(calendar)
    horizon = start + timedelta(days=21)
    counted = [
        m
        for m in _oracle_minutes(calendar, start, horizon)
        if not any(a <= m < b for a, b in pauses)
    ]
    assert len(counted) > minutes, "the horizon is too short for this case"
    due = clock.add(start, minutes * M, pauses)
    if minutes == 0:
        expected = counted[0]
    else:
        expected = counted[minutes - 1] + M
        if calendar.end_convention is EndConvention.NEXT_OPEN and expected not in counted:
            expected = next(m for m in counted if m > expected)
    assert due == expected
    # elapsed() inverts add() and matches the count of working minutes.
    assert clock.elapsed(start, due, pauses) == minutes * M
    end = start + timedelta(hours=30)
    assert clock.elapsed(start, end, pauses) == sum(1 for m in counted if m < end) * M


@settings(max_examples=80, deadline=None)
@given(scenario(), st.integers(0, 24 * 60))
def test_add_is_monotonic_and_respects_pauses(
    case: tuple[str, datetime, int, list[Interval]], more: int
) -> None:
    name, start, minutes, pauses = case
    clock = BusinessClock(ORACLE_CALENDARS[name])
    assert clock.add(start, minutes * M, pauses) <= clock.add(start, (minutes + more) * M, pauses)
    for a, b in pauses:
        assert clock.elapsed(a, b, pauses) == timedelta(0)


def test_adding_past_the_end_of_time_is_a_clear_error() -> None:
    always = Calendar(name="utc", timezone="UTC", always_open=True)
    late = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="beyond the year 9999"):
        BusinessClock(always).add(late, timedelta(hours=2))
