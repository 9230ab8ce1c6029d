"""Replies out: the outbox's e-mail replies, made into messages and sent through SMTP.

A reply is committed with its delivery first (``conversation.reply``); here
each due reply is claimed (so that two senders running at once never both
send it), made into an RFC 5322 message from the stored article, handed to
the ``Mailer`` with no transaction open, and its attempt recorded as alert
deliveries record theirs: sent (never again), retried after the ``[notify]``
waits while the trouble may pass (a 4xx reply, no connection), failed at once
when the server refuses it for good (5xx) or after ``max_attempts``. The
ticket shows where its reply stands (``Article.send_state``/``send_error``).
Uses the domain's ports only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email import quoprimime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from dispatch.domain.conversation import Article
from dispatch.domain.errors import DeliveryFailedError, DeliveryRejectedError, InvalidInputError
from dispatch.domain.notify import Delivery, NotifyPolicy
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ports_conversation import Mailer
from dispatch.services.deliveries import CLAIM_HOLD, claim_due, record_attempt

TICKET_HEADER = "X-Dispatch-Ticket"
"""Names the ticket on every reply, so that intake knows our own messages when they return."""


def reply_message(article: Article, ticket_ref: str) -> bytes:
    """The reply as an RFC 5322 message, CRLF line ends, ready for SMTP.

    Headers come from the stored article (``From``, ``To``, ``Subject``,
    ``Date``, our ``Message-ID``, the thread's ``In-Reply-To`` and
    ``References``) plus ``X-Dispatch-Ticket``. No ``Auto-Submitted``: a person
    wrote it. The body is ``text/plain`` in UTF-8, quoted-printable, exactly
    the stored text (every line break goes as CRLF, as SMTP requires; a text
    that does not end in one gets none).

    Raises:
        InvalidInputError: A header value that would break a line (a CR or LF
            in an address or a Message-ID): nothing is sent. The subject is
            made one line instead (it is the ticket's title or the customer's
            subject).
    """
    if not article.sender or not article.recipients or not article.message_id:
        raise InvalidInputError(f"article {article.id} is not an e-mail reply")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _one_line("From", article.sender)
    msg["To"] = ", ".join(_one_line("To", a) for a in article.recipients)
    msg["Subject"] = _subject_line(article.subject or ticket_ref)
    msg["Date"] = format_datetime(article.at)
    msg["Message-ID"] = _one_line("Message-ID", article.message_id)
    if article.in_reply_to:
        msg["In-Reply-To"] = _one_line("In-Reply-To", article.in_reply_to)
    if article.references:
        msg["References"] = " ".join(_one_line("References", r) for r in article.references)
    msg[TICKET_HEADER] = _one_line(TICKET_HEADER, ticket_ref)
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = 'text/plain; charset="utf-8"'
    msg["Content-Transfer-Encoding"] = "quoted-printable"
    msg.set_payload(_quoted_printable(article.body))
    return msg.as_bytes()


def send_replies(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    mailer: Mailer,
    policy: NotifyPolicy,
    *,
    sender: str,
    limit: int = 50,
    hold: timedelta = CLAIM_HOLD,
) -> list[Delivery]:
    """Attempt every due reply once; the deliveries as recorded afterwards.

    Args:
        reader: Reads the articles.
        writer: Claims and records.
        clock: The clock.
        mailer: Hands messages to the SMTP server.
        policy: Waits between attempts and ``max_attempts`` (``[notify]``).
        sender: The envelope sender (``[mail] from``).
        limit: At most this many replies per call.
        hold: How long a claim keeps other senders off (longer than a send may take).
    """
    done: list[Delivery] = []
    for delivery in claim_due(writer, clock.now(), limit, replies=True, hold=hold):
        if delivery.article_id is None:  # an alert: ``due`` gave none
            continue
        with reader:
            article = reader.articles.get(delivery.article_id)
            ref = reader.tickets.get(article.ticket_id, description_chars=0).ref
        ok, permanent = True, False
        try:
            said = mailer.send(reply_message(article, ref), sender, article.recipients)
            detail = f"sent: {said}" if said else "sent"
        except InvalidInputError as exc:
            ok, permanent, detail = False, True, f"cannot be sent as e-mail: {exc}"
        except DeliveryRejectedError as exc:
            ok, permanent, detail = False, True, str(exc)
        except DeliveryFailedError as exc:
            ok, detail = False, str(exc)
        done.append(
            record_attempt(
                writer,
                clock,
                policy,
                delivery,
                ok,
                detail,
                give_up=permanent,
                ticket_id=article.ticket_id,
            )
        )
    return done


def waiting(uow: UnitOfWork, now: datetime, *, limit: int = 1000) -> int:
    """How many replies are due to be sent (up to ``limit``)."""
    with uow:
        return len(uow.outbox.due(now, limit, replies=True))


def _one_line(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise InvalidInputError(f"{name}: {value!r} holds a line break")
    return value


def _subject_line(subject: str) -> str:
    """One line of printable text: whitespace runs (CR, LF, tabs) become one space."""
    words = " ".join(subject.split())
    return "".join(c for c in words if c.isprintable())


def _quoted_printable(body: str) -> str:
    """``body`` as quoted-printable UTF-8, lines ended by CRLF, nothing added at its end."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    # The encoder works on str: UTF-8 bytes stood in for by Latin-1 code points.
    # Every byte outside printable ASCII is =XX-quoted before lines are split.
    encoded = quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), eol="\r\n")
    if not text.endswith("\n"):
        encoded += "=\r\n"  # a soft line break: SMTP ends the data with CRLF, the text does not
    return encoded
