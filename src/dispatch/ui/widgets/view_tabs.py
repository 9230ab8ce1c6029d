"""The views line over the queue: the saved views and their digits, the current one lit."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from dispatch.domain.filter import SavedView
from dispatch.ui.safe import safe
from dispatch.ui.widgets.quiet_static import QuietStatic

PLAIN_QUEUE = "queue"
"""What the line calls view ``0``: every open ticket in contract-priority order."""


class ViewTabs(QuietStatic):
    """``0 queue  1 mine  2 p1-unassigned*``: a ``*`` says the current view was changed since."""

    DEFAULT_CSS = """
    ViewTabs { height: 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show(self, views: Sequence[SavedView], current: int, *, changed: bool) -> None:
        """Show ``views`` with view number ``current`` lit (``0``: the plain queue)."""
        self.display = bool(views)
        names = [PLAIN_QUEUE, *(view.name for view in views)]
        tabs: list[Content] = []
        for number, name in enumerate(names):
            label = Content.assemble((f" {number} ", "bold"), safe(name))
            if number == current:
                star = "*" if changed else " "
                label = Content.assemble(label, star).stylize("reverse $accent")
            else:
                label = Content.assemble(label, " ")
            tabs.append(label)
        self.update(Content("").join(tabs))
