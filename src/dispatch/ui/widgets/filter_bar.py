"""The queue's filter: a field while it is edited, one line while a filter is set."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from dispatch.domain.errors import DispatchError
from dispatch.domain.filter import QueueFilter, Scope
from dispatch.domain.queue import QueueOrder
from dispatch.ui.safe import safe
from dispatch.ui.widgets.quiet_static import QuietStatic

PLACEHOLDER = "filter: words, sev:P1 due:<1h !tech:-, or T-19 to go there (escape clears)"


class FilterBar(Vertical):
    """``/`` opens the field; ``enter`` applies it (or says what is wrong); the line stays."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.text = ""
        """The filter as typed when it was applied (empty: none)."""

    def compose(self) -> ComposeResult:
        """The field (hidden until ``/``) and the line (hidden until a filter is set)."""
        field = Input(placeholder=PLACEHOLDER, id="filter")
        field.display = False
        yield field
        yield QuietStatic(id="filter-line")

    def on_mount(self) -> None:
        """No blinking cursor in headless runs (snapshots); no line before a filter."""
        if self.app.is_headless:
            self.query_one("#filter", Input).cursor_blink = False
        self.query_one("#filter-line", Static).display = False

    @property
    def editing(self) -> bool:
        """Whether the field is being typed into."""
        return self.query_one("#filter", Input).has_focus

    def apply(self, typed: str) -> QueueFilter | None:
        """Parse what was typed: the filter to apply, or ``None`` (and a toast saying why).

        The screen calls this from its ``Input.Submitted`` handler, so that the
        field closes, the queue takes the focus and the window is asked for in
        one turn of the loop.
        """
        try:
            parsed = QueueFilter.parse(typed)
        except DispatchError as exc:
            self.notify(safe(str(exc)).plain, title="Filter", severity="error", markup=False)
            return None
        self.text = typed.strip()
        self.query_one("#filter", Input).display = False
        return parsed

    def edit(self) -> None:
        """Show the field (in place of the line) and type into it."""
        field = self.query_one("#filter", Input)
        field.display = True
        self.query_one("#filter-line", Static).display = False
        field.focus()

    def clear(self) -> None:
        """Empty and hide the field: no filter is in force any more."""
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.text = ""

    def show_text(self, text: str) -> None:
        """Name ``text`` (a saved view's filter) as the filter in force, without editing it."""
        self.text = text.strip()

    def show_line(
        self,
        matching: int,
        open_: int | None,
        where: QueueFilter,
        *,
        marked: int = 0,
        more: bool = False,
    ) -> None:
        """``nearest deadline · all tickets · filter: disk · 12 of 340 open (/ to change)``.

        Shown while a filter is set, the scope or order is not the default, or
        tickets are marked. ``more``: ``matching`` is a lower bound, shown as
        ``1,000+`` (the count stopped there).
        """
        line = self.query_one("#filter-line", Static)
        parts: list[Content] = []
        if where.order is not QueueOrder.PRIORITY:
            parts.append(Content.styled(f"order: {where.order.label}", "bold"))
        if where.scope is not Scope.OPEN:
            parts.append(Content.styled(where.scope.label, "bold"))
        if self.text:
            parts.append(Content.assemble(("filter: ", "bold"), safe(self.text)))
        if marked:
            parts.append(
                Content.styled(f"{marked} marked (escape: unmark all)", "bold $foreground")
            )
        line.display = bool(parts) and not self.query_one("#filter", Input).display
        shown = "open" if where.scope is Scope.OPEN else "shown"
        count = f"{matching:,}+" if more else f"{matching:,}"
        of = (
            f"{count} of {open_:,} {shown}"
            if open_ is not None and where.scope is Scope.OPEN
            else f"{count} {shown}"
        )
        line.update(
            Content.assemble(
                Content(" · ").join(parts), f" · {of}", ("  (/ filter  o order  m scope)", "dim")
            )
        )
