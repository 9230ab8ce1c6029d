"""Writing on a ticket's conversation: an internal note, a phone call, a reply.

One dialog for the three, each with a multi-line editor (``TextArea``):
``ctrl+s`` saves (a reply: queues it for sending), ``escape`` closes and asks
first when something was typed. A reply shows whom it goes to (editable) and
offers the reply templates of ``[mail.templates]``, filled in for the ticket;
a call asks its direction and number. The dialog returns a ``Draft``; the
write happens in the screen's worker.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, TextArea

from dispatch.domain.ticket import Ticket
from dispatch.ui.safe import literal, safe
from dispatch.ui.screens.confirm import ask_before_leaving


class DraftKind(enum.StrEnum):
    """What is being written."""

    NOTE = "note"
    CALL = "call"
    REPLY = "reply"


@dataclass(frozen=True, slots=True)
class Draft:
    """What the dialog returns: the text and, by kind, its call or mail details.

    Attributes:
        kind: Note, call or reply.
        ticket_id: The ticket written on.
        text: The text exactly as typed.
        outbound: A call: we called them.
        number: A call: the number, if given.
        to: A reply: the addresses typed (empty: the default recipients).
    """

    kind: DraftKind
    ticket_id: int
    text: str
    outbound: bool = True
    number: str | None = None
    to: tuple[str, ...] = ()


_TITLES = {
    DraftKind.NOTE: "Internal note on {ref}",
    DraftKind.CALL: "Phone call on {ref}",
    DraftKind.REPLY: "Reply to the customer on {ref}",
}


class ComposeModal(ModalScreen[Draft | None]):
    """A note, call or reply on ``ticket``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="compose.save", tooltip="Save (a reply: send)"),
        Binding("escape", "cancel", "Cancel", id="compose.cancel", tooltip="Close"),
    ]

    HELP_TITLE: ClassVar[str] = "Writing a note, a call or a reply"
    """How the help names this dialog's keys."""

    def __init__(
        self,
        kind: DraftKind,
        ticket: Ticket,
        *,
        recipients: Sequence[str] = (),
        phones: Sequence[str] = (),
        templates: Mapping[str, str] | None = None,
        fill: Callable[[str, str], str] | None = None,
        text: str = "",
        problem: str = "",
    ) -> None:
        super().__init__()
        self._kind = kind
        self._ticket = ticket
        self._recipients = tuple(recipients)
        self._phones = tuple(phones)
        self._templates = dict(templates or {})
        self._fill = fill or (lambda text, _to: text)
        self._text = text
        self._problem_text = problem

    def compose(self) -> ComposeResult:
        """The editor, with the fields of the kind."""
        with VerticalScroll(id="compose-dialog", classes="dialog") as box:
            box.border_title = (
                _TITLES[self._kind].format(ref=self._ticket.ref)
                + " (ctrl+s: save · escape: cancel)"
            )
            yield Label(safe(self._ticket.title, "bold"))
            if self._kind is DraftKind.CALL:
                yield Select(
                    [("we called them (a first response)", "out"), ("they called us", "in")],
                    value="out",
                    allow_blank=False,
                    id="compose-direction",
                )
                yield Label("Number")
                yield Input(
                    value=self._phones[0] if self._phones else "",
                    placeholder="+40 21 555 0101",
                    id="compose-number",
                )
            if self._kind is DraftKind.REPLY:
                yield Label("To (comma-separated)")
                yield Input(
                    value=", ".join(self._recipients),
                    placeholder="no address known: type one",
                    id="compose-to",
                )
                if self._templates:
                    yield Select(
                        [(literal(name), name) for name in self._templates],
                        prompt="a template (fills the text)",
                        id="compose-template",
                    )
            yield TextArea(self._text, id="compose-text", soft_wrap=True)
            yield Label("", id="compose-error", classes="error")

    def on_mount(self) -> None:
        """Start in the editor; no blinking cursors in tests."""
        editor = self.query_one("#compose-text", TextArea)
        if self.app.is_headless:
            editor.cursor_blink = False
            for field in self.query(Input):
                field.cursor_blink = False
        if self._problem_text:
            self._problem(self._problem_text)
        editor.focus()

    @on(Select.Changed, "#compose-template")
    def _template_picked(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        try:
            to = self.query_one("#compose-to", Input).value.split(",")[0].strip()
            text = self._fill(self._templates[event.value], to)
        except (KeyError, ValueError, IndexError) as exc:
            self._problem(f"the template {event.value!r} cannot be filled: {exc}")
            return
        editor = self.query_one("#compose-text", TextArea)
        editor.text = text
        editor.focus()

    def has_draft(self) -> bool:
        """Whether something was typed (leaving then asks first)."""
        return bool(self.query_one("#compose-text", TextArea).text.strip())

    def action_cancel(self) -> None:
        """Close; typed text is given up only when confirmed."""
        ask_before_leaving(self, "Discard what you wrote? It is lost.")

    def action_save(self) -> None:
        """Return the draft, or say what is missing."""
        text = self.query_one("#compose-text", TextArea).text
        if not text.strip():
            self._problem("the text is empty")
            return
        draft = Draft(self._kind, self._ticket.id, text)
        if self._kind is DraftKind.CALL:
            direction = self.query_one("#compose-direction", Select).value
            number = self.query_one("#compose-number", Input).value.strip() or None
            draft = Draft(self._kind, self._ticket.id, text, direction == "out", number)
        elif self._kind is DraftKind.REPLY:
            typed = self.query_one("#compose-to", Input).value
            to = tuple(a.strip() for a in typed.split(",") if a.strip())
            if not to:
                self._problem("no address to send to: type one in To")
                return
            draft = Draft(self._kind, self._ticket.id, text, to=to)
        self.dismiss(draft)

    def _problem(self, text: str) -> None:
        self.query_one("#compose-error", Label).update(
            Content.styled("Cannot save: " + text, "bold $error")
        )
