"""The top bar: the dispatcher's clock, the queue's counts, who and where."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.widgets import Static

from dispatch.ui.safe import safe


class AppHeader(Static):
    """One line: clock, open / unassigned / at-risk / breached counts, user, database."""

    DEFAULT_CSS = """
    AppHeader {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(self, user: str, database: str, zone: ZoneInfo, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._user = user
        self._database = database
        self._zone = zone
        self._counts: Mapping[str, int] = {}
        self._now: datetime | None = None

    def show(self, now: datetime, counts: Mapping[str, int] | None = None) -> None:
        """Redraw for ``now`` (and new counts, when given)."""
        self._now = now
        if counts is not None:
            self._counts = counts
        self.update(self._content())

    def _content(self) -> Content:
        counts = self._counts
        clock = self._now.astimezone(self._zone).strftime("%a %H:%M:%S %Z") if self._now else ""
        breached = counts.get("breached", 0)
        risk = counts.get("at_risk", 0)
        return Content.assemble(
            ("dispatch ", "bold"),
            (clock, "bold"),
            "  ",
            f"open {counts.get('open', 0)}",
            "  ",
            f"unassigned {counts.get('unassigned', 0)}",
            "  ",
            (f"▲ at risk {risk}", "$warning" if risk else ""),
            "  ",
            (f"✖ breached {breached}", "bold $error" if breached else ""),
            "  ",
            safe(self._user, "dim"),
            (" @ ", "dim"),
            safe(self._database, "dim"),
        )
