"""A ticket's conversation: articles, added and never changed.

An article is one entry: an internal note, a phone call, an e-mail in or a
reply out, a monitoring event, a line the system writes. Its ``body`` is kept
exactly as received or typed; ``display`` is the same text made safe to show
(control characters stood in for, cut to a bounded size). A correction is a
new article, never an edit.

Which article is the ticket's first response is the contract's choice
(``FirstResponse``): by default the first reply the customer gets (an e-mail
out, or a logged outbound call); a contract may also count a status change to
in-progress (how dispatch behaved before it had a conversation).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.text import printable

MAX_DISPLAY_CHARS = 256_000
"""How much of a body is kept for display (the body itself is kept whole)."""


class ArticleChannel(enum.StrEnum):
    """How an article reached the ticket."""

    NOTE = "note"
    PHONE_IN = "phone_in"
    PHONE_OUT = "phone_out"
    EMAIL_IN = "email_in"
    EMAIL_OUT = "email_out"
    MONITORING = "monitoring"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        """The channel's name on screens and in text output."""
        return _CHANNEL_LABELS[self]

    @property
    def is_reply(self) -> bool:
        """Whether this is support reaching the customer (a first response)."""
        return self in (ArticleChannel.EMAIL_OUT, ArticleChannel.PHONE_OUT)


_CHANNEL_LABELS = {
    ArticleChannel.NOTE: "note",
    ArticleChannel.PHONE_IN: "call in",
    ArticleChannel.PHONE_OUT: "call out",
    ArticleChannel.EMAIL_IN: "e-mail in",
    ArticleChannel.EMAIL_OUT: "reply",
    ArticleChannel.MONITORING: "monitoring",
    ArticleChannel.SYSTEM: "system",
}


class Visibility(enum.StrEnum):
    """Who may see an article: support only, or the customer too."""

    INTERNAL = "internal"
    PUBLIC = "public"


class FirstResponse(enum.StrEnum):
    """What stops a contract's response clock."""

    REPLY = "reply"
    """The first reply to the customer: an e-mail out or a logged outbound call."""
    REPLY_OR_STATUS = "reply_or_status"
    """That, or a status change to in progress (or waiting, or escalated) first."""


class SendState(enum.StrEnum):
    """Where an outgoing e-mail stands in the outbox."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with an article.

    Attributes:
        name: Its file name, made safe (no path, no control characters).
        content_type: Its MIME type.
        size: Its size in bytes.
        sha256: Its content's hash: the key of the stored copy.
        stored: Whether a copy is kept (too large: only in the raw message).
    """

    name: str
    content_type: str
    size: int
    sha256: str
    stored: bool = True


@dataclass(frozen=True, slots=True)
class Article:
    """One entry of a ticket's conversation.

    Attributes:
        id: Database identity (0 before it is stored).
        ticket_id: The ticket.
        at: When it was written or received (UTC).
        author: A login for support's articles, the sender's address for mail.
        channel: How it came.
        visibility: Internal, or shown to the customer.
        body: The text exactly as received or typed.
        subject: The e-mail subject.
        sender: The e-mail sender's address.
        recipients: The addresses an e-mail went to.
        phone: The number of a logged call.
        message_id: The e-mail's Message-ID (ours for replies).
        in_reply_to: The Message-ID it answers.
        references: The thread's Message-IDs, oldest first.
        auto: Why a message is machine-made (``auto-reply``, ``bounce``,
            ``list``, ``loop``), else ``None``.
        raw_ref: The sha256 of the raw message kept in the spool.
        attachments: The files it came with.
        send_state: Where a reply stands in the outbox (replies only).
        send_error: Why its last sending attempt failed.
    """

    id: int
    ticket_id: int
    at: datetime
    author: str
    channel: ArticleChannel
    visibility: Visibility
    body: str
    subject: str | None = None
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    phone: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto: str | None = None
    raw_ref: str | None = None
    attachments: tuple[Attachment, ...] = ()
    send_state: SendState | None = None
    send_error: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("an article's time must be timezone-aware")

    @property
    def display(self) -> str:
        """The body made safe to show: printable, newlines kept, bounded."""
        return display_text(self.body)


def display_text(body: str) -> str:
    """``body`` as it may be shown: control characters stood in for, cut when huge."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text) > MAX_DISPLAY_CHARS
    shown = printable(text[:MAX_DISPLAY_CHARS], keep_newlines=True)
    return shown + "\n[… cut for display]" if cut else shown
