"""Display text from untrusted data: literal, never markup, never escape codes."""

from __future__ import annotations

from rich.text import Text

from dispatch.domain.text import printable


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A ``Text`` showing ``text`` exactly, with control characters made visible.

    ``Text`` objects are never parsed as markup, so ``[@click=app.quit]`` in a
    ticket title stays text; ``printable`` replaces ESC, CSI, OSC, C1 and bidi
    controls before anything reaches the terminal.

    Args:
        text: Untrusted text.
        style: A style for the whole text.
        multiline: Keep newlines (for descriptions).
    """
    return Text(printable(text, keep_newlines=multiline), style=style, end="")
