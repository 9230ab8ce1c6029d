"""Why the selected ticket stands where it does, and how its deadlines were derived."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from dispatch.ui.safe import safe


class ExplainModal(ModalScreen[None]):
    """Plain lines in a scrolling box; ``escape`` or ``w`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,w,q", "dismiss(None)", "Close", id="explain.close", tooltip="Back"),
    ]

    HELP_TITLE: ClassVar[str] = "The explanation"
    """How the help names this dialog's keys."""

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        super().__init__()
        self._title = title
        self._lines = list(lines)

    def compose(self) -> ComposeResult:
        """The text in a scrolling box."""
        with VerticalScroll(id="explain-dialog", classes="dialog") as box:
            box.border_title = self._title
            box.can_focus = True
            yield Static(Content("\n").join([safe(line) for line in self._lines]))
