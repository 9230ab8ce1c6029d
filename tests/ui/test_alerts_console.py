"""The console and the breach sweep: toasts, the header's count, the alert log (``!``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import OptionList
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch.bootstrap import Storage
from dispatch.domain.alerts import AlertLevel
from dispatch.domain.ports import FixedClock
from dispatch.scheduler import SlaMonitor
from dispatch.services import alerts, hours, queue
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.widgets.queue_view import QueueView
from tests.conftest import NOW
from tests.ui.conftest import AppFactory


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """The sweep runs in APScheduler's thread pool, not in a Textual worker: poll."""
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
        await pilot.pause()
    raise AssertionError(f"gave up waiting for {what}")


def current(app: DispatchApp) -> object:
    """The screen on top (typed loosely: it changes under the test)."""
    return app.screen


def toasts(app: DispatchApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]  # noqa: SLF001


async def test_the_console_sweeps_toasts_and_acknowledges(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(scheduler=True)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await wait_for(pilot, lambda: any("Alerts" in t or "SLA" in t for t in toasts(app)),
                       "the first sweep's toast")  # fmt: skip
        raised = alerts.list_alerts(storage.reader())
        breaches = [a for a in raised if a.level is AlertLevel.BREACH]
        assert raised
        assert breaches
        header = app.screen.query_one("#app-header")

        def header_counts_every_stored_breach() -> bool:
            # Read each time: the sweep may still be committing when its first toast shows.
            stored = alerts.list_alerts(storage.reader(), unacked=True)
            count = sum(a.level is AlertLevel.BREACH for a in stored)
            return f"! {count} unacked" in str(header.render())

        await wait_for(pilot, header_counts_every_stored_breach, "the unacked count in the header")
        raised = alerts.list_alerts(storage.reader())
        assert isinstance(app.monitor, SlaMonitor)

        await pilot.press("x")
        assert toasts(app) == []

        await pilot.press("exclamation_mark")
        await settle(pilot)
        log = current(app)
        assert isinstance(log, AlertsScreen)
        listed = log.query_one(OptionList)
        assert listed.option_count == len(raised)
        assert [a.id for a in log.alerts] == sorted((a.id for a in raised), reverse=True)
        newest = log.alerts[0]
        await pilot.press("a")
        await settle(pilot)
        stored = alerts.list_alerts(storage.reader(), ticket_id=newest.ticket_id)
        acked = next(a for a in stored if a.id == newest.id)
        assert acked.acked_by == "ana"
        assert log.alerts[0].acked  # the list was read again

        await pilot.press("u")
        await settle(pilot)
        assert all(not a.acked for a in log.alerts)
        assert newest.id not in {a.id for a in log.alerts}

        target = log.alerts[0].ticket_id
        await pilot.press("enter")
        await settle(pilot)
        back = current(app)
        assert isinstance(back, DispatchScreen)
        assert back.query_one(QueueView).cursor_id == target
    # Leaving the console gives the sweep lease up at once.
    holder = alerts.lease_holder(storage.reader())
    assert holder is not None
    assert isinstance(app.monitor, SlaMonitor)
    assert not app.monitor.holds_lease


async def test_a_second_console_sees_alerts_raised_elsewhere(
    make_app: AppFactory, storage: Storage
) -> None:
    """Another process sweeps: this console (no scheduler) toasts by polling."""
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert toasts(app) == []

        raised = alerts.sweep_alerts(storage.reader(), storage.writer(), FixedClock(NOW))
        assert raised
        base = app.screen
        assert isinstance(base, DispatchScreen)
        base.action_reload()
        await wait_for(pilot, lambda: bool(toasts(app)), "a toast for the others' alerts")
        if len(raised) > 5:
            assert any(f"{len(raised)} new alerts" in t for t in toasts(app))


async def test_a_block_hours_balance_running_low_is_shown(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        clock = FixedClock(NOW)
        ticket = next(
            t for t in queue.load_queue(storage.reader())
            if t.customer_name == "Tipografia Dunărea SRL"
        )  # fmt: skip
        hours.log_time(storage.writer(), clock, "ana", ticket.id, timedelta(hours=17))
        _, low = hours.watch_block_hours(storage.writer(), clock)
        assert [b.contract_name for b in low] == ["BLK-2026-004"]
        await wait_for(pilot, lambda: any("Block hours low" in t for t in toasts(app)),
                       "the low-balance toast")  # fmt: skip
        assert any("BLK-2026-004: 3.0 of 20.0 h left" in t for t in toasts(app))


async def test_the_alert_log_moves_like_every_list_and_reopens_as_it_was_left(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    assert alerts.sweep_alerts(storage.reader(), storage.writer(), clock)  # before the start
    app = make_app(clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        log = current(app)
        assert isinstance(log, AlertsScreen)
        listed = log.query_one(OptionList)
        assert listed.option_count > 3
        await pilot.press("j", "j")
        assert listed.highlighted == 2
        await pilot.press("k")
        assert listed.highlighted == 1
        await pilot.press("G")
        assert listed.highlighted == listed.option_count - 1
        await pilot.press("g")
        assert listed.highlighted == 0
        await pilot.press("u", "escape")  # unacknowledged only, then back
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        again = current(app)
        assert isinstance(again, AlertsScreen)
        assert again.unacked_only
        assert all(not a.acked for a in again.alerts)
