"""Pilot tests: a read-only console (``--read-only``, ``[access]``) shows all, changes nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Footer

from dispatch.bootstrap import Storage, build_runtime
from dispatch.config import Settings
from dispatch.domain.errors import ReadOnlyError
from dispatch.domain.ports import FixedClock
from dispatch.services import alerts, presence, tickets
from dispatch.ui.access import READ_ONLY_TEXT
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.widgets.app_header import AppHeader
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle
from tests.ui.test_console_changes import history, stored, toasts

CHANGE_TITLES = ("Assign", "Take", "Status", "Severity", "Undo", "New")


def footer_text(app: object) -> str:
    footer = app.screen.query_one(Footer)  # type: ignore[attr-defined]
    return " ".join(str(key.render()) for key in footer.children)


async def test_change_keys_are_hidden_and_refused_and_nothing_is_written(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        before = stored(storage, target.id)
        events_before = history(storage, target.id)
        shown = footer_text(app)
        for title in CHANGE_TITLES:
            assert title not in shown, shown
        assert "Filter" in shown
        assert "Help" in shown
        commands = {c.title for c in DispatchCommands(app.screen).commands()}
        assert not commands & set(CHANGE_TITLES), commands
        assert {"Filter", "Alerts", "Why"} <= commands
        for key in ("a", "t", "s", "p", "u", "n"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen(app), f"{key} opened {app.screen!r}"
        assert toasts(app).count(READ_ONLY_TEXT) == 6, toasts(app)
        assert stored(storage, target.id) == before
        assert history(storage, target.id) == events_before
        assert "RO ana@" in str(app.screen.query_one(AppHeader).render())  # the short form


async def test_a_read_only_console_still_follows_changes_made_elsewhere(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        tickets.assign_technician(storage.writer(), FixedClock(NOW), "bob", target.id, "ivan")
        for _ in range(40):  # the feed's look comes within a second
            await pilot.pause(0.05)
            await settle(pilot, rounds=1)
            shown = queue(app).cursor_ticket
            if shown is not None and shown.assignee == "ivan":
                break
        else:
            raise AssertionError("the change made elsewhere never showed")
        # A wallboard is nobody's "also has it open": it writes no heartbeat.
        assert presence.viewers(storage.reader(), FixedClock(NOW), target.id, "bob") == []


async def test_the_alert_log_acknowledges_nothing(make_app: AppFactory, storage: Storage) -> None:
    assert alerts.sweep_alerts(storage.reader(), storage.writer(), FixedClock(NOW))
    unacked = alerts.list_alerts(storage.reader(), unacked=True, limit=10)
    assert unacked, "the demo data raises breach alerts"
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        assert "Acknowledge" not in footer_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert READ_ONLY_TEXT in toasts(app)
    assert alerts.list_alerts(storage.reader(), unacked=True, limit=10) == unacked


def test_the_runtime_of_a_read_only_console_refuses_writes(storage: Storage) -> None:
    settings = Settings(
        db_url="sqlite://", db_source="test", config_path=None, user="ana", read_only=True
    )
    rt = build_runtime(settings, storage, clock=FixedClock(NOW))
    with pytest.raises(ReadOnlyError, match="read-only"):
        tickets.take_ticket(rt.writer(), rt.clock, rt.actor, 1)


async def test_a_read_only_console_runs_no_sweep(make_app: AppFactory) -> None:
    app = make_app(read_only=True, scheduler=True)
    assert app.monitor is None
