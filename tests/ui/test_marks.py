"""Pilot tests: marks and bulk changes, one confirmation, one versioned change each."""

from __future__ import annotations

from textual.widgets import OptionList

from dispatch.bootstrap import Storage
from dispatch.domain.ports import FixedClock
from dispatch.services import alerts, audit, tickets
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.screens.status import StatusModal
from dispatch.ui.widgets.queue_view import MARK
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle
from tests.ui.test_console_changes import current, history, stored, toasts


async def test_bulk_assign_writes_each_and_lists_the_conflict(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        view = queue(app)
        await pilot.press("space", "space", "space")
        await settle(pilot)
        marked = view.marked
        assert len(marked) == 3
        assert view.cursor_row == 3  # space moves on
        assert "3 marked" in str(app.screen.query_one("#filter-line").render())
        assert MARK in view._format(marked[0], "ok", 120, marked=True)  # noqa: SLF001

        # Someone else changes the second marked ticket after it was shown.
        clash = marked[1]
        tickets.assign_technician(storage.writer(), FixedClock(NOW), "bob", clash.id, "tom")
        events = {t.id: history(storage, t.id) for t in marked}

        await pilot.press("a")
        await settle(pilot)
        dialog = current(app)
        assert isinstance(dialog, AssignModal)
        assert "3 marked tickets" in str(dialog.query_one("#assign-title").render())
        chosen = dialog.query_one(OptionList).get_option_at_index(0).id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(current(app), ConfirmModal)
        await pilot.press("y")
        await settle(pilot)

        refusal = current(app)
        assert isinstance(refusal, ExplainModal)
        assert clash.ref in str(refusal.query_one("Static").render())
        assert any(f"2 of 3 marked tickets assigned to {chosen}" in t for t in toasts(app))
        for ticket in marked:
            now = stored(storage, ticket.id)
            if ticket.id == clash.id:
                assert now.assignee == "tom"  # bob's change stands
                assert history(storage, ticket.id) == events[ticket.id]
            else:
                assert now.assignee == chosen
                assert now.version == ticket.version + 1  # one change each
                assert history(storage, ticket.id)[len(events[ticket.id]) :] == ["ticket.assigned"]
        assert [t.id for t in view.marked] == [clash.id]  # the refused one stays marked

        await pilot.press("escape")  # closes the list
        await settle(pilot)
        await pilot.press("escape")  # on the queue: unmarks all
        await settle(pilot)
        assert view.marked == []
        assert app.screen is screen(app)


async def test_bulk_status_offers_what_any_may_take_and_refuses_the_rest(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        await settle(pilot)
        marked = queue(app).marked
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(current(app), StatusModal)
        await pilot.press("w", "y")  # waiting on the customer, confirmed
        await settle(pilot)
        for ticket in marked:
            assert stored(storage, ticket.id).status.value == "waiting_customer"
            last = audit.read_log(storage.reader(), ticket_id=ticket.id)[-1]
            assert last.actor == "ana"
        assert queue(app).marked == []


async def test_marked_alerts_are_acknowledged_together(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    assert alerts.sweep_alerts(storage.reader(), storage.writer(), clock)
    app = make_app(clock=clock)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        log = current(app)
        assert isinstance(log, AlertsScreen)
        first, second, third = log.alerts[:3]
        await pilot.press("space", "space")
        assert log.marked == {first.id, second.id}
        assert MARK in str(log.query_one(OptionList).get_option_at_index(0).prompt)
        # A colleague acknowledges the second one meanwhile: listed, not hidden.
        alerts.acknowledge_alert(storage.writer(), clock, "bob", second.id)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(current(app), ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        refusal = current(app)
        assert isinstance(refusal, ExplainModal)
        assert "already acknowledged by bob" in str(refusal.query_one("Static").render())
        assert any("1 of 2 marked alerts acknowledged" in t for t in toasts(app))
        acked = {a.id: a for a in alerts.list_alerts(storage.reader(), unacked=False, limit=50)}
        assert acked[first.id].acked_by == "ana"
        assert acked[second.id].acked_by == "bob"
        assert not acked[third.id].acked
