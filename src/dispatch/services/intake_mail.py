"""Mail in: one parsed e-mail becomes an article on the right ticket, in one transaction.

The rules, in the order they apply:

1. **Our own mail come back** (our Message-ID or our From): dropped, nothing written.
2. **Dedup**: a Message-ID stored already is the same mail delivered again:
   nothing written (mail without one got an id derived from its bytes).
3. **Threading**: a Message-ID of ours in ``In-Reply-To``/``References`` (it
   names its ticket; one we never stored counts only from that ticket's
   customer, our ids being unsigned); else any stored Message-ID there, nearest first; else a
   ``[T-n]`` subject tag, but only when the sender belongs to that ticket's
   customer (a stranger cannot write into someone else's ticket by naming it);
   else a new ticket.
4. **Sender to customer**: a contact's exact address, else a customer's domain
   rule (``Customer.mail_domains``; free-mail domains never count), else the
   triage customer "Unknown senders" (``services.triage``).
5. **Machine mail** (``InboundMail.auto``: auto-replies, bounces, lists, bulk)
   is stored and shown, never reopens a ticket, and, when it threads onto no
   ticket, waits in triage rather than starting anyone's SLA clock.
6. **Reopen**: a person's mail on a resolved ticket puts it back in progress
   (the resolution clock resumes, event by ``mail``); on a closed ticket it
   opens a new ticket that follows the closed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import Article, ArticleChannel, Visibility
from dispatch.domain.errors import DuplicateError, NotFoundError
from dispatch.domain.mail import InboundMail, is_free_mail, our_ticket, subject_ticket
from dispatch.domain.model import Channel, Contract, Customer, Severity, TicketStatus
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import deadlines, directory, tickets, triage
from dispatch.services.conversation import append_article

ACTOR = "mail"
"""Who the event log names for what mail intake does."""

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_BODY = 1_000_000
"""Bounds of a ticket's title and description from mail, and of an article's body."""


@dataclass(frozen=True, slots=True)
class MailPolicy:
    """How intake treats mail.

    Attributes:
        own_address: Our address (``[mail] from``): its domain marks our Message-IDs.
        severity: The severity of tickets opened from mail.
    """

    own_address: str | None = None
    severity: Severity = Severity.P3

    @property
    def own_domain(self) -> str | None:
        """Our Message-IDs' domain."""
        return self.own_address.rsplit("@", 1)[1].lower() if self.own_address else None


@dataclass(frozen=True, slots=True)
class MailOutcome:
    """What became of one e-mail.

    Attributes:
        action: ``stored``, ``duplicate`` or ``dropped``.
        reason: In a few words, why (for the log line).
        ticket_id: The ticket it went to.
        article_id: Its article.
        opened: It opened that ticket.
        reopened: It put a resolved ticket back in progress.
        follows_id: The closed ticket the new one follows.
        triage: It waits in triage (its sender is nobody known).
    """

    action: str
    reason: str
    ticket_id: int | None = None
    article_id: int | None = None
    opened: bool = False
    reopened: bool = False
    follows_id: int | None = None
    triage: bool = False


def take_in(
    uow: UnitOfWork,
    clock: Clock,
    mail: InboundMail,
    raw_ref: str,
    policy: MailPolicy,
    *,
    calendars: Mapping[str, Calendar] = deadlines.NO_CALENDARS,
) -> MailOutcome:
    """Store ``mail`` as an article on its ticket (opening one if need be); one transaction.

    Raises:
        StorageUnavailableError: The database is down or locked (try again later).
    """
    if mail.own:
        return MailOutcome("dropped", "our own message came back (a loop)")
    now = clock.now()
    with uow:
        if uow.articles.by_message_id(mail.message_id) is not None:
            return MailOutcome("duplicate", f"{mail.message_id} is stored already")
        customers = uow.directory.customers()
        sender_customer = customer_of(customers, mail.sender)
        ticket, how = _thread(uow, mail, policy, sender_customer)
        follows_id: int | None = None
        opened = reopened = in_triage = False
        if ticket is not None and ticket.status is TicketStatus.CLOSED and not mail.auto:
            follows_id, how = ticket.id, f"answers closed {ticket.ref}"
            customer = _customer(customers, ticket) or sender_customer
            ticket = _open(uow, mail, policy, now, customer, calendars)
            uow.links.add(ticket.id, follows_id, now)
            opened, in_triage = True, customer is None or ticket.customer_id != customer.id
        elif ticket is None:
            customer = None if mail.auto else sender_customer
            ticket = _open(uow, mail, policy, now, customer, calendars)
            opened, in_triage = True, customer is None or ticket.customer_id != customer.id
        elif ticket.status is TicketStatus.RESOLVED and not mail.auto:
            ticket = tickets.move_status(
                uow,
                now,
                ACTOR,
                ticket,
                TicketStatus.IN_PROGRESS,
                ticket.version,
                note=f"reopened by e-mail from {mail.sender or 'an unknown sender'}",
                calendars=calendars,
                by_support=False,  # the customer wrote: no response of ours
            )
            reopened = True
        try:
            stored = append_article(uow, ACTOR, ticket, _article(mail, ticket, raw_ref, now))
        except DuplicateError:
            return MailOutcome("duplicate", f"{mail.message_id} was stored meanwhile")
        uow.commit()
    return MailOutcome(
        "stored",
        how if not mail.auto else f"{how} ({mail.auto})",
        ticket_id=ticket.id,
        article_id=stored.id,
        opened=opened,
        reopened=reopened,
        follows_id=follows_id,
        triage=in_triage,
    )


def customer_of(customers: Sequence[Customer], sender: str | None) -> Customer | None:
    """The customer ``sender`` belongs to: a contact's address, else a domain rule."""
    if not sender:
        return None
    address = sender.lower()
    live = [c for c in customers if c.retired_at is None and not c.triage]
    for customer in live:
        if any(address in contact.emails for contact in customer.contacts):
            return customer
    domain = address.rsplit("@", 1)[-1]
    if is_free_mail(domain):
        return None
    return next((c for c in live if domain in c.mail_domains), None)


def _thread(
    uow: UnitOfWork, mail: InboundMail, policy: MailPolicy, sender_customer: Customer | None
) -> tuple[Ticket | None, str]:
    """The ticket ``mail`` continues, and how that was found."""
    for message_id in mail.thread_ids:
        ours = our_ticket(message_id, policy.own_domain)
        if ours is None:
            continue
        try:
            ticket = uow.tickets.get(ours, description_chars=0)
        except NotFoundError:
            continue
        # Our Message-IDs are not signed: one we never stored could be made up,
        # so it counts only from the ticket's own customer (as a subject tag does).
        stored = uow.articles.by_message_id(message_id) is not None
        if stored or (sender_customer is not None and ticket.customer_id == sender_customer.id):
            return ticket, "answers our message"
    for message_id in mail.thread_ids:
        known = uow.articles.by_message_id(message_id)
        if known is not None:
            return uow.tickets.get(known.ticket_id, description_chars=0), "in a known thread"
    tagged = subject_ticket(mail.subject)
    if tagged is not None and sender_customer is not None:
        try:
            ticket = uow.tickets.get(tagged, description_chars=0)
        except NotFoundError:
            return None, f"names unknown T-{tagged}: new ticket"
        if ticket.customer_id == sender_customer.id:
            return ticket, f"tagged {ticket.ref} by its customer"
        return None, f"tagged {ticket.ref} by another customer's sender: new ticket"
    if tagged is not None:
        return None, f"tagged T-{tagged} by an unknown sender: new ticket"
    return None, "new ticket"


def _customer(customers: Sequence[Customer], ticket: Ticket) -> Customer | None:
    found = next((c for c in customers if c.id == ticket.customer_id), None)
    return None if found is None or found.triage else found


def _open(
    uow: UnitOfWork,
    mail: InboundMail,
    policy: MailPolicy,
    now: datetime,
    customer: Customer | None,
    calendars: Mapping[str, Calendar],
) -> Ticket:
    """A new ticket for ``mail``: under ``customer``'s active contract, else in triage."""
    contract: Contract | None = None
    if customer is not None and customer.retired_at is None:
        try:
            contract = directory.active_contract(
                uow.directory.contracts(customer.id), customer, now
            )
        except NotFoundError:
            contract = None  # no valid contract: a dispatcher decides, from triage
    if customer is None or contract is None:
        customer, contract = triage.triage_customer(uow, ACTOR, now)
    title = _title(mail.subject)
    request = NewTicket(
        customer=customer.name,
        title=title,
        description=mail.body[:MAX_DESCRIPTION],
        severity=policy.severity,
        channel=Channel.EMAIL,
        opened_at=now,
    )
    return tickets.add_ticket(uow, ACTOR, request, title, customer, contract, now, now, calendars)


def _title(subject: str) -> str:
    text = " ".join(subject.split())
    if len(text) > MAX_TITLE:
        text = text[: MAX_TITLE - 1].rstrip() + "…"
    return text or "(no subject)"


def _article(mail: InboundMail, ticket: Ticket, raw_ref: str, now: datetime) -> Article:
    body = mail.body
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + f"\n[… cut: the whole message is kept as {raw_ref}.eml]"
    return Article(
        id=0,
        ticket_id=ticket.id,
        at=now,
        author=(mail.sender or "unknown sender")[:320],
        channel=ArticleChannel.EMAIL_IN,
        visibility=Visibility.PUBLIC,
        body=body,
        subject=mail.subject or None,
        sender=mail.sender,
        recipients=mail.recipients,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        auto=mail.auto,
        raw_ref=raw_ref,
        attachments=mail.attachments,
    )
