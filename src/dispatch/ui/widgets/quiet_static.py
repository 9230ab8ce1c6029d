"""A ``Static`` that does not repaint when it is given what it already shows.

Every pane of the console is redrawn from data read again each second (the
clock, the countdown) or every few seconds (counts, detail, technicians).
``Static.update`` repaints the whole widget, and a layout with it, even when
nothing changed: at 160 columns that was tens of kilobytes a second written
to an idle terminal. ``QuietStatic.update`` compares first.
"""

from __future__ import annotations

from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static


def same_visual(shown: VisualType, new: VisualType) -> bool:
    """Whether ``new`` would draw exactly what ``shown`` draws.

    ``Content`` equality compares the text only, so the spans (the styles)
    are compared too; anything else (a Rich renderable) counts as changed.
    """
    if isinstance(shown, Content) and isinstance(new, Content):
        return shown.plain == new.plain and shown.spans == new.spans
    if isinstance(shown, str) and isinstance(new, str):
        return shown == new
    return False


class QuietStatic(Static):
    """A ``Static`` whose ``update`` is a no-op when the content is unchanged."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show ``content``, unless it is what is shown already.

        A widget that is not laid out on the screen now (in a hidden pane)
        needs no layout for it: showing the pane lays it out with what it
        holds then. A layout of the screen costs a repaint of the queue's
        scroll bar, so the narrow console's hidden detail must not ask one
        on every cursor move.
        """
        if same_visual(self.content, content):
            return
        if layout and self.is_mounted and not self.region:
            layout = False
        super().update(content, layout=layout)
