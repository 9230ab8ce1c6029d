"""An e-mail that came in, read from its bytes: who, which thread, what it says.

Pure: bytes in, a frozen ``InboundMail`` out, with the standard library's
``email`` package (``policy.default``, so encoded words and RFC 2231 names are
decoded). Nothing here raises on bad mail: a header that cannot be parsed is
read raw, a body in an unknown or lying charset is decoded with replacement
characters, a broken MIME structure gives what the parser recovered.

The body and attachments are read in ``domain.mail_body``. HTML is turned
into text by the function the caller passes (``html_to_text``:
the domain stays free of libraries); it is never rendered as markup.

Also here: the free-mail domains no customer may claim as its domain rule,
and how dispatch recognises its own Message-IDs and ticket tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, MessageError
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from dispatch.domain.conversation import Attachment
from dispatch.domain.headers import header_text, unsurrogate
from dispatch.domain.mail_body import content, part_text
from dispatch.domain.text import printable

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "mail.com",
        "web.de",
        "t-online.de",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "rambler.ru",
        "abv.bg",
        "dir.bg",
        "mail.bg",
        "yahoo.ro",
        "ymail.ro",
    }
)
"""Domains anyone can get an address at: never a customer's domain rule."""

FREE_MAIL_FAMILIES = ("gmx.", "yandex.", "hotmail.", "outlook.", "yahoo.", "live.")
"""Free-mail providers under many country domains (``gmx.de``, ``yandex.ru``, ``yahoo.co.uk``)."""

AUTO_REPLY = "auto-reply"
BOUNCE = "bounce"
LIST = "list"
BULK = "bulk"
LOOP = "loop"
"""Why a message is machine-made (``Article.auto``)."""

MAX_REFERENCES = 50
MAX_RECIPIENTS = 50
_MSGID = re.compile(r"<[^<>\s]{1,990}>")
_TAG = re.compile(r"\[T-(\d{1,12})\]", re.IGNORECASE)
_OUR_ID = re.compile(r"[.<]T-(\d{1,12})@([^>]+)>$", re.IGNORECASE)
_AUTO_SUBJECTS = (
    "automatic reply:",
    "autoreply:",
    "auto reply:",
    "out of office:",
    "out of the office:",
    "răspuns automat:",
    "автоматичен отговор:",
)
_DAEMONS = ("mailer-daemon@", "postmaster@")


def is_free_mail(domain: str) -> bool:
    """Whether ``domain`` is a free-mail provider's (so it identifies no customer)."""
    name = domain.strip().lower().rstrip(".")
    return name in FREE_MAIL_DOMAINS or name.startswith(FREE_MAIL_FAMILIES)


def subject_ticket(subject: str) -> int | None:
    """The ticket a ``[T-123]`` tag in ``subject`` names, if any."""
    found = _TAG.search(subject)
    return int(found.group(1)) if found else None


def our_ticket(message_id: str, own_domain: str | None) -> int | None:
    """The ticket a Message-ID of ours names (``<…T-123@our.domain>``), if it is ours."""
    if not own_domain:
        return None
    found = _OUR_ID.search(message_id)
    if found and found.group(2).lower() == own_domain.lower():
        return int(found.group(1))
    return None


def derived_message_id(raw_sha256: str) -> str:
    """A stable Message-ID for a message without one: the same bytes, the same id."""
    return f"<mail-{raw_sha256[:40]}@intake.dispatch.invalid>"


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One e-mail as intake uses it.

    Attributes:
        message_id: Its Message-ID, ``<…>``; derived from the raw bytes when it has none.
        derived_id: Whether ``message_id`` was derived.
        in_reply_to: The Message-ID it answers.
        references: The thread's Message-IDs, oldest first.
        subject: The decoded subject, one line.
        sender: The From address, lower-case; ``None`` when missing or
            malformed (such a sender matches no contact and no domain rule).
        sender_name: The From display name.
        recipients: The To and Cc addresses.
        body: The text: the plain part, else the HTML part made text.
        auto: Why it is machine-made (``AUTO_REPLY``, ``BOUNCE``, ``LIST``,
            ``BULK``, ``LOOP``), else ``None``.
        own: It is one of ours come back (a loop to drop): our Message-ID, our
            From, or an ``X-Loop`` naming our address.
        attachments: The files it came with (``stored``: a copy is kept).
        payloads: The contents of the stored attachments that are still to
            be written, by sha256 (not compared, not shown).
        defects: What was wrong with it, in short words (for the log).
    """

    message_id: str
    derived_id: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: str | None
    sender_name: str
    recipients: tuple[str, ...]
    body: str
    auto: str | None
    own: bool
    attachments: tuple[Attachment, ...] = ()
    payloads: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    defects: tuple[str, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs it refers to, nearest first: In-Reply-To, then References."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids.extend(reversed(self.references))
        return tuple(dict.fromkeys(ids))


def parse_mail(
    raw: bytes,
    *,
    raw_sha256: str,
    html_to_text: Callable[[str], str],
    own_address: str | None = None,
    max_attachment_bytes: int = 10_000_000,
    blobs: Mapping[str, Attachment] | None = None,
    blob_header: str | None = None,
) -> InboundMail:
    """Read one message.

    Args:
        raw: The message's bytes (possibly with large parts taken out, see ``blobs``).
        raw_sha256: The sha256 of the whole message as received.
        html_to_text: Turns an HTML body into plain text.
        own_address: Our address (``[mail] from``); its domain marks our Message-IDs.
        max_attachment_bytes: Larger attachments are recorded, not kept.
        blobs: Parts the spool took out of ``raw`` before parsing, by token.
        blob_header: The header naming a part's token in ``blobs``.
    """
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    own_domain = own_address.rsplit("@", 1)[1].lower() if own_address else None
    message_id = _first_id(header_text(msg, "Message-ID"))
    sender, sender_name, sender_ok = _sender(msg)
    subject = " ".join(header_text(msg, "Subject").split())
    loop_marks = " ".join(header_text(msg, n) for n in ("X-Loop", "X-Dispatch-Loop")).lower()
    own = bool(
        (message_id and own_domain and message_id.lower().endswith(f"@{own_domain}>"))
        or (sender and own_address and sender == own_address.lower())
        or (own_address and own_address.lower() in loop_marks)
    )
    body, attachments, payloads = content(
        msg, html_to_text, max_attachment_bytes, blobs or {}, blob_header
    )
    defects = sorted({type(d).__name__ for part in msg.walk() for d in part.defects})
    auto = LOOP if own else _auto(msg, subject, sender)
    references = _MSGID.findall(header_text(msg, "References"))
    if auto == BOUNCE:
        references.extend(_bounced_ids(msg))  # the returned message's: where it belongs
    return InboundMail(
        message_id=message_id or derived_message_id(raw_sha256),
        derived_id=message_id is None,
        in_reply_to=_first_id(header_text(msg, "In-Reply-To")),
        references=tuple(dict.fromkeys(references))[-MAX_REFERENCES:],
        subject=printable(subject),
        sender=sender if sender_ok else None,
        sender_name=printable(sender_name),
        recipients=_recipients(msg),
        body=body,
        auto=auto,
        own=own,
        attachments=tuple(attachments),
        payloads=payloads,
        defects=tuple(defects),
    )


# --- headers ------------------------------------------------------------------------------


def _first_id(value: str) -> str | None:
    found = _MSGID.search(value)
    if found:
        return found.group(0)
    token = value.strip()
    if token and " " not in token and len(token) < 990:
        return f"<{token.strip('<>')}>"
    return None


def _sender(msg: Message) -> tuple[str | None, str, bool]:
    """The From (else Sender) address lower-case, its display name, and whether it is sound."""
    for name in ("From", "Sender"):
        try:
            header = msg.get(name)
            if header is None:
                continue
            addresses = getattr(header, "addresses", ())
            defects = getattr(header, "defects", ())
        except (HeaderParseError, MessageError, ValueError, IndexError, TypeError):
            continue
        if not addresses:
            continue
        first = addresses[0]
        spec = unsurrogate(first.addr_spec).strip().lower()
        if "@" not in spec or not first.domain:
            return None, unsurrogate(first.display_name), False
        sound = not defects and len(addresses) == 1 and spec.count("@") == 1
        return spec, unsurrogate(first.display_name), sound
    return None, "", False


def _recipients(msg: Message) -> tuple[str, ...]:
    values = [header_text(msg, "To"), header_text(msg, "Cc")]
    found = [addr.lower() for _, addr in getaddresses(values) if "@" in addr]
    return tuple(dict.fromkeys(found))[:MAX_RECIPIENTS]


def _auto(msg: Message, subject: str, sender: str | None) -> str | None:
    """Why the message is machine-made (RFC 3834 and the headers robots set), else ``None``."""
    ctype = msg.get_content_type()
    report = str(msg.get_param("report-type", "", header="content-type") or "").lower()
    return_path = header_text(msg, "Return-Path").strip()
    if ctype == "multipart/report" and report == "delivery-status":
        return BOUNCE
    if msg.get("X-Failed-Recipients") is not None:
        return BOUNCE
    if sender and sender.startswith(_DAEMONS) and return_path in ("<>", ""):
        return BOUNCE
    submitted = header_text(msg, "Auto-Submitted").strip().lower()
    if submitted and not submitted.startswith("no"):
        return AUTO_REPLY
    for name in ("X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply"):
        if msg.get(name) is not None:
            return AUTO_REPLY
    if header_text(msg, "X-Autogenerated").strip().lower() == "reply":
        return AUTO_REPLY
    precedence = (
        (header_text(msg, "Precedence") or header_text(msg, "X-Precedence")).strip().lower()
    )
    if precedence == "auto_reply":
        return AUTO_REPLY
    if subject.lower().startswith(_AUTO_SUBJECTS):
        return AUTO_REPLY
    if precedence == "list" or any(
        msg.get(n) is not None for n in ("List-Id", "List-Unsubscribe", "Mailing-List")
    ):
        return LIST
    if precedence in ("bulk", "junk"):
        return BULK
    if return_path == "<>":
        return BOUNCE
    return None


def _bounced_ids(msg: Message) -> list[str]:
    """The Message-IDs of the message a delivery report returns (its attached headers)."""
    found: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/rfc822-headers":
            headers = HeaderParser(policy=policy.default).parsestr(part_text(part))
            found.extend(_MSGID.findall(header_text(headers, "Message-ID")))
        elif ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.extend(_MSGID.findall(header_text(inner[0], "Message-ID")))
    return found
