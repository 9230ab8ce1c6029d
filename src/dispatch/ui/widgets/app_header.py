"""The top bar: the dispatcher's clock, the queue's counts, who and where."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content

from dispatch.ui.safe import safe
from dispatch.ui.widgets.quiet_static import QuietStatic


class AppHeader(QuietStatic):
    """One line: clock, open / unassigned / at-risk / breached counts, user, database.

    A read-only console says so before the user (``RO`` in the short form).
    Its height is one line whatever it shows, so an update needs no layout
    (the clock changes it every second).
    """

    DEFAULT_CSS = """
    AppHeader {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        user: str,
        database: str,
        zone: ZoneInfo,
        *,
        read_only: bool = False,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._user = user
        self._read_only = read_only
        self._database = database
        self._zone = zone
        self._counts: Mapping[str, int] = {}
        self._now: datetime | None = None
        self._unacked = 0

    @property
    def counts(self) -> Mapping[str, int]:
        """The counts last shown (empty until the first are read)."""
        return self._counts

    def show_alerts(self, unacked_breaches: int) -> None:
        """Show how many breach alerts nobody acknowledged."""
        self._unacked = unacked_breaches
        self.update(self._content(), layout=False)

    def show(self, now: datetime, counts: Mapping[str, int] | None = None) -> None:
        """Redraw for ``now`` (and new counts, when given)."""
        self._now = now
        if counts is not None:
            self._counts = counts
        self.update(self._content(), layout=False)

    def on_resize(self) -> None:
        """Choose the long or the short form for the new width."""
        self.update(self._content(), layout=False)

    def _content(self) -> Content:
        """The long form if it fits, else the short one (which still names user and database)."""
        long = self._long()
        if long.cell_length <= self.content_region.width or not self.content_region.width:
            return long
        return self._short()

    def _long(self) -> Content:
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
            (f"! {self._unacked} unacked", "bold $error") if self._unacked else "",
            "  " if self._unacked else "",
            ("read-only ", "bold $warning") if self._read_only else "",
            safe(self._user, "dim"),
            (" @ ", "dim"),
            safe(self._database, "dim"),
        )

    def _short(self) -> Content:
        counts = self._counts
        clock = self._now.astimezone(self._zone).strftime("%H:%M:%S") if self._now else ""
        breached = counts.get("breached", 0)
        risk = counts.get("at_risk", 0)
        return Content.assemble(
            (clock, "bold"),
            " ",
            f"open {counts.get('open', 0)}",
            " ",
            f"unasg {counts.get('unassigned', 0)}",
            " ",
            (f"▲{risk}", "$warning" if risk else ""),
            " ",
            (f"✖{breached}", "bold $error" if breached else ""),
            " ",
            (f"!{self._unacked} ", "bold $error") if self._unacked else "",
            ("RO ", "bold $warning") if self._read_only else "",
            safe(self._user, "dim"),
            ("@", "dim"),
            safe(self._database, "dim"),
        )
