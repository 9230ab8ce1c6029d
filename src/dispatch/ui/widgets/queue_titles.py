"""The line over the queue: its column titles, and who else has the ticket open."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from dispatch.ui.safe import safe
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.quiet_static import QuietStatic


class QueueTitles(QuietStatic):
    """Column titles aligned with the queue; on the right, ``also open: bob`` when shared."""

    def show(self, width: int, viewers: Sequence[str]) -> None:
        """Titles for a queue ``width`` cells wide, with the other ``viewers`` (logins)."""
        titles = Content.styled(QueueView.header_text(width), "bold")
        if viewers:
            who = Content.assemble(
                ("also open: ", "$warning"), safe(", ".join(viewers), "bold $warning")
            )
            gap = width - titles.cell_length - who.cell_length
            if gap < 2:  # narrow: the names replace the end of the titles
                titles = titles.truncate(max(width - who.cell_length - 2, 0), ellipsis=True)
                gap = 2
            titles = Content.assemble(titles, " " * gap, who)
        self.update(titles)
