"""The new-ticket form's caller: picked among the customer's contacts, or added inline."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Label, Select

from dispatch.bootstrap import Storage
from dispatch.domain.model import Contact
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import queue, tickets
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.new_ticket import NEW_CONTACT, NewTicketModal
from tests.ui.conftest import AppFactory
from tests.ui.test_console import settle

CARPATHIA = "Carpathia Logistics SRL"


def newest(storage: Storage) -> Ticket:
    return max(queue.load_queue(storage.reader(), open_only=False), key=lambda t: t.id)


async def pick_carpathia(pilot: Pilot[None], app: DispatchApp) -> NewTicketModal:
    """``n``, then the customer picked by typing the start of its name."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, NewTicketModal)
    await pilot.press("enter", *"Carp", "enter")
    await pilot.pause()
    assert form.query_one("#new-customer", Select).selection is not None
    return form


async def test_the_caller_is_picked_with_the_keyboard_and_recorded(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await pick_carpathia(pilot, app)
        caller = form.query_one("#new-caller", Select)
        assert not caller.disabled
        await pilot.press("tab")
        assert form.focused is caller
        await pilot.press("enter", "down", "enter")  # the list: none, Andreea, + New contact…
        await pilot.pause()
        assert isinstance(caller.value, int)
        assert not form.query_one("#new-contact").has_class("-shown")
        form.query_one("#new-title", Input).focus()
        await pilot.press(*"Printer down", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        await pilot.press("enter")  # the new ticket is the one selected: its detail
        await settle(pilot)
        body = str(app.screen.query_one("#detail-body").render())
        assert "Caller    Andreea Popescu  +40 21 555 0101" in body
    ticket = newest(storage)
    assert (ticket.title, ticket.contact_id) == ("Printer down", caller.value)


async def test_a_hostile_caller_is_shown_literally(
    make_app: AppFactory, storage: Storage, clock: FixedClock
) -> None:
    # A name refuses control characters; a role is free text, shown with them made visible.
    evil = Contact(0, 0, "[b]Boss[/b]", phones=("+40 21 555 0000",), role="[red]x \x1b[31m")
    request = NewTicket(CARPATHIA, "Hostile caller", new_contact=evil)
    made = tickets.open_ticket(storage.writer(), clock, "ana", request)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *f"T-{made.id}", "enter")
        await settle(pilot)
        body = str(app.screen.query_one("#detail-body").render())
        assert "Caller    [b]Boss[/b] ([red]x ␛[31m)  +40 21 555 0000" in body


async def test_a_new_caller_is_typed_in_the_form_checked_and_saved_with_the_ticket(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await pick_carpathia(pilot, app)
        await pilot.press("tab", "enter", "end", "enter")  # the last option: + New contact…
        await pilot.pause()
        assert form.query_one("#new-caller", Select).value == NEW_CONTACT
        assert form.query_one("#new-contact").has_class("-shown")
        await pilot.press("tab", *"Radu Ionescu", "tab", *"night shift")
        await pilot.press("tab", *"radu@carpathia", "tab", *"+40 722 000 111, +40 21 555 0199")
        await pilot.press("tab", *"Scanner offline", "ctrl+s")
        await pilot.pause()
        # Refused as `dispatch contact add` refuses it: the field named, focused, nothing saved.
        assert app.screen is form
        error = str(form.query_one("#new-contact-error", Label).render())
        assert error == "new contact email: not an address (got 'radu@carpathia')"
        assert form.focused is form.query_one("#new-contact-emails", Input)
        await pilot.press("end", *".example", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
    ticket = newest(storage)
    with storage.reader() as uow:
        added = uow.directory.customer_by_name(CARPATHIA).contacts[-1]
    assert ticket.title == "Scanner offline"
    assert ticket.contact_id == added.id
    assert (added.name, added.role, added.emails, added.phones) == (
        "Radu Ionescu",
        "night shift",
        ("radu@carpathia.example",),
        ("+40 722 000 111", "+40 21 555 0199"),
    )


async def test_a_new_caller_with_an_address_already_known_is_refused_in_the_form(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await pick_carpathia(pilot, app)
        await pilot.press("tab", "enter", "end", "enter")
        await pilot.press("tab", *"Someone", "tab", "tab", *"IT@carpathia.example")
        form.query_one("#new-title", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#new-error", Label).render())
        assert "new contact email: 'it@carpathia.example' belongs to 'Andreea Popescu'" in error
    with storage.reader() as uow:
        assert len(uow.directory.customer_by_name(CARPATHIA).contacts) == 1


async def test_without_a_customer_there_is_no_caller_to_pick(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#new-caller", Select).disabled
