"""Reading a header without ever raising: decoded, raw when malformed, 8-bit bytes recovered."""

from __future__ import annotations

from email.errors import HeaderParseError, MessageError
from email.message import Message


def header_text(msg: Message, name: str) -> str:
    """A header's decoded text ("" if absent); never raises on a malformed one."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except (HeaderParseError, MessageError, ValueError, IndexError, TypeError, AttributeError):
        text = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return unsurrogate(text)


def unsurrogate(text: str) -> str:
    """Raw 8-bit bytes in a header (kept as surrogates by the parser) read as UTF-8 or cp1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")
