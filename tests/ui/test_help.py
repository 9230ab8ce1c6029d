"""The console's help (``?``, ``f1``): the live keys of the screen beneath, then the reference."""

from __future__ import annotations

import contextlib

from textual.containers import HorizontalGroup, VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Footer, Input, Label
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch.ui.app import DispatchApp
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.help import HelpModal
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.status import StatusModal
from dispatch.ui.screens.too_small import TooSmallScreen
from tests.ui.conftest import AppFactory


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def help_text(app: DispatchApp) -> str:
    assert isinstance(app.screen, HelpModal)
    return "\n".join(str(label.render()) for label in app.screen.query(Label))


def help_rows(app: DispatchApp) -> dict[str, str]:
    """Each row's text (its first word: the binding's title) and the keys beside it."""
    rows: dict[str, str] = {}
    for row in app.screen.query(HorizontalGroup):
        keys, text = (str(label.render()) for label in row.query(Label))
        rows.setdefault(text.split("  ")[0], keys)
    return rows


async def test_question_mark_and_f1_open_the_help_and_escape_q_and_the_key_close_it(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for open_key, close_key in [("question_mark", "escape"), ("f1", "q"), ("?", "?")]:
            await pilot.press(open_key)
            await pilot.pause()
            assert isinstance(app.screen, HelpModal), open_key
            await pilot.press(close_key)
            await pilot.pause()
            assert isinstance(app.screen, DispatchScreen), close_key
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)


async def test_the_help_lists_the_screens_keys_hidden_ones_too_and_the_reference(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = help_text(app)
        for heading in ("The dispatcher's screen", "Moving in the queue", "Everywhere"):
            assert heading in text
        rows = help_rows(app)
        assert rows["Assign"] == "a"
        assert rows["Severity"] == "p"  # hidden from the footer: found here
        assert rows["Copy all"] == "Y"
        assert rows["Up"] == "↑ k"
        assert rows["Help"] == "? f1"
        assert rows["Palette"] == "^p"
        assert "Choose a technician" in text  # the tooltip beside the title
        for internal in ("Copy selected text", "Focus Previous", "Scroll Left"):
            assert internal not in text
        for reference in ("due:<1h", "sev:P1,P2", "✖ breached", "+1d 11h", "SUB", "waiting"):
            assert reference in text, reference
        assert "pauses the SLA clocks" in text


async def test_help_from_the_alert_log_lists_its_keys_and_closes_back_to_it(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        for key in ("question_mark", "f1"):
            await pilot.press(key)
            await pilot.pause()
            text = help_text(app)
            assert "The alert log" in text
            assert "Moving in the list" in text
            assert help_rows(app)["Acknowledge"] == "a"
            assert "The dispatcher's screen" not in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, AlertsScreen)


async def test_help_opens_over_a_dialog_and_closes_back_to_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StatusModal)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "The status dialog" in help_text(app)
        rows = help_rows(app)
        assert rows["waiting"] == "w"  # the dialog's hidden letter keys
        assert rows["Help"] == "? f1"  # the app's priority keys reach a dialog: listed
        assert rows["Dismiss"] == "x"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StatusModal)


async def test_a_remapped_key_is_listed_as_remapped(make_app: AppFactory) -> None:
    app = make_app()
    app.set_keymap({"take-ticket": "ctrl+t", "help": "f2"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)  # ? is no longer help
        await pilot.press("f2")
        await pilot.pause()
        rows = help_rows(app)
        assert rows["Take"] == "^t"
        assert rows["Help"] == "f2"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)


async def test_a_question_mark_typed_in_a_text_field_is_text(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "question_mark", "x")
        await pilot.pause()
        field = app.screen.query_one("#filter", Input)
        assert field.value == "?x"
        assert isinstance(app.screen, DispatchScreen)
        await pilot.press("f1")  # f1 is no letter: it still opens the help
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        await pilot.press("escape")
        await pilot.press("escape")  # clears the filter field
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketModal)
        app.screen.query_one("#new-title", Input).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("#new-title", Input).value == "?"
        await pilot.press("tab")  # the description: a TextArea
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, NewTicketModal)
        assert app.screen.query_one("#new-description").text == "?"  # type: ignore[attr-defined]


async def test_the_help_scrolls_with_the_vi_arrow_and_page_keys(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help-dialog", VerticalScroll)
        assert box.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert box.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert box.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 2
        await pilot.press("pageup", "down")
        await pilot.pause()
        assert box.scroll_y == 1


async def test_no_help_while_the_terminal_is_too_small(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("question_mark", "f1")
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)


async def test_the_palette_offers_help_and_no_key_panel(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in DispatchCommands(app.screen).commands()}
        assert commands["Help"].keys == ["?", "f1"]
        assert "Keys" not in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"help")
        await pilot.pause(0.3)
        await pilot.press("f1")  # over the palette: nothing (its keys are Textual's)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal)
        assert "The dispatcher's screen" in help_text(app)


async def test_help_and_quit_lead_the_footer_at_80_columns_after_a_remap(
    make_app: AppFactory,
) -> None:
    app = make_app()
    app.set_keymap({"take-ticket": "ctrl+t", "new-ticket": "ctrl+n", "change-status": "ctrl+s"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = [key for key in footer.children if getattr(key, "action", None)]
        assert [getattr(k, "action", None) for k in keys[:2]] == ["show_help", "app.quit"]
        for key in keys[:2]:
            assert key.region.width > 0
            assert key.region.right <= 80
