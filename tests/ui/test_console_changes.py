"""Pilot tests: no keystroke lost, no change by surprise, undo, status letters, severity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static

from dispatch.bootstrap import Storage
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import Ticket
from dispatch.services import audit, tickets
from dispatch.ui.app import DispatchApp
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.severity import SeverityModal
from dispatch.ui.screens.status import STATUS_KEYS, StatusModal
from dispatch.ui.screens.too_small import TooSmallScreen
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle


def stored(storage: Storage, ticket_id: int) -> Ticket:
    return tickets.ticket_detail(storage.reader(), ticket_id, NOW).ticket


def history(storage: Storage, ticket_id: int) -> list[str]:
    return [e.action for e in audit.read_log(storage.reader(), ticket_id=ticket_id)]


def current(app: DispatchApp) -> object:
    """The screen on top (typed loosely: it changes under the test)."""
    return app.screen


def toasts(app: DispatchApp) -> list[str]:
    return [n.message for n in app._notifications]  # noqa: SLF001


async def move_to(pilot: Pilot[None], app: DispatchApp, wanted: object) -> Ticket:
    """Move the cursor down to the first loaded ticket for which ``wanted(ticket)`` holds."""
    view = queue(app)
    for row in range(view.total):
        ticket = view._rows.get(row)  # noqa: SLF001 - the loaded window
        if ticket is not None and wanted(ticket):  # type: ignore[operator]
            view.cursor_row = row
            await settle(pilot)
            assert screen(app).detail is not None
            return ticket
    raise AssertionError("no such ticket in the first window")


# --- never lose what was typed ---------------------------------------------------------------


async def test_q_in_a_dialog_is_a_letter_and_quit_asks_while_a_draft_is_open(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)
        await pilot.press("q")  # in the status list: nothing
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)
        await pilot.press("tab", "tab", *"quiet please")  # the note field
        assert app.screen.query_one("#status-note", Input).value == "quiet please"
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)
        assert app.screen.query_one("#status-note", Input).value == "quiet please"
        await pilot.press("escape")  # leaving with a draft asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)
        assert app.return_code is None  # still running
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_new_ticket_form_keeps_its_draft_until_told_to_drop_it(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketModal)
        form = app.screen
        await pilot.press("enter")  # opens the customer picker
        await pilot.press("q")  # a letter in the picker, never quit
        await pilot.pause()
        assert app.return_code is None
        await pilot.press("escape")  # close the picker
        await pilot.pause()
        form.query_one("#new-title", Input).focus()
        await pilot.press(*"Printer on fire")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#new-title", Input).value == "Printer on fire"
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # no
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert app.return_code is None


async def test_an_untouched_form_closes_without_a_question(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketModal)
        assert isinstance(app.screen.query_one("#new-customer", Select), Select)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)


# --- never act by surprise --------------------------------------------------------------------


async def test_taking_a_colleagues_ticket_asks_first(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(user="ivan")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = await move_to(pilot, app, lambda t: t.assignee not in (None, "ivan"))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert f"assigned to {target.assignee}" in str(app.screen.query_one("Label").render())
        await pilot.press("n")
        await settle(pilot)
        assert stored(storage, target.id).assignee == target.assignee
        await pilot.press("t", "y")
        await settle(pilot)
        assert stored(storage, target.id).assignee == "ivan"


async def test_taking_past_my_maximum_asks_first(make_app: AppFactory, storage: Storage) -> None:
    app = make_app(user="ana")  # at her maximum in the demo data
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = await move_to(pilot, app, lambda t: t.assignee is None)
        mine = next(c for c in screen(app).ranked if c.tech.login == "ana")
        assert mine.load >= mine.tech.max_tickets
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        question = str(app.screen.query_one("Label").render())
        assert f"your maximum is {mine.tech.max_tickets}" in question
        await pilot.press("y")
        await settle(pilot)
        assert stored(storage, target.id).assignee == "ana"


async def test_taking_my_own_ticket_writes_nothing(make_app: AppFactory, storage: Storage) -> None:
    app = make_app(user="ana")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = await move_to(pilot, app, lambda t: t.assignee == "ana")
        before = history(storage, target.id)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert any("already yours: nothing changed" in m for m in toasts(app))
        assert history(storage, target.id) == before
        assert stored(storage, target.id).version == target.version


# --- status letters -------------------------------------------------------------------------


async def test_every_status_has_a_fixed_letter_and_place(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        orders = []
        for wanted in (TicketStatus.NEW, TicketStatus.IN_PROGRESS):
            await move_to(pilot, app, lambda t, w=wanted: t.status is w)
            await pilot.press("s")
            await pilot.pause()
            options = app.screen.query_one("#status-list", OptionList)
            orders.append([options.get_option_at_index(i).id for i in range(options.option_count)])
            await pilot.press("escape")
            await pilot.pause()
        assert orders[0] == orders[1] == [s.value for s in STATUS_KEYS]
        target = await move_to(pilot, app, lambda t: t.status is TicketStatus.NEW)
        await pilot.press("s", "p")
        await settle(pilot)
        assert stored(storage, target.id).status is TicketStatus.IN_PROGRESS
        pane = str(app.screen.query_one("#detail-body").render())
        assert "status new → in progress" in pane
        assert "first response" not in pane  # the demo's contracts count replies only
        await pilot.press("s", "p")  # already in progress: refused in the dialog
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)
        assert "already in progress" in str(app.screen.query_one("#status-error").render())
        await pilot.press("w")
        await settle(pilot)
        assert stored(storage, target.id).status is TicketStatus.WAITING_CUSTOMER
        await pilot.press("s", "e")  # escalation asks for its bug reference first
        await pilot.pause()
        assert app.screen.query_one("#status-bug", Input).has_focus
        await pilot.press(*"DEV-7", "enter")
        await settle(pilot)
        assert stored(storage, target.id).status is TicketStatus.ESCALATED_DEV


# --- undo and severity ---------------------------------------------------------------------------


async def test_undo_puts_a_take_back_as_a_new_change(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(user="ivan")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = await move_to(pilot, app, lambda t: t.status is TicketStatus.NEW)
        await pilot.press("t")
        await settle(pilot)
        assert any("(u: undo)" in m for m in toasts(app))
        taken = stored(storage, target.id)
        assert (taken.assignee, taken.status) == ("ivan", TicketStatus.ASSIGNED)
        await pilot.press("u")
        await settle(pilot)
        back = stored(storage, target.id)
        assert (back.assignee, back.status) == (None, TicketStatus.NEW)
        assert back.version == taken.version + 1
        assert history(storage, target.id)[-2:] == ["ticket.assigned", "ticket.undone"]
        await pilot.press("u")  # only the last change, once
        await settle(pilot)
        assert any("Nothing to undo" in m for m in toasts(app))
        assert stored(storage, target.id).version == back.version


async def test_undo_is_refused_after_a_minute_or_after_someone_else_changed_it(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    app = make_app(user="ivan", clock=clock)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = await move_to(pilot, app, lambda t: t.status is TicketStatus.NEW)
        await pilot.press("p", "1" if target.severity is not Severity.P1 else "2")
        await settle(pilot)
        changed = stored(storage, target.id)
        assert changed.severity is not target.severity
        clock.advance(timedelta(seconds=61))
        await pilot.press("u")
        await settle(pilot)
        assert any("Nothing to undo" in m for m in toasts(app))
        assert stored(storage, target.id).severity is changed.severity
        await pilot.press("p", "4" if changed.severity is not Severity.P4 else "3")
        await settle(pilot)
        # Another dispatcher changes it in between: the undo is a conflict, nothing is lost.
        tickets.assign_technician(storage.writer(), clock, "bob", target.id, "tom")
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "changed by bob" in str(app.screen.query_one("Label").render())
        await pilot.press("n")
        await settle(pilot)
        assert stored(storage, target.id).assignee == "tom"


async def test_severity_from_the_console_with_its_history_line(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, SeverityModal)
        current = str(target.severity.level)
        await pilot.press(current)  # the current one: refused with the reason
        await pilot.pause()
        assert isinstance(app.screen, SeverityModal)
        assert f"already {target.severity.value}" in str(
            app.screen.query_one("#severity-error").render()
        )
        other = Severity.P3 if target.severity is not Severity.P3 else Severity.P2
        await pilot.press(str(other.level))
        await settle(pilot)
        after = stored(storage, target.id)
        assert after.severity is other
        assert history(storage, target.id)[-1] == "ticket.severity"


async def test_the_palette_has_every_keyed_action_with_its_current_keys(
    make_app: AppFactory,
) -> None:
    app = make_app()
    app.set_keymap({"take-ticket": "ctrl+t"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in DispatchCommands(app.screen).commands()}
        for title in ("Alerts", "Dismiss", "Assign", "Status", "Severity", "Undo", "Quit", "Help"):
            assert title in commands, sorted(commands)
        assert commands["Take"].keys == ["^t"]
        assert "(^t)" in commands["Take"].text
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"alerts")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)


async def test_x_dismisses_toasts_over_a_dialog(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("Breach on T-1", timeout=600)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)
        assert toasts(app)
        await pilot.press("x")
        await pilot.pause()
        assert toasts(app) == []
        assert isinstance(app.screen, StatusModal)


async def test_x_is_a_letter_in_a_text_field(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("Breach on T-1", timeout=600)
        await pilot.press("slash", *"fix x")
        assert app.screen.query_one("#filter", Input).value == "fix x"
        assert toasts(app)


async def test_below_80x24_one_line_says_so_and_the_dialog_beneath_is_kept(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "tab", "tab", *"half typed")
        dialog = app.screen
        assert isinstance(dialog, StatusModal)
        await pilot.resize_terminal(79, 24)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        line = str(app.screen.query_one(Static).render())
        assert "79x24" in line
        assert "at least 80x24" in line
        await pilot.press("y", "enter")  # nothing happens while it cannot be seen
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert current(app) is dialog
        assert dialog.query_one("#status-note", Input).value == "half typed"


async def test_a_console_started_too_small_shows_the_line_first(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(60, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)


async def test_no_color_keeps_every_state_apart_by_symbol_and_weight(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.no_color
        view = queue(app)
        styles = {
            flag: view.get_component_rich_style(f"queue--{flag}")
            for flag in ("breached", "warning", "ok", "paused")
        }
        assert styles["breached"].bold
        assert styles["warning"].underline
        assert styles["paused"].dim
        assert not styles["ok"].bold
        assert not styles["ok"].underline
        assert view.get_component_rich_style("queue--cursor").reverse
        symbols = {view._format(t, t.sla_flag(NOW), 100)[0] for t in view._rows.values()}  # noqa: SLF001
        assert {"✖", "▲", "‖"} <= symbols


async def test_a_filter_matching_nothing_leaves_no_ticket_in_the_side_panes(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert screen(app).detail is not None
        await pilot.press("slash", *"id:99999", "enter")
        await settle(pilot)
        assert queue(app).total == 0
        assert screen(app).detail is None
        body = str(app.screen.query_one("#detail-body").render())
        assert "No ticket selected." in body
        await pilot.press("t")  # nothing to act on: said, not done
        await settle(pilot)
        assert any("No ticket selected" in m for m in toasts(app))


# --- scope, order, go to a ticket --------------------------------------------------------------


async def test_a_resolved_ticket_is_reached_by_its_ref_and_can_be_closed(
    make_app: AppFactory, storage: Storage
) -> None:
    from dispatch.domain.filter import Scope
    from dispatch.services import queue as queue_service

    resolved = next(
        t
        for t in queue_service.load_queue(storage.reader(), open_only=False)
        if t.status is TicketStatus.RESOLVED
    )
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *resolved.ref, "enter")
        await settle(pilot)
        await settle(pilot)
        assert screen(app).filter.scope is Scope.ALL  # widened: it is not open
        shown = queue(app).cursor_ticket
        assert shown is not None
        assert shown.id == resolved.id
        await pilot.press("s", "c")
        await settle(pilot)
    assert stored(storage, resolved.id).status is TicketStatus.CLOSED


async def test_an_open_ticket_typed_alone_keeps_the_scope_and_a_missing_one_says_so(
    make_app: AppFactory,
) -> None:
    from dispatch.domain.filter import Scope

    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        target = queue(app)._rows[5]  # noqa: SLF001 - the loaded window
        await pilot.press("slash", *str(target.id), "enter")
        await settle(pilot)
        assert queue(app).cursor_id == target.id
        assert screen(app).filter.scope is Scope.OPEN
        await pilot.press("slash", *"T-99999", "enter")
        await settle(pilot)
        await settle(pilot)
        assert "There is no ticket T-99999." in toasts(app)


async def test_o_cycles_the_orders_and_m_the_scopes_and_the_line_says_which(
    make_app: AppFactory, storage: Storage
) -> None:
    from dispatch.domain.queue import QueueOrder, order_tickets
    from dispatch.services import queue as queue_service

    everything = queue_service.load_queue(storage.reader(), open_only=False)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        line = screen(app).query_one("#filter-line", Static)

        def shown() -> bool:
            return bool(line.display)

        assert not shown()  # the default: no line
        for order in (QueueOrder.DEADLINE, QueueOrder.AGE, QueueOrder.ASSIGNEE):
            await pilot.press("o")
            await settle(pilot)
            assert screen(app).filter.order is order
            expected = [t.id for t in order_tickets(everything, order) if t.is_open][:10]
            assert [queue(app)._rows[i].id for i in range(10)] == expected  # noqa: SLF001
            assert shown()
            assert f"order: {order.label}" in str(line.render())
        await pilot.press("o")  # back to contract priority
        await settle(pilot)
        assert not shown()
        await pilot.press("m")  # mine
        await settle(pilot)
        mine = [t for t in everything if t.is_open and t.assignee == "ana"]
        assert queue(app).total == len(mine)
        assert "my tickets" in str(line.render())
        await pilot.press("m")  # all
        await settle(pilot)
        assert queue(app).total == len(everything)
        assert "all tickets" in str(line.render())


async def test_y_copies_ref_and_title_and_shift_y_a_summary(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        ticket = queue(app).cursor_ticket
        assert ticket is not None
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == f"{ticket.ref} {ticket.title}"
        assert f"Copied the {ticket.ref} {ticket.title}" in toasts(app)
        await pilot.press("Y")
        await pilot.pause()
        lines = app.clipboard.splitlines()
        assert lines[0] == f"{ticket.ref} {ticket.title}"
        assert lines[1] == f"Customer: {ticket.customer_name}"
        assert any(line.startswith("Next deadline: ") and "breached" in line for line in lines)
