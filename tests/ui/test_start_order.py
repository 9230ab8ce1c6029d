"""The start shows the queue first: the other reads and the background watch follow it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.widgets.queue_view import QueueView
from tests.ui.conftest import AppFactory


class RecordingMonitor:
    """A watch that notes where and when it was prepared and started."""

    def __init__(self, shown: Callable[[], bool]) -> None:
        self.shown = shown
        self.prepared_in: threading.Thread | None = None
        self.started_in: threading.Thread | None = None
        self.shown_at_start = False
        self.stopped = False

    def prepare(self) -> None:
        self.prepared_in = threading.current_thread()

    def start(self) -> None:
        self.started_in = threading.current_thread()
        self.shown_at_start = self.shown()

    def stop(self) -> None:
        self.stopped = True


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if ready():
            return
        await asyncio.sleep(0.025)
        await pilot.pause()
    raise AssertionError(f"gave up waiting for {what}")


async def test_the_watch_starts_after_the_queue_is_shown_and_imports_off_the_loop(
    make_app: AppFactory,
) -> None:
    app = make_app()

    def queue_shown() -> bool:
        screen = app.screen_stack[0] if app.screen_stack else None
        return isinstance(screen, DispatchScreen) and screen.query_one(QueueView).total > 0

    monitor = RecordingMonitor(queue_shown)
    app.monitor = monitor
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: monitor.started_in is not None, "the watch's start")
        assert monitor.shown_at_start
        assert monitor.prepared_in is not None
        assert monitor.prepared_in is not threading.main_thread()
        assert monitor.started_in is threading.main_thread()
    assert monitor.stopped


async def test_the_header_counts_are_read_after_the_first_window(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows_when_counted: list[int] = []
    original = DispatchScreen._load_stats  # noqa: SLF001

    def counted(screen: DispatchScreen) -> None:
        rows_when_counted.append(screen.query_one(QueueView).total)
        original(screen)

    monkeypatch.setattr(DispatchScreen, "_load_stats", counted)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: bool(rows_when_counted), "the header counts' read")
    assert rows_when_counted[0] > 0  # the first window was shown before
