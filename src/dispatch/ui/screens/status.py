"""Move a ticket to another status: waiting on the customer, escalate with a bug, resolve.

Every status has a fixed letter and a fixed place in the list, whatever the
ticket's status: ``s`` then ``p`` always means "in progress". Statuses the
workflow does not allow from the current one are shown, dimmed, and refused
with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from dispatch.domain.model import ALLOWED_TRANSITIONS, TicketStatus
from dispatch.domain.ticket import Ticket
from dispatch.ui.safe import safe
from dispatch.ui.screens.confirm import ask_before_leaving
from dispatch.ui.widgets.nav_list import NavList

STATUS_KEYS = {
    TicketStatus.ASSIGNED: "a",
    TicketStatus.IN_PROGRESS: "p",
    TicketStatus.WAITING_CUSTOMER: "w",
    TicketStatus.ESCALATED_DEV: "e",
    TicketStatus.RESOLVED: "r",
    TicketStatus.CLOSED: "c",
}
"""The letter of each status in the dialog, and the dialog's fixed order."""

STATUS_HELP = {status: f"{status.label}: {status.meaning}" for status in STATUS_KEYS}
"""Each status's line in the dialog: its one name and what it means."""


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """What the dialog returns.

    Attributes:
        status: The new status.
        bug_ref: The bug reference (escalation).
        note: Why, for the history.
    """

    status: TicketStatus
    bug_ref: str | None
    note: str | None


class StatusModal(ModalScreen[StatusRequest | None]):
    """The statuses the workflow allows next, a bug reference and a note."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="status.cancel", tooltip="Change nothing"),
        *[
            Binding(key, f"pick('{status.value}')", status.label, show=False, id=f"status.{key}")
            for status, key in STATUS_KEYS.items()
        ],
    ]

    HELP_TITLE: ClassVar[str] = "The status dialog"
    """How the help names this dialog's keys."""

    def __init__(self, ticket: Ticket, *, marked: Sequence[Ticket] = ()) -> None:
        """The dialog for ``ticket``, or for the ``marked`` tickets when there are any.

        For marked tickets a status is offered if any of them may go there; the
        others are refused one by one when the changes are written.
        """
        super().__init__()
        self._ticket = ticket
        self._marked = tuple(marked)
        self._choices = list(STATUS_KEYS)
        self._allowed = frozenset(
            status for t in (self._marked or (ticket,)) for status in ALLOWED_TRANSITIONS[t.status]
        )

    def compose(self) -> ComposeResult:
        """Title, statuses, bug reference, note, error line."""
        with Vertical(id="status-dialog", classes="dialog"):
            yield Label(self._title())
            yield NavList(
                *[
                    Option(
                        Content.assemble((f"{STATUS_KEYS[s]}  ", "bold"), STATUS_HELP[s]),
                        id=s.value,
                        disabled=s not in self._allowed,
                    )
                    for s in self._choices
                ],
                id="status-list",
            )
            yield Input(placeholder="bug reference (escalation), e.g. DEV-1234", id="status-bug")
            yield Input(placeholder="note for the history (optional)", id="status-note")
            yield Label("", id="status-error", classes="error")
            yield Label(
                Content.styled(
                    "letter or enter: apply · tab: bug reference, note · escape: cancel", "dim"
                )
            )

    def _title(self) -> Content:
        if self._marked:
            refs = ", ".join(t.ref for t in self._marked)
            return Content.assemble(
                ("Status of ", "bold"), (f"{len(self._marked)} marked tickets", "bold"), f": {refs}"
            )
        return Content.assemble(
            ("Status of ", "bold"),
            self._ticket.ref,
            f" (now {self._ticket.status.label}) ",
            safe(self._ticket.title),
        )

    def on_mount(self) -> None:
        """Start on the first choice."""
        if self.app.is_headless:
            for field in self.query(Input):
                field.cursor_blink = False
        options = self.query_one("#status-list", OptionList)
        allowed = [i for i, s in enumerate(self._choices) if s in self._allowed]
        options.highlighted = allowed[0] if allowed else None
        options.focus()
        if not allowed:
            what = "the marked tickets are" if self._marked else f"{self._ticket.ref} is"
            self._error(f"{what} closed: no status may follow")

    def has_draft(self) -> bool:
        """Whether a bug reference or a note has been typed (leaving asks first)."""
        return any(field.value.strip() for field in self.query(Input))

    def action_cancel(self) -> None:
        """Close without a change; typed text is given up only when confirmed."""
        ask_before_leaving(self, "Discard the typed bug reference and note?")

    def action_pick(self, value: str) -> None:
        """The status of a letter: applied at once (escalation asks for its bug reference)."""
        status = TicketStatus(value)
        options = self.query_one("#status-list", OptionList)
        if status not in self._allowed:
            self._error(self._refusal(status))
            return
        options.highlighted = self._choices.index(status)
        self._submit()

    def _refusal(self, status: TicketStatus) -> str:
        if self._marked:
            return f"none of the marked tickets can go to {status.label}"
        if status is self._ticket.status:
            return f"{self._ticket.ref} is already {status.label}"
        return f"{self._ticket.ref} cannot go from {self._ticket.status.label} to {status.label}"

    @on(OptionList.OptionSelected, "#status-list")
    def _chosen(self, _event: OptionList.OptionSelected) -> None:
        self._submit()

    @on(Input.Submitted)
    def _entered(self, _event: Input.Submitted) -> None:
        self._submit()

    def _submit(self) -> None:
        options = self.query_one("#status-list", OptionList)
        if options.highlighted is None:
            self._error("choose a status")
            return
        status = self._choices[options.highlighted]
        if status not in self._allowed:
            self._error(self._refusal(status))
            return
        bug = self.query_one("#status-bug", Input).value.strip() or None
        note = self.query_one("#status-note", Input).value.strip() or None
        if status is TicketStatus.ESCALATED_DEV and not bug:
            self._error("escalating to development needs a bug reference")
            self.query_one("#status-bug", Input).focus()
            return
        if bug and status is not TicketStatus.ESCALATED_DEV:
            self._error("a bug reference goes with 'escalate to development' only")
            return
        self.dismiss(StatusRequest(status, bug, note))

    def _error(self, text: str) -> None:
        self.query_one("#status-error", Label).update(Content.styled(text, "bold $error"))
