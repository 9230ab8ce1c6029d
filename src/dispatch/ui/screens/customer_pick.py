"""Picking a customer by typing part of the name: the customer card's way in from the palette.

The customers that are not retired are read in a worker thread as the dialog
opens (``services.customer_card.pickable_customers``); what is typed narrows
the list (any part of the name, case and accents ignored), ``up``/``down``
move in it, ``enter`` picks the highlighted one, ``escape`` gives up. A
retired customer's card is reached from one of its tickets only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from dispatch.domain.errors import DispatchError
from dispatch.domain.model import Customer
from dispatch.domain.text import printable
from dispatch.services import customer_card
from dispatch.services.runtime import Runtime
from dispatch.ui.safe import safe


def folded(text: str) -> str:
    """``text`` for matching: lower case, accents dropped (``Medicală`` matches ``medicala``)."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def matching(customers: Sequence[Customer], typed: str) -> list[Customer]:
    """The customers whose name holds every word typed (in any order)."""
    words = folded(typed).split()
    return [c for c in customers if all(w in folded(printable(c.name)) for w in words)]


class CustomerPickModal(ModalScreen[int | None]):
    """Type to narrow, ``enter`` picks; dismisses with the customer's id or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="pick.close", tooltip="Back"),
        Binding("down", "move(1)", "Down", show=False, id="pick.down", tooltip="Next customer"),
        Binding("up", "move(-1)", "Up", show=False, id="pick.up", tooltip="Previous customer"),
    ]

    HELP_TITLE: ClassVar[str] = "Picking a customer"
    """How the help names this dialog's keys."""

    class Loaded(Message):
        """The customers were read."""

        def __init__(self, customers: Sequence[Customer]) -> None:
            self.customers = customers
            super().__init__()

    def __init__(
        self, runtime: Runtime, *, title: str = "Customer card: which customer?", verb: str = "show"
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self._title = title
        self._verb = verb
        self.customers: list[Customer] = []
        """Every customer that may be picked, by name."""
        self.shown: list[Customer] = []
        """The ones matching what is typed, as listed."""

    def compose(self) -> ComposeResult:
        """The field and the list under it."""
        with Vertical(id="pick-dialog", classes="dialog") as box:
            box.border_title = self._title
            box.border_subtitle = f"type to narrow · up/down · enter {self._verb} · esc cancel"
            yield Input(placeholder="part of the name", id="pick-filter")
            options = OptionList(
                Option(Content.styled("Reading the customers…", "dim"), disabled=True),
                id="pick-list",
            )
            options.can_focus = False  # the field keeps the keys: what is typed filters
            yield options

    def on_mount(self) -> None:
        """Read the customers; the field has the focus (no blinking cursor in tests)."""
        field = self.query_one(Input)
        field.cursor_blink = not self.app.is_headless
        field.focus()
        self._load()

    @work(thread=True, exclusive=True, group="pick", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(customer_card.pickable_customers(self.runtime.reader())))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.customers = list(message.customers)
        self._show(self.query_one(Input).value)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_option(Option(safe(f"Could not read the customers: {text}", "$error")))

    @on(Input.Changed, "#pick-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _submitted(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index].id)

    @on(OptionList.OptionSelected, "#pick-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.shown):
            self.dismiss(self.shown[event.option_index].id)

    def action_move(self, step: int) -> None:
        """Move the highlight in the list while the field keeps the focus."""
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _show(self, typed: str) -> None:
        self.shown = matching(self.customers, typed)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(
                    Content.assemble(
                        safe(c.name, "bold"),
                        safe(f"  {c.country}{'-' + c.region if c.region else ''}", "dim"),
                        safe(f"  {c.timezone}", "dim"),
                    )
                )
                for c in self.shown
            ]
            or [Option(Content.styled("No customer matches.", "dim"), disabled=True)]
        )
        options.highlighted = 0 if self.shown else None
