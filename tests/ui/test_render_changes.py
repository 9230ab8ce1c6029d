"""The console repaints only what changed: two rows per cursor move, nothing on an idle tick.

Each test spies on ``refresh`` and checks which regions were asked to be
repainted (not how long anything took: speed is for ``tests/bench``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget

from dispatch.domain.filter import QueueFilter
from dispatch.domain.ports import FixedClock
from dispatch.ui.screens.dispatch import FULL_REFRESH_EVERY
from dispatch.ui.widgets.app_header import AppHeader
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.quiet_static import QuietStatic
from dispatch.ui.widgets.sla_countdown import SlaCountdown
from dispatch.ui.widgets.tech_panel import TechPanel
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle

Calls = list[tuple[Region, ...]]


def spy(monkeypatch: pytest.MonkeyPatch, widget: Widget) -> Calls:
    """Record the regions of every ``refresh`` of ``widget`` (``()``: the whole widget)."""
    calls: Calls = []
    original = widget.refresh

    def recording(*regions: Region, **kwargs: Any) -> Widget:
        calls.append(regions)
        return original(*regions, **kwargs)

    monkeypatch.setattr(widget, "refresh", recording)
    return calls


def lines(calls: Calls) -> set[int]:
    """The viewport lines asked for; fails on a whole-widget refresh or a taller region."""
    assert all(calls), f"a whole-widget refresh among {calls}"
    regions = [region for call in calls for region in call]
    assert all(region.height == 1 for region in regions), regions
    return {region.y for region in regions}


async def test_a_cursor_move_repaints_only_the_row_left_and_the_row_reached(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = queue(app)
        calls = spy(monkeypatch, view)
        await pilot.press("j")
        await settle(pilot)
        assert view.cursor_row == 1
        assert lines(calls) == {0, 1}
        calls.clear()
        await pilot.press("j", "k")
        await settle(pilot)
        assert lines(calls) == {1, 2}


async def test_an_idle_tick_that_changes_no_cell_repaints_nothing(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = queue(app)
        countdown = screen(app).query_one(SlaCountdown)
        countdown.tick(view.now + timedelta(seconds=1))  # the minute of NOW has begun
        calls = spy(monkeypatch, view)
        countdown_calls = spy(monkeypatch, countdown)
        view.tick(view.now)
        countdown.tick(view.now + timedelta(seconds=2))  # it shows minutes
        await pilot.pause()
        assert calls == []
        assert countdown_calls == []
        # A minute later some countdowns change: only their lines are repainted.
        view.tick(view.now + timedelta(minutes=1))
        changed = lines(calls)
        assert changed
        assert len(changed) < view.scrollable_content_region.height


async def test_a_refresh_that_reads_the_same_again_repaints_nothing(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        base = screen(app)
        watched = [base.query_one(QueueView), base.query_one(SlaCountdown)]
        watched += [base.query_one(TechPanel), base.query_one("#detail-body", QuietStatic)]
        watched += [base.query_one("#detail"), base.query_one("#queue-header", QuietStatic)]
        # The first window was sized before the scroll bar took its two columns.
        base._refresh()  # noqa: SLF001
        await settle(pilot)
        calls = {widget: spy(monkeypatch, widget) for widget in watched}
        base._refresh()  # noqa: SLF001 - the full re-read (r, and every minute), fixed clock
        await settle(pilot)
        assert {w.id: c for w, c in calls.items() if c} == {}


async def test_the_header_repaints_only_when_its_text_changes(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = queue(app)
        header = screen(app).query_one(AppHeader)
        calls = spy(monkeypatch, header)
        header.show(view.now)
        assert calls == []
        header.show(view.now + timedelta(seconds=1))
        assert len(calls) == 1


async def test_the_timed_refresh_reads_only_what_time_changes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        base = screen(app)
        assert base.runtime.open_feed is not None  # the feed brings every change
        calls: list[str] = []
        for name in ("_request_window", "_load_stats", "_load_alerts", "_load_detail"):
            original = getattr(base, name)

            def spy(*args: object, _name: str = name, _original: object = original) -> None:
                calls.append(_name)
                _original(*args)  # type: ignore[operator]

            setattr(base, name, spy)
        base._timed_refresh()  # noqa: SLF001 - what the five-second timer calls
        assert calls == []  # the clock stands still: no deadline or warning has passed
        until = base._counts_until  # noqa: SLF001
        assert until is not None
        assert until > base.runtime.clock.now()
        clock = base.runtime.clock
        assert isinstance(clock, FixedClock)
        clock.advance(until - clock.now() + timedelta(microseconds=1))  # it passes
        base._timed_refresh()  # noqa: SLF001
        assert calls == ["_load_stats"]  # the breached and at-risk counts moved with time
        await settle(pilot)
        later = base._counts_until  # noqa: SLF001
        assert later is not None
        assert later > until
        calls.clear()
        base.filter = QueueFilter.parse("sla:breached")
        base._timed_refresh()  # noqa: SLF001
        assert calls == ["_request_window"]  # the filter moves with time
        calls.clear()
        for _ in range(FULL_REFRESH_EVERY):
            base._timed_refresh()  # noqa: SLF001
        assert {"_load_alerts", "_load_detail"} <= set(calls)  # the minute's safety net
        await settle(pilot)
