"""A ticket's conversation: notes, logged calls and replies, added and never changed.

Each article is one short transaction that also records a ``ticket.article``
event (the audit trail and the change feed every console follows). The first
reply the customer gets (an e-mail out, or a logged outbound call) is the
ticket's first response and stops its response clock; a contract may also
count a status change (``Contract.first_response``, applied by
``tickets.change_status``).

A reply by e-mail is committed first, with its delivery in the outbox, and
sent afterwards by the outbox's sender (``deliveries``): a reply that cannot
be sent stays on the ticket, marked as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from dispatch.domain.conversation import Article, ArticleChannel, SendState, Visibility
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Customer
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ticket import Ticket
from dispatch.services.master_data import EMAIL, PHONE

MAX_BODY = 1_000_000
"""The longest note or reply, in characters."""

MAX_REFERENCES = 10
"""How many Message-IDs of the thread a reply's ``References`` carries (as RT does)."""

REPLY_TARGET = "smtp"
"""The outbox target of e-mail replies: the configured SMTP server."""


def subject_tag(ticket: Ticket) -> str:
    """``[T-123]``: the tag every reply's subject carries, so answers find the ticket."""
    return f"[{ticket.ref}]"


def add_note(uow: UnitOfWork, clock: Clock, actor: str, ticket_id: int, text: str) -> Article:
    """An internal note on the ticket ("called back, no answer")."""
    body = _checked_body(text, "note")
    with uow:
        ticket = uow.tickets.get(ticket_id, description_chars=0)
        article = Article(
            id=0,
            ticket_id=ticket.id,
            at=clock.now(),
            author=actor,
            channel=ArticleChannel.NOTE,
            visibility=Visibility.INTERNAL,
            body=body,
        )
        stored = append_article(uow, actor, ticket, article)
        uow.commit()
    return stored


def log_call(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    text: str,
    *,
    outbound: bool,
    number: str | None = None,
) -> Article:
    """A phone call with the customer, in or out; an outbound call is a first response."""
    body = _checked_body(text, "call")
    phone = _checked_phone(number)
    with uow:
        ticket = uow.tickets.get(ticket_id, description_chars=0)
        article = Article(
            id=0,
            ticket_id=ticket.id,
            at=clock.now(),
            author=actor,
            channel=ArticleChannel.PHONE_OUT if outbound else ArticleChannel.PHONE_IN,
            visibility=Visibility.INTERNAL,
            body=body,
            phone=phone,
        )
        stored = append_article(uow, actor, ticket, article)
        uow.commit()
    return stored


def reply(
    uow: UnitOfWork,
    clock: Clock,
    actor: str,
    ticket_id: int,
    text: str,
    *,
    sender: str,
    to: Sequence[str] = (),
) -> Article:
    """An e-mail reply to the customer, committed with its delivery in the outbox.

    The reply answers the thread's newest e-mail (``In-Reply-To``) and carries
    up to ``MAX_REFERENCES`` of its Message-IDs; it gets its own Message-ID in
    ``sender``'s domain and ``[T-123]`` in its subject. Without ``to`` it goes to
    whoever wrote the newest e-mail in, else to the ticket's caller, else to the
    customer's first contact with an address.

    Raises:
        InvalidInputError: An empty or huge text, a malformed address, or no
            address to reply to.
    """
    body = _checked_body(text, "reply")
    recipients = tuple(_checked_address(a, "to") for a in to)
    domain = _checked_address(sender, "mail.from").rsplit("@", 1)[1]
    with uow:
        ticket = uow.tickets.get(ticket_id, description_chars=0)
        thread = uow.articles.for_ticket(ticket.id)
        mails = [a for a in thread if a.message_id]
        recipients = recipients or _reply_to(uow, ticket, thread)
        last_in = next((a for a in reversed(mails) if a.channel is ArticleChannel.EMAIL_IN), None)
        subject = _reply_subject(ticket, last_in.subject if last_in else None)
        references = tuple(a.message_id for a in mails if a.message_id)[-MAX_REFERENCES:]
        now = clock.now()
        article = Article(
            id=0,
            ticket_id=ticket.id,
            at=now,
            author=actor,
            channel=ArticleChannel.EMAIL_OUT,
            visibility=Visibility.PUBLIC,
            body=body,
            subject=subject,
            sender=sender,
            recipients=recipients,
            message_id=make_msgid(idstring=ticket.ref, domain=domain),
            in_reply_to=(last_in or mails[-1]).message_id if mails else None,
            references=references,
        )
        stored = append_article(uow, actor, ticket, article)
        uow.outbox.enqueue_reply(stored.id, REPLY_TARGET, now)
        stored = replace(stored, send_state=SendState.PENDING)  # as just queued
        uow.commit()
    return stored


def articles(uow: UnitOfWork, ticket_id: int, *, last: int | None = None) -> list[Article]:
    """The ticket's conversation, oldest first (``last``: only the newest so many)."""
    with uow:
        uow.tickets.get(ticket_id, description_chars=0)  # an unknown ticket is an error
        return uow.articles.for_ticket(ticket_id, last=last)


def append_article(uow: UnitOfWork, actor: str, ticket: Ticket, article: Article) -> Article:
    """Store ``article`` in the caller's transaction, record it, stop the clock on a first reply.

    The one way an article is added (the intakes use it inside their own
    transactions).
    """
    stored = uow.articles.add(article)
    after: dict[str, object] = {"article": stored.id, "channel": stored.channel.value}
    before: dict[str, object] = {}
    if stored.channel.is_reply and ticket.first_response_at is None:
        uow.tickets.update(replace(ticket, first_response_at=stored.at), ticket.version)
        before["first_response_at"] = None
        after["first_response_at"] = stored.at.isoformat()
    uow.events.append(
        at=stored.at,
        actor=actor,
        action="ticket.article",
        ticket_id=ticket.id,
        before=before,
        after=after,
    )
    return stored


def default_recipients(
    thread: Sequence[Article], customer: Customer, caller: int | None = None
) -> tuple[str, ...]:
    """Whom a reply goes to when no address is given (empty: nobody known).

    Whoever wrote the newest e-mail in that is not machine-made, else the
    ticket's caller (the contact ``caller``) if they have an address, else the
    customer's first contact with an address.
    """
    for article in reversed(thread):
        if article.channel is ArticleChannel.EMAIL_IN and article.sender and not article.auto:
            return (article.sender,)
    for contact in sorted(customer.contacts, key=lambda c: c.id != caller):
        if contact.emails:
            return (contact.emails[0],)
    return ()


def fill_template(
    template: str, ticket: Ticket, customer: Customer, *, login: str, contact: str = ""
) -> str:
    """A reply template with its ``{placeholders}`` filled, as plain text.

    Deadlines are given in the customer's zone (``{zone}``); a placeholder with
    nothing to say (no deadline running) becomes ``—``.
    """
    tz = ZoneInfo(customer.timezone)

    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"

    values = {
        "ref": ticket.ref,
        "title": " ".join(ticket.title.split()),
        "customer": customer.name,
        "contact": contact,
        "response_due": local(None if ticket.first_response_at else ticket.response_due),
        "resolution_due": local(ticket.resolution_due),
        "zone": customer.timezone,
        "login": login,
    }
    return template.format_map(values)


def _reply_to(uow: UnitOfWork, ticket: Ticket, thread: Sequence[Article]) -> tuple[str, ...]:
    """Whom a reply goes to when no address is given."""
    customer = uow.directory.customer(ticket.customer_id)
    found = default_recipients(thread, customer, ticket.contact_id)
    if found:
        return found
    raise InvalidInputError(
        f"{ticket.ref}: no e-mail address to reply to: give one (--to), "
        f"or add a contact with an address to {customer.name!r}"
    )


def _reply_subject(ticket: Ticket, answered: str | None) -> str:
    """``Re: <their subject>`` with the ticket's tag, else ``[T-n] <title>``."""
    tag = subject_tag(ticket)
    if answered is None or not answered.strip():
        return f"{tag} {' '.join(ticket.title.split())}"  # one line, whatever the title holds
    base = " ".join(answered.split())
    if tag not in base:
        base = f"{base} {tag}"
    return base if base.lower().startswith("re:") else f"Re: {base}"


def _checked_body(text: str, what: str) -> str:
    if not text.strip():
        raise InvalidInputError(f"{what}: the text is empty")
    if len(text) > MAX_BODY:
        raise InvalidInputError(f"{what}: {len(text):,} characters, at most {MAX_BODY:,}")
    return text


def _checked_phone(number: str | None) -> str | None:
    if number is None or not number.strip():
        return None
    value = " ".join(number.split())
    if not PHONE.match(value):
        raise InvalidInputError(f"number: {value!r} is not a phone number")
    return value


def _checked_address(value: str, field: str) -> str:
    address = value.strip()
    if not EMAIL.match(address):
        raise InvalidInputError(f"{field}: {value!r} is not an e-mail address")
    return address
