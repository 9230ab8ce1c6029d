"""An e-mail's body and attachments: which part is the text, how it decodes, safe names.

Pure, beside ``domain.mail`` (which reads the headers): the body is the
text/plain part, else the HTML part made text by the caller's function; every
other leaf is an attachment. Nothing here raises on bad mail.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
from collections.abc import Callable, Iterator, Mapping
from email import policy
from email.errors import HeaderParseError, MessageError
from email.message import Message

from dispatch.domain.conversation import Attachment
from dispatch.domain.headers import header_text, unsurrogate


def content(
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
        token = header_text(part, blob_header).strip() if blob_header else ""
        if token and token in blobs:
            attachments.append(_unique(blobs[token], names))
            continue
        ctype = part.get_content_type()
        if not _is_attachment(part) and ctype == "text/plain":
            plain.append(part_text(part))
            continue
        if not _is_attachment(part) and ctype == "text/html":
            html.append(part_text(part))
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


def part_text(part: Message) -> str:
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
        subject = header_text(first, "Subject") if isinstance(first, Message) else ""
        name = f"{subject or 'message'}.eml"
    return safe_file_name(unsurrogate(name), ctype, index)


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
