"""The queue's filter: a field while it is edited, one line while a filter is set."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from dispatch.domain.errors import DispatchError
from dispatch.domain.filter import QueueFilter
from dispatch.ui.safe import safe

PLACEHOLDER = "filter: words, status:new, sla:breached, kind:sub, assignee:-"


class FilterBar(Vertical):
    """``/`` opens the field; ``enter`` applies it (or says what is wrong); the line stays."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    """

    class Applied(Message):
        """The dispatcher applied ``filter`` (typed as ``text``)."""

        def __init__(self, filter: QueueFilter, text: str) -> None:  # noqa: A002
            self.filter = filter
            self.text = text
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.text = ""
        """The filter as typed when it was applied (empty: none)."""

    def compose(self) -> ComposeResult:
        """The field (hidden until ``/``) and the line (hidden until a filter is set)."""
        field = Input(placeholder=PLACEHOLDER, id="filter")
        field.display = False
        yield field
        yield Static(id="filter-line")

    def on_mount(self) -> None:
        """No blinking cursor in headless runs (snapshots); no line before a filter."""
        if self.app.is_headless:
            self.query_one("#filter", Input).cursor_blink = False
        self.query_one("#filter-line", Static).display = False

    @property
    def editing(self) -> bool:
        """Whether the field is being typed into."""
        return self.query_one("#filter", Input).has_focus

    @on(Input.Submitted, "#filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            parsed = QueueFilter.parse(event.value)
        except DispatchError as exc:
            self.notify(safe(str(exc)).plain, title="Filter", severity="error", markup=False)
            return
        self.text = event.value.strip()
        self.query_one("#filter", Input).display = False
        self.post_message(self.Applied(parsed, self.text))

    def edit(self) -> None:
        """Show the field (in place of the line) and type into it."""
        field = self.query_one("#filter", Input)
        field.display = True
        self.query_one("#filter-line", Static).display = False
        field.focus()

    def stop_editing(self) -> None:
        """Hide the field (the filter in force stays)."""
        self.query_one("#filter", Input).display = False

    def show_line(self, matching: int, open_: int | None) -> None:
        """``filter: disk · 12 of 340 open (/ to change)`` while a filter is set."""
        line = self.query_one("#filter-line", Static)
        line.display = bool(self.text) and not self.query_one("#filter", Input).display
        of = f" · {matching} of {open_} open" if open_ is not None else f" · {matching} match"
        line.update(
            Content.assemble(("filter: ", "bold"), safe(self.text), of, ("  (/ to change)", "dim"))
        )
