"""The dispatcher's screen: live queue, ticket detail, SLA countdown, assignment.

The screen composes the widgets, binds the dispatcher's keys and routes
messages. Its bases hold the rest, each in its own module: finding tickets
(``dispatch_find.py``: filter, order, scope, go to), the customer card
(``dispatch_cards.py``), the changes (``dispatch_changes.py``), the thread
workers that read and write and post a message back (``dispatch_workers.py``) and the change feed
(``dispatch_feed.py``); its toasts are in ``dispatch_toasts.py``. The queue
view asks for windows of rows; the screen has them read. A one-second tick
redraws countdowns from loaded data; every few seconds the window, counts and
detail are read again so that changes made elsewhere appear and the queue
reorders as deadlines approach; the change feed makes another console's change
appear within a second.

At 80 columns the queue fills the screen and ``enter`` switches to the detail
(``escape`` comes back); from 130 columns on everything is side by side.

May use: the domain, the services' value types, Textual, the UI's widgets and
modals (never the store, SQLAlchemy or the scheduler: import-linter contracts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message

from dispatch.domain.alerts import Alert
from dispatch.domain.assign import Candidate
from dispatch.domain.filter import MAX_VIEWS, SavedView
from dispatch.domain.queue import explain_place
from dispatch.services.runtime import Runtime
from dispatch.services.tickets import TicketDetail
from dispatch.ui.messages import AlertsRaised
from dispatch.ui.safe import safe
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.dispatch_cards import DispatchCards
from dispatch.ui.screens.dispatch_copy import copy_line, copy_summary
from dispatch.ui.screens.dispatch_toasts import toast_alerts, toast_notice
from dispatch.ui.screens.dispatch_workers import DispatchWorkers
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.widgets.app_header import AppHeader
from dispatch.ui.widgets.empty_state import EmptyState
from dispatch.ui.widgets.filter_bar import FilterBar
from dispatch.ui.widgets.footer import DispatchFooter
from dispatch.ui.widgets.queue_titles import QueueTitles
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.sla_countdown import SlaCountdown
from dispatch.ui.widgets.tech_panel import TechPanel
from dispatch.ui.widgets.ticket_detail import TicketDetailPane
from dispatch.ui.widgets.view_tabs import ViewTabs

REFRESH_SECONDS = 5.0
"""How often what moves with time alone is looked at: the breached and at-risk counts
(read again once the nearest deadline or warning they were read with has passed),
and the window when the filter depends on the clock (``sla:``, ``age:``, ``due:``)."""

FULL_REFRESH_EVERY = 12
"""Every this many refreshes (a minute) everything is read again, as a safety net; with
no change feed (or the database lost), every refresh reads everything."""


class DispatchScreen(DispatchCards):
    """Queue on the left, the selected ticket on the right (or one at a time when narrow)."""

    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 - Textual's own attribute
        (0, "-narrow"),
        (130, "-wide"),
    ]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_detail",
            "Detail",
            show=False,
            id="open-detail",
            tooltip="Show the ticket",
        ),
        Binding("a", "assign", "Assign", id="assign-technician", tooltip="Choose a technician"),
        Binding("t", "take", "Take", id="take-ticket", tooltip="Assign the ticket to me"),
        Binding("s", "change_status", "Status", id="change-status", tooltip="Move the ticket"),
        Binding(
            "p", "change_severity", "Severity", show=False, id="change-severity", tooltip="P1 to P4"
        ),
        Binding(
            "u", "undo", "Undo", show=False, id="undo", tooltip="Undo my last change (for a minute)"
        ),
        Binding("n", "new_ticket", "New", id="new-ticket", tooltip="Open a ticket for a caller"),
        Binding("w", "explain", "Why", id="explain-sla", tooltip="Why here; how deadlines came"),
        Binding("slash", "filter", "Filter", id="filter-queue", tooltip="Filter, or T-19 to go"),
        Binding(
            "o",
            "cycle_order",
            "Order",
            show=False,
            id="cycle-order",
            tooltip="Priority, deadline, age, assignee",
        ),
        Binding(
            "m",
            "cycle_scope",
            "Scope",
            show=False,
            id="cycle-scope",
            tooltip="Open, mine, all tickets",
        ),
        Binding(
            "tab", "switch_pane", "Pane", show=False, id="switch-pane", tooltip="Queue or detail"
        ),
        Binding("escape", "back", "Back", show=False, id="back", tooltip="Back to the queue"),
        Binding(
            "minus,ctrl+o",
            "history_back",
            "Back to",
            show=False,
            id="history-back",
            tooltip="The ticket shown before",
        ),
        Binding(
            "plus,ctrl+i",
            "history_forward",
            "Forth to",
            show=False,
            id="history-forward",
            tooltip="The ticket gone back from",
        ),
        Binding("exclamation_mark", "alerts", "Alerts", id="show-alerts", tooltip="The alert log"),
        Binding("c", "add_note", "Note", id="add-note", tooltip="An internal note on the ticket"),
        Binding("r", "reply", "Reply", id="reply", tooltip="Reply to the customer by e-mail"),
        Binding("l", "log_call", "Call", show=False, id="log-call", tooltip="Log a phone call"),
        Binding(
            "f5,ctrl+r",
            "reload",
            "Reload",
            show=False,
            id="reload",
            tooltip="Read everything again",
        ),
        Binding(
            "C",
            "customer_card",
            "Customer card",
            show=False,
            id="customer-card",
            tooltip="Contacts, contracts, on call, tickets",
        ),
        Binding(
            "M",
            "move_to_customer",
            "Move to customer",
            show=False,
            id="move-to-customer",
            tooltip="Give the ticket (from triage) to a customer",
        ),
        Binding("y", "copy(False)", "Copy", show=False, id="copy-ref", tooltip="Ref and title"),
        Binding("Y", "copy(True)", "Copy all", show=False, id="copy-summary", tooltip="Summary"),
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave the console"),
        Binding("0", "view(0)", "Queue", show=False, id="view-0", tooltip="Every open ticket"),
        *(
            Binding(
                str(n),
                f"view({n})",
                f"View {n}",
                show=False,
                id=f"view-{n}",
                tooltip=f"Saved view {n}",
            )
            for n in range(1, MAX_VIEWS + 1)
        ),
    ]
    """The dispatcher's keys; each has an id so that ``set_keymap`` can remap it."""

    HELP_TITLE: ClassVar[str] = "The dispatcher's screen"
    """How the help names this screen's keys."""

    class QueueShown(Message):
        """The first window of the queue was painted (the start's other reads follow it)."""

    def __init__(
        self,
        runtime: Runtime,
        zone: ZoneInfo,
        views: Sequence[SavedView] = (),
        *,
        view: str | None = None,
        remember: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(runtime, views, view=view, remember=remember)
        self.zone = zone
        self._refreshes = 0
        """How many timed refreshes ran (every ``FULL_REFRESH_EVERY``th reads everything)."""
        self._counts_until: datetime | None = None
        """Until when the shown at-risk and breached counts hold by time alone (``None``:
        for ever, or not read yet); writes come with the change feed."""
        self._alerts_seen: int | None = None
        """The newest alert this console has shown (``None``: not read yet)."""
        self._viewers: list[str] = []
        """Who else has the highlighted ticket open (shown over the queue)."""
        self._event_seen: int | None = None
        """The newest event this console has taken into account (``None``: not yet)."""
        self._alerts_unacked_only = False
        """Whether the alert log was left showing unacknowledged alerts only."""
        self._shown_once = False
        """Whether the first window was shown (the start's other reads wait for it)."""

    def compose(self) -> ComposeResult:
        """Header, queue pane, side pane, footer."""
        rt = self.runtime
        yield AppHeader(rt.actor, rt.db_label, self.zone, read_only=rt.read_only, id="app-header")
        with Horizontal(id="main"):
            with Vertical(id="queue-pane"):
                yield ViewTabs(id="views")
                yield FilterBar(id="filter-bar")
                yield EmptyState(id="empty-state")
                yield QueueTitles(id="queue-header")
                yield QueueView(id="queue")
            with Vertical(id="side-pane"):
                yield SlaCountdown(self.zone, id="countdown")
                yield TicketDetailPane(self.zone, id="detail")
                yield TechPanel(id="techs")
        yield DispatchFooter(compact=True)

    # --- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        """Start the clock, the live refresh and the first read."""
        self.query_one(QueueView).focus()
        self.set_interval(1.0, self._tick)
        self.set_interval(REFRESH_SECONDS, self._timed_refresh)
        self._start_feed()
        self._tick()
        self._start_view()
        # The window alone first: the start's first read is slow (cold caches, the
        # mappers configured), and every other read beside it delays the first rows.
        self._request_window(0, None)

    def _first_window_painted(self) -> None:
        """The rest of the start's reads, once the first rows are on screen."""
        self._load_stats()
        self._load_alerts(None)
        self._read_changes(None)  # where the event log stands as the console starts
        self.post_message(self.QueueShown())

    @on(QueueView.Resized)
    def _queue_resized(self) -> None:
        """Re-align the column titles with the queue's new width."""
        self._align_header()

    def _align_header(self) -> None:
        """Column titles over the queue; on the right, who else has the ticket open."""
        width = self.query_one(QueueView).scrollable_content_region.width
        self.query_one(QueueTitles).show(width, self._viewers)

    def _tick(self) -> None:
        now = self.runtime.clock.now()
        self.query_one(QueueView).tick(now)
        self.query_one(SlaCountdown).tick(now)
        self.query_one(AppHeader).show(now)

    def _timed_refresh(self) -> None:
        """What time alone changes; changes made anywhere come with the change feed.

        The queue's order and the detail change only by writes, which the feed
        reports within a second; re-reading them every few seconds cost an idle
        console most of its CPU. The at-risk and breached counts change by time
        only when an open ticket's deadline or warning passes, so they are read
        again only then.
        """
        self._refreshes += 1
        live = self.runtime.open_feed is not None and not self._offline
        if not live or self._refreshes % FULL_REFRESH_EVERY == 0:
            self._refresh()
            return
        until = self._counts_until
        if until is not None and self.runtime.clock.now() >= until:
            self._load_stats()
        if self.filter.moves_with_time:
            queue = self.query_one(QueueView)
            self._request_window(queue.cursor_row, self._focus_target())

    def _refresh(self) -> None:
        """Read the window, the counts, the alerts and the open ticket again."""
        queue = self.query_one(QueueView)
        self._request_window(queue.cursor_row, self._focus_target())
        self._load_stats()
        self._load_alerts(self._alerts_seen)
        if queue.cursor_id is not None:
            self._load_detail(queue.cursor_id)

    def _focus_target(self) -> int | None:
        """The ticket a refresh keeps the cursor on: a pending move's, else the cursor's."""
        if self._pending_focus is not None:
            return self._pending_focus
        return self.query_one(QueueView).cursor_id

    # --- messages -------------------------------------------------------------------------

    @on(DispatchWorkers.WindowLoaded)
    def _window_loaded(self, message: DispatchWorkers.WindowLoaded) -> None:
        request = message.request
        if request.seq != self._requests:
            return  # a newer request is on its way
        queue = self.query_one(QueueView)
        if request.focus_id is not None and queue.cursor_id != request.cursor_id:
            # The cursor moved to another ticket while this was read: follow that one.
            self._pending_focus = None
            self._request_window(queue.cursor_row, queue.cursor_id)
            return
        if request.focus_id is not None and request.focus_id == self._pending_focus:
            self._pending_focus = None  # this window moves the cursor there
        window = message.window
        if request.jump and window.focus_row is None and self._missed(request):
            return  # asked again in all tickets
        if request.total is None:  # counted for this window (else the known total stands)
            self._more = window.more
        lost_row = 0 if request.reset else None
        if request.to_end:
            lost_row = max(window.total - 1, 0)  # the cursor to the true last match
        queue.set_window(window, lost_row=lost_row)
        self._show_filter_line()
        if not self._shown_once:
            self._shown_once = True
            self.call_after_refresh(self._first_window_painted)
        if window.total == 0:
            self._show_detail(None, (), window.at)

    @on(DispatchWorkers.ViewersLoaded)
    def _viewers_loaded(self, message: DispatchWorkers.ViewersLoaded) -> None:
        self.query_one(TicketDetailPane).show_viewers(message.ticket_ref, message.logins)
        cursor = self.query_one(QueueView).cursor_ticket
        viewers = list(message.logins) if cursor and cursor.ref == message.ticket_ref else []
        if viewers != self._viewers:
            self._viewers = viewers
            self._align_header()

    @on(DispatchWorkers.ChangedElsewhere)
    def _changed_elsewhere(self) -> None:
        """Something was committed: find out what, then read again only that."""
        self._read_changes(self._event_seen)
        self._load_alerts(self._alerts_seen)

    @on(DispatchWorkers.ChangesRead)
    def _changes_read(self, message: DispatchWorkers.ChangesRead) -> None:
        first = self._event_seen is None
        news = message.newest_event > (self._event_seen or 0)
        self._event_seen = max(self._event_seen or 0, message.newest_event)
        if first:
            return  # the start's own reads are under way; news is what comes after
        if news and self.query_one(EmptyState).has_class("-shown"):
            self._load_stats()  # a customer may have been added: the queue can say so
        for notice in message.notices:
            toast_notice(self, notice)
        queue = self.query_one(QueueView)
        if message.tickets:
            # Any changed ticket may move in or out of the window, or reorder it.
            self._request_window(queue.cursor_row, self._focus_target())
            self._load_stats()
        cursor = queue.cursor_id
        if cursor is not None and cursor in message.tickets:
            self._load_detail(cursor)
        elif queue.cursor_ticket is not None:
            self._presence(queue.cursor_ticket)  # presence may be what changed

    @on(AlertsRaised)
    def _alerts_raised(self, message: AlertsRaised) -> None:
        """This process's sweep raised alerts: show them, the count and the row states now."""
        self._show_new_alerts(message.alerts)
        self._load_alerts(self._alerts_seen)

    @on(DispatchWorkers.AlertsLoaded)
    def _alerts_loaded(self, message: DispatchWorkers.AlertsLoaded) -> None:
        self.query_one(AppHeader).show_alerts(message.unacked_breaches)
        if message.first:
            # Older alerts are in the log (!); this console shows what comes from now on.
            self._alerts_seen = max(self._alerts_seen or 0, message.last_id)
            return
        self._show_new_alerts(message.alerts)

    def _show_new_alerts(self, alerts: Sequence[Alert]) -> None:
        """Toast the alerts this console has not shown yet; ring; re-read the queue."""
        seen = self._alerts_seen or 0
        fresh = [a for a in alerts if a.id > seen]
        self._alerts_seen = max([seen, *(a.id for a in fresh)])
        if not fresh:
            return
        toast_alerts(self, fresh)
        if getattr(self.app, "ring_bell", False):
            self.app.bell()
        queue = self.query_one(QueueView)
        self._request_window(queue.cursor_row, self._focus_target())
        self._load_stats()

    @on(DispatchWorkers.StatsLoaded)
    def _stats_loaded(self, message: DispatchWorkers.StatsLoaded) -> None:
        self._loads = message.stats.loads
        self._counts_until = message.stats.next_change
        self.query_one(EmptyState).show(not message.stats.has_customers)
        self.query_one(AppHeader).show(message.stats.at, message.stats.counts)

    @on(QueueView.WindowNeeded)
    def _window_needed(self, message: QueueView.WindowNeeded) -> None:
        self._request_window(message.row, None, recount=False)

    @on(QueueView.TicketHighlighted)
    def _highlighted(self, message: QueueView.TicketHighlighted) -> None:
        if message.ticket is None:
            self._show_detail(None, (), self.runtime.clock.now())
            return
        self._shown(message.ticket.id)
        self._load_detail(message.ticket.id)

    @on(DispatchWorkers.DetailLoaded)
    def _detail_loaded(self, message: DispatchWorkers.DetailLoaded) -> None:
        current = self.query_one(QueueView).cursor_id
        if current is not None and message.detail.ticket.id != current:
            return  # the cursor moved on meanwhile
        self._show_detail(message.detail, message.ranked, message.at)
        self._presence(message.detail.ticket)

    def _show_detail(
        self, detail: TicketDetail | None, ranked: Sequence[Candidate], at: datetime
    ) -> None:
        changed = detail is None or self.detail is None or self.detail != detail
        self.detail = detail
        self.ranked = ranked
        self.query_one(SlaCountdown).show(detail, at)
        if changed:
            self.query_one(TicketDetailPane).show(detail)
        self.query_one(TechPanel).show(ranked if detail else None)

    @on(DispatchWorkers.TicketChanged)
    def _ticket_changed(self, message: DispatchWorkers.TicketChanged) -> None:
        ticket = message.ticket
        self._remember(ticket, message.what, message.undoable)
        self._pending_focus = ticket.id
        self._request_window(self.query_one(QueueView).cursor_row, ticket.id)
        self._load_stats()
        self._load_detail(ticket.id)

    @on(DispatchWorkers.Conflicted)
    def _conflicted(self, message: DispatchWorkers.Conflicted) -> None:
        question = Content.assemble(
            ("Not saved. ", "bold $error"), safe(str(message.error)), "\n\nReload the ticket?"
        )

        def answered(reload: bool | None) -> None:
            if reload:
                self.action_reload()

        self.app.push_screen(ConfirmModal(question), answered)

    # --- actions --------------------------------------------------------------------------------

    def action_open_detail(self) -> None:
        """Show the selected ticket's detail (switching panes when narrow)."""
        if self._selected() is None:
            return
        self.add_class("-show-detail")
        self.query_one(TicketDetailPane).focus()

    def action_back(self) -> None:
        """Back to the queue; from the filter field, with the filter cleared.

        On the queue itself, with tickets marked, it unmarks them all.
        """
        queue = self.query_one(QueueView)
        if queue.has_focus and queue.marked and not self.has_class("-show-detail"):
            queue.unmark()
            self.notify("Marks cleared.", markup=False)
            return
        self._leave_filter()
        self.remove_class("-show-detail")
        queue.focus()

    def action_switch_pane(self) -> None:
        """Toggle between the queue and the detail pane."""
        if self.query_one(QueueView).has_focus:
            self.action_open_detail()
        else:
            self.action_back()

    def action_alerts(self) -> None:
        """The alert log: acknowledge, filter, jump to a ticket (it opens as it was left)."""
        log = AlertsScreen(self.runtime, self.zone, unacked_only=self._alerts_unacked_only)

        def closed(ticket_id: int | None) -> None:
            self._alerts_unacked_only = log.unacked_only
            self._load_alerts(self._alerts_seen)
            self._jump_to(ticket_id)

        self.app.push_screen(log, closed)

    def action_copy(self, summary: bool) -> None:
        """Copy the ticket's ref and title (or a summary) with OSC 52, and say what."""
        ticket = self._selected()
        if ticket is None:
            return
        now = self.runtime.clock.now()
        text = copy_summary(ticket, now, self.zone) if summary else copy_line(ticket)
        self.app.copy_to_clipboard(text)
        what = "summary of " if summary else ""
        self.notify(f"Copied the {what}{copy_line(ticket)}", title="Copied", markup=False)

    def action_reload(self) -> None:
        """Read the queue and the selected ticket again."""
        self._refresh()

    def action_explain(self) -> None:
        """Why the ticket stands where it does, and how its deadlines were derived."""
        queue = self.query_one(QueueView)
        ticket = self._selected()
        if ticket is None:
            return
        ahead = queue._rows.get(queue.cursor_row - 1)  # noqa: SLF001 - the loaded window
        lines = ["Queue position:", *explain_place(ticket, ahead, self.runtime.clock.now())]
        if self.detail is not None and self.detail.ticket.id == ticket.id:
            lines += ["", "Deadlines:", *self.detail.explanation]
        self.app.push_screen(ExplainModal(f"{ticket.ref}: why here, and when due", lines))
