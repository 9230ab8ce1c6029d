"""Replies out with fakes: the message made from the stored reply, and each attempt recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest

from dispatch.domain.conversation import Article, ArticleChannel, SendState, Visibility
from dispatch.domain.errors import DeliveryFailedError, DeliveryRejectedError, InvalidInputError
from dispatch.domain.model import Contact
from dispatch.domain.notify import NotifyPolicy
from dispatch.domain.ports import FixedClock
from dispatch.services import conversation, replies
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork
from tests.unit.test_conversation import REPLY_ONLY, SENDER, _open
from tests.unit.test_services import ACME, ANA, NOW, SOLO, TM

POLICY = NotifyPolicy(retry=(timedelta(seconds=30), timedelta(minutes=5)), max_attempts=3)

REPLY = Article(
    id=7,
    ticket_id=42,
    at=NOW,
    author="ana",
    channel=ArticleChannel.EMAIL_OUT,
    visibility=Visibility.PUBLIC,
    body="Bună ziua,\nЗдравейте, хардуерът е сменен.\n\n-- \nana",
    subject="Re: Imprimanta [T-42]",
    sender=SENDER,
    recipients=("ion@acme.example", "eva@acme.example"),
    message_id="<1.T-42@help.example>",
    in_reply_to="<b@acme.example>",
    references=("<a@acme.example>", "<b@acme.example>"),
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    acme = replace(ACME, contacts=(Contact(2, 1, "Ion Pop", emails=("ion@acme.example",)),))
    return FakeUnitOfWork(FakeDirectory([acme, SOLO], [REPLY_ONLY, TM], [ANA]))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


class FakeMailer:
    """Keeps what it is given; raises what it is told to, in turn."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[bytes, str, tuple[str, ...]]] = []

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((message, sender, tuple(recipients)))
        return ""


def test_the_message_carries_the_threads_headers_and_the_body_exactly() -> None:
    raw = replies.reply_message(REPLY, "T-42")
    msg = message_from_bytes(raw, policy=default)
    assert msg["From"] == SENDER
    assert msg["To"] == "ion@acme.example, eva@acme.example"
    assert msg["Subject"] == "Re: Imprimanta [T-42]"
    assert msg["Message-ID"] == "<1.T-42@help.example>"
    assert msg["In-Reply-To"] == "<b@acme.example>"
    assert msg["References"] == "<a@acme.example> <b@acme.example>"
    assert msg["X-Dispatch-Ticket"] == "T-42"
    assert msg["Date"].datetime == NOW
    assert "Auto-Submitted" not in msg
    assert msg.get_content().replace("\r\n", "\n") == REPLY.body  # no line break added
    assert raw.isascii()  # 7-bit clean: no server needs 8BITMIME
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only


@pytest.mark.parametrize(
    "body", ["ends with a break\n", "Windows\r\nline ends\r\n", "x" * 500, "trailing space "]
)
def test_the_body_survives_quoted_printable(body: str) -> None:
    msg = message_from_bytes(replies.reply_message(replace(REPLY, body=body), "T-42"))
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("utf-8").replace("\r\n", "\n") == body.replace("\r\n", "\n")


def test_a_subject_with_line_breaks_stays_one_header() -> None:
    hostile = replace(REPLY, subject="Re: x\r\nBcc: evil@attacker.example\n\tmore\x00")
    raw = replies.reply_message(hostile, "T-42")
    msg = message_from_bytes(raw, policy=default)
    assert msg["Subject"] == "Re: x Bcc: evil@attacker.example more"
    assert "Bcc" not in msg
    assert b"\r\nBcc" not in raw


@pytest.mark.parametrize(
    "fields",
    [
        {"message_id": "<a@b>\r\nBcc: evil@attacker.example"},
        {"recipients": ("ion@acme.example\nBcc: evil@attacker.example",)},
        {"in_reply_to": "<a@b>\r\nX: y"},
    ],
)
def test_an_address_or_id_with_a_line_break_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="holds a line break"):
        replies.reply_message(replace(REPLY, **fields), "T-42")  # type: ignore[arg-type]


def _reply(uow: FakeUnitOfWork, clock: FixedClock) -> Article:
    tid = _open(uow, clock)
    return conversation.reply(uow, clock, "ana", tid, "Salut", sender=SENDER)


def _send(uow: FakeUnitOfWork, clock: FixedClock, mailer: FakeMailer) -> list[str]:
    done = replies.send_replies(uow, uow, clock, mailer, POLICY, sender="envelope@help.example")
    return [d.state for d in done]


def test_a_reply_is_sent_once_from_the_configured_envelope_sender(
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    sent = _reply(uow, clock)
    mailer = FakeMailer()
    assert _send(uow, clock, mailer) == ["sent"]
    [(raw, envelope, to)] = mailer.sent
    assert envelope == "envelope@help.example"
    assert to == sent.recipients
    assert f"[T-{sent.ticket_id}]".encode() in raw
    assert _send(uow, clock, mailer) == []
    clock.advance(timedelta(days=1))
    assert _send(uow, clock, mailer) == []
    assert uow.articles.get(sent.id).send_state is SendState.SENT


def test_a_passing_trouble_is_retried_after_the_policys_waits_then_given_up(
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    sent = _reply(uow, clock)
    trouble = [DeliveryFailedError(f"451 busy {n}") for n in range(3)]
    mailer = FakeMailer(*trouble)
    assert _send(uow, clock, mailer) == ["pending"]
    [row] = uow.outbox.rows.values()
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert _send(uow, clock, mailer) == []
    clock.advance(timedelta(seconds=1))
    assert _send(uow, clock, mailer) == ["pending"]
    clock.advance(timedelta(minutes=5))
    assert _send(uow, clock, mailer) == ["failed"]  # max_attempts
    article = uow.articles.get(sent.id)
    assert (article.send_state, article.send_error) == (SendState.FAILED, "451 busy 2")
    assert [ok for _, ok, _ in uow.outbox.attempts(row.id)] == [False, False, False]
    assert mailer.sent == []


def test_a_final_refusal_fails_at_once(
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    sent = _reply(uow, clock)
    mailer = FakeMailer(DeliveryRejectedError("550 5.1.1 no such user"))
    assert _send(uow, clock, mailer) == ["failed"]
    article = uow.articles.get(sent.id)
    assert (article.send_state, article.send_error) == (SendState.FAILED, "550 5.1.1 no such user")


def test_a_stored_reply_that_cannot_be_an_e_mail_fails_at_once_unsent(
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    sent = _reply(uow, clock)
    uow.articles.rows[-1] = replace(sent, recipients=("a@b.example\r\nBcc: x@y.example",))
    mailer = FakeMailer()
    assert _send(uow, clock, mailer) == ["failed"]
    assert mailer.sent == []
    error = uow.articles.get(sent.id).send_error or ""
    assert error.startswith("cannot be sent as e-mail: To:")


def test_alerts_and_replies_never_take_each_others_deliveries(
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    _reply(uow, clock)
    uow.outbox.enqueue(1, ["ops"], 0, clock.now())
    assert _send(uow, clock, FakeMailer()) == ["sent"]
    [alert] = [d for d in uow.outbox.rows.values() if d.alert_id is not None]
    assert alert.state == "pending"
