"""The thread workers behind the dispatcher's screen, and the messages they post.

Every database read or write of the dispatcher's screen runs here, in a
thread worker that opens its own unit of work (through the services) and
posts a message carrying domain objects; no worker touches a widget (a
window request reads the queue view's cursor on the loop, before its worker
starts). The screen (``dispatch.py``) inherits these workers, decides when
to call them and routes their messages to its widgets. The change feed and
the toasts for a lost database are their base (``dispatch_feed.py``).

May use: the domain, the services, Textual. Not the store, SQLAlchemy or
the scheduler (import-linter contracts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from textual import work
from textual.message import Message

from dispatch.domain.alerts import Alert
from dispatch.domain.assign import Candidate
from dispatch.domain.errors import ConflictError
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import Contract, Customer, Severity
from dispatch.domain.ticket import Event, NewTicket, Ticket
from dispatch.services import alerts, directory, presence, queue, tickets, undo
from dispatch.services.queue import QueueStats, QueueWindow
from dispatch.services.runtime import Runtime
from dispatch.services.tickets import TicketDetail
from dispatch.services.undo import Change
from dispatch.ui.screens.dispatch_feed import DispatchFeed
from dispatch.ui.screens.status import StatusRequest
from dispatch.ui.widgets.conversation_view import MAX_ARTICLES
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.ticket_detail import MAX_DESCRIPTION_CHARS

WINDOW_ROWS = 200
"""Rows read per window: a few screens around the cursor."""

COUNT_CAP = 1000
"""Matches of a filter counted at least (``1,000+``); more as the cursor goes deeper."""

COUNT_AHEAD = WINDOW_ROWS
"""Matches counted past the end of the window read (the list is longer than the cursor's depth)."""

BEAT_SECONDS = presence.PRESENCE_TTL.total_seconds() / 3
"""How often the heartbeat for the highlighted ticket is renewed."""


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
    to_end: bool = False
    """The last row of a count that stopped early was asked for: count them all, read the end."""


class DispatchWorkers(DispatchFeed):
    """The dispatcher's screen's reads and writes, each in a thread worker posting a message."""

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
        """This console changed (or created) ``ticket``.

        ``undoable`` is the change as it can be undone (``None``: a new ticket,
        or an undo itself).
        """

        def __init__(self, ticket: Ticket, what: str, undoable: Change | None = None) -> None:
            self.ticket = ticket
            self.what = what
            self.undoable = undoable
            super().__init__()

    class Conflicted(Message):
        """A change was refused because someone else changed the ticket first."""

        def __init__(self, error: ConflictError) -> None:
            self.error = error
            super().__init__()

    class CustomersLoaded(Message):
        """The customers a new ticket can be opened for, each with its contract today."""

        def __init__(self, customers: Sequence[tuple[Customer, Contract | None]]) -> None:
            self.customers = customers
            super().__init__()

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.filter = QueueFilter()
        """The filter in force: windows are read under it."""
        self._requests = 0
        """The number of the newest window request (older answers are dropped)."""
        self._more = False
        """The queue view's total is a lower bound (the count stopped there)."""
        self._loads: Mapping[str, int] | None = None
        """The technicians' loads from the last figures read (spares a count per detail)."""
        self._beaten: tuple[int, float] | None = None
        """The ticket of the last heartbeat, and when (monotonic seconds)."""

    # --- reads ---------------------------------------------------------------------------

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
        view = self.query_one(QueueView)  # read on the loop, before the worker starts
        total = None if recount else view.total
        to_end = False
        if total is not None and self._more:  # the count stopped at the view's total
            to_end = row >= total - 1  # the last row (``G``): the true last match
            if to_end or row + WINDOW_ROWS > total:
                total = None  # count further: the list stays longer than the cursor's depth
        self._load_window(
            WindowRequest(
                self._requests,
                self.filter,
                row,
                focus_id,
                total,
                reset,
                view.cursor_id,
                jump,
                to_end,
            )
        )

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
            count_cap=COUNT_CAP,
            count_ahead=COUNT_AHEAD,
            to_end=request.to_end,
        )
        self.post_message(self.WindowLoaded(window, request))

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _load_stats(self) -> None:
        stats = queue.queue_stats(self.runtime.reader(), self.runtime.clock.now())
        self.post_message(self.StatsLoaded(stats))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, ticket_id: int) -> None:
        now = self.runtime.clock.now()
        detail = tickets.ticket_detail(
            self.runtime.reader(),
            ticket_id,
            now,
            calendars=self.runtime.calendars,
            description_chars=MAX_DESCRIPTION_CHARS,  # no more is shown
            last_articles=MAX_ARTICLES,
            links=False,  # shown by the command line only
        )
        _, ranked = queue.technician_ranking(self.runtime.reader(), ticket_id, now, self._loads)
        self.post_message(self.DetailLoaded(detail, ranked, now))

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
        if write and not rt.read_only:  # a wallboard is nobody's "also open"
            presence.heartbeat(rt.writer(), rt.clock, rt.actor, ticket.id)
        others = presence.viewers(rt.reader(), rt.clock, ticket.id, rt.actor)
        self.post_message(self.ViewersLoaded(ticket.ref, others))

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def _read_changes(self, after_event: int | None) -> None:
        changed, newest, notices = presence.changed_tickets(self.runtime.reader(), after_event)
        self.post_message(self.ChangesRead(changed, newest, notices))

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def _load_alerts(self, after: int | None) -> None:
        reader = self.runtime.reader
        # On the first look, start from the newest alert: older ones are in the log (!).
        start = alerts.last_alert_id(reader()) if after is None else after
        raised, unacked = alerts.alerts_after(reader(), start)
        last = max((a.id for a in raised), default=start)
        self.post_message(self.AlertsLoaded(raised, unacked, last, first=after is None))

    # --- writes: each checks the version the screen showed --------------------------------

    def _assigning(self, login: str) -> Callable[[Ticket], Ticket]:
        """The change that assigns a ticket (as shown) to ``login`` (one or many)."""
        rt = self.runtime
        return lambda ticket: tickets.assign_technician(
            rt.writer(), rt.clock, rt.actor, ticket.id, login, if_version=ticket.version
        )

    def _moving(self, request: StatusRequest) -> Callable[[Ticket], Ticket]:
        """The change that moves a ticket (as shown) to the status of ``request``."""
        rt = self.runtime
        return lambda ticket: tickets.change_status(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket.id,
            request.status,
            note=request.note,
            bug_ref=request.bug_ref,
            if_version=ticket.version,
            calendars=rt.calendars,
        )

    def _assign(self, ticket: Ticket, login: str) -> None:
        """Assign ``ticket`` (as shown) to the technician ``login``."""
        assign = self._assigning(login)
        self._write(lambda: assign(ticket), f"assigned to {login}", before=ticket)

    def _take(self, ticket: Ticket) -> None:
        """Assign ``ticket`` (as shown) to me."""
        rt = self.runtime
        self._write(
            lambda: tickets.take_ticket(
                rt.writer(), rt.clock, rt.actor, ticket.id, if_version=ticket.version
            ),
            f"taken by {rt.actor}",
            before=ticket,
        )

    def _move(self, ticket: Ticket, request: StatusRequest) -> None:
        """Move ``ticket`` (as shown) to the status of ``request``."""
        move = self._moving(request)
        self._write(lambda: move(ticket), f"is now {request.status.label}", before=ticket)

    def _set_severity(self, ticket: Ticket, severity: Severity) -> None:
        """Give ``ticket`` (as shown) another severity; its deadlines follow."""
        rt = self.runtime
        self._write(
            lambda: tickets.change_severity(
                rt.writer(),
                rt.clock,
                rt.actor,
                ticket.id,
                severity,
                if_version=ticket.version,
                calendars=rt.calendars,
            ),
            f"is now {severity.value}",
            before=ticket,
        )

    def _undo(self, change: Change) -> None:
        """Put back what ``change`` (this console's last) changed, as a new change."""
        rt = self.runtime
        self._write(
            lambda: undo.undo_change(
                rt.writer(), rt.clock, rt.actor, change, calendars=rt.calendars
            ),
            f"back as before (undid: {change.what.removeprefix(change.after.ref + ' ')})",
        )

    def _open(self, request: NewTicket | None) -> None:
        """Open the ticket of ``request`` (``None``: the form was cancelled)."""
        if request is None:
            return
        rt = self.runtime
        self._write(
            lambda: tickets.open_ticket(
                rt.writer(), rt.clock, rt.actor, request, calendars=rt.calendars
            ),
            "opened",
        )

    @work(thread=True, group="write", exit_on_error=False)
    def _write(
        self, change: Callable[[], Ticket], what: str, *, before: Ticket | None = None
    ) -> None:
        """Run ``change``; ``before`` (the ticket as shown) makes it undoable."""
        try:
            ticket = change()
        except ConflictError as exc:
            self.post_message(self.Conflicted(exc))
            return
        undoable = Change(before, ticket, f"{ticket.ref} {what}") if before else None
        self.post_message(self.TicketChanged(ticket, what, undoable))

    @work(thread=True, group="customers", exit_on_error=False)
    def _open_new_ticket_form(self) -> None:
        customers = directory.customers_with_contracts(
            self.runtime.reader(), self.runtime.clock.now()
        )
        self.post_message(self.CustomersLoaded(customers))
