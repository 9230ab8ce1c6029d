"""A yes/no question, e.g. "reload?" after a conflict, and asking before typed text is lost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label


class ConfirmModal(ModalScreen[bool]):
    """``y``/``enter`` answers yes, ``n``/``escape`` no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "dismiss(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "dismiss(False)", "No", id="confirm.no"),
    ]

    HELP_TITLE: ClassVar[str] = "A question"
    """How the help names this dialog's keys."""

    def __init__(self, question: Content) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(self._question)
            yield Label(Content.styled("y: yes · n: no", "dim"))


@runtime_checkable
class Drafting(Protocol):
    """A dialog the dispatcher types into: it knows whether leaving would lose text."""

    def has_draft(self) -> bool:
        """Whether anything typed would be lost by leaving."""
        ...


def ask_before_leaving(dialog: ModalScreen[Any], question: str) -> None:
    """Close ``dialog`` without a result; with typed text in it, only once confirmed."""
    if not isinstance(dialog, Drafting) or not dialog.has_draft():
        dialog.dismiss(None)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            dialog.dismiss(None)

    dialog.app.push_screen(ConfirmModal(Content(question)), answered)


def drafts(screens: Sequence[Screen[Any]]) -> list[Screen[Any]]:
    """The screens of ``screens`` holding typed text that leaving would lose."""
    return [s for s in screens if isinstance(s, Drafting) and s.has_draft()]
