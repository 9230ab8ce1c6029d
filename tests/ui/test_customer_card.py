"""The customer card in the console: ``C`` on a ticket, the palette's picker, going to a ticket."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from dispatch.bootstrap import Storage
from dispatch.domain.card import CustomerCard
from dispatch.domain.filter import Scope
from dispatch.domain.ports import FixedClock
from dispatch.domain.terms import terms_text
from dispatch.services import customer_card, master_data
from dispatch.ui.app import DispatchApp
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.screens.customer_card import CustomerCardModal
from dispatch.ui.screens.customer_pick import CustomerPickModal
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.help import HelpModal
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import queue, screen, settle
from tests.ui.test_hostile import (
    CORPUS,
    add_customer,
    assert_running,
    assert_shown_literally,
    assert_terminal_clean,
    capturing,
    click_on,
    fragments,
    screen_lines,
    seed_hostile,
)

SIZE = (160, 48)

CARD_CORPUS = [p for p in CORPUS if p.id in {
    "markup-click-quit", "markup-invalid", "osc-title", "c1-csi-osc", "bidi",
    "newline-separators",
}]  # fmt: skip
"""The hostile strings the card is tried with (the whole corpus goes through the panes)."""


def card_screen(app: DispatchApp) -> CustomerCardModal:
    modal = app.screen
    assert isinstance(modal, CustomerCardModal)
    return modal


def shown_card(app: DispatchApp) -> CustomerCard:
    card = card_screen(app).card
    assert card is not None, "the card was not read"
    return card


def card_text(app: DispatchApp) -> str:
    """Every entry of the card's list, the ones scrolled out of view too."""
    options = card_screen(app).query_one("#card-list", OptionList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


async def open_card(pilot: Pilot[None], app: DispatchApp) -> CustomerCard:
    """Press ``C`` and wait for the card to be read."""
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    return shown_card(app)


async def test_c_shows_the_selected_tickets_customer_and_escape_closes_it(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ticket = queue(app).cursor_ticket
        assert ticket is not None
        card = await open_card(pilot, app)
        assert card.customer.id == ticket.customer_id
        expected = customer_card.customer_card(storage.reader(), ticket.customer_id, NOW)
        assert card == expected
        text = card_text(app)
        assert card.customer.name in text
        assert card.customer.address in text
        for contact in card.customer.contacts:
            assert contact.name in text
            assert all(phone in text for phone in contact.phones)
        for entry in card.contracts:
            # The same terms line as the ticket's detail pane.
            assert terms_text(entry.contract, entry.calendar, entry.balance) in text
        assert all(tech.login in text for tech in card.on_call)
        assert f"Open tickets ({len(card.open_tickets)})" in text
        assert ticket.ref in text
        # The cursor starts on the first open ticket.
        assert card_screen(app).highlighted_ticket() == card.open_tickets[0].ticket.id
        await pilot.press("question_mark")  # the help names the card's keys
        help_screen = app.screen
        assert isinstance(help_screen, HelpModal)
        headings = [str(label.render()) for label in help_screen.query(".help-heading")]
        assert headings[:2] == ["The customer card", "Moving in the list"]
        await pilot.press("escape")
        card_screen(app)  # the card again
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert queue(app).cursor_id == ticket.id


async def test_the_lists_move_with_the_keys_and_enter_goes_to_the_ticket(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(pilot, app)
        modal = card_screen(app)
        opened = [c.ticket.id for c in card.open_tickets]
        assert len(opened) >= 2, "the demo's first customer has several open tickets"
        await pilot.press("j")
        assert modal.highlighted_ticket() == opened[1]
        await pilot.press("k")
        assert modal.highlighted_ticket() == opened[0]
        await pilot.press("tab")  # to the last 90 days
        assert modal.highlighted_ticket() == card.recent[0].ticket.id
        await pilot.press("G")
        assert modal.highlighted_ticket() == card.recent[-1].ticket.id
        await pilot.press("tab")  # round again to the open tickets
        assert modal.highlighted_ticket() == opened[0]
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert queue(app).cursor_id == opened[1]


async def test_enter_on_a_closed_ticket_widens_the_queue_to_all_tickets(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # A customer with a resolved or closed ticket in the last 90 days.
        card = await open_card(pilot, app)
        done = [c.ticket for c in card.recent if not c.ticket.is_open]
        while not done:
            await pilot.press("escape", "j")
            card = await open_card(pilot, app)
            done = [c.ticket for c in card.recent if not c.ticket.is_open]
        modal = card_screen(app)
        await pilot.press("tab")
        while modal.highlighted_ticket() != done[0].id:
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, DispatchScreen)
        assert screen(app).filter.scope is Scope.ALL
        assert queue(app).cursor_id == done[0].id


async def test_the_palette_picks_a_customer_by_typing_and_leaves_out_retired_ones(
    make_app: AppFactory, storage: Storage
) -> None:
    clock = FixedClock(NOW)
    master_data.retire_customer(storage.writer(), clock, "admin", "Tipografia Dunărea SRL")
    app = make_app(read_only=True)  # looking only: a read-only console has the card too
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in DispatchCommands(app.screen).commands()}
        assert commands["Customer card"].keys == ["C"]
        assert commands["Customer card…"].keys == []
        assert commands["Customer card…"].text == "Pick a customer by name and show their card"
        await app.run_action(commands["Customer card…"].action)
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CustomerPickModal)
        names = [c.name for c in picker.shown]
        assert len(names) == 9
        assert "Tipografia Dunărea SRL" not in names  # retired
        assert isinstance(app.focused, Input)
        await pilot.press(*"sfanta")  # accents and case do not matter
        assert [c.name for c in picker.shown] == ["Clinica Medicală Sfânta Maria"]
        await pilot.press(*"zz")
        assert picker.shown == []
        await pilot.press("backspace", "backspace", "ctrl+u", *"gmbh")
        assert [c.name for c in picker.shown] == ["Rhein Maschinenbau GmbH"]
        await pilot.press("enter")
        await settle(pilot)
        assert shown_card(app).customer.name == "Rhein Maschinenbau GmbH"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)


async def test_picker_moves_with_the_arrows_and_escape_gives_up(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.run_action("screen.pick_customer_card")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CustomerPickModal)
        options = picker.query_one(OptionList)
        assert options.highlighted == 0
        await pilot.press("down", "down", "up")
        assert options.highlighted == 1
        second = picker.shown[1]
        await pilot.press("enter")
        await settle(pilot)
        assert shown_card(app).customer == second
        await pilot.press("escape")
        await app.run_action("screen.pick_customer_card")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)


async def test_a_retired_customers_card_is_reached_from_its_ticket(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ticket = queue(app).cursor_ticket
        assert ticket is not None
        master_data.retire_customer(
            storage.writer(), FixedClock(NOW), "admin", ticket.customer_name
        )
        card = await open_card(pilot, app)
        assert card.customer.retired_at is not None
        assert "retired 2026-11-23" in card_text(app)


async def test_c_without_a_selected_ticket_asks_which_customer(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"nothing-matches-this", "enter")
        await settle(pilot)
        assert queue(app).cursor_ticket is None
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CustomerPickModal)


@pytest.mark.parametrize("text", CARD_CORPUS)
async def test_hostile_customer_text_on_the_card_is_literal_and_inert(
    make_app: AppFactory, storage: Storage, text: str
) -> None:
    hostile = seed_hostile(storage, text)
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await settle(pilot)
        assert queue(app).cursor_id == hostile.ticket_id  # breached P1: first
        card = await open_card(pilot, app)
        assert card.customer.name == hostile.customer
        await pilot.pause()
        assert_shown_literally(
            app, hostile.customer, f"Site {text}", f"Contact {text}", hostile.contract
        )
        # On the card (a row starting at its left border), not the queue's row behind it.
        card_row = f"│ T-{hostile.ticket_id} "
        title_row = next(line for line in screen_lines(app) if card_row in line)
        assert fragments(f"T {text}")[0] in title_row, title_row
        await click_on(pilot, app, "quit-me")
        assert_running(app)
        await pilot.press("escape")
        await settle(pilot)
        await app.run_action("screen.pick_customer_card")
        await settle(pilot)
        await pilot.press(*"hostile")
        await settle(pilot)
        assert_shown_literally(app, hostile.customer)
        await click_on(pilot, app, "quit-me")
        assert_running(app)
        await pilot.press("escape")
        await settle(pilot)
        assert_terminal_clean(app)


async def test_many_hostile_customers_in_the_picker(make_app: AppFactory, storage: Storage) -> None:
    for param in CORPUS:
        add_customer(storage, param.values[0])
    app = capturing(make_app())
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("screen.pick_customer_card")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CustomerPickModal)
        await pilot.press(*"hostile")
        await settle(pilot)
        assert len(picker.shown) == len(CORPUS)
        assert_shown_literally(app, *(f"Hostile {p.values[0]}" for p in CORPUS[:10]))
        await pilot.press("escape")
        await settle(pilot)
        assert_running(app)
        assert_terminal_clean(app)
