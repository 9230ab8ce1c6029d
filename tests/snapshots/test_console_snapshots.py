"""Snapshots of the console on the seeded demo data at ``NOW`` (Europe/Bucharest, user ana).

Every test drives the app inside ``run_before`` (which runs before the
plugin's own key presses), letting the thread workers finish between steps so
that the picture shows loaded data, not "loading". Review the SVGs in
``__snapshots__/`` as pictures before accepting an update.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch.bootstrap import Storage
from dispatch.config_mail import MailSettings
from dispatch.domain.ports import FixedClock
from dispatch.services import conversation
from tests.conftest import NOW
from tests.snapshots.conftest import AppFactory, SnapCompare
from tests.ui.test_oncall_view import add_rota
from tests.ui.test_views import VIEWS

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]

NARROW = (80, 24)
WIDE = (160, 48)
DIALOG = (120, 36)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their messages be handled (a window load starts a detail load)."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def after(*keys: str) -> RunBefore:
    """Wait for the first load, then press ``keys`` one by one, settling after each."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_main_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24: header with counts, the queue alone (no side pane), footer keys.

    Breached rows are red with ✖, at-risk rows yellow with ▲; the cursor bar,
    across the whole row, is on the first (most urgent) one. The header is in
    its short form and still names the user and the database; the compact
    footer shows "? Help" and "q Quit" first, then every key and the palette.
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after())


def test_main_wide(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """160x48: the queue on the left; on the right the SLA countdown, the detail
    of the first ticket and the ranked technicians, side by side.
    """
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=after())


def test_narrow_detail(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``enter``: the detail pane (countdown, ticket, technicians)
    replaces the queue; the footer still shows the keys.
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("enter"))


def test_assign_dialog(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """120x36 after ``a``: a centred dialog "Assign <ref> <title>" listing the
    technicians best first with reasons, the first highlighted, and the hint line.
    """
    assert snap_compare(make_app(), terminal_size=DIALOG, run_before=after("a"))


def test_new_ticket_validation_error(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """120x36 after ``n`` then ``ctrl+s`` on the empty form: the new-ticket form
    stays open and shows in red "Cannot save: pick a customer; the title is empty".
    """
    assert snap_compare(make_app(), terminal_size=DIALOG, run_before=after("n", "ctrl+s"))


CARPATHIA_PICKED = ("n", "enter", *"Carp", "enter")
"""The new-ticket form with Carpathia Logistics picked by typing (its one contact: Andreea)."""


def test_new_ticket_caller_list_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24: the form with "Carpathia Logistics SRL" picked, its contract below, and the
    caller list open under "Caller": "no caller recorded" (dim), "Andreea Popescu · +40 21
    555 0101" (the phone dim) and "+ New contact…" in italics.
    """
    keys = (*CARPATHIA_PICKED, "tab", "enter")
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after(*keys))


def test_new_ticket_new_contact_wide(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """160x48: "+ New contact…" picked as the caller; below it "New contact, saved with the
    ticket" (dim) and two rows of fields: name "Radu Ionescu" and role "night shift", e-mail
    "radu@carpathia" and the phones; under them in red "new contact email: not an address
    (got 'radu@carpathia')", the e-mail field focused; the form's own error line at its end.
    """
    keys = (
        *CARPATHIA_PICKED,
        *("tab", "enter", "end", "enter", "tab", *"Radu Ionescu", "tab", *"night shift"),
        *("tab", *"radu@carpathia", "tab", *"+40 722 000 111", "tab", *"Scanner", "ctrl+s"),
    )
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=after(*keys))


def test_help_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``?``: the "Help" box over the queue, the heading "The dispatcher's
    screen" and its keys in two columns, the footer's hidden ones included (keys in the
    accent colour, title bold, tooltip dim); the bottom border says
    "esc/q/?/f1 close · j k g G pgup pgdn scroll". The footer below leads with Help, Quit.
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("question_mark"))


def test_help_wide_at_the_reference(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """160x48 after ``f1`` and ``G``: the help scrolled to its end: the filter terms,
    the queue's row symbols in their colours (red bold ✖, yellow ▲), Due/age, the
    contract badges and the statuses with their letters in the status dialog.
    """
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=after("f1", "G"))


def test_status_dialog(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """120x36 after ``s``: a centred dialog for the selected ticket with the
    statuses it may move to, the bug-reference and note inputs.
    """
    assert snap_compare(make_app(), terminal_size=DIALOG, run_before=after("s"))


def test_filtered_breached(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """120x36 after ``/`` ``sla:breached`` ``enter``: the filter input (still shown)
    and the line "filter: sla:breached  (/ to change)" above a queue holding only
    the nine red ✖ breached tickets; the header counts stay those of the whole queue.
    """
    keys = ["slash", *"sla:breached", "enter"]
    assert snap_compare(make_app(), terminal_size=DIALOG, run_before=after(*keys))


def test_too_small(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """70x20: one centred line naming the size and the 80x24 it needs, nothing broken."""
    assert snap_compare(make_app(), terminal_size=(70, 20), run_before=after())


def test_read_only_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24, ``--read-only``: the header says ``RO`` before the user; the footer
    offers no change key (no Assign, Take, Status, New): "? Help" and Quit first,
    then only looking around: Why, Filter, Alerts.
    """
    app = make_app(read_only=True)
    assert snap_compare(app, terminal_size=NARROW, run_before=after())


def test_deadline_order_all_tickets_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``o`` ``m`` ``m``: the line over the queue names the order
    ("order: nearest deadline") and the scope ("all tickets") with the count; the
    queue runs by the nearest deadline whatever the contract; Due/age shows
    ``+age`` for tickets without a guarantee.
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("o", "m", "m"))


def test_views_line_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 with three saved views, after ``2``: the views line over the queue lists
    ``0 queue``, ``1 mine``, ``2 p1-unassigned`` (lit) and ``3 deadlines``; the filter
    line names the view's filter ("sev:P1 tech:-") and the queue holds only the
    unassigned P1 tickets.
    """
    app = make_app(views=VIEWS)
    assert snap_compare(app, terminal_size=NARROW, run_before=after("2"))


def test_marks_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``j`` ``space`` ``space``: the second and third tickets are marked
    (``◆`` after the reference, bold on a tinted row), the cursor has moved on to the
    fourth, and the line over the queue says "2 marked (escape: unmark all)".
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("j", "space", "space"))


def test_oncall_view_narrow(
    snap_compare: SnapCompare, make_app: AppFactory, seeded_sqlite: Storage
) -> None:
    """80x24 after ``O``: the on-call dialog; now: tom (primary, until 18:00, when lukas
    covers him) and desislava (backup), then the week's shifts with lukas "(for tom)".
    """
    add_rota(seeded_sqlite)  # the storage make_app's console runs on
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("O"))


def test_reply_dialog_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``r`` with ``[mail]`` configured and a line typed: the reply dialog
    titled "Reply to the customer on T-…", the ticket's title, To prefilled with the
    customer's contact address, the template picker, and the text in the editor.
    """
    app = make_app(mail=MailSettings(sender="support@help.example", templates={"ack": "Hi"}))
    assert snap_compare(app, terminal_size=NARROW, run_before=after("r", *"We are on it."))


def test_conversation_in_the_detail_wide(
    snap_compare: SnapCompare, make_app: AppFactory, seeded_sqlite: Storage
) -> None:
    """160x48, the detail pane scrolled to its end: under History, "Conversation" with
    a note (two lines, the escape sequence shown as a visible stand-in), a call out
    with its number, and a reply "→ it@carpathia.example · pending" in the warning
    colour with its subject in italics; the history lists the three articles.
    """
    first = 16
    clock = FixedClock(NOW)
    w = seeded_sqlite.writer
    conversation.add_note(w(), clock, "ana", first, "called back, no answer\n\x1b[2Jtry at 10")
    conversation.log_call(
        w(), clock, "ana", first, "On it", outbound=True, number="+40 21 555 0101"
    )
    conversation.reply(w(), clock, "ana", first, "Dear customer,\nfixed.", sender="s@h.example")
    keys = ("slash", *"T-16", "enter", "tab", "end")  # go to T-16, scroll its detail down
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=after(*keys))


def test_customer_card_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 after ``C``: the card of the first ticket's customer over the queue, titled
    "Customer card: <name>": the name with zone and country, the site, the contacts,
    the contract in force with its terms (wrapped), then "On call now" (the ones based in
    the customer's country first, "same country" in green); the cursor bar is on the first
    open ticket, whose line fits one row (the title cut with …), the outcomes in colour
    (✖ breached red, ✔ met green, ● running plain). The bottom border names the keys.
    """
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=after("C"))


def test_customer_card_wide_last_90_days(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """160x48 after ``C`` and ``tab``: the whole card in a wide box: the open tickets,
    then "Last 90 days, since 25 Aug 2026 (n)" with the cursor on its first ticket; resolved
    and closed tickets show how each clock ended (✔ met, ✖ breached), titles uncut.
    """
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=after("C", "tab"))


def test_customer_picker_narrow(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    """80x24 from the palette's "Customer card…", after typing ``gmbh``: the box "Customer
    card: which customer?" with the typed text in its field and one customer left,
    "Rhein Maschinenbau GmbH  DE-NW  Europe/Berlin", highlighted.
    """

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.run_action("screen.pick_customer_card")
        await settle(pilot)
        for key in "gmbh":
            await pilot.press(key)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=NARROW, run_before=run_before)
