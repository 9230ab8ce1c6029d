"""Maintenance plans open one ticket per occurrence; block hours roll over and warn once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import BlockPeriod, Severity, TicketKind
from dispatch.domain.plans import Plan, PlanRun, parse_duration, period_bounds
from dispatch.domain.ports import SystemClock
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.scheduler import cron_occurrences
from dispatch.services import hours, plans, tickets
from tests.integration.test_alerts import T0, load_directory

MONDAY_6 = "0 6 * * mon"  # 06:00 in Bucharest: 04:00 UTC in winter


@pytest.fixture
def directory(storage: Storage) -> Storage:
    load_directory(storage)
    return storage


def weekly(lead: timedelta = timedelta(days=1)) -> Plan:
    return Plan(
        id=0,
        contract_id=0,
        name="weekly-check",
        title="Weekly server check",
        schedule=MONDAY_6,
        timezone="Europe/Bucharest",
        lead=lead,
        created_at=T0,
        severity=Severity.P3,
        skills=frozenset({"servers"}),
    )


def run(storage: Storage) -> list[Ticket]:
    return list(
        plans.run_plans(storage.reader(), storage.writer(), SystemClock(), cron_occurrences)
    )


def test_occurrences_follow_the_zone_across_daylight_saving() -> None:
    plan = weekly()
    found = cron_occurrences(
        plan, datetime(2027, 3, 20, tzinfo=UTC), datetime(2027, 4, 6, tzinfo=UTC)
    )
    # Bucharest moves to summer time on 28 March 2027: 06:00 local is 04:00, then 03:00 UTC.
    assert found == [
        datetime(2027, 3, 22, 4, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 3, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 3, 0, tzinfo=UTC),
    ]


def test_a_plan_opens_one_ticket_per_occurrence_across_restarts(
    directory: Storage, db_url: str
) -> None:
    with time_machine.travel(T0, tick=False):
        plan = plans.add_plan(directory.writer(), SystemClock(), "ana", "MSP-2025-003", weekly())
        assert run(directory) == []  # next Monday is a week away; the lead is one day
    with time_machine.travel(datetime(2026, 11, 29, 5, 0, tzinfo=UTC), tick=False):
        [first] = run(directory)
        assert run(directory) == []
    restarted = open_storage(db_url)
    try:
        with time_machine.travel(datetime(2026, 11, 29, 6, 0, tzinfo=UTC), tick=False):
            assert run(restarted) == []
        # Two weeks of downtime: the two occurrences now within the lead are opened, late.
        with time_machine.travel(datetime(2026, 12, 13, 5, 0, tzinfo=UTC), tick=False):
            opened = run(restarted)
    finally:
        restarted.dispose()
    assert len(opened) == 2
    runs = [r.occurrence for r in _runs(directory, plan.id)]
    assert runs == [
        datetime(2026, 11, 30, 4, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 4, 0, tzinfo=UTC),
        datetime(2026, 12, 14, 4, 0, tzinfo=UTC),
    ]
    ticket = tickets.ticket_detail(directory.reader(), first.id, T0).ticket
    assert ticket.kind is TicketKind.REGULAR
    assert ticket.title == "Weekly server check (2026-11-30 06:00)"
    assert ticket.skills == frozenset({"servers"})


def _runs(storage: Storage, plan_id: int) -> list[PlanRun]:
    with storage.reader() as uow:
        return list(uow.plans.runs(plan_id))


def test_schedulers_in_parallel_open_each_occurrence_once(directory: Storage) -> None:
    with time_machine.travel(T0, tick=False):
        plan = plans.add_plan(directory.writer(), SystemClock(), "ana", "MSP-2025-003", weekly())
    results: list[int] = []
    start = threading.Barrier(6)

    def one() -> None:
        start.wait()
        results.append(len(run(directory)))

    with time_machine.travel(datetime(2026, 12, 20, 5, 0, tzinfo=UTC), tick=False):
        threads = [threading.Thread(target=one) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    runs = _runs(directory, plan.id)
    assert len(runs) == 4  # 30 Nov, 7, 14 and 21 Dec (opened a day ahead)
    assert sum(results) == 4
    assert all(r.ticket_id is not None for r in runs)


def test_a_bad_plan_is_refused_before_anything_is_stored(directory: Storage) -> None:
    with pytest.raises(InvalidInputError, match="five fields"):
        Plan(0, 0, "x", "x", "0 6 * *", "UTC", timedelta(0), T0)
    bad = Plan(0, 0, "x", "x", "0 25 * * *", "UTC", timedelta(0), T0)
    with pytest.raises(InvalidInputError, match="not a valid crontab line"):
        cron_occurrences(bad, T0, T0 + timedelta(days=1))
    assert plans.list_plans(directory.reader()) == []


# --- block hours ---------------------------------------------------------------------


def test_block_hours_roll_over_and_warn_once_per_period(directory: Storage) -> None:
    """BLK-2026-004 (Tipografia Dunărea SRL): 20 h per calendar month."""
    clock = SystemClock()
    december = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(december, tick=False):
        started, low = hours.watch_block_hours(directory.writer(), clock)
        # The first look starts every current period (the yearly one too).
        assert sorted(b.contract_name for b in started) == ["BLK-2026-004", "BLK-2026-009"]
        assert low == []
        ticket = tickets.open_ticket(
            directory.writer(),
            clock,
            "ana",
            NewTicket("Tipografia Dunărea SRL", "Move the server", opened_at=december),
        )
        for worked in ("6h", "6h", "3h30m"):
            balance = hours.log_time(directory.writer(), clock, "ana", ticket.id,
                                        parse_duration(worked))  # fmt: skip
        assert balance is not None
        assert balance.left_hours == pytest.approx(4.5)
        assert not balance.low
        assert hours.watch_block_hours(directory.writer(), clock) == ([], [])
        balance = hours.log_time(directory.writer(), clock, "ana", ticket.id,
                                    parse_duration("30m"))  # fmt: skip
        assert balance is not None
        assert balance.low  # 4 h of 20 left: the low share
        _, low = hours.watch_block_hours(directory.writer(), clock)
        assert [(b.contract_name, b.left_hours) for b in low] == [("BLK-2026-004", 4.0)]
        assert hours.watch_block_hours(directory.writer(), clock) == ([], [])  # once
    with time_machine.travel(datetime(2027, 1, 1, 0, 5, tzinfo=UTC), tick=False):
        started, low = hours.watch_block_hours(directory.writer(), clock)
        assert [(b.contract_name, b.left_hours) for b in started] == [("BLK-2026-004", 20.0)]
        assert low == []
    events = tickets.ticket_detail(directory.reader(), ticket.id, december).events
    assert sum(e.action == "ticket.time_logged" for e in events) == 4


def test_period_bounds_and_durations() -> None:
    assert period_bounds(BlockPeriod.MONTH, date(2026, 12, 31), date(2026, 1, 15)) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    assert period_bounds(BlockPeriod.YEAR, date(2027, 3, 31), date(2026, 4, 1)) == (
        date(2026, 4, 1),
        date(2027, 4, 1),
    )
    assert period_bounds(BlockPeriod.YEAR, date(2027, 4, 1), date(2026, 4, 1)) == (
        date(2027, 4, 1),
        date(2028, 4, 1),
    )
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("45") == timedelta(minutes=45)
    for bad in ("", "abc", "0", "25h", "-5m"):
        with pytest.raises(InvalidInputError):
            parse_duration(bad)
