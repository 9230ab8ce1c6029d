"""Benchmark: business-time arithmetic stays fast for long durations.

Plain script, not a test: ``python tests/bench/bench_calendar.py``.

1. 100,000 due-time computations over mixed calendars (24/7, office hours with
   public holidays, split days, a night shift) and durations drawn log-uniformly
   from 1 hour to 1 year; fresh clocks per calendar, so day plans are built as
   they would be in a new process.
2. The cost of 1-year durations against 1-hour ones (same starts).
3. The engine against a minute-by-minute oracle on the same cases (durations
   from 1 hour to 1 week; the oracle is too slow for longer ones).
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from dispatch.domain.calendar import BusinessClock, Calendar

WEEK = ("mon", "tue", "wed", "thu", "fri")
CALENDARS = [
    Calendar(name="24/7", timezone="Europe/Berlin", always_open=True),
    Calendar.from_json(
        {
            "timezone": "Europe/Berlin",
            "country": "DE",
            "subdiv": "BE",
            "hours": {d: [["09:00", "17:00"]] for d in WEEK},
        },
        name="office-de",
    ),
    Calendar.from_json(
        {
            "timezone": "Europe/Bucharest",
            "country": "RO",
            "hours": {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in WEEK},
        },
        name="split-ro",
    ),
    Calendar.from_json(
        {
            "timezone": "America/New_York",
            "country": "US",
            "subdiv": "NY",
            "hours": {d: [["22:00", "06:00"]] for d in WEEK},
        },
        name="night-us",
    ),
]
Case = tuple[int, datetime, timedelta]


def cases(count: int, low: timedelta, high: timedelta, seed: int) -> list[Case]:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for _ in range(count):
        start = base + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        span = math.exp(rng.uniform(math.log(low.total_seconds()), math.log(high.total_seconds())))
        out.append((rng.randrange(len(CALENDARS)), start, timedelta(seconds=round(span))))
    return out


def run(clocks: Sequence[BusinessClock], batch: Sequence[Case]) -> float:
    started = time.perf_counter()
    for index, start, span in batch:
        clocks[index].add(start, span)
    return time.perf_counter() - started


def fresh() -> list[BusinessClock]:
    return [BusinessClock(c) for c in CALENDARS]


def oracle_add(clock: BusinessClock, start: datetime, span: timedelta) -> datetime:
    """Step minute by minute; a minute counts if it lies in a working interval."""
    need = int(span.total_seconds() // 60)
    t = start.replace(second=0, microsecond=0)
    plans: dict[object, tuple[tuple[datetime, datetime], ...]] = {}

    def working(m: datetime) -> bool:
        day = clock.local_date(m)
        for d in (day - timedelta(days=1), day):
            if d not in plans:
                plans[d] = clock.day(d).intervals
            if any(a <= m < b for a, b in plans[d]):
                return True
        return False

    while need:
        if working(t):
            need -= 1
        t += timedelta(minutes=1)
    return t


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    mixed = cases(100_000, timedelta(hours=1), timedelta(days=365), seed=1)
    total = run(fresh(), mixed)
    print(
        f"100,000 mixed due times (1 h .. 1 y):  {total:7.2f} s  "
        f"({total / len(mixed) * 1e6:7.1f} us each)"
    )

    starts = cases(2_000, timedelta(hours=1), timedelta(hours=1), seed=2)
    hour = [(i, s, timedelta(hours=1)) for i, s, _ in starts]
    year = [(i, s, timedelta(days=365)) for i, s, _ in starts]
    clocks = fresh()
    run(clocks, year)  # warm the day plans: steady state of a long-running console
    per_hour = statistics.median(run(clocks, hour) for _ in range(3)) / len(hour)
    per_year = statistics.median(run(clocks, year) for _ in range(3)) / len(year)
    print()
    print(f"{'duration':<12}{'us per add':>12}{'ratio':>10}")
    print(f"{'1 hour':<12}{per_hour * 1e6:>12.1f}{1:>10.1f}")
    print(f"{'1 year':<12}{per_year * 1e6:>12.1f}{per_year / per_hour:>10.1f}")

    sample = cases(300, timedelta(hours=1), timedelta(days=7), seed=3)
    clocks = fresh()
    engine = timed(lambda: [clocks[i].add(s, d) for i, s, d in sample])
    slow = timed(lambda: [oracle_add(clocks[i], s, d) for i, s, d in sample])
    agree = sum(
        clocks[i].add(
            s.replace(second=0, microsecond=0), timedelta(minutes=d // timedelta(minutes=1))
        )
        == oracle_add(clocks[i], s, d)
        for i, s, d in sample[:50]
    )
    print()
    print(f"{'300 due times, 1 h .. 1 week':<32}{'seconds':>10}{'ratio':>10}")
    print(f"{'engine':<32}{engine:>10.3f}{1:>10.1f}")
    print(f"{'minute-by-minute oracle':<32}{slow:>10.3f}{slow / engine:>10.1f}")
    print(f"oracle agreement on 50 cases: {agree}/50")


if __name__ == "__main__":
    main()
