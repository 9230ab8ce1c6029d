"""Making untrusted text safe to put in front of a terminal.

Customer and technician text may hold escape sequences (ESC, CSI, OSC), C0 and
C1 control characters, or bidirectional overrides that reorder what the reader
sees. ``printable`` replaces each with a visible stand-in so that nothing in the
data can move the cursor, retitle the window, write the clipboard or hide text.
Markup is a separate concern: the UI never parses data as markup at all.
"""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates, plus the implicit marks:
# they reorder or hide the text around them (CVE-2021-42574, "Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REPLACEMENT = "\ufffd"


def _stand_in(char: str, *, keep_newlines: bool) -> str:
    code = ord(char)
    if char == "\n" and keep_newlines:
        return char
    if char == "\t":
        return "    " if keep_newlines else " "
    if code < 0x20:
        # U+2400 block: a visible picture of the C0 control (ESC shows as ␛).
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return _REPLACEMENT


def printable(text: str, *, keep_newlines: bool = False) -> str:
    r"""Return ``text`` with every control, format or bidi character made visible.

    Args:
        text: Untrusted text.
        keep_newlines: Keep ``\\n`` (for multi-line bodies); otherwise a newline
            shows as ``␊`` so that one-line fields stay on one line.

    Returns:
        Text that is safe to write to a terminal as it is.
    """
    if text.isprintable() and not (_BIDI & set(text)):
        return text
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        # Cc: C0 and C1 controls. Cf: format characters, bidi controls among them;
        # zero-width joiners (U+200C/U+200D) are kept, emoji and scripts need them.
        if category == "Cc" or char in _BIDI:
            out.append(_stand_in(char, keep_newlines=keep_newlines))
        elif category in ("Cf", "Zl", "Zp", "Cs") and char not in "\u200c\u200d":
            out.append(_REPLACEMENT)
        else:
            out.append(char)
    return "".join(out)
