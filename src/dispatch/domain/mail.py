"""An e-mail that came in, read from its bytes: who, which thread, what it says.

Pure: bytes in, a frozen ``InboundMail`` out, with the standard library's
``email`` package (``policy.default``, so encoded words and RFC 2231 names are
decoded). Nothing here raises on bad mail: a header that cannot be parsed is
read raw, a body in an unknown or lying charset is decoded with replacement
characters, a broken MIME structure gives what the parser recovered.

HTML is turned into text by the function the caller passes (``html_to_text``:
the domain stays free of libraries); it is never rendered as markup.

Also here: the free-mail domains no customer may claim as its domain rule,
and how dispatch recognises its own Message-IDs and ticket tags.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, MessageError
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from dispatch.domain.conversation import Attachment
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
    def sender_domain(self) -> str | None:
        """The sender's domain, lower-case."""
        return self.sender.rsplit("@", 1)[1] if self.sender else None

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
    message_id = _first_id(_header(msg, "Message-ID"))
    sender, sender_name, sender_ok = _sender(msg)
    subject = " ".join(_header(msg, "Subject").split())
    loop_marks = " ".join(_header(msg, n) for n in ("X-Loop", "X-Dispatch-Loop")).lower()
    own = bool(
        (message_id and own_domain and message_id.lower().endswith(f"@{own_domain}>"))
        or (sender and own_address and sender == own_address.lower())
        or (own_address and own_address.lower() in loop_marks)
    )
    body, attachments, payloads = _content(
        msg, html_to_text, max_attachment_bytes, blobs or {}, blob_header
    )
    defects = sorted({type(d).__name__ for part in msg.walk() for d in part.defects})
    auto = LOOP if own else _auto(msg, subject, sender)
    references = _MSGID.findall(_header(msg, "References"))
    if auto == BOUNCE:
        references.extend(_bounced_ids(msg))  # the returned message's: where it belongs
    return InboundMail(
        message_id=message_id or derived_message_id(raw_sha256),
        derived_id=message_id is None,
        in_reply_to=_first_id(_header(msg, "In-Reply-To")),
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


def _header(msg: Message, name: str) -> str:
    """A header's decoded text ("" if absent); never raises on a malformed one."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except (HeaderParseError, MessageError, ValueError, IndexError, TypeError, AttributeError):
        text = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return _unsurrogate(text)


def _unsurrogate(text: str) -> str:
    """Raw 8-bit bytes in a header (kept as surrogates by the parser) read as UTF-8 or cp1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


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
        spec = _unsurrogate(first.addr_spec).strip().lower()
        if "@" not in spec or not first.domain:
            return None, _unsurrogate(first.display_name), False
        sound = not defects and len(addresses) == 1 and spec.count("@") == 1
        return spec, _unsurrogate(first.display_name), sound
    return None, "", False


def _recipients(msg: Message) -> tuple[str, ...]:
    values = [_header(msg, "To"), _header(msg, "Cc")]
    found = [addr.lower() for _, addr in getaddresses(values) if "@" in addr]
    return tuple(dict.fromkeys(found))[:MAX_RECIPIENTS]


def _auto(msg: Message, subject: str, sender: str | None) -> str | None:
    """Why the message is machine-made (RFC 3834 and the headers robots set), else ``None``."""
    ctype = msg.get_content_type()
    report = str(msg.get_param("report-type", "", header="content-type") or "").lower()
    return_path = _header(msg, "Return-Path").strip()
    if ctype == "multipart/report" and report == "delivery-status":
        return BOUNCE
    if msg.get("X-Failed-Recipients") is not None:
        return BOUNCE
    if sender and sender.startswith(_DAEMONS) and return_path in ("<>", ""):
        return BOUNCE
    submitted = _header(msg, "Auto-Submitted").strip().lower()
    if submitted and not submitted.startswith("no"):
        return AUTO_REPLY
    for name in ("X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply"):
        if msg.get(name) is not None:
            return AUTO_REPLY
    if _header(msg, "X-Autogenerated").strip().lower() == "reply":
        return AUTO_REPLY
    precedence = (_header(msg, "Precedence") or _header(msg, "X-Precedence")).strip().lower()
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
            headers = HeaderParser(policy=policy.default).parsestr(_text(part))
            found.extend(_MSGID.findall(_header(headers, "Message-ID")))
        elif ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.extend(_MSGID.findall(_header(inner[0], "Message-ID")))
    return found


# --- body and attachments -----------------------------------------------------------------


def _content(
    msg: Message,
    html_to_text: Callable[[str], str],
    max_bytes: int,
    blobs: Mapping[str, Attachment],
    blob_header: str | None,
) -> tuple[str, list[Attachment], dict[str, bytes]]:
    """The body text, the attachments, and the contents of those to be kept."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    payloads: dict[str, bytes] = {}
    names: set[str] = set()
    for part in _leaves(msg):
        token = _header(part, blob_header).strip() if blob_header else ""
        if token and token in blobs:
            attachments.append(_unique(blobs[token], names))
            continue
        ctype = part.get_content_type()
        if not _is_attachment(part) and ctype == "text/plain":
            plain.append(_text(part))
            continue
        if not _is_attachment(part) and ctype == "text/html":
            html.append(_text(part))
            continue
        data = _payload(part)
        attachment = _attachment(part, data, len(attachments) + 1, max_bytes)
        attachments.append(_unique(attachment, names))
        if attachment.stored:
            payloads[attachment.sha256] = data
    if len(plain) == 1:
        body = plain[0]  # as received
    elif plain:
        body = "\n\n".join(p.strip("\n") for p in plain)
    elif html:
        body = "\n\n".join(_html(h, html_to_text).strip("\n") for h in html)
    else:
        body = ""
    return body, attachments, payloads


def _leaves(part: Message) -> Iterator[Message]:
    """The leaf parts in order; an attached message is one leaf, not walked into.

    Of a ``multipart/alternative`` only the plainest is read: its text/plain
    part if it has one (the HTML alternative stays in the raw message).
    """
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        children = part.get_payload()
        alternative = part.get_content_subtype() == "alternative"
        if alternative and isinstance(children, list):
            kinds = [c.get_content_type() for c in children if isinstance(c, Message)]
            if "text/plain" in kinds:
                children = [
                    c
                    for c in children
                    if isinstance(c, Message) and c.get_content_type() != "text/html"
                ]
        if isinstance(children, list):
            for child in children:
                if isinstance(child, Message):
                    yield from _leaves(child)
        return
    yield part


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return (
        disposition == "attachment"
        or bool(part.get_param("name", None))
        and (disposition != "inline")
    )


def _payload(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes(policy=policy.default.clone(linesep="\r\n"))
            except (MessageError, ValueError, TypeError, LookupError, UnicodeError):
                return b""
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text(part: Message) -> str:
    """A text part decoded with its charset; a missing or lying one never fails."""
    data = _payload(part)
    declared = part.get_content_charset()
    text = decode_text(data, declared)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, declared: str | None) -> str:
    """``data`` as text: its declared charset (with replacement), UTF-8 when ASCII lies."""
    charset = (declared or "").strip().lower()
    if charset in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace")
    try:
        codecs.lookup(charset)
    except LookupError:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace")
    if charset in ("iso-8859-1", "latin-1", "latin1"):
        charset = "cp1252"  # what mail that says Latin-1 really is, curly quotes and all
    try:
        return data.decode(charset, "replace")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")


def _html(text: str, html_to_text: Callable[[str], str]) -> str:
    try:
        return html_to_text(text)
    except Exception:  # noqa: BLE001 - a converter's bug must not lose the mail: keep the source
        return text


def _attachment(part: Message, data: bytes, index: int, max_bytes: int) -> Attachment:
    ctype = part.get_content_type()
    return Attachment(
        name=_file_name(part, ctype, index),
        content_type=ctype[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored=len(data) <= max_bytes,
    )


def _file_name(part: Message, ctype: str, index: int) -> str:
    try:
        name = part.get_filename() or ""
    except (HeaderParseError, MessageError, ValueError, IndexError, TypeError, LookupError):
        name = ""
    if not name and ctype == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        subject = _header(first, "Subject") if isinstance(first, Message) else ""
        name = f"{subject or 'message'}.eml"
    return safe_file_name(_unsurrogate(name), ctype, index)


def safe_file_name(name: str, ctype: str = "application/octet-stream", index: int = 1) -> str:
    """A file name with no path, no control characters, at most 255 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    if not base:
        base = f"attachment-{index}{mimetypes.guess_extension(ctype) or '.bin'}"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = f"{stem[: 250 - len(ext)]}.{ext}" if dot and len(ext) < 16 else base[:255]
    return base


def _unique(attachment: Attachment, names: set[str]) -> Attachment:
    """The attachment renamed ``file-2.txt`` if an earlier one has its name."""
    name = attachment.name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while name in names:
        n += 1
        name = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    names.add(name)
    if name == attachment.name:
        return attachment
    return Attachment(
        name, attachment.content_type, attachment.size, attachment.sha256, attachment.stored
    )
