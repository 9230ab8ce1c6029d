"""Give a ticket another severity (P1 to P4); its deadlines follow from the contract's terms."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from dispatch.domain.model import Severity
from dispatch.domain.ticket import Ticket
from dispatch.ui.safe import safe
from dispatch.ui.widgets.nav_list import NavList

SEVERITY_HELP = {
    Severity.P1: "P1  critical",
    Severity.P2: "P2  high",
    Severity.P3: "P3  normal",
    Severity.P4: "P4  low",
}


class SeverityModal(ModalScreen[Severity | None]):
    """P1 to P4 with their digits; the current severity is shown and cannot be chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="severity.cancel"),
        *[
            Binding(str(s.level), f"pick('{s.value}')", s.value, show=False, id=f"severity.{s}")
            for s in Severity
        ],
    ]

    HELP_TITLE: ClassVar[str] = "The severity dialog"
    """How the help names this dialog's keys."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self._ticket = ticket

    def compose(self) -> ComposeResult:
        """Title, the four severities, error line, keys."""
        with Vertical(id="severity-dialog", classes="dialog"):
            yield Label(
                Content.assemble(
                    ("Severity of ", "bold"),
                    self._ticket.ref,
                    f" (now {self._ticket.severity.value}) ",
                    safe(self._ticket.title),
                )
            )
            yield NavList(
                *[
                    Option(
                        Content(SEVERITY_HELP[s]), id=s.value, disabled=s is self._ticket.severity
                    )
                    for s in Severity
                ],
                id="severity-list",
            )
            yield Label("", id="severity-error", classes="error")
            yield Label(Content.styled("1-4 or enter: apply · escape: cancel", "dim"))

    def on_mount(self) -> None:
        """Start on the first severity that differs from the current one."""
        options = self.query_one("#severity-list", OptionList)
        options.highlighted = next(
            i for i, s in enumerate(Severity) if s is not self._ticket.severity
        )
        options.focus()

    @on(OptionList.OptionSelected, "#severity-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(str(event.option.id))

    def action_pick(self, value: str) -> None:
        """Apply the severity of a digit (the current one is refused with the reason)."""
        severity = Severity(value)
        if severity is self._ticket.severity:
            self.query_one("#severity-error", Label).update(
                Content.styled(f"{self._ticket.ref} is already {severity.value}", "bold $error")
            )
            return
        self.dismiss(severity)
