"""Pilot tests: every key path of the dispatcher's screen, against the seeded demo data."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, OptionList
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch.bootstrap import Storage
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.queue import order_queue
from dispatch.services import presence, tickets
from dispatch.services import queue as queue_service
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.dispatch_workers import WindowRequest
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.screens.help import HelpModal
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.status import StatusModal
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.sla_countdown import SlaCountdown
from tests.conftest import NOW
from tests.ui.conftest import AppFactory


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let workers finish and their messages be handled (a window load starts a detail load)."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen(app: DispatchApp) -> DispatchScreen:
    base = app.screen_stack[0]
    assert isinstance(base, DispatchScreen)
    return base


def queue(app: DispatchApp) -> QueueView:
    return screen(app).query_one(QueueView)


def open_queue(storage: Storage) -> list[int]:
    return [t.id for t in order_queue(queue_service.load_queue(storage.reader()))]


async def test_queue_loads_in_queue_order_with_counts(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = queue(app)
        expected = open_queue(storage)
        assert view.total == len(expected)
        assert [view._rows[i].id for i in range(len(expected))] == expected  # noqa: SLF001
        assert view.cursor_row == 0
        detail = screen(app).detail
        assert detail is not None
        assert detail.ticket.id == expected[0]
        header = str(app.screen.query_one("#app-header").render())
        assert f"open {len(expected)}" in header
        assert "breached" in header


async def test_cursor_keys(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        view = queue(app)
        await pilot.press("j", "j", "down")
        assert view.cursor_row == 3
        await pilot.press("k", "up")
        assert view.cursor_row == 1
        await pilot.press("pagedown")
        assert view.cursor_row > 10
        await pilot.press("end")
        assert view.cursor_row == view.total - 1
        await pilot.press("home")
        assert view.cursor_row == 0
        await pilot.press("G")
        assert view.cursor_row == view.total - 1
        await pilot.press("g")
        assert view.cursor_row == 0
        await pilot.press("down")
        await settle(pilot)
        detail = screen(app).detail
        assert detail is not None
        assert detail.ticket.id == open_queue(storage)[1]


async def test_assign_the_best_technician(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssignModal)
        best = screen_stack_ranked(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        stored = tickets.ticket_detail(storage.reader(), target.id, NOW).ticket
        assert stored.assignee == best
        assert stored.version == target.version + 1


def screen_stack_ranked(app: DispatchApp) -> list[str]:
    options = app.screen.query_one("#assign-list", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_take_assigns_to_me(make_app: AppFactory, storage: Storage) -> None:
    app = make_app(user="ivan")  # no open tickets: nothing to ask
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        assert target.assignee is None
        await pilot.press("t")
        await settle(pilot)
        assert tickets.ticket_detail(storage.reader(), target.id, NOW).ticket.assignee == "ivan"
        assert queue(app).cursor_id == target.id  # the cursor stays on the ticket


async def test_take_by_someone_who_is_not_a_technician(make_app: AppFactory) -> None:
    app = make_app(user="visitor")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        messages = [n.message for n in app._notifications]  # noqa: SLF001
        assert any("not a technician" in m for m in messages)


async def _choose_status(pilot: Pilot[None], app: DispatchApp, status: TicketStatus) -> None:
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, StatusModal)
    options = app.screen.query_one("#status-list", OptionList)
    index = [options.get_option_at_index(i).id for i in range(options.option_count)].index(
        status.value
    )
    options.highlighted = index


async def test_status_change(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await _choose_status(pilot, app, TicketStatus.IN_PROGRESS)
        await pilot.press("enter")
        await settle(pilot)
        stored = tickets.ticket_detail(storage.reader(), target.id, NOW).ticket
        assert stored.status is TicketStatus.IN_PROGRESS
        assert stored.first_response_at is None  # the demo's contracts count replies only


async def test_waiting_on_the_customer_pauses_the_countdown(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    app = make_app(clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await _choose_status(pilot, app, TicketStatus.WAITING_CUSTOMER)
        await pilot.press("enter")
        await settle(pilot)
        view = queue(app)
        paused_row = next(r for r, t in view._rows.items() if t.id == target.id)  # noqa: SLF001
        assert view._rows[paused_row].sla_flag(NOW) == "paused"  # noqa: SLF001
        countdown = app.screen.query_one(SlaCountdown)
        before = str(countdown.render())
        assert "paused" in before
        clock.advance(timedelta(minutes=30))
        screen(app)._tick()  # noqa: SLF001 - the one-second timer's work
        assert str(countdown.render()) == before  # nothing ticks while paused


async def test_escalation_needs_a_bug_reference(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await _choose_status(pilot, app, TicketStatus.ESCALATED_DEV)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)  # refused: no bug reference
        assert "needs a bug reference" in str(app.screen.query_one("#status-error").render())
        assert app.screen.query_one("#status-bug", Input).has_focus
        await pilot.press(*"DEV-4711")
        await pilot.press("enter")
        await settle(pilot)
        stored = tickets.ticket_detail(storage.reader(), target.id, NOW).ticket
        assert stored.status is TicketStatus.ESCALATED_DEV
        assert stored.bug_ref == "DEV-4711"


async def test_new_ticket_form_refuses_invalid_input_then_saves(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = len(open_queue(storage))
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketModal)
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#new-error").render())
        assert "pick a customer" in error
        assert "the title is empty" in error
        assert isinstance(app.screen, NewTicketModal)
        form = app.screen
        customer = form.query_one("#new-customer")
        carpathia = next(
            c.id
            for c, _ in form._customers.values()
            if c.name == "Carpathia Logistics SRL"  # noqa: SLF001
        )
        customer.value = carpathia  # type: ignore[attr-defined]
        await pilot.pause()
        assert "SUB-2026-001" in str(form.query_one("#new-contract").render())
        form.query_one("#new-title", Input).value = "Router on fire"
        form.query_one("#new-skills", Input).value = "network, bad skill!"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "skills may use" in str(form.query_one("#new-error").render())
        form.query_one("#new-skills", Input).value = "network"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(open_queue(storage)) == before + 1
        created = [
            t for t in queue_service.load_queue(storage.reader()) if t.title == "Router on fire"
        ]
        assert len(created) == 1
        assert created[0].skills == frozenset({"network"})
        assert queue(app).cursor_id == created[0].id


async def test_filter(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"sla:breached")
        await pilot.press("enter")
        await settle(pilot)
        view = queue(app)
        assert 0 < view.total < len(open_queue(storage))
        assert all(t.sla_flag(NOW) == "breached" for t in view._rows.values())  # noqa: SLF001
        await pilot.press("slash")
        app.screen.query_one("#filter", Input).value = "sla:sometimes"
        await pilot.press("enter")
        await pilot.pause()
        assert any("sla:sometimes" in n.message for n in app._notifications)  # noqa: SLF001
        app.screen.query_one("#filter", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert view.total == len(open_queue(storage))


async def test_filter_line_counts_and_cursor_goes_to_top_when_its_ticket_is_left_out(
    make_app: AppFactory, storage: Storage
) -> None:
    everything = queue_service.load_queue(storage.reader())
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = queue(app)
        # Put the cursor on a ticket that the filter will leave out, below the top.
        row = next(i for i, t in enumerate(order_queue(everything)) if i > 3 and t.assignee)
        for _ in range(row):
            await pilot.press("down")
        await settle(pilot)
        assert view.cursor_row == row
        await pilot.press("slash")
        assert app.screen.query_one("#filter", Input).display
        await pilot.press(*"assignee:-", "enter")
        await settle(pilot)
        unassigned = sum(t.assignee is None for t in everything)
        assert view.total == unassigned
        assert view.cursor_row == 0
        assert view.cursor_ticket is not None
        assert view.cursor_ticket.assignee is None
        assert not app.screen.query_one("#filter", Input).display
        line = app.screen.query_one("#filter-line")
        assert line.display
        assert f"{unassigned} of {len(everything)} open" in str(line.render())


async def test_a_window_read_for_an_older_request_is_never_shown(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view, base = queue(app), screen(app)
        total = view.total
        # A slow read made under an older filter arrives after the current one.
        breached = QueueFilter.parse("sla:breached")
        old = queue_service.queue_window(storage.reader(), breached, NOW, offset=0, limit=50)
        assert old.total != total
        request = WindowRequest(base._requests - 1, breached, 0, None, None, False, None)  # noqa: SLF001
        base.post_message(DispatchScreen.WindowLoaded(old, request))
        await settle(pilot)
        assert view.total == total


async def test_a_stale_write_is_refused_and_offers_reload(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(user="ivan")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        assert target.assignee is None
        # Another dispatcher assigns it after this console read it.
        tickets.assign_technician(storage.writer(), FixedClock(NOW), "bob", target.id, "ivan")
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        question = str(app.screen.query_one("Label").render())
        assert "changed by bob" in question
        assert "assigned to ivan" in question
        await pilot.press("y")
        await settle(pilot)
        stored = tickets.ticket_detail(storage.reader(), target.id, NOW).ticket
        assert stored.assignee == "ivan"  # nothing was overwritten
        detail = screen(app).detail
        assert detail is not None
        assert detail.ticket.assignee == "ivan"


async def test_cursor_follows_its_ticket_when_the_order_changes(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    app = make_app(clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        view = queue(app)
        followed = view.cursor_id
        assert followed is not None
        # A change elsewhere moves the ticket: it is resolved and reopened as P4.
        first = open_queue(storage)[0]
        tickets.change_status(storage.writer(), clock, "bob", first, TicketStatus.WAITING_CUSTOMER)
        screen(app).action_reload()
        await settle(pilot)
        assert view.cursor_id == followed
        assert view.cursor_ticket is not None
        assert view.cursor_ticket.id == followed
        assert view.cursor_row == open_queue(storage).index(followed)


async def test_explain_help_and_palette(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ExplainModal)
        text = "\n".join(app.screen._lines)  # noqa: SLF001
        assert "It is first in the queue." in text
        assert "calendar 24/7" in text
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"take")
        await pilot.pause(0.5)
        await pilot.press("escape")


async def test_narrow_terminal_switches_panes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        side = app.screen.query_one("#side-pane")
        assert not side.display or side.region.width == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.has_class("-show-detail")
        assert app.screen.query_one("#side-pane").region.width > 0
        assert app.screen.query_one("#queue-pane").region.width == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#queue-pane").region.width > 0
        assert queue(app).has_focus


async def test_quit(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.return_code == 0


async def test_keys_can_be_remapped_by_binding_id(make_app: AppFactory, storage: Storage) -> None:
    app = make_app(user="ivan")
    app.set_keymap({"take-ticket": "ctrl+t"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        target = queue(app).cursor_ticket
        assert target is not None
        await pilot.press("t")
        await settle(pilot)
        assert tickets.ticket_detail(storage.reader(), target.id, NOW).ticket.assignee != "ivan"
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert tickets.ticket_detail(storage.reader(), target.id, NOW).ticket.assignee == "ivan"


async def test_a_huge_description_is_cut_for_display(
    make_app: AppFactory, storage: Storage
) -> None:
    from dispatch.domain.model import Severity
    from dispatch.domain.ticket import NewTicket

    body = "\n".join(f"line {i} of a pasted log" for i in range(30_000))
    ticket = tickets.open_ticket(
        storage.writer(),
        FixedClock(NOW - timedelta(days=3)),
        "ana",
        NewTicket(
            customer="Carpathia Logistics SRL", title="huge", description=body, severity=Severity.P1
        ),
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert queue(app).cursor_id == ticket.id  # breached three days ago: first in line
        shown = str(app.screen.query_one("#detail-body").render())
        assert "more characters not shown" in shown
        assert len(shown) < 40_000


async def test_changes_elsewhere_appear_by_themselves_and_presence_is_shown(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = queue(app)
        target = view.cursor_ticket
        assert target is not None
        assert target.assignee is None
        # Another dispatcher (another connection, as another process) takes it and opens it.
        tickets.assign_technician(storage.writer(), FixedClock(NOW), "bob", target.id, "ivan")
        presence.heartbeat(storage.writer(), FixedClock(NOW), "bob", target.id)
        for _ in range(60):  # no key pressed: the change feed brings it
            await asyncio.sleep(0.05)
            await pilot.pause()
            shown = view.cursor_ticket
            if shown is not None and shown.assignee == "ivan":
                break
        shown = view.cursor_ticket
        assert shown is not None
        assert shown.id == target.id  # the cursor stayed on its ticket
        assert shown.assignee == "ivan"
        await settle(pilot)
        title = str(app.screen.query_one("#detail").border_title)
        assert "also open: bob" in Content.from_markup(title).plain
        assert "also open: bob" in str(app.screen.query_one("#queue-header").render())


async def test_escape_in_the_filter_clears_it_and_new_terms_work(
    make_app: AppFactory, storage: Storage
) -> None:
    everything = queue_service.load_queue(storage.reader())
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"sev:P1,P2 !assignee:- due:<1h", "enter")
        await settle(pilot)
        view = queue(app)
        wanted = QueueFilter.parse("sev:P1,P2 !assignee:- due:<1h")
        assert view.total == sum(wanted.matches(t, NOW) for t in everything)
        assert 0 < view.total < len(everything)
        assert "sev:P1,P2" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert view.total == len(everything)
        assert screen(app).filter.is_empty
        assert not app.screen.query_one("#filter-line").display
        await pilot.press("slash")
        assert app.screen.query_one("#filter", Input).value == ""  # nothing left over
