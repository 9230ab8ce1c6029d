"""A filter's count stops at a cap ("8+ of 54 open"); ``G`` still reaches the true last match."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from dispatch.bootstrap import Storage
from dispatch.domain.filter import QueueFilter
from dispatch.domain.queue import order_queue
from dispatch.services import queue as queue_service
from dispatch.ui.screens import dispatch_workers
from dispatch.ui.widgets.filter_bar import FilterBar
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, settle

WORDS = "e"
"""A word in most of the demo's tickets: more matches than the small cap and window."""


def line_text(bar: FilterBar) -> str:
    rendered = bar.query_one("#filter-line", Static).render()
    return rendered.plain if isinstance(rendered, Content) else str(rendered)


async def test_end_on_a_capped_filter_reaches_the_true_last_match(
    make_app: AppFactory, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch_workers, "COUNT_CAP", 5)
    # A window (30 rows) taller than the queue on a 24-line screen, as 200 rows are in use.
    monkeypatch.setattr(dispatch_workers, "WINDOW_ROWS", 30)
    monkeypatch.setattr(dispatch_workers, "COUNT_AHEAD", 0)
    everything = queue_service.load_queue(storage.reader())
    where = QueueFilter.parse(WORDS)
    expected = [t.id for t in order_queue(everything) if where.matches(t, NOW)]
    assert len(expected) > 30, "the word matches more than the cap and a window"
    app = make_app()
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        view = queue(app)
        await pilot.press("slash", *WORDS, "enter")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert 5 <= view.total < len(expected)
        assert f"{view.total}+ of {len(everything)} open" in line_text(bar)
        await pilot.press("G")
        await settle(pilot)
        assert view.total == len(expected)
        assert view.cursor_row == len(expected) - 1
        assert view.cursor_ticket is not None
        assert view.cursor_ticket.id == expected[-1]
        assert f"{len(expected)} of {len(everything)} open" in line_text(bar)
        assert "+ of" not in line_text(bar)


async def test_a_count_under_the_cap_is_exact(make_app: AppFactory, storage: Storage) -> None:
    everything = queue_service.load_queue(storage.reader())
    where = QueueFilter.parse(WORDS)
    expected = [t.id for t in everything if where.matches(t, NOW)]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *WORDS, "enter")
        await settle(pilot)
        assert queue(app).total == len(expected)
        line = line_text(app.screen.query_one(FilterBar))
        assert f"{len(expected)} of {len(everything)} open" in line
        assert "+" not in line.split("(")[0]


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FilterBar()


async def test_the_line_says_when_the_count_is_a_lower_bound() -> None:
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(FilterBar)
        bar.show_text("disk")
        bar.show_line(1000, 54321, QueueFilter.parse("disk"), more=True)
        await pilot.pause()
        assert "filter: disk · 1,000+ of 54,321 open" in line_text(bar)
        bar.show_line(12, 340, QueueFilter.parse("disk"))
        await pilot.pause()
        assert "filter: disk · 12 of 340 open" in line_text(bar)
