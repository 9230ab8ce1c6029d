"""A dropped PostgreSQL connection: the change feed, the scheduler and the console recover.

The server stays up; ``pg_terminate_backend`` drops every connection of the
test database (the feed's listener, the pool's connections), as a server
restart or an administrator would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from dispatch.bootstrap import Storage, build_app, build_runtime, open_storage
from dispatch.config import Settings
from dispatch.domain.errors import StorageUnavailableError
from dispatch.domain.ports import FixedClock
from dispatch.scheduler import SlaMonitor
from dispatch.services import queue, tickets
from dispatch.services.alerts import SweepPolicy
from dispatch.store.feed import PostgresChangeFeed
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.widgets.queue_view import QueueView
from tests.conftest import NOW, load_demo, pg_url, reset_pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(tmp_path: object) -> Iterator[tuple[str, Storage]]:
    url = pg_url()
    if url is None:
        pytest.skip("PostgreSQL tests need DISPATCH_TEST_PG_URL")
    reset_pg(url)
    storage = open_storage(url)
    load_demo(storage)
    try:
        yield url, storage
    finally:
        storage.dispose()


def drop_connections(url: str) -> int:
    """Terminate every other backend of the test database; how many."""
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def an_open_ticket(storage: Storage) -> int:
    return next(t.id for t in queue.load_queue(storage.reader()) if t.assignee is None)


def test_the_feed_says_it_lost_the_connection_then_reconnects_and_catches_up(
    pg: tuple[str, Storage],
) -> None:
    url, storage = pg
    feed = PostgresChangeFeed(storage.engine, first_retry=0.2)
    try:
        assert not feed.changed()
        assert drop_connections(url) >= 1
        # A change made while the listener is gone: its NOTIFY reaches nobody.
        tickets.assign_technician(
            storage.writer(), FixedClock(NOW), "bob", an_open_ticket(storage), "ivan"
        )
        with pytest.raises(StorageUnavailableError, match="lost the database"):
            feed.changed()
        with pytest.raises(StorageUnavailableError, match="waiting to reconnect"):
            feed.changed()  # no attempt before the backoff has passed
        time.sleep(0.25)
        assert feed.changed()  # back: read the event log since the last look
        assert not feed.changed()
        # Listening again: the next change is noticed.
        tickets.assign_technician(
            storage.writer(), FixedClock(NOW), "bob", an_open_ticket(storage), "ivan"
        )
        deadline = time.monotonic() + 2
        while not feed.changed():
            assert time.monotonic() < deadline, "the reconnected feed missed a change"
            time.sleep(0.05)
    finally:
        feed.close()


def test_the_scheduler_carries_on_after_its_connections_are_dropped(
    pg: tuple[str, Storage], caplog: pytest.LogCaptureFixture
) -> None:
    url, storage = pg
    settings = Settings(db_url=url, db_source="test", config_path=None, user="ana")
    monitor = SlaMonitor(build_runtime(settings, storage), SweepPolicy(), holder="sweeper-1")
    with caplog.at_level(logging.INFO, logger="dispatch.scheduler"):
        monitor._sweep_job()  # noqa: SLF001 - what APScheduler calls
        assert monitor.holds_lease
        assert drop_connections(url) >= 1
        monitor._sweep_job()  # noqa: SLF001
        monitor._block_job()  # noqa: SLF001
    assert monitor.holds_lease
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures == []
    monitor.stop()


def test_the_scheduler_says_once_that_the_database_is_gone_and_once_that_it_is_back(
    pg: tuple[str, Storage], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, storage = pg
    settings = Settings(db_url=url, db_source="test", config_path=None, user="ana")
    monitor = SlaMonitor(build_runtime(settings, storage), SweepPolicy(), holder="sweeper-1")
    outcomes: list[Exception | None] = [StorageUnavailableError("database error: gone")] * 3
    real = monitor.run_once

    def flaky() -> object:
        if outcomes:
            error = outcomes.pop()
            if error is not None:
                raise error
        return real()

    monkeypatch.setattr(monitor, "run_once", flaky)
    with caplog.at_level(logging.INFO, logger="dispatch.scheduler"):
        for _ in range(5):
            monitor._sweep_job()  # noqa: SLF001
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 2, said
    assert "database unreachable" in said[0]
    assert "reachable again" in said[1]
    monitor.stop()


async def test_the_console_pauses_live_updates_once_and_shows_what_changed_meanwhile(
    pg: tuple[str, Storage], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, storage = pg
    settings = Settings(db_url=url, db_source="test", config_path=None, user="ana")
    app = build_app(settings, clock=FixedClock(NOW), storage=storage, start_scheduler=False)
    # Every toast raised, also one that has timed out by the time the test looks
    # (the app's list forgets those: on a loaded machine "back" can expire first).
    said: list[tuple[str, str]] = []
    notify = app.notify

    def recording(message: str, *, title: str = "", **kwargs: Any) -> None:
        said.append((title, message))
        notify(message, title=title, **kwargs)

    monkeypatch.setattr(app, "notify", recording)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = app.screen_stack[0]
        assert isinstance(screen, DispatchScreen)
        view = screen.query_one(QueueView)
        deadline = time.monotonic() + 10
        while screen._feed is None or view.cursor_ticket is None:  # noqa: SLF001
            assert time.monotonic() < deadline
            await pilot.pause(0.1)
        target = view.cursor_ticket.id
        assert drop_connections(url) >= 1
        # Changed while the console's listener is gone: its notification reaches nobody.
        tickets.assign_technician(storage.writer(), FixedClock(NOW), "bob", target, "ivan")
        deadline = time.monotonic() + 4  # sooner than the five-second refresh
        while view.cursor_ticket is None or view.cursor_ticket.assignee != "ivan":
            assert time.monotonic() < deadline, "the change made during the outage never showed"
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        titles = [title for title, _ in said]
        assert titles.count("Live updates paused") == 1, said
        assert titles.count("Live updates back") == 1, said
        assert "Not done" not in titles, said
