"""One line instead of a broken layout: the terminal is smaller than the console needs.

The app puts this screen on top while the terminal is below ``MIN_SIZE``
and takes it away when it is large enough again; what was beneath (a
dialog with a draft included) is kept as it was. Keys do nothing here but
``ctrl+q``: nothing is changed while the dispatcher cannot see it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_SIZE = Size(80, 24)
"""The smallest terminal the console lays out (columns, lines)."""


class TooSmallScreen(Screen[None]):
    """The terminal's size and the size the console needs, centred."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; color: $foreground; }
    TooSmallScreen > Static { width: 100%; height: auto; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        """The one line."""
        yield Static(self._line(self.app.size))

    def on_resize(self) -> None:
        """Say the new size."""
        self.query_one(Static).update(self._line(self.app.size))

    @staticmethod
    def _line(size: Size) -> Content:
        return Content.assemble(
            (f"Terminal too small: {size.width}x{size.height}.", "bold"),
            f"\ndispatch needs at least {MIN_SIZE.width}x{MIN_SIZE.height} (ctrl+q quits).",
        )


def too_small(size: Size) -> bool:
    """Whether ``size`` is below what the console lays out."""
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height
