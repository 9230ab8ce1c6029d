"""Display text from untrusted data: literal, never markup, never escape codes.

Every string that comes from a ticket, customer or technician passes through
``safe`` (or ``literal`` for Rich renderables) before it reaches a widget.
``Content`` is never parsed as markup, so ``[@click=app.quit]`` stays text;
``printable`` replaces ESC, CSI, OSC, C1 and bidi controls, which Textual
would otherwise write to the terminal unchanged.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from dispatch.domain.text import printable


def safe(text: str, style: str = "", *, multiline: bool = False) -> Content:
    """A ``Content`` showing ``text`` exactly, controls made visible.

    Args:
        text: Untrusted text.
        style: A Textual style for the whole text (e.g. ``"bold"``, ``"$warning"``).
        multiline: Keep newlines (for descriptions).
    """
    clean = printable(text, keep_newlines=multiline)
    return Content.styled(clean, style) if style else Content(clean)


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A Rich ``Text`` showing ``text`` exactly (for Rich-based renderables)."""
    return Text(printable(text, keep_newlines=multiline), style=style, end="")


def clip(text: str, width: int) -> str:
    """One safe line of at most ``width`` cells' worth of characters."""
    line = printable(text)
    if width <= 0:
        return ""
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"
