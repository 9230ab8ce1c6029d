"""M: a ticket from an unknown sender is given to a customer picked by name, in one go."""

from __future__ import annotations

from dispatch.bootstrap import Storage
from dispatch.domain.conversation import Article, ArticleChannel, Visibility
from dispatch.domain.model import Severity
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import tickets, triage
from dispatch.ui.screens.customer_pick import CustomerPickModal
from dispatch.ui.screens.dispatch import DispatchScreen
from tests.conftest import NOW
from tests.ui.conftest import AppFactory
from tests.ui.test_console import settle

SENDER = "new.person@carpathia.example"


def triage_ticket(storage: Storage) -> int:
    with storage.writer() as uow:
        triage.triage_customer(uow, "mail", NOW)
        uow.commit()
    request = NewTicket(customer=triage.TRIAGE_NAME, title="Printer on fire", severity=Severity.P2)
    tid = tickets.open_ticket(storage.writer(), FixedClock(NOW), "mail", request).id
    mail = Article(
        id=0,
        ticket_id=tid,
        at=NOW,
        author=SENDER,
        channel=ArticleChannel.EMAIL_IN,
        visibility=Visibility.PUBLIC,
        body="It smokes.",
        subject="Printer on fire",
        sender=SENDER,
        message_id="<fire@carpathia.example>",
    )
    with storage.writer() as uow:
        uow.articles.add(mail)
        uow.commit()
    return tid


async def test_m_moves_a_triage_ticket_to_the_customer_picked(
    make_app: AppFactory, storage: Storage
) -> None:
    tid = triage_ticket(storage)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *f"T-{tid}", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DispatchScreen)
        assert screen.detail is not None
        assert screen.detail.ticket.id == tid
        assert screen.detail.customer.triage
        await pilot.press("M")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CustomerPickModal)
        assert "Move T-" in str(picker.query_one("#pick-dialog").border_title)
        await pilot.press(*"carpathia", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        moved = tickets.read_ticket(storage.reader(), tid)
        assert moved.customer_name == "Carpathia Logistics SRL"
        assert moved.response_due is not None  # its contract's clock now runs
        with storage.reader() as uow:
            carpathia = uow.directory.customer(moved.customer_id)
        assert any(SENDER in c.emails for c in carpathia.contacts)  # their next mail finds it


async def test_m_refused_in_a_read_only_console(make_app: AppFactory, storage: Storage) -> None:
    tid = triage_ticket(storage)
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *f"T-{tid}", "enter")
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert tickets.read_ticket(storage.reader(), tid).customer_name == triage.TRIAGE_NAME
