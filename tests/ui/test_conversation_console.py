"""The conversation in the console: c notes, l logs a call, r replies; nothing typed is lost."""

from __future__ import annotations

from textual.widgets import Input, Select, TextArea

from dispatch.bootstrap import Storage
from dispatch.config_mail import MailSettings
from dispatch.domain.conversation import ArticleChannel, SendState
from dispatch.services import conversation, tickets
from dispatch.ui.screens.compose import ComposeModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch import DispatchScreen
from tests.ui.conftest import AppFactory
from tests.ui.test_console import settle

MAIL = MailSettings(
    sender="support@help.example",
    templates={"ack": "Hello {contact}, we are on {ref} until {response_due} ({zone})."},
)


def shown_ticket(app: object) -> int:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, DispatchScreen)
    assert screen.detail is not None
    return screen.detail.ticket.id


def detail_text(app: object) -> str:
    return str(app.screen.query_one("#detail-body").render())  # type: ignore[attr-defined]


async def test_a_note_is_written_saved_and_shown(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tid = shown_ticket(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ComposeModal)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "the text is empty" in str(app.screen.query_one("#compose-error").render())
        await pilot.press(*"no answer", "enter", *"[red]retry[/red]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        stored = conversation.articles(storage.reader(), tid)
        assert [(a.channel, a.author, a.body) for a in stored] == [
            (ArticleChannel.NOTE, "ana", "no answer\n[red]retry[/red]")
        ]
        assert "[red]retry[/red]" in detail_text(app)  # shown literally, never as markup


async def test_leaving_a_typed_note_asks_first(make_app: AppFactory, storage: Storage) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tid = shown_ticket(app)
        await pilot.press("c", *"half a thought", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # keep writing
        await settle(pilot)
        assert isinstance(app.screen, ComposeModal)
        assert app.screen.query_one(TextArea).text == "half a thought"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert conversation.articles(storage.reader(), tid) == []


async def test_a_call_out_is_logged_with_its_number_and_answers_the_ticket(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tid = shown_ticket(app)
        await pilot.press("l")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ComposeModal)
        number = dialog.query_one("#compose-number", Input)
        assert number.value  # the customer's first phone number, to correct if need be
        await pilot.press(*"Told them we are on it", "ctrl+s")
        await settle(pilot)
        call = conversation.articles(storage.reader(), tid)[-1]
        assert (call.channel, call.phone) == (ArticleChannel.PHONE_OUT, number.value)
        assert "call out" in detail_text(app)
        assert tickets.read_ticket(storage.reader(), tid).first_response_at == call.at


async def test_reply_needs_mail_configured(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert any("[mail] from" in str(n.message) for n in app._notifications)  # noqa: SLF001


async def test_a_reply_from_a_template_is_queued_and_a_refused_one_keeps_its_text(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(mail=MAIL)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tid = shown_ticket(app)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ComposeModal)
        to = dialog.query_one("#compose-to", Input)
        to.value = "not-an-address"
        dialog.query_one("#compose-template", Select).value = "ack"
        await settle(pilot)
        text = dialog.query_one(TextArea).text
        assert text.startswith("Hello , we are on T-"), text
        assert text.endswith(")."), text
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Refused by the service: the dialog is back with the text and the reason.
        again = app.screen
        assert isinstance(again, ComposeModal)
        assert again.query_one(TextArea).text == text
        assert "not an e-mail address" in str(again.query_one("#compose-error").render())
        again.query_one("#compose-to", Input).value = "boss@customer.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        reply = conversation.articles(storage.reader(), tid)[-1]
        assert reply.channel is ArticleChannel.EMAIL_OUT
        assert reply.recipients == ("boss@customer.example",)
        assert reply.send_state is SendState.PENDING
        assert reply.body == text
        assert "pending" in detail_text(app)


async def test_a_read_only_console_writes_no_conversation(
    make_app: AppFactory, storage: Storage
) -> None:
    app = make_app(read_only=True, mail=MAIL)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tid = shown_ticket(app)
        await pilot.press("c", "r", "l")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert conversation.articles(storage.reader(), tid) == []
