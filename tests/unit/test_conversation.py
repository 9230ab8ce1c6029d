"""Notes, calls and replies on a ticket, and which of them is the first response."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dispatch.domain.conversation import (
    Article,
    ArticleChannel,
    FirstResponse,
    SendState,
    Visibility,
    display_text,
)
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Contact, Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import conversation, tickets
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork
from tests.unit.test_services import ACME, ANA, NOW, SOLO, SUB, TM

SENDER = "support@help.example"
REPLY_ONLY = replace(SUB, first_response=FirstResponse.REPLY)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    acme = replace(
        ACME,
        contacts=(
            Contact(1, 1, "No Mail", phones=("+40 21 555 0100",)),
            Contact(2, 1, "Ion Pop", emails=("ion@acme.example",)),
        ),
    )
    return FakeUnitOfWork(FakeDirectory([acme, SOLO], [REPLY_ONLY, TM], [ANA]))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _open(uow: FakeUnitOfWork, clock: FixedClock) -> int:
    request = NewTicket(customer="Acme", title="Link down", severity=Severity.P1)
    return tickets.open_ticket(uow, clock, "disp", request).id


def _mail_in(uow: FakeUnitOfWork, ticket_id: int, message_id: str, **fields: object) -> Article:
    article = Article(
        id=0,
        ticket_id=ticket_id,
        at=NOW,
        author="ion@acme.example",
        channel=ArticleChannel.EMAIL_IN,
        visibility=Visibility.PUBLIC,
        message_id=message_id,
        **{
            "body": "It is down again",
            "subject": "Link down",
            "sender": "ion@acme.example",
            **fields,
        },  # type: ignore[arg-type]
    )
    return uow.articles.add(article)


def test_a_note_is_kept_exactly_and_records_an_event(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    text = "called back, no answer\r\n\x1b[31mred?\x1b[0m"
    note = conversation.add_note(uow, clock, "ana", tid, text)
    assert note.body == text  # exactly as typed
    assert "\x1b" not in note.display
    assert "called back, no answer\n" in note.display
    assert (note.channel, note.visibility, note.author) == (
        ArticleChannel.NOTE,
        Visibility.INTERNAL,
        "ana",
    )
    assert uow.events.events[-1].action == "ticket.article"
    assert uow.events.events[-1].after == {"article": note.id, "channel": "note"}
    assert uow.tickets.get(tid).first_response_at is None  # a note answers nobody


def test_by_default_taking_a_ticket_up_is_no_first_response_but_a_call_out_is(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    clock.advance(timedelta(minutes=10))
    working = tickets.change_status(uow, clock, "ana", tid, TicketStatus.IN_PROGRESS)
    assert working.first_response_at is None
    clock.advance(timedelta(minutes=5))
    conversation.log_call(uow, clock, "ana", tid, "They called", outbound=False)
    assert uow.tickets.get(tid).first_response_at is None  # the customer called us
    clock.advance(timedelta(minutes=5))
    call = conversation.log_call(
        uow, clock, "ana", tid, "Told them", outbound=True, number=" +40  21 555 0100 "
    )
    assert call.phone == "+40 21 555 0100"
    answered = uow.tickets.get(tid)
    assert answered.first_response_at == NOW + timedelta(minutes=20)
    assert (
        uow.events.events[-1].after["first_response_at"] == answered.first_response_at.isoformat()
    )
    clock.advance(timedelta(minutes=5))
    conversation.reply(uow, clock, "ana", tid, "Fixed?", sender=SENDER)
    assert uow.tickets.get(tid).first_response_at == NOW + timedelta(minutes=20)  # the first


def test_a_contract_may_count_the_status_change(clock: FixedClock) -> None:
    uow = FakeUnitOfWork(FakeDirectory([ACME], [SUB], [ANA]))  # REPLY_OR_STATUS
    tid = _open(uow, clock)
    clock.advance(timedelta(minutes=10))
    working = tickets.change_status(uow, clock, "ana", tid, TicketStatus.IN_PROGRESS)
    assert working.first_response_at == NOW + timedelta(minutes=10)


def test_a_reply_goes_to_the_first_contact_with_an_address_and_into_the_outbox(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    sent = conversation.reply(uow, clock, "ana", tid, "We are on it.", sender=SENDER)
    assert sent.recipients == ("ion@acme.example",)
    assert sent.subject == "[T-1] Link down"
    assert sent.message_id
    assert sent.message_id.endswith("@help.example>")
    assert "T-1" in sent.message_id
    assert (sent.in_reply_to, sent.references) == (None, ())
    assert sent.send_state is SendState.PENDING
    assert [d.article_id for d in uow.outbox.due(NOW, 10, replies=True)] == [sent.id]
    assert uow.outbox.due(NOW, 10) == []  # the alert sender leaves replies alone


def test_a_reply_answers_the_newest_mail_in_its_thread(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    first = _mail_in(uow, tid, "<a@acme.example>")
    _mail_in(uow, tid, "<ooo@acme.example>", auto="auto-reply", sender="robot@acme.example")
    last = _mail_in(
        uow, tid, "<b@acme.example>", subject="RE: Link down", in_reply_to=first.message_id
    )
    sent = conversation.reply(uow, clock, "ana", tid, "Try again now", sender=SENDER)
    assert sent.in_reply_to == last.message_id
    assert sent.references == ("<a@acme.example>", "<ooo@acme.example>", "<b@acme.example>")
    assert sent.subject == "RE: Link down [T-1]"
    assert sent.recipients == ("ion@acme.example",)  # not the auto-replying robot


def test_a_title_with_line_breaks_makes_one_subject_line(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    request = NewTicket(customer="Acme", title="Down\r\nBcc: x@evil.example", severity=Severity.P1)
    tid = tickets.open_ticket(uow, clock, "disp", request).id
    sent = conversation.reply(uow, clock, "ana", tid, "Hello", sender=SENDER)
    assert sent.subject is not None
    assert "\n" not in sent.subject
    assert "\r" not in sent.subject


def test_bad_input_is_refused_and_writes_nothing(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    before = len(uow.events.events)
    with pytest.raises(InvalidInputError, match="note: the text is empty"):
        conversation.add_note(uow, clock, "ana", tid, " \n ")
    with pytest.raises(InvalidInputError, match="number: 'call me' is not a phone number"):
        conversation.log_call(uow, clock, "ana", tid, "x", outbound=True, number="call me")
    with pytest.raises(InvalidInputError, match="to: 'nobody' is not an e-mail address"):
        conversation.reply(uow, clock, "ana", tid, "x", sender=SENDER, to=["nobody"])
    with pytest.raises(InvalidInputError, match="at most 1,000,000"):
        conversation.add_note(uow, clock, "ana", tid, "x" * 1_000_001)
    with pytest.raises(NotFoundError):
        conversation.add_note(uow, clock, "ana", 99, "x")
    assert len(uow.events.events) == before
    assert uow.articles.rows == []
    assert uow.outbox.rows == {}


def test_no_address_to_reply_to_says_what_to_do(clock: FixedClock) -> None:
    uow = FakeUnitOfWork(FakeDirectory([ACME], [REPLY_ONLY], [ANA]))
    tid = _open(uow, clock)
    with pytest.raises(InvalidInputError, match="give one \\(--to\\), or add a contact"):
        conversation.reply(uow, clock, "ana", tid, "Hello", sender=SENDER)
    assert uow.articles.rows == []


def test_a_huge_body_is_cut_for_display_only() -> None:
    body = "line\n" * 100_000
    shown = display_text(body)
    assert len(shown) < len(body)
    assert shown.endswith("[… cut for display]")


def test_a_template_is_filled_with_the_deadline_in_the_customers_zone(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    ticket = uow.tickets.get(tid)
    text = conversation.fill_template(
        "Hello {contact}, {ref} ({title}) is answered by {response_due} {zone}. {login}",
        ticket,
        ACME,
        login="ana",
        contact="Ion",
    )
    # Opened 10:00 UTC, 2 h to respond on 24/7: 12:00 UTC is 14:00 in Bucharest.
    assert (
        text == "Hello Ion, T-1 (Link down) is answered by 2026-11-23 14:00 Europe/Bucharest. ana"
    )


def test_a_reply_goes_to_the_tickets_caller_before_the_first_contact(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    caller = uow.directory.add_contact(Contact(0, 1, "Ana Caller", emails=("ana@acme.example",)))
    request = NewTicket(customer="Acme", title="Down", severity=Severity.P1, contact_id=caller.id)
    tid = tickets.open_ticket(uow, clock, "disp", request).id
    sent = conversation.reply(uow, clock, "ana", tid, "Hi", sender=SENDER)
    assert sent.recipients == ("ana@acme.example",)
