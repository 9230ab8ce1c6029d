"""Hostile strings: data is shown literally everywhere and never reaches the terminal as code.

Strings from tickets, customers and technicians are written through the real
services before the console starts; the console is then driven with the keys
and two things are checked:

* the screen (the composited text of every layer: queue, panes, dialogs,
  toasts) shows markup literally and no raw control, escape or bidi
  character, and clicking on the text runs nothing (the app keeps running);
* the bytes Textual writes to the terminal (a capturing driver) hold no escape
  sequence except Textual's own.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.drivers.headless_driver import HeadlessDriver
from textual.events import Key
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets._select import SelectOverlay
from textual.widgets._toast import Toast
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch.bootstrap import Storage
from dispatch.domain.model import (
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Technician,
    TicketStatus,
)
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import tickets
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.status import StatusModal
from dispatch.ui.widgets.queue_view import QueueView
from tests.conftest import NOW
from tests.ui.conftest import AppFactory

SIZE = (160, 48)

# Short enough that every field holding one stays on one line in the panes and dialogs.
CORPUS: list[Any] = [
    pytest.param("[bold]not bold[/bold]", id="markup-bold"),
    pytest.param("[@click=app.quit]quit-me[/]", id="markup-click-quit"),
    pytest.param("[link=https://evil]x[/link]", id="markup-link"),
    pytest.param("[/oops] bad markup", id="markup-invalid"),
    pytest.param("[$accent]var[/] $accent", id="markup-variable"),
    pytest.param("back\\[b]slash\\", id="markup-backslash"),
    pytest.param("\x1b]0;pwned\x07 title", id="osc-title"),
    pytest.param("\x1b]52;c;aGk=\x07 clip", id="osc52-clipboard"),
    pytest.param("\x1b[2J\x1b[H wipe", id="csi-clear"),
    pytest.param("\x1b[31mredsgr\x1b[0m sgr", id="csi-sgr"),
    pytest.param("\x9b2J c1 \x9d0;t\x9c osc", id="c1-csi-osc"),
    pytest.param("bell\x07\x07 ring\x08 bs\x00 nul", id="c0-bel-bs-nul"),
    pytest.param("\u202eevil\u202c \u2066iso\u2069 rlo", id="bidi"),
    pytest.param("\x1bP1q dcs\x1b\\ \x1b_apc\x1b\\", id="dcs-apc"),
    pytest.param("line\nbreak\r\u2028sep\x85nel", id="newline-separators"),
]
CORPUS_TEXTS: list[str] = [p.values[0] for p in CORPUS]

# Never on screen or on the wire from data: C0 controls but newline, DEL, C1,
# bidi embeddings, overrides, isolates and marks, line and paragraph separators.
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
BREAKS = re.compile(f"{FORBIDDEN.pattern}|\n")
"""Where a hostile string is cut into the runs that must show as they are."""

# What Textual itself writes: SGR, cursor position, synchronised output, OSC 8
# hyperlinks and the OSC 22 pointer shape.
TEXTUAL_OWN = re.compile(
    r"\x1b\[[0-9;:]*[mH]|\x1b\[\?2026[hl]|\x1b\]8;[^\x1b\x07]*\x1b\\|\x1b\]22;[a-z-]*\x07"
)


class CapturingDriver(HeadlessDriver):
    """A headless driver that says it is not headless, so the app writes its frames to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.output.append(data)


@dataclass(frozen=True)
class Hostile:
    """The hostile rows written before the console starts."""

    text: str
    ticket_id: int
    customer: str
    contract: str
    login: str


def fragments(text: str) -> list[str]:
    """The printable runs of ``text`` (two characters or more) that must show literally."""
    return [part.strip() for part in BREAKS.split(text) if len(part.strip()) >= 2]


def add_customer(storage: Storage, text: str, *, login: str | None = None) -> tuple[str, str]:
    """A customer (with site and contact) and its P1 subscription, named with ``text``."""
    name, contract = f"Hostile {text}", f"SUB {text}"
    with storage.writer() as uow:
        customer = uow.directory.add_customer(
            Customer(
                id=0,
                name=name,
                timezone="Europe/Sofia",
                country="BG",
                address=f"Site {text}",
                contacts=(Contact(id=0, customer_id=0, name=f"Contact {text}"),),
            )
        )
        uow.directory.add_contract(
            Contract(
                id=0,
                customer_id=customer.id,
                name=contract,
                kind=ContractKind.SUBSCRIPTION,
                sla=SlaPolicy({Severity.P1: SlaTarget(timedelta(hours=2), timedelta(hours=8))}),
            )
        )
        if login is not None:
            uow.directory.add_technician(
                Technician(id=0, login=login, name=f"Name {text}", skills=frozenset({"network"}))
            )
        uow.commit()
    return name, contract


def seed_hostile(storage: Storage, text: str, *, assign: bool = True) -> Hostile:
    """A customer, contract and technician named with ``text``, and a ticket full of it.

    The ticket was opened 30 days ago under a P1 subscription: breached, it
    stands first in the queue. Its history holds notes, an actor, a bug
    reference and (with ``assign``) an assignee made of ``text``.
    """
    login = f"ev{text}"
    customer, contract = add_customer(storage, text, login=login)
    clock = FixedClock(NOW)
    ticket = tickets.open_ticket(
        storage.writer(),
        clock,
        "ana",
        NewTicket(
            customer=customer,
            title=f"T {text}",
            description=f"first {text}\nsecond {text}",
            severity=Severity.P1,
            opened_at=NOW - timedelta(days=30),
            skills=frozenset({"network"}),
        ),
    )
    if assign:
        tickets.assign_technician(storage.writer(), clock, "ana", ticket.id, login)
    tickets.change_status(
        storage.writer(), clock, login, ticket.id, TicketStatus.IN_PROGRESS, note=f"N1 {text}"
    )
    tickets.change_status(
        storage.writer(),
        clock,
        "ana",
        ticket.id,
        TicketStatus.ESCALATED_DEV,
        note=f"N2 {text}",
        bug_ref=f"BUG {text} END",
    )
    return Hostile(text, ticket.id, customer, contract, login)


# --- looking at the screen and the wire ---------------------------------------------


def capturing(app: DispatchApp) -> DispatchApp:
    """``app``, writing its frames to a ``CapturingDriver`` (DispatchApp takes no driver_class)."""
    app.driver_class = CapturingDriver
    return app


def screen_lines(app: DispatchApp) -> list[str]:
    """The text of every row of the composited screen (dialogs drawn over the queue)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001


def dispatch_screen(app: DispatchApp) -> DispatchScreen:
    found = [s for s in app.screen_stack if isinstance(s, DispatchScreen)]
    assert found, "the dispatcher's screen is gone"
    return found[0]


def detail_text(app: DispatchApp) -> str:
    """What the detail pane holds, including the part scrolled out of view."""
    visual = dispatch_screen(app).query_one("#detail-body", Static).visual
    assert isinstance(visual, Content)
    return visual.plain


def assert_shown_literally(app: DispatchApp, *texts: str) -> None:
    """Every printable run of every text is on screen; no raw control character is."""
    shown = "\n".join(screen_lines(app))
    bad = sorted({repr(m.group()) for m in FORBIDDEN.finditer(shown)})
    assert not bad, f"raw control characters on screen: {bad}"
    for text in texts:
        for part in fragments(text):
            assert part in shown, f"{part!r} is not shown literally"


def foreign_escapes(raw: str) -> list[str]:
    """Escape, control and bidi characters left once Textual's own sequences are removed."""
    rest = TEXTUAL_OWN.sub("", raw)
    return [repr(rest[max(m.start() - 8, 0) : m.start() + 12]) for m in FORBIDDEN.finditer(rest)]


def assert_terminal_clean(app: DispatchApp) -> None:
    driver = app._driver  # noqa: SLF001
    assert isinstance(driver, CapturingDriver)
    raw = "".join(driver.output)
    assert raw, "the capturing driver recorded nothing"
    for sequence in ("\x1b]0;", "\x1b]52", "\x1b[2J", "\x9b", "\x9d", "\u202e", "\u2066"):
        assert sequence not in raw, f"{sequence!r} reached the terminal"
    assert "\x1b[31mredsgr" not in raw, "the data's own SGR reached the terminal"
    assert "\x07" not in re.sub(r"\x1b\]22;[a-z-]*\x07", "", raw), "a BEL reached the terminal"
    assert foreign_escapes(raw) == []


def assert_running(app: DispatchApp) -> None:
    assert app.is_running, "the app stopped: something in the data ran an action"
    assert app.return_code is None


# --- driving -------------------------------------------------------------------------


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if ready():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def settle(pilot: Pilot[None]) -> None:
    with contextlib.suppress(WorkerCancelled, WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_detail(pilot: Pilot[None], app: DispatchApp, ticket_id: int) -> None:
    """Until the cursor is on the ticket and its detail and technicians are shown."""

    def shown() -> bool:
        screen = dispatch_screen(app)
        return (
            screen.query_one(QueueView).cursor_id == ticket_id
            and screen.detail is not None
            and screen.detail.ticket.id == ticket_id
            and bool(screen.ranked)
        )

    await wait_for(pilot, shown, f"the detail of ticket {ticket_id}")
    await pilot.pause()


async def click_on(pilot: Pilot[None], app: DispatchApp, needle: str, *, row_has: str = "") -> int:
    """Click the middle of ``needle`` where it is drawn (first place per row, three rows)."""
    clicks = 0
    for y, line in enumerate(screen_lines(app)):
        start = line.find(needle)
        if start == -1 or row_has not in line:
            continue
        await pilot.click(offset=(cell_len(line[:start]) + cell_len(needle) // 2, y))
        clicks += 1
        if clicks == 3:
            break
    return clicks


KEY_CHARACTERS = {"enter": "\r", "escape": "\x1b", "slash": "/"}


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys as the terminal would send them, without Pilot's wait for an idle CPU.

    ``Pilot.press`` waits for the process to look idle after every key, which
    costs about a tenth of a second here (database threads keep the CPU busy);
    the tests wait for the state they need instead.
    """
    for key in keys:
        pilot.app.post_message(Key(key, key if len(key) == 1 else KEY_CHARACTERS.get(key)))
        await pilot.pause(0)


async def wait_text(pilot: Pilot[None], app: DispatchApp, anchor: str) -> None:
    """Until ``anchor`` is drawn on the screen."""
    await wait_for(pilot, lambda: any(anchor in line for line in screen_lines(app)), repr(anchor))


async def open_dialog(
    pilot: Pilot[None], app: DispatchApp, key: str, kind: type[object], anchor: str
) -> None:
    """Press ``key``; wait for a ``kind`` screen showing ``anchor``."""
    await press(pilot, key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind), kind.__name__)
    await wait_text(pilot, app, anchor)


async def close_dialog(pilot: Pilot[None], app: DispatchApp) -> None:
    """Escape until the dialog is gone (a click may have opened a picker inside it).

    A form holding a draft asks before it closes: the answer is yes.
    """
    for _ in range(3):
        await press(pilot, "escape")
        for _ in range(50):
            if isinstance(app.screen, ConfirmModal):
                await press(pilot, "y")
            if isinstance(app.screen, DispatchScreen):
                return
            await pilot.pause(0.01)
    raise AssertionError(f"escape did not close {app.screen!r}")


def picker_index(picker: Select[Any], prefix: str) -> int:
    """The row of the first customer in the open picker whose name starts with ``prefix``."""
    overlay = picker.query_one(SelectOverlay)
    for index in range(overlay.option_count):
        prompt = overlay.get_option_at_index(index).prompt
        if isinstance(prompt, Content | Text) and prompt.plain.startswith(prefix):
            return index
    raise AssertionError(f"no customer starting with {prefix!r} in the picker")


# --- tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", CORPUS)
async def test_hostile_text_is_literal_and_inert_in_queue_panes_and_dialogs(
    make_app: AppFactory, storage: Storage, text: str
) -> None:
    hostile = seed_hostile(storage, text)
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await wait_detail(pilot, app, hostile.ticket_id)
        view = dispatch_screen(app).query_one(QueueView)
        assert view.cursor_row == 0, "the hostile ticket should stand first (breached P1)"
        row = next(line for line in screen_lines(app) if f"T-{hostile.ticket_id} " in line)
        assert fragments(text)[0][:5] in row, row
        # Queue row, detail pane, technicians; the SLA pane and header must stay clean.
        assert_shown_literally(
            app,
            f"T {text}",
            hostile.customer,
            f"Site {text}",
            f"Contact {text}",
            hostile.contract,
            f"BUG {text} END",
            f"first {text}",
            f"second {text}",
            hostile.login,
        )
        # The history (actor, notes, changed values) is below the fold: read the pane.
        history = detail_text(app)
        for part in fragments(f"N1 {text}") + fragments(f"N2 {text}"):
            assert part in history, f"{part!r} is not in the history literally"
        assert not FORBIDDEN.search(history)

        await press(pilot, "j", "k")
        await wait_detail(pilot, app, hostile.ticket_id)
        await click_on(pilot, app, "quit-me")
        assert_running(app)

        await open_dialog(pilot, app, "a", AssignModal, "Assign T-")
        assert_shown_literally(app, f"T {text}", hostile.login)
        await click_on(pilot, app, "quit-me", row_has="Assign T-")  # not the list: that assigns
        assert_running(app)
        await close_dialog(pilot, app)

        await open_dialog(pilot, app, "s", StatusModal, "Status of T-")
        assert_shown_literally(app, f"T {text}")
        await click_on(pilot, app, "quit-me", row_has="Status of T-")
        assert_running(app)
        await close_dialog(pilot, app)

        await open_dialog(pilot, app, "w", ExplainModal, "Queue position:")
        assert_shown_literally(app, hostile.contract)
        await click_on(pilot, app, "quit-me")
        assert_running(app)
        await close_dialog(pilot, app)

        await settle(pilot)
        assert_running(app)
        assert_terminal_clean(app)


async def test_customer_picker_shows_every_hostile_customer_literally(
    make_app: AppFactory, storage: Storage
) -> None:
    for text in CORPUS_TEXTS:
        add_customer(storage, text)
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await settle(pilot)
        await open_dialog(pilot, app, "n", NewTicketModal, "pick the caller")
        picker = app.screen.query_one("#new-customer", Select)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: picker.expanded, "the customer picker to open")
        # Walk the whole list so that every name is drawn at least once.
        overlay = picker.query_one(SelectOverlay)
        seen = screen_lines(app)
        for row in range(1, overlay.option_count):
            await press(pilot, "down")
            await wait_for(pilot, lambda: overlay.highlighted == row, f"row {row}")  # noqa: B023
            await pilot.pause()
            seen += screen_lines(app)
            assert_shown_literally(app)
        everything = "\n".join(seen)
        for text in CORPUS_TEXTS:
            for part in fragments(f"Hostile {text}"):
                assert part in everything, f"{part!r} is not in the picker literally"
        # Pick one: its contract is shown under the picker.
        text = "[@click=app.quit]quit-me[/]"
        await press(pilot, "escape")
        await press(pilot, "enter")
        await wait_for(pilot, lambda: picker.expanded, "the customer picker to open again")
        target = picker_index(picker, f"Hostile {text}")
        await press(pilot, *["down"] * (target - (overlay.highlighted or 0)), "enter")
        await wait_for(pilot, lambda: not picker.expanded, "the customer to be picked")
        await pilot.pause()
        assert_shown_literally(app, f"Hostile {text}", f"SUB {text}")
        await click_on(pilot, app, "quit-me")
        assert_running(app)
        await close_dialog(pilot, app)
        await settle(pilot)
        assert_running(app)
        assert_terminal_clean(app)


async def test_customer_picker_finds_a_customer_by_typing(
    make_app: AppFactory, storage: Storage
) -> None:
    name, _ = add_customer(storage, "Zephyr [b]x[/b]")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_dialog(pilot, app, "n", NewTicketModal, "pick the caller")
        picker = app.screen.query_one("#new-customer", Select)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: picker.expanded, "the customer picker to open")
        await press(pilot, *"zephyr")
        overlay = picker.query_one(SelectOverlay)
        assert overlay.highlighted == picker_index(picker, name)


async def test_filter_finds_a_hostile_ticket_and_shows_it_literally(
    make_app: AppFactory, storage: Storage
) -> None:
    text = "[@click=app.quit]quit-me[/] \x1b]0;pwned\x07 [/oops]"
    hostile = seed_hostile(storage, text)
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_detail(pilot, app, hostile.ticket_id)
        view = dispatch_screen(app).query_one(QueueView)
        await press(pilot, "end")  # away from the hostile ticket, then find it again
        await wait_for(pilot, lambda: view.cursor_row > 0, "the cursor to move")
        await press(pilot, "slash")
        field = dispatch_screen(app).query_one("#filter", Input)
        await wait_for(pilot, lambda: field.has_focus, "the filter field")
        await pilot.pause()  # the field selects its text on focus, after a refresh
        await press(pilot, *"hostile", "enter")
        await wait_for(pilot, lambda: view.total == 1, "the filtered window")
        await wait_detail(pilot, app, hostile.ticket_id)
        await wait_text(pilot, app, "filter: hostile")
        assert_shown_literally(app, f"T {text}", hostile.customer)
        await click_on(pilot, app, "quit-me")
        await settle(pilot)
        assert_running(app)
        assert_terminal_clean(app)


async def test_hostile_user_in_header_and_error_toast_is_literal(
    make_app: AppFactory,
) -> None:
    # The acting login is not a technician, so "take" fails and the error toast names it.
    user = "[@click=app.quit]quit-me[/]\x1b]0;pwned\x07\u202e[/oops]"
    app = capturing(make_app(user=user))
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        header = screen_lines(app)[0]
        assert "[@click=app.quit]quit-me[/]" in header
        assert "]0;pwned" in header
        assert not FORBIDDEN.search(header)
        await press(pilot, "t")
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)), "the error toast")
        await pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("are not a technician" in t for t in toasts), toasts
        for toast in toasts:
            assert "[@click=app.quit]quit-me[/]" in toast
            assert not FORBIDDEN.search(toast), f"raw controls in the toast: {toast!r}"
        assert_shown_literally(app, user)
        await click_on(pilot, app, "quit-me")
        await settle(pilot)
        assert_running(app)
        assert_terminal_clean(app)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[@click=app.quit]quit-me[/]", id="markup-click-quit"),
        pytest.param("[/oops] bad markup", id="markup-invalid"),
        pytest.param("\x1b]0;pwned\x07 title", id="osc-title"),
        pytest.param("\x9b2J c1 \x9d0;t\x9c osc", id="c1-csi-osc"),
        pytest.param("\u202eevil\u202c rlo", id="bidi"),
    ],
)
async def test_saved_toast_names_a_hostile_login_literally(
    make_app: AppFactory, storage: Storage, text: str
) -> None:
    hostile = seed_hostile(storage, text, assign=False)
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await wait_detail(pilot, app, hostile.ticket_id)
        await open_dialog(pilot, app, "a", AssignModal, "Assign T-")
        options = app.screen.query_one("#assign-list", OptionList)
        index = options.get_option_index(hostile.login)
        await press(pilot, *["down"] * (index - (options.highlighted or 0)), "enter")
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)), "the Saved toast")
        await settle(pilot)
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        saved = [t for t in toasts if "assigned to ev" in t]
        assert saved, f"no Saved toast naming the login among {toasts}"
        for part in fragments(text):
            assert part in saved[0], f"{part!r} is not in the toast literally"
        assert not FORBIDDEN.search(saved[0]), f"raw controls in the toast: {saved[0]!r}"
        assert_shown_literally(app, hostile.login)
        await click_on(pilot, app, "quit-me")
        assert_running(app)
        assert_terminal_clean(app)
