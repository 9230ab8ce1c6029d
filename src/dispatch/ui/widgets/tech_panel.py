"""Technicians ranked for the selected ticket, each with the reasons for its place."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from dispatch.domain.assign import Candidate
from dispatch.ui.safe import safe
from dispatch.ui.widgets.quiet_static import QuietStatic

SHOWN = 6


def candidate_line(candidate: Candidate, rank: int) -> Content:
    """``1. ana  Ana Ionescu  82  skills 2/2 · load 1/6 · on call · available``."""
    style = "" if candidate.eligible else "$foreground 50%"
    return Content.assemble(
        (f"{rank:>2}. ", style),
        safe(candidate.tech.login.ljust(10), f"bold {style}".strip()),
        (f"{candidate.score:>5.0f}  ", style),
        safe(" · ".join(candidate.reasons), style),
    )


class TechPanel(QuietStatic):
    """The best few technicians for the selected ticket; ``a`` opens the full list."""

    DEFAULT_CSS = """
    TechPanel {
        height: auto;
        padding: 0 1;
        border: round $foreground 30%;
        border-title-color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.border_title = "Assignment (a: choose)"

    def show(self, ranked: Sequence[Candidate] | None) -> None:
        """Show the top of ``ranked``."""
        if not ranked:
            self.update(Content("No ticket selected."))
            return
        lines = [candidate_line(c, i + 1) for i, c in enumerate(ranked[:SHOWN])]
        self.update(Content("\n").join(lines))
