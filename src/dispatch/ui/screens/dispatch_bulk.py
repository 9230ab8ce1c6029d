"""Changes to the marked tickets: one dialog, one confirmation, one versioned change each.

The base of the dispatcher's changes (``dispatch_changes.py``): with tickets
marked (``space`` in the queue), ``a`` and ``s`` act on all of them. The
dialog is asked once and the dispatcher confirms once; then every ticket is
written in its own short transaction, checked against the version shown when
it was marked (or last seen), so that a colleague's change in between is
never overwritten. What was refused is listed, ticket by ticket, with why;
those tickets stay marked.

May use: the domain, the services, Textual, the UI's modals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on, work
from textual.content import Content
from textual.message import Message

from dispatch.domain.errors import DispatchError
from dispatch.domain.ticket import Ticket
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch_workers import DispatchWorkers
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.screens.status import StatusRequest
from dispatch.ui.widgets.queue_view import QueueView


class DispatchBulk(DispatchWorkers):
    """Assign or move every marked ticket, each as its own change; refusals listed."""

    class BulkDone(Message):
        """The changes to marked tickets were written (``failed``: ticket and why not)."""

        def __init__(
            self, what: str, done: Sequence[Ticket], failed: Sequence[tuple[Ticket, str]]
        ) -> None:
            self.what = what
            self.done = done
            self.failed = failed
            super().__init__()

    def _assign_marked(self, marked: Sequence[Ticket], login: str) -> None:
        """Ask once, then assign each of ``marked`` (as shown) to ``login``."""
        assign = self._assigning(login)
        self._confirm_each(marked, assign, f"assigned to {login}", f"Assign to {login}")

    def _move_marked(self, marked: Sequence[Ticket], request: StatusRequest) -> None:
        """Ask once, then move each of ``marked`` (as shown) to the status of ``request``."""
        label = request.status.label
        self._confirm_each(marked, self._moving(request), f"now {label}", f"Move to {label}")

    def _confirm_each(
        self,
        marked: Sequence[Ticket],
        change: Callable[[Ticket], Ticket],
        what: str,
        verb: str,
    ) -> None:
        refs = ", ".join(t.ref for t in marked)
        question = Content.assemble(
            (f"{verb}: {len(marked)} marked tickets?", "bold"),
            f"\n{refs}\n\n",
            (
                "Each is its own change, refused where someone changed the ticket "
                "since it was shown.",
                "dim",
            ),
        )

        def answered(go: bool | None) -> None:
            if go:
                self._write_each(tuple(marked), change, what)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, group="write", exit_on_error=False)
    def _write_each(
        self, marked: Sequence[Ticket], change: Callable[[Ticket], Ticket], what: str
    ) -> None:
        """Write ``change`` for every ticket, one transaction each; collect the refusals."""
        done: list[Ticket] = []
        failed: list[tuple[Ticket, str]] = []
        for ticket in marked:
            try:
                done.append(change(ticket))
            except DispatchError as exc:  # a conflict, a refused status, the database gone
                failed.append((ticket, str(exc)))
        self.post_message(self.BulkDone(what, done, failed))

    @on(BulkDone)
    def _bulk_done(self, message: BulkDone) -> None:
        queue = self.query_one(QueueView)
        queue.unmark(t.id for t in message.done)
        total = len(message.done) + len(message.failed)
        self.notify(
            f"{len(message.done)} of {total} marked tickets {message.what}",
            title="Saved" if message.done else "Not saved",
            severity="information" if not message.failed else "warning",
            markup=False,
        )
        self._request_window(queue.cursor_row, queue.cursor_id)
        self._load_stats()
        if queue.cursor_id is not None:
            self._load_detail(queue.cursor_id)
        if message.failed:
            lines = [
                why if why.startswith(t.ref) else f"{t.ref}: {why}" for t, why in message.failed
            ]
            lines += ["", "They stay marked: reload (r), look, and try again."]
            title = f"Not changed: {len(message.failed)} of {total}"
            self.app.push_screen(ExplainModal(title, lines))
