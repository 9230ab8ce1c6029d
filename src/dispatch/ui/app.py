"""The dispatch console application (a first, read-only queue view).

The full console (detail, countdown, assignment) is built on this shell.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from dispatch.domain.errors import DispatchError
from dispatch.domain.model import Ticket
from dispatch.domain.queue import describe_wait
from dispatch.services import Runtime, load_queue
from dispatch.ui.safe import literal

QUEUE_WINDOW = 500
"""How many tickets the first console shows (the queue issue pages the rest)."""


class DispatchApp(App[None]):
    """The console: the open queue in contract-priority order."""

    TITLE = "dispatch"
    BINDINGS = [  # noqa: RUF012 - Textual's own idiom
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave the console", priority=True),
        Binding("r", "reload", "Reload", id="reload", tooltip="Read the queue again"),
    ]
    CSS = """
    #status { height: 1; padding: 0 1; background: $panel; }
    #queue { height: 1fr; }
    """

    class QueueLoaded(Message):
        """The queue was read from the database."""

        def __init__(self, tickets: list[Ticket], open_count: int, at: datetime) -> None:
            self.tickets = tickets
            self.open_count = open_count
            self.at = at
            super().__init__()

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__()

    def compose(self) -> ComposeResult:
        """Header, status line, queue table, footer."""
        yield Header()
        yield Static(id="status")
        table: DataTable[Text] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        """Set up the table and read the queue."""
        self.sub_title = self.runtime.db_label
        table = self.query_one("#queue", DataTable)
        # Deadline and status first: at 80 columns they must stay visible.
        for label in ("Ticket", "Kind", "Sev", "Due", "Status", "Assignee", "Customer", "Title"):
            table.add_column(label, key=label.lower())
        self.action_reload()

    def action_reload(self) -> None:
        """Read the queue again."""
        self._load()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def _load(self) -> None:
        try:
            tickets = load_queue(self.runtime.reader(), limit=QUEUE_WINDOW)
        except DispatchError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.post_message(self.QueueLoaded(tickets, len(tickets), self.runtime.clock.now()))

    def on_dispatch_app_queue_loaded(self, message: QueueLoaded) -> None:
        """Fill the table from the loaded tickets."""
        table = self.query_one("#queue", DataTable)
        table.clear()
        for ticket in message.tickets:
            due = ticket.next_due
            table.add_row(
                Text(ticket.ref),
                Text(ticket.contract_kind.badge),
                Text(ticket.severity.value),
                Text(describe_wait(due - message.at) if due else "no guarantee"),
                Text(ticket.status.value),
                literal(ticket.assignee or "—"),
                literal(ticket.customer_name),
                literal(ticket.title),
                key=str(ticket.id),
            )
        status = self.query_one("#status", Static)
        status.update(
            Text(
                f"{message.open_count} open tickets shown in queue order · "
                f"user {self.runtime.actor}"
            )
        )
