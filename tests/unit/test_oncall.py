"""On-call rotas against hand-worked schedules across the EU DST changes of 2026.

Sofia is on EET (UTC+2) in winter and EEST (UTC+3) in summer; the clocks jump
from 03:00 to 04:00 on 29 March 2026 and fall back from 04:00 to 03:00 on
25 October 2026 (both at 01:00 UTC). Every expected instant below was worked
out by hand from those two facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Technician
from dispatch.domain.oncall import (
    Override,
    Period,
    Rotation,
    Schedule,
    Shift,
    apply_schedule,
    parse_weekday,
)

SOFIA = "Europe/Sofia"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(
    start: date, members: tuple[str, ...], at: time = time(8, 0), name: str = "primary"
) -> Rotation:
    return Rotation(0, name, 1, SOFIA, at, Period.DAILY, start, members)


def test_daily_handover_stays_at_eight_local_across_spring_forward() -> None:
    rota = daily(date(2026, 3, 27), ("ana", "tom", "bob"))
    # 27 Mar 08:00 EET = 06:00Z; 28 Mar 06:00Z; 29 Mar 08:00 EEST = 05:00Z; 30 Mar 05:00Z.
    assert [rota.handover_at(i) for i in range(4)] == [
        utc(2026, 3, 27, 6),
        utc(2026, 3, 28, 6),
        utc(2026, 3, 29, 5),
        utc(2026, 3, 30, 5),
    ]
    schedule = Schedule([rota])
    assert schedule.logins_at(utc(2026, 3, 29, 4, 59)) == frozenset({"tom"})  # 07:59 EEST
    assert schedule.logins_at(utc(2026, 3, 29, 5, 0)) == frozenset({"bob"})  # 08:00 EEST
    # Tom's shift is 23 hours long (the night lost an hour).
    (tom,) = schedule.on_call(utc(2026, 3, 28, 12))
    assert tom == Shift("primary", 1, "tom", utc(2026, 3, 28, 6), utc(2026, 3, 29, 5))
    assert tom.end - tom.start == timedelta(hours=23)


def test_daily_handover_across_fall_back_makes_a_25_hour_shift() -> None:
    rota = daily(date(2026, 10, 23), ("ana", "tom", "bob"))
    # 23 Oct 08:00 EEST = 05:00Z, 24 Oct 05:00Z, 25 Oct 08:00 EET = 06:00Z.
    schedule = Schedule([rota])
    assert schedule.logins_at(utc(2026, 10, 25, 5, 30)) == frozenset({"tom"})  # 07:30 EET
    assert schedule.logins_at(utc(2026, 10, 25, 6, 0)) == frozenset({"bob"})
    assert schedule.shifts(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == [
        Shift("primary", 1, "tom", utc(2026, 10, 24, 5), utc(2026, 10, 25, 6)),
        Shift("primary", 1, "bob", utc(2026, 10, 25, 6), utc(2026, 10, 26, 6)),
    ]


def test_handover_in_the_spring_gap_happens_at_the_jump() -> None:
    # 03:30 does not exist in Sofia on 29 March: the clock jumps 03:00 -> 04:00 (01:00Z).
    rota = daily(date(2026, 3, 28), ("ana", "tom"), at=time(3, 30))
    assert rota.handover_at(0) == utc(2026, 3, 28, 1, 30)  # 03:30 EET
    assert rota.handover_at(1) == utc(2026, 3, 29, 1, 0)  # the jump, 04:00 EEST
    assert rota.handover_at(2) == utc(2026, 3, 30, 0, 30)  # 03:30 EEST
    assert Schedule([rota]).logins_at(utc(2026, 3, 29, 0, 59)) == frozenset({"ana"})
    assert Schedule([rota]).logins_at(utc(2026, 3, 29, 1, 0)) == frozenset({"tom"})


def test_handover_in_the_repeated_autumn_hour_happens_once_at_its_first_occurrence() -> None:
    # 03:30 happens twice in Sofia on 25 October: 00:30Z (EEST) and 01:30Z (EET).
    rota = daily(date(2026, 10, 24), ("ana", "tom"), at=time(3, 30))
    assert rota.handover_at(1) == utc(2026, 10, 25, 0, 30)
    assert rota.handover_at(2) == utc(2026, 10, 26, 1, 30)  # 03:30 EET
    schedule = Schedule([rota])
    # The second 03:30 (01:30Z) hands nothing over: Tom stays on call.
    assert schedule.logins_at(utc(2026, 10, 25, 1, 45)) == frozenset({"tom"})
    (shift,) = schedule.on_call(utc(2026, 10, 25, 1, 45))
    assert shift.end - shift.start == timedelta(hours=25)


def test_weekly_rotation_starts_on_its_weekday_and_follows_the_zone() -> None:
    # Monday 09:00; added on Wednesday 21 Oct: the first hand-over is Monday 26 Oct (EET).
    rota = Rotation(
        0, "weekly", 1, SOFIA, time(9, 0), Period.WEEKLY, date(2026, 10, 21), ("ana", "tom"), 0
    )
    assert rota.first_day == date(2026, 10, 26)
    schedule = Schedule([rota])
    assert schedule.logins_at(utc(2026, 10, 26, 6, 59)) == frozenset()  # not started
    assert schedule.logins_at(utc(2026, 10, 26, 7, 0)) == frozenset({"ana"})
    assert schedule.logins_at(utc(2026, 11, 2, 7, 0)) == frozenset({"tom"})
    assert schedule.logins_at(utc(2026, 11, 9, 7, 0)) == frozenset({"ana"})


def test_weekly_shift_across_spring_forward_is_an_hour_short() -> None:
    rota = Rotation(
        0, "weekly", 1, SOFIA, time(9, 0), Period.WEEKLY, date(2026, 3, 23), ("ana", "tom"), 0
    )
    (ana,) = Schedule([rota]).on_call(utc(2026, 3, 25))
    # Mon 23 Mar 09:00 EET = 07:00Z to Mon 30 Mar 09:00 EEST = 06:00Z.
    assert (ana.login, ana.start, ana.end) == ("ana", utc(2026, 3, 23, 7), utc(2026, 3, 30, 6))


def test_override_across_the_autumn_change() -> None:
    """Ana covers Tom from Friday 18:00 to Monday 08:00 (Sofia), over the fall-back weekend."""
    rota = daily(date(2026, 10, 19), ("tom", "bob"))  # Mon tom, Tue bob, ... Fri tom, Sat bob
    cover = Override(
        1, "ana", "tom", utc(2026, 10, 23, 15), utc(2026, 10, 26, 6)
    )  # Fri 18:00 EEST, Mon 08:00 EET
    schedule = Schedule([rota], [cover])
    assert schedule.shifts(utc(2026, 10, 23, 5), utc(2026, 10, 26, 7)) == [
        Shift("primary", 1, "tom", utc(2026, 10, 23, 5), utc(2026, 10, 23, 15)),
        Shift("primary", 1, "ana", utc(2026, 10, 23, 15), utc(2026, 10, 24, 5), "tom"),
        Shift("primary", 1, "bob", utc(2026, 10, 24, 5), utc(2026, 10, 25, 6)),
        Shift("primary", 1, "ana", utc(2026, 10, 25, 6), utc(2026, 10, 26, 6), "tom"),
        Shift("primary", 1, "bob", utc(2026, 10, 26, 6), utc(2026, 10, 27, 6)),
    ]
    assert schedule.logins_at(utc(2026, 10, 23, 14, 59)) == frozenset({"tom"})
    assert schedule.logins_at(utc(2026, 10, 23, 15)) == frozenset({"ana"})
    assert schedule.logins_at(utc(2026, 10, 25, 12)) == frozenset({"ana"})


def test_newer_override_wins_and_overrides_do_not_chain() -> None:
    rota = daily(date(2026, 11, 2), ("tom",))
    first = Override(1, "ana", "tom", utc(2026, 11, 3), utc(2026, 11, 5))
    newer = Override(2, "bob", "tom", utc(2026, 11, 4), utc(2026, 11, 5))
    covers_ana = Override(3, "carl", "ana", utc(2026, 11, 3), utc(2026, 11, 5))
    schedule = Schedule([rota], [first, newer, covers_ana])
    assert schedule.logins_at(utc(2026, 11, 3, 12)) == frozenset({"ana"})
    assert schedule.logins_at(utc(2026, 11, 4, 12)) == frozenset({"bob"})
    assert schedule.logins_at(utc(2026, 11, 5, 12)) == frozenset({"tom"})


def test_layers_add_up() -> None:
    primary = daily(date(2026, 11, 2), ("ana", "tom"))
    backup = Rotation(
        0, "backup", 2, SOFIA, time(9, 0), Period.WEEKLY, date(2026, 11, 2), ("carl",), 0
    )
    schedule = Schedule([backup, primary])
    on_call = schedule.on_call(utc(2026, 11, 3, 12))
    assert [(s.layer, s.rotation, s.login) for s in on_call] == [
        (1, "primary", "tom"),
        (2, "backup", "carl"),
    ]


def test_apply_schedule_replaces_the_flag_and_falls_back_without_rotations() -> None:
    techs = [Technician(1, "ana", "Ana", on_call=False), Technician(2, "tom", "Tom", on_call=True)]
    at = utc(2026, 11, 3, 12)
    assert apply_schedule(techs, Schedule(), at) == techs
    flipped = apply_schedule(techs, Schedule([daily(date(2026, 11, 3), ("ana",))]), at)
    assert [(t.login, t.on_call) for t in flipped] == [("ana", True), ("tom", False)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"layer": 0}, "layer 0"),
        ({"members": ()}, "at least one"),
        ({"period": Period.WEEKLY}, "weekday"),
        ({"weekday": 3}, "no weekday"),
    ],
)
def test_rotation_refuses_bad_terms(kwargs: dict[str, object], message: str) -> None:
    terms: dict[str, object] = {
        "id": 0,
        "name": "primary",
        "layer": 1,
        "timezone": SOFIA,
        "handover": time(8),
        "period": Period.DAILY,
        "start": date(2026, 1, 1),
        "members": ("ana",),
    }
    with pytest.raises(InvalidInputError, match=message):
        Rotation(**(terms | kwargs))  # type: ignore[arg-type]


def test_override_refuses_bad_spans() -> None:
    with pytest.raises(InvalidInputError, match="before it starts"):
        Override(0, "ana", "tom", utc(2026, 1, 2), utc(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="themselves"):
        Override(0, "ana", "ana", utc(2026, 1, 1), utc(2026, 1, 2))


def test_too_many_shifts_are_refused() -> None:
    rota = daily(date(2000, 1, 1), ("ana",))
    with pytest.raises(InvalidInputError, match="shorter span"):
        Schedule([rota]).shifts(utc(2000, 1, 1), utc(2020, 1, 1))


def test_weekday_names() -> None:
    assert parse_weekday("Mon") == 0
    assert parse_weekday("sunday") == 6
    with pytest.raises(InvalidInputError, match="'funday'"):
        parse_weekday("funday")
