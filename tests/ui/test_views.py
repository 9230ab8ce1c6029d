"""Pilot tests: saved views on the digits, the views line, the last view and theme remembered."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.bootstrap import Storage
from dispatch.domain.filter import SavedView, Scope
from dispatch.domain.model import Severity
from dispatch.domain.queue import QueueOrder
from dispatch.prefs import FilePreferences
from dispatch.services import queue as queue_service
from dispatch.ui import history as history_module
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.widgets.filter_bar import FilterBar
from dispatch.ui.widgets.view_tabs import ViewTabs
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle
from tests.ui.test_console_changes import toasts

VIEWS = (
    SavedView.parse("mine", {"scope": "mine"}, "test"),
    SavedView.parse("p1-unassigned", {"filter": "sev:P1 tech:-"}, "test"),
    SavedView.parse("deadlines", {"order": "deadline", "filter": "!kind:sub"}, "test"),
)


def tabs_text(app: object) -> str:
    return str(app.screen.query_one(ViewTabs).render())  # type: ignore[attr-defined]


async def test_digits_switch_views_and_the_line_marks_a_changed_one(
    make_app: AppFactory, storage: Storage
) -> None:
    everything = queue_service.load_queue(storage.reader())
    app = make_app(views=VIEWS)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert "0 queue" in tabs_text(app)
        assert "3 deadlines" in tabs_text(app)
        view = queue(app)
        assert view.total == len(everything)

        await pilot.press("2")
        await settle(pilot)
        p1_free = [t for t in everything if t.severity is Severity.P1 and t.assignee is None]
        assert view.total == len(p1_free) > 0
        assert "filter: sev:P1 tech:-" in str(app.screen.query_one("#filter-line").render())
        assert "*" not in tabs_text(app)

        await pilot.press("1")
        await settle(pilot)
        assert screen(app).filter.scope is Scope.MINE
        assert screen(app).filter.me == "ana"
        assert all(t.assignee == "ana" for t in view._rows.values())  # noqa: SLF001

        await pilot.press("3", "o")  # the deadlines view, then another order: changed
        await settle(pilot)
        assert screen(app).filter.order is QueueOrder.AGE
        assert "3 deadlines*" in tabs_text(app)

        await pilot.press("0")
        await settle(pilot)
        assert view.total == len(everything)
        assert screen(app).filter.order is QueueOrder.PRIORITY
        assert app.screen.query_one(FilterBar).text == ""
        assert "*" not in tabs_text(app)

        await pilot.press("7")  # no such view: not a key, not in the palette
        await settle(pilot)
        assert view.total == len(everything)
        commands = {c.title for c in DispatchCommands(app.screen).commands()}
        assert {"Queue", "View 1", "View 3"} <= commands
        assert "View 4" not in commands


async def test_without_views_there_is_no_views_line(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(ViewTabs).display
        await pilot.press("slash", *"sev:P1", "enter")
        await settle(pilot)
        await pilot.press("0", "1")  # no views: the digits are not keys
        await settle(pilot)
        assert screen(app).filter.severities.only == {Severity.P1}
        commands = {c.title for c in DispatchCommands(app.screen).commands()}
        assert not {"Queue", "View 1"} & commands


async def test_the_last_view_and_the_theme_are_remembered_per_user(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(views=VIEWS, prefs=FilePreferences(tmp_path, "ana"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    assert FilePreferences(tmp_path, "ana").load() == {"view": "p1-unassigned", "theme": "nord"}
    assert FilePreferences(tmp_path, "bob").load() == {}  # another user's console is its own

    again = make_app(views=VIEWS, prefs=FilePreferences(tmp_path, "ana"))
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"
        assert screen(again).filter.severities.only == {Severity.P1}
        assert "2 p1-unassigned" in tabs_text(again)
        view = queue(again)
        assert all(
            t.severity is Severity.P1 and t.assignee is None
            for t in view._rows.values()  # noqa: SLF001
        )

    # A view that is no longer configured: the console starts on the plain queue.
    third = make_app(views=VIEWS[:1], prefs=FilePreferences(tmp_path, "ana"))
    async with third.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert screen(third).filter.is_empty
        assert screen(third).filter.scope is Scope.OPEN


async def test_minus_and_plus_walk_the_tickets_shown(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "SETTLE_SECONDS", 0.0)  # every ticket rests
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        view = queue(app)
        first = view.cursor_id
        await pilot.press("j")
        await settle(pilot)
        second = view.cursor_id
        await pilot.press("j")
        await settle(pilot)
        assert len({first, second, view.cursor_id}) == 3
        await pilot.press("minus")
        await settle(pilot)
        assert view.cursor_id == second
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert view.cursor_id == first
        await pilot.press("minus")
        await settle(pilot)
        assert any("No earlier ticket" in t for t in toasts(app)), toasts(app)
        await pilot.press("plus")
        await settle(pilot)
        assert view.cursor_id == second

        # Filter the ticket out: going back finds it anyway, the filter's terms dropped.
        await pilot.press("slash", *f"!id:{second}", "enter")
        await settle(pilot)
        assert view.cursor_id != second
        await pilot.press("minus")
        await settle(pilot)
        assert view.cursor_id == second
        assert screen(app).filter.is_empty
