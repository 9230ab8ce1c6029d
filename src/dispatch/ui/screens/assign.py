"""Choose the technician for a ticket from the ranked list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from dispatch.domain.assign import Candidate
from dispatch.domain.ticket import Ticket
from dispatch.ui.safe import safe
from dispatch.ui.widgets.nav_list import NavList
from dispatch.ui.widgets.tech_panel import candidate_line


class AssignModal(ModalScreen[str | None]):
    """Technicians best first, with reasons; ``enter`` assigns, ``escape`` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="assign.cancel", tooltip="Assign nobody"),
    ]

    HELP_TITLE: ClassVar[str] = "The assign dialog"
    """How the help names this dialog's keys."""

    def __init__(
        self, ticket: Ticket, ranked: Sequence[Candidate], *, marked: Sequence[Ticket] = ()
    ) -> None:
        """The dialog for ``ticket`` (ranked for it), or for the ``marked`` tickets if any."""
        super().__init__()
        self._ticket = ticket
        self._ranked = list(ranked)
        self._marked = tuple(marked)

    def compose(self) -> ComposeResult:
        """Title, the ranked list, a hint."""
        with Vertical(id="assign-dialog", classes="dialog"):
            yield Label(self._title(), id="assign-title")
            yield NavList(
                *[
                    Option(candidate_line(c, i + 1), id=c.tech.login)
                    for i, c in enumerate(self._ranked)
                ],
                id="assign-list",
            )
            yield Label(
                Content.styled(
                    "enter: assign · escape: cancel · dimmed: off duty or cannot visit", "dim"
                )
            )

    def _title(self) -> Content:
        if self._marked:
            refs = ", ".join(t.ref for t in self._marked)
            return Content.assemble(
                ("Assign ", "bold"),
                (f"{len(self._marked)} marked tickets", "bold"),
                f": {refs} ",
                (f"(ranked for {self._ticket.ref})", "dim"),
            )
        return Content.assemble(
            ("Assign ", "bold"), self._ticket.ref, " ", safe(self._ticket.title)
        )

    def on_mount(self) -> None:
        """Start on the best candidate."""
        options = self.query_one("#assign-list", OptionList)
        options.highlighted = 0 if self._ranked else None
        options.focus()

    @on(OptionList.OptionSelected, "#assign-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
