"""The dispatcher's changes to tickets: assign, take, status, severity, undo, new ticket.

The base of the dispatcher's screen (``dispatch.py`` binds the keys to these
actions and routes the results): each action asks what it must (a dialog, a
confirmation before taking a colleague's ticket or going past my maximum)
and hands the write to a worker of ``dispatch_workers.py``. The last change
this console made can be undone for ``UNDO_WINDOW`` as a new change with its
own version check. With tickets marked, assign and status act on all of
them (``dispatch_bulk.py``).

May use: the domain, the services' value types, Textual, the UI's modals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from textual import events, on
from textual.content import Content

from dispatch.domain.assign import Candidate
from dispatch.domain.model import Severity
from dispatch.domain.ticket import Ticket
from dispatch.services.tickets import TicketDetail
from dispatch.services.undo import Change
from dispatch.ui.access import refuse_key
from dispatch.ui.safe import safe
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch_bulk import DispatchBulk
from dispatch.ui.screens.dispatch_toasts import toast_saved
from dispatch.ui.screens.dispatch_workers import DispatchWorkers
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.severity import SeverityModal
from dispatch.ui.screens.status import StatusModal, StatusRequest
from dispatch.ui.widgets.queue_view import QueueView

UNDO_WINDOW = timedelta(seconds=60)
"""How long the last change can be undone (``u``)."""

CHANGE_ACTIONS = frozenset(
    {
        "assign",
        "take",
        "change_status",
        "change_severity",
        "undo",
        "new_ticket",
        "add_note",
        "log_call",
        "reply",
        "move_to_customer",
    }
)
"""The actions that change tickets: hidden and refused in a read-only console."""


class DispatchChanges(DispatchBulk):
    """The actions that change tickets, and the memory of the last change (for undo)."""

    detail: TicketDetail | None = None
    """The highlighted ticket as last read (``None``: none, or not read yet)."""
    ranked: Sequence[Candidate] = ()
    """The technicians ranked for ``detail``'s ticket."""
    _last_change: tuple[Change, datetime] | None = None
    """This console's last change and when it was made."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console offers no change (neither in the footer nor the palette)."""
        return not (self.runtime.read_only and action in CHANGE_ACTIONS)

    def on_key(self, event: events.Key) -> None:
        """A change key pressed in a read-only console is refused with a word."""
        if self.runtime.read_only:
            refuse_key(self, event, CHANGE_ACTIONS)

    def _remember(self, ticket: Ticket, what: str, undoable: Change | None) -> None:
        """Say that ``ticket`` was changed; keep ``undoable`` as the change ``u`` undoes."""
        undo_key = self._key_of("undo") if undoable else None
        toast_saved(self, ticket, what, undo_key=undo_key)
        self._last_change = (undoable, self.runtime.clock.now()) if undoable else None

    def _selected(self) -> Ticket | None:
        ticket = self.query_one(QueueView).cursor_ticket
        if ticket is None:
            self.notify("No ticket selected.", severity="warning", markup=False)
        return ticket

    def action_assign(self) -> None:
        """Choose a technician from the ranked list (for all marked tickets, if any)."""
        ticket = self._selected()
        if ticket is None:
            return
        ranked = self.ranked if self.detail and self.detail.ticket.id == ticket.id else ()
        if not ranked:
            self.notify("Still reading the technicians; try again.", markup=False)
            return
        marked = self.query_one(QueueView).marked

        def chosen(login: str | None) -> None:
            if login and marked:
                self._assign_marked(marked, login)
            elif login:
                self._assign(ticket, login)

        self.app.push_screen(AssignModal(ticket, ranked, marked=marked), chosen)

    def action_take(self) -> None:
        """Assign the selected ticket to me; a colleague's, or one past my maximum, asks first."""
        ticket = self._selected()
        if ticket is None:
            return
        me = self.runtime.actor
        if ticket.assignee == me:
            self.notify(f"{ticket.ref} is already yours: nothing changed", markup=False)
            return
        ranked = self.ranked if self.detail and self.detail.ticket.id == ticket.id else None
        if ranked is None:
            self.notify("Still reading the technicians; try again.", markup=False)
            return
        doubts: list[Content] = []
        if ticket.assignee is not None:
            doubts.append(
                Content.assemble(f"{ticket.ref} is assigned to ", safe(ticket.assignee), ".")
            )
        mine = next((c for c in ranked if c.tech.login == me), None)
        if mine is not None and mine.load >= mine.tech.max_tickets:
            doubts.append(
                Content(
                    f"You have {mine.load} open tickets; your maximum is {mine.tech.max_tickets}."
                )
            )
        if not doubts:
            self._take(ticket)
            return

        def answered(take: bool | None) -> None:
            if take:
                self._take(ticket)

        question = Content("\n").join([*doubts, Content("Take it anyway?")])
        self.app.push_screen(ConfirmModal(question), answered)

    def action_change_status(self) -> None:
        """Move the selected ticket (or all marked tickets) to another status."""
        ticket = self._selected()
        if ticket is None:
            return
        marked = self.query_one(QueueView).marked

        def chosen(request: StatusRequest | None) -> None:
            if request is not None and marked:
                self._move_marked(marked, request)
            elif request is not None:
                self._move(ticket, request)

        self.app.push_screen(StatusModal(ticket, marked=marked), chosen)

    def action_change_severity(self) -> None:
        """Give the selected ticket another severity."""
        ticket = self._selected()
        if ticket is None:
            return

        def chosen(severity: Severity | None) -> None:
            if severity is not None:
                self._set_severity(ticket, severity)

        self.app.push_screen(SeverityModal(ticket), chosen)

    def _key_of(self, binding_id: str) -> str | None:
        """The key bound to ``binding_id`` now (after any remap), as the footer shows it."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return None

    def action_undo(self) -> None:
        """Undo this console's last change to a ticket, within ``UNDO_SECONDS``."""
        last, self._last_change = self._last_change, None
        if last is None or self.runtime.clock.now() - last[1] > UNDO_WINDOW:
            self.notify(
                f"Nothing to undo: only my last change, for {UNDO_WINDOW.seconds} s.",
                markup=False,
            )
            return
        self._undo(last[0])

    def action_new_ticket(self) -> None:
        """Open a ticket for a caller."""
        self._open_new_ticket_form()

    @on(DispatchWorkers.CustomersLoaded)
    def _customers_loaded(self, message: DispatchWorkers.CustomersLoaded) -> None:
        self.app.push_screen(NewTicketModal(message.customers), self._open)
