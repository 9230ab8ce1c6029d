"""Finding tickets on the dispatcher's screen: the filter, the order, the scope, go to.

The base of the dispatcher's screen (``dispatch.py``): ``/`` opens the
filter (``escape`` clears it), ``T-19`` or ``19`` alone goes to that ticket
whatever its status (widening the scope to all tickets if it hides it), ``o``
cycles the orders and ``m`` the scopes; the line over the queue names what is
not the default. The digits ``1``–``9`` switch to the saved views of
``dispatch.toml`` (``0``: the plain queue), shown on the views line; the last
one used is remembered for this user's next console. ``-`` (``ctrl+o``)
goes back to the ticket shown before, ``+`` (``ctrl+i``) forth again
(``ui/history.py`` decides what is kept).

May use: the domain, the services' value types, Textual, the UI's widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from textual import on
from textual.widgets import Input

from dispatch.domain.filter import QueueFilter, SavedView, Scope, ticket_ref
from dispatch.services.runtime import Runtime
from dispatch.ui.history import TicketHistory
from dispatch.ui.screens.dispatch_conversation import DispatchConversation
from dispatch.ui.screens.dispatch_workers import WindowRequest
from dispatch.ui.widgets.app_header import AppHeader
from dispatch.ui.widgets.filter_bar import FilterBar
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.view_tabs import ViewTabs


class DispatchFind(DispatchConversation):
    """The filter, order and scope the queue is read under, saved views, going to a ticket."""

    def __init__(
        self,
        runtime: Runtime,
        views: Sequence[SavedView] = (),
        *,
        view: str | None = None,
        remember: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(runtime)
        self.views = tuple(views)
        """The saved views, switched with ``1``–``9``."""
        self._view = next((n for n, v in enumerate(self.views, 1) if v.name == view), 0)
        """The view in force (``0``: the plain queue); the first read starts in it."""
        self._history = TicketHistory()
        """The tickets shown, for ``-`` and ``+``."""
        self._arriving: int | None = None
        """A ticket gone to (kept in the history however briefly shown)."""
        self._keep = remember
        """Keeps a preference for this user's next console (``None``: nowhere)."""
        self._pending_focus: int | None = None
        """A ticket the cursor is to move to (new, or chosen in the alert log) once read."""
        self._going_to: int | None = None
        """A ticket typed into the filter: if the scope hides it, the scope widens to all."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the digits of views that exist are keys (and palette entries)."""
        if action == "view":
            number = parameters[0] if parameters else 0
            return bool(self.views) and isinstance(number, int) and number <= len(self.views)
        return super().check_action(action, parameters)

    def action_filter(self) -> None:
        """Show the filter field (in place of the filter line) and type into it."""
        self.query_one(FilterBar).edit()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        bar = self.query_one(FilterBar)
        wanted = ticket_ref(event.value)
        if wanted is not None:  # T-19 or 19 alone: go to that ticket, whatever its status
            bar.clear()
            self.filter = self.filter.terms_from(QueueFilter())
            self._going_to = wanted
            self._jump_to(wanted)
            return
        parsed = bar.apply(event.value)
        if parsed is None:
            return
        self.filter = self.filter.terms_from(parsed)
        queue = self.query_one(QueueView)
        queue.focus()
        self._request_window(0, queue.cursor_id, reset=True)

    def _show_filter_line(self) -> None:
        """``deadline order · all tickets · filter: disk · 12 of 340 open`` when not the default."""
        queue = self.query_one(QueueView)
        self.query_one(FilterBar).show_line(
            queue.total,
            self.query_one(AppHeader).counts.get("open"),
            self.filter,
            marked=len(queue.marked),
            more=self._more,
        )
        self.query_one(ViewTabs).show(
            self.views, self._view, changed=self.filter != self._view_filter(self._view)
        )

    @on(QueueView.MarksChanged)
    def _marks_changed(self) -> None:
        self._show_filter_line()

    def _view_filter(self, number: int) -> QueueFilter:
        view = self.views[number - 1].where if number else QueueFilter()
        return replace(view, me=self.runtime.actor)

    def _start_view(self) -> None:
        """Put the view the console starts in in force (before the first read)."""
        if self._view:
            self.filter = self._view_filter(self._view)
            self.query_one(FilterBar).show_text(self.views[self._view - 1].text)
        self.query_one(ViewTabs).show(self.views, self._view, changed=False)

    def action_view(self, number: int) -> None:
        """Switch to saved view ``number`` (``0``: every open ticket, by contract priority)."""
        if number > len(self.views):
            self.notify(
                f"There is no view {number}: views are [views.NAME] tables in dispatch.toml"
                f" ({len(self.views)} defined).",
                severity="warning",
                markup=False,
            )
            return
        self._view = number
        bar = self.query_one(FilterBar)
        bar.clear()
        bar.show_text(self.views[number - 1].text if number else "")
        if self._keep is not None:
            self._keep("view", self.views[number - 1].name if number else "")
        self._reorder(self._view_filter(number))
        self.query_one(QueueView).focus()

    def action_cycle_order(self) -> None:
        """The next order: contract priority, nearest deadline, oldest first, by assignee."""
        self._reorder(replace(self.filter, order=self.filter.order.next()))  # the line says it

    def action_cycle_scope(self) -> None:
        """The next scope: open tickets, my tickets, all tickets (resolved and closed too)."""
        scopes = list(Scope)
        scope = scopes[(scopes.index(self.filter.scope) + 1) % len(scopes)]
        self._reorder(replace(self.filter, scope=scope, me=self.runtime.actor))

    def _reorder(self, where: QueueFilter) -> None:
        self.filter = where
        queue = self.query_one(QueueView)
        self._request_window(0, queue.cursor_id, reset=True)

    def _jump_to(self, ticket_id: int | None) -> None:
        if ticket_id is None:
            return
        self._arriving = ticket_id
        self.remove_class("-show-detail")
        self.query_one(QueueView).focus()
        self._pending_focus = ticket_id
        self._request_window(self.query_one(QueueView).cursor_row, ticket_id, jump=True)

    def _missed(self, request: WindowRequest) -> bool:
        """Say that the ticket of a jump is not shown; ``True``: it is asked again in all."""
        if self._going_to == request.focus_id:
            self._going_to = None
            wider = self._wider()
            if wider is not None:
                self.filter = wider
                self._going_to = request.focus_id
                self._jump_to(request.focus_id)
                return True
            self.notify(
                f"There is no ticket T-{request.focus_id}.", severity="warning", markup=False
            )
            return False
        self.notify(
            f"T-{request.focus_id} is not in the queue shown (closed, or left out by the filter)",
            severity="warning",
            markup=False,
        )
        return False

    def _wider(self) -> QueueFilter | None:
        """The filter without its terms, else in all tickets (``None``: it is as wide)."""
        if not self.filter.is_empty:  # left out by the filter: drop the terms
            self.query_one(FilterBar).clear()
            return self.filter.terms_from(QueueFilter())
        if self.filter.scope is not Scope.ALL:  # resolved or closed, or not mine
            return replace(self.filter, scope=Scope.ALL)
        return None

    def _leave_filter(self) -> None:
        """Close the filter field if open, clearing the filter's terms."""
        bar = self.query_one(FilterBar)
        if not bar.editing:
            return
        bar.clear()
        if not self.filter.is_empty:
            self._reorder(self.filter.terms_from(QueueFilter()))
        self._show_filter_line()

    def _shown(self, ticket_id: int) -> None:
        """The cursor came to ``ticket_id``: the history may keep it."""
        jump = ticket_id == self._arriving
        if jump:
            self._arriving = None
        self._history.visit(ticket_id, time.monotonic(), jump=jump)

    def action_history_back(self) -> None:
        """Go back to the ticket shown before (whatever the filter or scope now)."""
        self._walk(self._history.back(), "earlier")

    def action_history_forward(self) -> None:
        """Go forth again to the ticket gone back from."""
        self._walk(self._history.forward(), "later")

    def _walk(self, ticket_id: int | None, which: str) -> None:
        if ticket_id is None:
            self.notify(f"No {which} ticket in this console's history.", markup=False)
            return
        self._going_to = ticket_id  # widen the scope if it hides the ticket now
        self._jump_to(ticket_id)
