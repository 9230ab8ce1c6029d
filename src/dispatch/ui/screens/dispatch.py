"""The dispatcher's screen: live queue, ticket detail, SLA countdown, assignment.

All database work runs in thread workers that open their own unit of work and
post messages carrying domain objects; widgets are only touched on the event
loop. The queue view asks for windows of rows; the screen reads them. A
one-second tick redraws countdowns from loaded data; every few seconds the
window, counts and detail are read again so that changes made elsewhere
appear and the queue re-orders as deadlines approach.

At 80 columns the queue fills the screen and ``enter`` switches to the detail
(``escape`` comes back); from 130 columns on everything is side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.assign import Candidate
from dispatch.domain.errors import ConflictError, DispatchError
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import Contract, Customer, Event, NewTicket, Ticket
from dispatch.domain.ports import ChangeFeed
from dispatch.domain.queue import explain_place
from dispatch.services import alerts, directory, presence, queue, tickets
from dispatch.services.queue import QueueStats, QueueWindow
from dispatch.services.runtime import Runtime
from dispatch.services.tickets import TicketDetail
from dispatch.ui.messages import AlertsRaised
from dispatch.ui.safe import safe
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.status import StatusModal, StatusRequest
from dispatch.ui.widgets.app_header import AppHeader
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.sla_countdown import SlaCountdown
from dispatch.ui.widgets.tech_panel import TechPanel
from dispatch.ui.widgets.ticket_detail import TicketDetailPane

TOASTS_AT_ONCE = 5
"""More new alerts than this at once get one summary toast."""

BREACH_TOAST_SECONDS = 24 * 3600.0
"""A breach toast stays until dismissed (``x``)."""

WARNING_TOAST_SECONDS = 10.0
"""A warning toast fades."""

WINDOW_ROWS = 200
"""Rows read per window: a few screens around the cursor."""

REFRESH_SECONDS = 5.0
"""How often the queue, counts and detail are read again (deadlines move with time)."""

BEAT_SECONDS = presence.PRESENCE_TTL.total_seconds() / 3
"""How often the heartbeat for the highlighted ticket is renewed."""

FEED_SECONDS = 0.5
"""How often the change feed is asked whether anyone committed a change."""


@dataclass(frozen=True, slots=True)
class WindowRequest:
    """What a window read was asked for (answers to older requests are dropped)."""

    seq: int
    where: QueueFilter
    row: int
    focus_id: int | None
    total: int | None
    reset: bool
    cursor_id: int | None
    """The cursor's ticket when the request was made."""
    jump: bool = False


class DispatchScreen(Screen[None]):
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
        Binding("n", "new_ticket", "New", id="new-ticket", tooltip="Open a ticket for a caller"),
        Binding("w", "explain", "Why", id="explain-sla", tooltip="Why here; how deadlines came"),
        Binding("slash", "filter", "Filter", id="filter-queue", tooltip="Filter the queue"),
        Binding(
            "tab", "switch_pane", "Pane", show=False, id="switch-pane", tooltip="Queue or detail"
        ),
        Binding("escape", "back", "Back", show=False, id="back", tooltip="Back to the queue"),
        Binding("exclamation_mark", "alerts", "Alerts", id="show-alerts", tooltip="The alert log"),
        Binding(
            "x",
            "dismiss_toasts",
            "Dismiss",
            show=False,
            id="dismiss-toasts",
            tooltip="Dismiss the alert toasts",
        ),  # fmt: skip
        Binding("r", "reload", "Reload", show=False, id="reload", tooltip="Read everything again"),
    ]
    """The dispatcher's keys; each has an id so that ``set_keymap`` can remap it."""

    class WindowLoaded(Message):
        """A window of the queue was read for request number ``seq``."""

        def __init__(self, window: QueueWindow, request: WindowRequest) -> None:
            self.window = window
            self.request = request
            super().__init__()

    class StatsLoaded(Message):
        """The queue's counts and the technicians' loads were read."""

        def __init__(self, stats: QueueStats) -> None:
            self.stats = stats
            super().__init__()

    class AlertsLoaded(Message):
        """Alerts raised since the last look, and how many breaches nobody acknowledged."""

        def __init__(
            self, alerts: Sequence[Alert], unacked_breaches: int, last_id: int, *, first: bool
        ) -> None:
            self.alerts = alerts
            self.unacked_breaches = unacked_breaches
            self.last_id = last_id
            self.first = first
            super().__init__()

    class ViewersLoaded(Message):
        """Who else has ``ticket_ref`` open."""

        def __init__(self, ticket_ref: str, logins: Sequence[str]) -> None:
            self.ticket_ref = ticket_ref
            self.logins = logins
            super().__init__()

    class ChangedElsewhere(Message):
        """Someone (this console, another, the CLI, the scheduler) committed a change."""

    class ChangesRead(Message):
        """The tickets changed since the last look (from the event log)."""

        def __init__(
            self, tickets: frozenset[int], newest_event: int, notices: Sequence[Event]
        ) -> None:
            self.tickets = tickets
            self.newest_event = newest_event
            self.notices = notices
            super().__init__()

    class DetailLoaded(Message):
        """The selected ticket's detail and ranking were read."""

        def __init__(self, detail: TicketDetail, ranked: Sequence[Candidate], at: datetime) -> None:
            self.detail = detail
            self.ranked = ranked
            self.at = at
            super().__init__()

    class TicketChanged(Message):
        """This console changed (or created) ``ticket``."""

        def __init__(self, ticket: Ticket, what: str) -> None:
            self.ticket = ticket
            self.what = what
            super().__init__()

    class Conflicted(Message):
        """A change was refused because someone else changed the ticket first."""

        def __init__(self, error: ConflictError) -> None:
            self.error = error
            super().__init__()

    def __init__(self, runtime: Runtime, zone: ZoneInfo) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = zone
        self.filter = QueueFilter()
        self._filter_text = ""
        self.detail: TicketDetail | None = None
        self.ranked: Sequence[Candidate] = ()
        self._detail_for: int | None = None
        self._requests = 0
        self._alerts_seen: int | None = None
        self._pending_focus: int | None = None
        self._viewers: list[str] = []
        self._beaten: tuple[int, float] | None = None
        """The ticket of the last heartbeat, and when (monotonic seconds)."""
        self._event_seen: int | None = None
        """The newest event this console has taken into account (``None``: not yet)."""
        """Who else has the highlighted ticket open (shown over the queue)."""
        """A ticket the cursor is to move to (new, or chosen in the alert log) once read."""
        self._feed: ChangeFeed | None = None
        self._feed_lock = threading.Lock()
        """The newest alert this console has shown (``None``: not read yet)."""
        self._loads: Mapping[str, int] | None = None

    def compose(self) -> ComposeResult:
        """Header, queue pane, side pane, footer."""
        yield AppHeader(self.runtime.actor, self.runtime.db_label, self.zone, id="app-header")
        with Horizontal(id="main"):
            with Vertical(id="queue-pane"):
                filter_input = Input(
                    placeholder="filter: words, status:new, sla:breached, kind:sub, assignee:-",
                    id="filter",
                )
                filter_input.display = False
                yield filter_input
                yield Static(id="filter-line")
                yield Static(id="queue-header")
                yield QueueView(id="queue")
            with Vertical(id="side-pane"):
                yield SlaCountdown(self.zone, id="countdown")
                yield TicketDetailPane(self.zone, id="detail")
                yield TechPanel(id="techs")
        yield Footer(compact=True)

    # --- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        """Start the clock, the live refresh and the first read."""
        if self.app.is_headless:
            self.query_one("#filter", Input).cursor_blink = False
        self.query_one("#filter-line", Static).display = False
        self.query_one(QueueView).focus()
        self.set_interval(1.0, self._tick)
        self.set_interval(REFRESH_SECONDS, self._refresh)
        if self.runtime.open_feed is not None:
            self.set_interval(FEED_SECONDS, self._check_feed)
        self._tick()
        self._request_window(0, None)
        self._load_stats()
        self._load_alerts(None)
        self._read_changes(None)  # where the event log stands as the console starts

    @on(QueueView.Resized)
    def _queue_resized(self) -> None:
        """Re-align the column titles with the queue's new width."""
        self._align_header()

    def _align_header(self) -> None:
        """Column titles over the queue; on the right, who else has the ticket open."""
        queue = self.query_one(QueueView)
        width = queue.scrollable_content_region.width
        titles = Content.styled(QueueView.header_text(width), "bold")
        if self._viewers:
            who = Content.assemble(
                ("also open: ", "$warning"), safe(", ".join(self._viewers), "bold $warning")
            )
            gap = width - titles.cell_length - who.cell_length
            if gap < 2:  # narrow: the names replace the end of the titles
                titles = titles.truncate(max(width - who.cell_length - 2, 0), ellipsis=True)
                gap = 2
            titles = Content.assemble(titles, " " * gap, who)
        self.query_one("#queue-header", Static).update(titles)

    def _tick(self) -> None:
        now = self.runtime.clock.now()
        self.query_one(QueueView).tick(now)
        self.query_one(SlaCountdown).tick(now)
        self.query_one(AppHeader).show(now)

    def _refresh(self) -> None:
        queue = self.query_one(QueueView)
        self._request_window(queue.cursor_row, self._focus_target())
        self._load_stats()
        self._load_alerts(self._alerts_seen)
        if queue.cursor_id is not None:
            self._load_detail(queue.cursor_id)

    # --- workers ----------------------------------------------------------------------

    def _focus_target(self) -> int | None:
        """The ticket a refresh keeps the cursor on: a pending move's, else the cursor's."""
        if self._pending_focus is not None:
            return self._pending_focus
        return self.query_one(QueueView).cursor_id

    def _request_window(
        self,
        row: int,
        focus_id: int | None,
        *,
        recount: bool = True,
        reset: bool = False,
        jump: bool = False,
    ) -> None:
        """Read the window around ``row`` (or around ticket ``focus_id`` if it still matches).

        Requests are numbered and only the newest one's answer is shown, so a
        slow read (or one made under an older filter) never replaces a newer
        window. ``recount=False`` (scrolling) reuses the known total;
        ``reset`` puts the cursor on the first row if ``focus_id`` is gone;
        ``jump`` says so when ``focus_id`` is not in the (filtered) queue.
        """
        self._requests += 1
        queue = self.query_one(QueueView)
        request = WindowRequest(
            self._requests,
            self.filter,
            row,
            focus_id,
            None if recount else queue.total,
            reset,
            queue.cursor_id,
            jump,
        )
        self._load_window(request)

    @work(thread=True, group="window", exit_on_error=False)
    def _load_window(self, request: WindowRequest) -> None:
        window = queue.queue_window(
            self.runtime.reader(),
            request.where,
            self.runtime.clock.now(),
            offset=max(request.row - WINDOW_ROWS // 2, 0),
            limit=WINDOW_ROWS,
            focus_id=request.focus_id,
            total=request.total,
        )
        self.post_message(self.WindowLoaded(window, request))

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _load_stats(self) -> None:
        stats = queue.queue_stats(self.runtime.reader(), self.runtime.clock.now())
        self.post_message(self.StatsLoaded(stats))

    def _presence(self, ticket: Ticket) -> None:
        """Read who else has ``ticket`` open; write a heartbeat only when it is due.

        A heartbeat is a write that wakes every other console's feed, which
        then reads presence here again: writing on each such read would make
        two consoles wake each other twice a second for ever. So a heartbeat is
        written when the shown ticket changes, or a third of its expiry later.
        """
        last = self._beaten
        now = time.monotonic()
        due = last is None or last[0] != ticket.id or now - last[1] >= BEAT_SECONDS
        if due:
            self._beaten = (ticket.id, now)
        self._beat(ticket, due)

    @work(thread=True, exclusive=True, group="presence", exit_on_error=False)
    def _beat(self, ticket: Ticket, write: bool) -> None:
        """Say (if ``write``) that I have ``ticket`` open, and read who else has."""
        rt = self.runtime
        if write:
            presence.heartbeat(rt.writer(), rt.clock, rt.actor, ticket.id)
        others = presence.viewers(rt.reader(), rt.clock, ticket.id, rt.actor)
        self.post_message(self.ViewersLoaded(ticket.ref, others))

    @work(thread=True, group="feed", exit_on_error=False)
    def _check_feed(self) -> None:
        """Ask the change feed (microseconds on SQLite); read again only if something changed."""
        if not self._feed_lock.acquire(blocking=False):
            return  # the previous check is still running
        try:
            if self._feed is None and self.runtime.open_feed is not None:
                self._feed = self.runtime.open_feed()
                # Read again once: a change between the first read and now is not news to it.
                self.post_message(self.ChangedElsewhere())
                return
            if self._feed is not None and self._feed.changed():
                self.post_message(self.ChangedElsewhere())
        finally:
            self._feed_lock.release()

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def _load_alerts(self, after: int | None) -> None:
        reader = self.runtime.reader
        # On the first look, start from the newest alert: older ones are in the log (!).
        start = alerts.last_alert_id(reader()) if after is None else after
        raised, unacked = alerts.alerts_after(reader(), start)
        last = max((a.id for a in raised), default=start)
        self.post_message(self.AlertsLoaded(raised, unacked, last, first=after is None))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, ticket_id: int) -> None:
        now = self.runtime.clock.now()
        detail = tickets.ticket_detail(
            self.runtime.reader(), ticket_id, now, calendars=self.runtime.calendars
        )
        _, ranked = queue.technician_ranking(self.runtime.reader(), ticket_id, self._loads)
        self.post_message(self.DetailLoaded(detail, ranked, now))

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, change: Callable[[], Ticket], what: str) -> None:
        try:
            ticket = change()
        except ConflictError as exc:
            self.post_message(self.Conflicted(exc))
            return
        self.post_message(self.TicketChanged(ticket, what))

    @work(thread=True, group="customers", exit_on_error=False)
    def _open_new_ticket_form(self) -> None:
        customers = directory.customers_with_contracts(
            self.runtime.reader(), self.runtime.clock.now()
        )
        self.app.call_from_thread(self._push_new_ticket, customers)

    def _push_new_ticket(self, customers: Sequence[tuple[Customer, Contract | None]]) -> None:
        self.app.push_screen(NewTicketModal(customers), self._create)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
        self.notify(safe(text).plain, title="Not done", severity="error", markup=False)

    # --- messages -------------------------------------------------------------------------

    @on(WindowLoaded)
    def _window_loaded(self, message: WindowLoaded) -> None:
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
        if request.jump and window.focus_row is None:
            self.notify(
                f"T-{request.focus_id} is not in the queue shown "
                "(closed, or left out by the filter)",
                severity="warning",
                markup=False,
            )
        queue.set_window(window, lost_row=0 if request.reset else None)
        self._show_filter_line()
        if window.total == 0:
            self._show_detail(None, (), window.at)

    @on(ViewersLoaded)
    def _viewers_loaded(self, message: ViewersLoaded) -> None:
        self.query_one(TicketDetailPane).show_viewers(message.ticket_ref, message.logins)
        cursor = self.query_one(QueueView).cursor_ticket
        viewers = list(message.logins) if cursor and cursor.ref == message.ticket_ref else []
        if viewers != self._viewers:
            self._viewers = viewers
            self._align_header()

    @on(ChangedElsewhere)
    def _changed_elsewhere(self) -> None:
        """Something was committed: find out what, then read again only that."""
        self._read_changes(self._event_seen)
        self._load_alerts(self._alerts_seen)

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def _read_changes(self, after_event: int | None) -> None:
        tickets, newest, notices = presence.changed_tickets(self.runtime.reader(), after_event)
        self.post_message(self.ChangesRead(tickets, newest, notices))

    @on(ChangesRead)
    def _changes_read(self, message: ChangesRead) -> None:
        first = self._event_seen is None
        self._event_seen = max(self._event_seen or 0, message.newest_event)
        if first:
            return  # the start's own reads are under way; news is what comes after
        for notice in message.notices:
            self._toast_notice(notice)
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

    def on_unmount(self) -> None:
        """Close the change feed's connection."""
        with self._feed_lock:
            if self._feed is not None:
                self._feed.close()
                self._feed = None

    @on(AlertsRaised)
    def _alerts_raised(self, message: AlertsRaised) -> None:
        """This process's sweep raised alerts: show them, the count and the row states now."""
        self._show_new_alerts(message.alerts)
        self._load_alerts(self._alerts_seen)

    @on(AlertsLoaded)
    def _alerts_loaded(self, message: AlertsLoaded) -> None:
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
        self._toast_alerts(fresh)
        if getattr(self.app, "ring_bell", False):
            self.app.bell()
        queue = self.query_one(QueueView)
        self._request_window(queue.cursor_row, self._focus_target())
        self._load_stats()

    def _toast_notice(self, event: Event) -> None:
        """A toast for an event without a ticket (a block-hours balance running low)."""
        after = event.after
        text = (
            f"{after.get('contract', '?')}: {after.get('left_hours', '?')} of "
            f"{after.get('prepaid_hours', '?')} h left this period"
        )
        self.notify(
            safe(text).plain,
            title="Block hours low",
            severity="warning",
            timeout=WARNING_TOAST_SECONDS,
            markup=False,
        )

    def _toast_alerts(self, alerts: Sequence[Alert]) -> None:
        """A toast per alert (a breach stays until ``x``; a warning fades), or one summary."""
        breaches = [a for a in alerts if a.level is AlertLevel.BREACH]
        if len(alerts) > TOASTS_AT_ONCE:
            self.notify(
                f"{len(alerts)} new alerts, {len(breaches)} of them breaches: ! shows them",
                title="Alerts",
                severity="error" if breaches else "warning",
                timeout=BREACH_TOAST_SECONDS if breaches else WARNING_TOAST_SECONDS,
                markup=False,
            )
            return
        for alert in alerts:
            breach = alert.level is AlertLevel.BREACH
            text = f"{alert.summary()}{' (late)' if alert.late else ''}\n"
            text += f"{alert.customer_name}: {alert.ticket_title}"
            self.notify(
                safe(text, multiline=True).plain,
                title="SLA breached" if breach else "SLA at risk",
                severity="error" if breach else "warning",
                timeout=BREACH_TOAST_SECONDS if breach else WARNING_TOAST_SECONDS,
                markup=False,
            )

    @on(StatsLoaded)
    def _stats_loaded(self, message: StatsLoaded) -> None:
        self._loads = message.stats.loads
        self.query_one(AppHeader).show(message.stats.at, message.stats.counts)

    @on(QueueView.WindowNeeded)
    def _window_needed(self, message: QueueView.WindowNeeded) -> None:
        self._request_window(message.row, None, recount=False)

    @on(QueueView.TicketHighlighted)
    def _highlighted(self, message: QueueView.TicketHighlighted) -> None:
        if message.ticket is None:
            self._show_detail(None, (), self.runtime.clock.now())
            return
        self._load_detail(message.ticket.id)

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
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

    @on(TicketChanged)
    def _ticket_changed(self, message: TicketChanged) -> None:
        ticket = message.ticket
        self.notify(
            safe(f"{ticket.ref} {message.what}").plain,
            title="Saved",
            severity="information",
            markup=False,
        )
        self._pending_focus = ticket.id
        self._request_window(self.query_one(QueueView).cursor_row, ticket.id)
        self._load_stats()
        self._load_detail(ticket.id)

    @on(Conflicted)
    def _conflicted(self, message: Conflicted) -> None:
        question = Content.assemble(
            ("Not saved. ", "bold $error"), safe(str(message.error)), "\n\nReload the ticket?"
        )

        def answered(reload: bool | None) -> None:
            if reload:
                self.action_reload()

        self.app.push_screen(ConfirmModal(question), answered)

    # --- filter -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Show the filter field (in place of the filter line) and type into it."""
        field = self.query_one("#filter", Input)
        field.display = True
        self.query_one("#filter-line", Static).display = False
        field.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            parsed = QueueFilter.parse(event.value)
        except DispatchError as exc:
            self.notify(safe(str(exc)).plain, title="Filter", severity="error", markup=False)
            return
        self.filter = parsed
        self._filter_text = event.value.strip()
        self.query_one("#filter", Input).display = False
        queue = self.query_one(QueueView)
        queue.focus()
        self._request_window(0, queue.cursor_id, reset=True)

    def _show_filter_line(self) -> None:
        """``filter: disk · 12 of 340 open (/ to change)`` while a filter is set."""
        line = self.query_one("#filter-line", Static)
        text = self._filter_text
        line.display = bool(text) and not self.query_one("#filter", Input).display
        matching = self.query_one(QueueView).total
        open_ = self.query_one(AppHeader).counts.get("open")
        of = f" · {matching} of {open_} open" if open_ is not None else f" · {matching} match"
        line.update(
            Content.assemble(("filter: ", "bold"), safe(text), of, ("  (/ to change)", "dim"))
        )

    # --- actions --------------------------------------------------------------------------------

    def _selected(self) -> Ticket | None:
        ticket = self.query_one(QueueView).cursor_ticket
        if ticket is None:
            self.notify("No ticket selected.", severity="warning", markup=False)
        return ticket

    def action_open_detail(self) -> None:
        """Show the selected ticket's detail (switching panes when narrow)."""
        if self._selected() is None:
            return
        self.add_class("-show-detail")
        self.query_one(TicketDetailPane).focus()

    def action_back(self) -> None:
        """Back to the queue (and clear the filter line if it is being edited)."""
        field = self.query_one("#filter", Input)
        if field.has_focus:
            field.display = False
            self._show_filter_line()
        self.remove_class("-show-detail")
        self.query_one(QueueView).focus()

    def action_switch_pane(self) -> None:
        """Toggle between the queue and the detail pane."""
        if self.query_one(QueueView).has_focus:
            self.action_open_detail()
        else:
            self.action_back()

    def action_alerts(self) -> None:
        """The alert log: acknowledge, filter, jump to a ticket."""
        self.app.push_screen(AlertsScreen(self.runtime, self.zone), self._jump_to)

    def action_dismiss_toasts(self) -> None:
        """Dismiss every toast (breach toasts stay until then)."""
        self.app.clear_notifications()

    def _jump_to(self, ticket_id: int | None) -> None:
        self._load_alerts(self._alerts_seen)
        if ticket_id is None:
            return
        self.remove_class("-show-detail")
        self.query_one(QueueView).focus()
        self._pending_focus = ticket_id
        self._request_window(self.query_one(QueueView).cursor_row, ticket_id, jump=True)

    def action_reload(self) -> None:
        """Read the queue and the selected ticket again."""
        self._refresh()

    def action_assign(self) -> None:
        """Choose a technician from the ranked list."""
        ticket = self._selected()
        if ticket is None:
            return
        ranked = self.ranked if self.detail and self.detail.ticket.id == ticket.id else ()
        if not ranked:
            self.notify("Still reading the technicians; try again.", markup=False)
            return
        rt = self.runtime

        def chosen(login: str | None) -> None:
            if login:
                self._write(
                    lambda: tickets.assign_technician(
                        rt.writer(), rt.clock, rt.actor, ticket.id, login, if_version=ticket.version
                    ),
                    f"assigned to {login}",
                )

        self.app.push_screen(AssignModal(ticket, ranked), chosen)

    def action_take(self) -> None:
        """Assign the selected ticket to me."""
        ticket = self._selected()
        if ticket is None:
            return
        rt = self.runtime
        self._write(
            lambda: tickets.take_ticket(
                rt.writer(), rt.clock, rt.actor, ticket.id, if_version=ticket.version
            ),
            f"taken by {rt.actor}",
        )

    def action_change_status(self) -> None:
        """Move the selected ticket to another status."""
        ticket = self._selected()
        if ticket is None:
            return
        rt = self.runtime

        def chosen(request: StatusRequest | None) -> None:
            if request is None:
                return
            self._write(
                lambda: tickets.change_status(
                    rt.writer(),
                    rt.clock,
                    rt.actor,
                    ticket.id,
                    request.status,
                    note=request.note,
                    bug_ref=request.bug_ref,
                    if_version=ticket.version,
                    calendars=rt.calendars,
                ),
                f"is now {request.status.value}",
            )

        self.app.push_screen(StatusModal(ticket), chosen)

    def action_new_ticket(self) -> None:
        """Open a ticket for a caller."""
        self._open_new_ticket_form()

    def _create(self, request: NewTicket | None) -> None:
        if request is None:
            return
        rt = self.runtime
        self._write(
            lambda: tickets.open_ticket(
                rt.writer(), rt.clock, rt.actor, request, calendars=rt.calendars
            ),
            "opened",
        )

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
