"""The live queue: a virtual list that draws only the visible rows.

The queue may hold 100,000 open tickets, so no widget (and no row object)
exists per ticket. The view knows the total and holds one window of tickets
read from the database; ``render_line`` draws a row from that window, and a
scroll or cursor move outside it posts ``WindowNeeded`` so the screen reads
the next window in a worker. The cursor follows a ticket id, so a refresh
that reorders the queue keeps it on the same ticket. Nothing repaints the
whole view but a scroll or a resize: a cursor move, a tick, a new window or a
mark repaints only the lines whose drawing changed (``render_line`` notes
what it drew on each line; ``_refresh_changed`` compares), since a whole
repaint writes ten times the bytes of a bare table's cursor move, and a tick
or a refresh that changes nothing writes nothing. ``space`` marks tickets
(``MARK`` after the reference) for the screen's bulk changes; a mark holds
the ticket as last shown, so a bulk change checks the version the
dispatcher saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dispatch.domain.model import TicketStatus
from dispatch.domain.queue import describe_wait
from dispatch.domain.ticket import Ticket
from dispatch.services.queue import QueueWindow
from dispatch.ui.safe import clip

_clip = lru_cache(maxsize=4096)(clip)
"""``clip`` remembered: each tick re-formats every visible line to see what changed,
and sanitising the same titles and names again was most of that work."""

MARK = "◆"
"""Shown after the reference of a marked ticket (and of a marked alert in the log)."""

FLAG_SYMBOL = {"breached": "✖", "warning": "▲", "ok": "●", "paused": "‖", "none": "·"}
"""A symbol per SLA flag, so that states read without colour."""

FLAG_LEGEND = {
    "breached": ("bold $error", "red, bold: a deadline has passed"),
    "warning": ("$warning", "yellow: 80 % of a target's working time used"),
    "ok": ("$foreground", "on time"),
    "paused": ("$foreground 60%", "dim: waiting on the customer, the clocks stand still"),
    "none": ("$foreground 60%", "dim: no running deadline"),
}
"""Each SLA flag's look (as ``DEFAULT_CSS`` draws its rows) and meaning, for the help."""

DUE_LEGEND = (
    ("1h 12m", "working time to the nearest running deadline"),
    ("-5m", "overdue by that much"),
    ("paused", "waiting on the customer"),
    ("+1d 11h", "no guarantee, so no countdown: opened that long ago"),
    ("—", "resolved or closed"),
)
"""What the Due/age column can show (``due_cell``), for the help."""


def due_cell(ticket: Ticket, now: datetime) -> str:
    """Time to the nearest running deadline: ``1h 12m``, ``-5m``; else why there is none.

    A ticket without a guarantee has no countdown: its age is its urgency
    (``+3d 4h``, opened that long ago). A closed one shows ``—``.
    """
    due = ticket.next_due
    if due is not None:
        return describe_wait(due - now)
    if not ticket.is_open:
        return "—"
    if ticket.status is TicketStatus.WAITING_CUSTOMER:
        return "paused"
    return f"+{describe_wait(now - ticket.opened_at)}"


class QueueView(ScrollView, can_focus=True):
    """Open tickets in queue order, one line each, coloured and marked by SLA state."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="queue.up", tooltip="Previous ticket"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="queue.down", tooltip="Next ticket"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.page-down"),
        Binding("home,g", "jump(0)", "First", show=False, id="queue.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="queue.last"),
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            show=False,
            id="queue.mark",
            tooltip="Mark for a bulk assign or status (again: unmark)",
        ),
    ]
    """Cursor movement; ``enter`` belongs to the screen (open the detail)."""

    HELP_TITLE: ClassVar[str] = "Moving in the queue"
    """How the help names these keys."""

    COMPONENT_CLASSES = {
        "queue--breached",
        "queue--warning",
        "queue--ok",
        "queue--paused",
        "queue--none",
        "queue--cursor",
        "queue--marked",
        "queue--loading",
    }

    DEFAULT_CSS = """
    QueueView {
        height: 1fr;
        overflow-x: hidden;
        & > .queue--breached { color: $error; text-style: bold; }
        & > .queue--warning { color: $warning; }
        & > .queue--ok { color: $foreground; }
        & > .queue--paused { color: $foreground 60%; }
        & > .queue--none { color: $foreground 60%; }
        & > .queue--marked { background: $secondary 40%; text-style: bold; }
        & > .queue--cursor { background: $accent 40%; }
        &:focus > .queue--cursor { background: $accent; color: $text; }
        & > .queue--loading { color: $foreground 40%; }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)
    """The row of the cursor (0-based, in the filtered queue)."""

    class WindowNeeded(Message):
        """Rows around ``row`` are needed that the view does not hold."""

        def __init__(self, row: int) -> None:
            self.row = row
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            """Only the newest request matters."""
            return isinstance(message, QueueView.WindowNeeded)

    class Resized(Message):
        """The view's width changed (the column titles must follow)."""

    class MarksChanged(Message):
        """Tickets were marked or unmarked (``count`` are marked now)."""

        def __init__(self, count: int) -> None:
            self.count = count
            super().__init__()

    class TicketHighlighted(Message):
        """The cursor rests on ``ticket`` (``None``: the queue is empty)."""

        def __init__(self, ticket: Ticket | None) -> None:
            self.ticket = ticket
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.total = 0
        self.now = datetime.now(UTC)
        self._rows: dict[int, Ticket] = {}
        self._window: tuple[int, int] = (0, 0)
        self._cursor_id: int | None = None
        self._requested: int | None = None
        self._announced: tuple[int, int] | None = None
        self._marks: dict[int, Ticket] = {}
        self._laid_out: tuple[Size, Size, Size] | None = None
        """The sizes of the last layout that reached the scroll bars."""
        self._drawn: dict[int, tuple[Any, ...]] = {}
        """What ``render_line`` last drew on each line of the viewport (by its ``y``)."""

    # --- public: the screen sets the data ---------------------------------------

    @property
    def cursor_ticket(self) -> Ticket | None:
        """The ticket under the cursor, if loaded."""
        return self._rows.get(self.cursor_row)

    @property
    def cursor_id(self) -> int | None:
        """The id of the ticket the cursor follows."""
        return self._cursor_id

    @property
    def marked(self) -> list[Ticket]:
        """The marked tickets as last shown, by reference number."""
        return sorted(self._marks.values(), key=lambda t: t.id)

    def unmark(self, ids: Iterable[int] | None = None) -> None:
        """Unmark the tickets of ``ids`` (``None``: all)."""
        if ids is None:
            self._marks.clear()
        for ticket_id in ids or ():
            self._marks.pop(ticket_id, None)
        self.post_message(self.MarksChanged(len(self._marks)))
        self._refresh_changed()

    def set_window(self, window: QueueWindow, *, lost_row: int | None = None) -> None:
        """Show a freshly read window; keep the cursor on its ticket if it is still there.

        If the window was read around the cursor's ticket and that ticket is
        gone (closed, or filtered out), the cursor goes to ``lost_row`` when
        given, else it keeps its row number (the next ticket moves up to it).
        """
        self.total = window.total
        self.now = window.at
        self._rows = {window.offset + i: t for i, t in enumerate(window.tickets)}
        for ticket in window.tickets:  # a mark holds the ticket as shown now
            if ticket.id in self._marks:
                self._marks[ticket.id] = ticket
        self._window = (window.offset, window.offset + len(window.tickets))
        self._requested = None
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)
        if window.focus_row is not None:
            row = window.focus_row
        elif lost_row is not None:
            row = lost_row
        elif self._cursor_id is not None:
            row = min(self.cursor_row, max(self.total - 1, 0))
        else:
            row = 0
        self.cursor_row = max(0, min(row, max(self.total - 1, 0)))
        self._refresh_changed()

    def tick(self, now: datetime) -> None:
        """Redraw the visible rows whose countdown changed at ``now``; no database access."""
        self.now = now
        self._refresh_changed()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual's hook after a layout; skipped when nothing it depends on changed.

        ``ScrollView`` compares the compositor's virtual size (the viewport)
        with its own (the row count): they always differ, so every layout of
        the screen (the side panes change height on each cursor move) would
        repaint the scroll bar, a column the height of the queue.
        """
        key = (size, container_size, self.virtual_size)
        if key == self._laid_out:
            return False
        self._laid_out = key
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_resize(self) -> None:
        """Tell the screen, which aligns the column titles."""
        self.post_message(self.Resized())

    # --- actions -----------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self.cursor_row = max(0, min(self.cursor_row + delta, max(self.total - 1, 0)))

    def action_page(self, direction: int) -> None:
        """Move the cursor by one screenful."""
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        """Go to the first (0) or last (-1) ticket."""
        self.cursor_row = 0 if where == 0 else max(self.total - 1, 0)

    def action_toggle_mark(self) -> None:
        """Mark the ticket under the cursor (or unmark it) and go on to the next."""
        ticket = self.cursor_ticket
        if ticket is None:
            return
        if self._marks.pop(ticket.id, None) is None:
            self._marks[ticket.id] = ticket
        self.post_message(self.MarksChanged(len(self._marks)))
        self._refresh_changed()
        self.action_cursor(1)

    # --- watchers ------------------------------------------------------------------

    def watch_cursor_row(self, row: int) -> None:
        """Scroll to the cursor, fetch rows if needed, announce the ticket."""
        self.scroll_to_region(
            Region(0, row, 1, 1), animate=False, force=True, immediate=True, x_axis=False
        )
        self._ensure_window(row)
        ticket = self._rows.get(row)
        if ticket is not None:
            self._cursor_id = ticket.id
        self._refresh_changed()  # the row left and the row reached (a scroll repaints all)
        key = (ticket.id, ticket.version) if ticket else None
        if key != self._announced and (ticket is not None or self.total == 0):
            self._announced = key
            self.post_message(self.TicketHighlighted(ticket))

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Fetch rows that scrolled into view."""
        super().watch_scroll_y(old, new)
        self._ensure_window(int(new) + self.scrollable_content_region.height // 2)

    # --- drawing -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Draw one visible row from the window (or a placeholder while it loads)."""
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        key = self._drawn[y] = self._line_key(row, width)
        if row >= self.total:
            return Strip.blank(width, base)
        ticket = self._rows.get(row)
        if ticket is None:
            self._ensure_window(row)
            style = self.get_component_rich_style("queue--loading")
            return Strip([Segment("  …", style)]).crop_extend(scroll_x, scroll_x + width, base)
        _, at_cursor, flag, marked, text = key  # the line as the key formatted it
        style = self.get_component_rich_style(f"queue--{flag}")
        if marked:  # the tint and weight only: the row keeps its state's colour
            tint = self.get_component_rich_style("queue--marked")
            style = style + Style(bgcolor=tint.bgcolor, bold=tint.bold)
            base = style
        if at_cursor:
            style = style + self.get_component_rich_style("queue--cursor")
            base = style  # the cursor bar spans the whole row
        return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, base)

    def _line_key(self, row: int, width: int) -> tuple[Any, ...]:
        """Everything the drawing of ``row`` depends on that the view itself changes.

        Styles, focus and theme are not in it: Textual repaints the whole view
        when they change. A ticket's key is ``(width, at_cursor, flag, marked,
        text)``: ``render_line`` draws that text, formatted once.
        """
        if row >= self.total:
            return (width, "blank")
        ticket = self._rows.get(row)
        if ticket is None:
            return (width, "loading")
        flag = ticket.sla_flag(self.now)
        marked = ticket.id in self._marks
        text = self._format(ticket, flag, width, marked=marked)
        return (width, row == self.cursor_row, flag, marked, text)

    def _refresh_changed(self) -> None:
        """Repaint the lines of the viewport whose drawing would differ from what they show."""
        if not self.is_mounted:
            return
        width = self.scrollable_content_region.width
        scroll_y = self.scroll_offset.y
        for y in range(self.scrollable_content_region.height):
            if self._drawn.get(y) != self._line_key(scroll_y + y, width):
                self.refresh(Region(0, y, max(self.virtual_size.width, self.size.width), 1))

    def _format(self, ticket: Ticket, flag: str, width: int, *, marked: bool = False) -> str:
        fixed = [
            FLAG_SYMBOL[flag],
            (ticket.ref + MARK if marked else ticket.ref).ljust(7),
            ticket.contract_kind.badge.ljust(4),
            ticket.severity.value.ljust(3),
            due_cell(ticket, self.now).rjust(8),
            ticket.status.label.ljust(11),
            _clip(ticket.assignee or "—", 9).ljust(9),
        ]
        head = " ".join(fixed)
        rest = max(width - len(head) - 2, 0)
        customer_width = max(min(26, rest // 3), 8) if rest > 20 else 0
        title_width = max(rest - customer_width - (1 if customer_width else 0), 0)
        customer = _clip(ticket.customer_name, customer_width).ljust(customer_width)
        title = _clip(ticket.title, title_width)
        return f"{head} {customer} {title}" if customer_width else f"{head} {title}"

    @staticmethod
    def header_text(width: int) -> str:
        """The column titles, aligned with ``_format``."""
        head = " ".join(["S", "Ticket ", "Kind", "Sev", " Due/age", "Status     ", "Assignee "])
        rest = max(width - len(head) - 2, 0)
        customer_width = max(min(26, rest // 3), 8) if rest > 20 else 0
        if customer_width:
            return f"{head} {'Customer'.ljust(customer_width)} Title"
        return f"{head} Title"

    def _ensure_window(self, row: int) -> None:
        start, end = self._window
        height = max(self.scrollable_content_region.height, 1)
        top = max(row - height, 0)
        bottom = min(row + height, self.total)
        if start <= top and bottom <= end:
            return
        if self._requested == row:
            return
        self._requested = row
        self.post_message(self.WindowNeeded(row))
