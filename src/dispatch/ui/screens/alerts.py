"""Every alert, newest first: acknowledge, filter the unacknowledged, jump to the ticket.

``space`` marks alerts; ``a`` then acknowledges all marked ones after one
confirmation, each in its own transaction, and lists any it could not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.errors import DispatchError
from dispatch.services import alerts
from dispatch.services.runtime import Runtime
from dispatch.ui.access import refuse_key
from dispatch.ui.safe import clip, safe
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.explain import ExplainModal
from dispatch.ui.widgets.footer import DispatchFooter
from dispatch.ui.widgets.nav_list import NavList
from dispatch.ui.widgets.queue_view import MARK

SHOWN = 500
"""Alerts listed at most (the newest); ``dispatch alerts list`` prints them all."""


def alert_line(alert: Alert, zone: ZoneInfo, *, marked: bool = False) -> Content:
    """``✖ A-7  T-42  response breached Mon 10:02 late ✓ Acme: Printer down  ack ana 10:05``.

    ``late``: raised well after its threshold; ``✓``: acknowledged (by whom, at the end).
    """
    breach = alert.level is AlertLevel.BREACH
    symbol, style = ("✖", "bold $error") if breach else ("▲", "$warning")
    if alert.acked:
        style = "$foreground 60%"
    raised = alert.raised_at.astimezone(zone).strftime("%a %H:%M")
    what = "breached" if breach else "warning"
    parts: list[Content | tuple[str, str] | str] = [
        (
            f"{symbol} {alert.ref + MARK if marked else alert.ref:<6} {alert.ticket_ref:<7} "
            f"{alert.target.value:<10} {what:<8}",
            style,
        ),
        f" {raised}",
        (" late " if alert.late else "      ", "$warning" if alert.late else ""),
        ("✓ " if alert.acked else "  ", "$success"),
        safe(clip(f"{alert.customer_name}: {alert.ticket_title}", 60)),
    ]
    if alert.acked and alert.acked_at is not None:
        when = alert.acked_at.astimezone(zone).strftime("%H:%M")
        parts += [("  ack ", "dim"), safe(alert.acked_by or "?", "dim"), (f" {when}", "dim")]
    return Content.assemble(*parts)


ACK_ACTIONS = frozenset({"acknowledge"})
"""The alert log's change: hidden and refused in a read-only console."""


class AlertsScreen(Screen[int | None]):
    """The alert log; dismisses with a ticket id to show it, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,exclamation_mark", "dismiss(None)", "Back", id="alerts.back"),
        Binding("a", "acknowledge", "Acknowledge", id="alerts.ack", tooltip="I have seen it"),
        Binding("u", "toggle_unacked", "Unacked only", id="alerts.unacked"),
        Binding("enter", "open_ticket", "Ticket", id="alerts.ticket", tooltip="Show the ticket"),
        Binding("r", "reload", "Reload", show=False, id="alerts.reload"),
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            show=False,
            id="alerts.mark",
            tooltip="Mark for acknowledging together (again: unmark)",
        ),
    ]

    HELP_TITLE: ClassVar[str] = "The alert log"
    """How the help names this screen's keys."""

    class Loaded(Message):
        """The alerts were read."""

        def __init__(self, alerts: Sequence[Alert]) -> None:
            self.alerts = alerts
            super().__init__()

    class Acknowledged(Message):
        """An alert was acknowledged (by this console)."""

        def __init__(self, alert: Alert) -> None:
            self.alert = alert
            super().__init__()

    class AcknowledgedEach(Message):
        """The marked alerts were acknowledged (``failed``: ref and why not)."""

        def __init__(self, done: Sequence[Alert], failed: Sequence[tuple[str, str]]) -> None:
            self.done = done
            self.failed = failed
            super().__init__()

    def __init__(self, runtime: Runtime, zone: ZoneInfo, *, unacked_only: bool = False) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = zone
        self.unacked_only = unacked_only
        """Only the alerts nobody acknowledged (the opener keeps the choice for next time)."""
        self.alerts: list[Alert] = []
        self.marked: set[int] = set()
        """The ids of the marked alerts."""

    def compose(self) -> ComposeResult:
        """Title, the list, footer."""
        with Vertical(id="alerts-pane"):
            yield Label(id="alerts-title")
            yield NavList(id="alerts-list")
        yield DispatchFooter(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console acknowledges nothing."""
        return not (self.runtime.read_only and action in ACK_ACTIONS)

    def on_key(self, event: events.Key) -> None:
        """``a`` in a read-only console is refused with a word."""
        if self.runtime.read_only:
            refuse_key(self, event, ACK_ACTIONS)

    def on_mount(self) -> None:
        """Read the alerts."""
        self.query_one(OptionList).focus()
        self._show_title()
        self.action_reload()

    # --- actions ---------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the alerts again."""
        self._load(self.unacked_only)

    def action_toggle_unacked(self) -> None:
        """All alerts, or only those nobody acknowledged."""
        self.unacked_only = not self.unacked_only
        self._show_title()
        self.action_reload()

    def action_toggle_mark(self) -> None:
        """Mark the highlighted alert (or unmark it) and go on to the next."""
        options = self.query_one(OptionList)
        alert = self._highlighted()
        if alert is None or options.highlighted is None:
            return
        self.marked ^= {alert.id}
        prompt = alert_line(alert, self.zone, marked=alert.id in self.marked)
        options.replace_option_prompt_at_index(options.highlighted, prompt)
        options.action_cursor_down()
        self._show_title()

    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted alert, or every marked one after asking."""
        if self.marked:
            self._acknowledge_marked()
            return
        alert = self._highlighted()
        if alert is None:
            return
        if alert.acked:
            self.notify(
                safe(f"{alert.ref} was already acknowledged by {alert.acked_by}").plain,
                markup=False,
            )
            return
        self._acknowledge(alert.id)

    def action_open_ticket(self) -> None:
        """Back to the queue, on the highlighted alert's ticket."""
        alert = self._highlighted()
        if alert is not None:
            self.dismiss(alert.ticket_id)

    def _acknowledge_marked(self) -> None:
        marked = [a for a in self.alerts if a.id in self.marked]
        refs = ", ".join(a.ref for a in marked)
        question = Content.assemble(
            (f"Acknowledge {len(marked)} marked alerts?", "bold"), f"\n{refs}"
        )

        def answered(go: bool | None) -> None:
            if go:
                self._acknowledge_each(tuple(a.id for a in marked))

        self.app.push_screen(ConfirmModal(question), answered)

    # --- workers and messages ----------------------------------------------------------

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def _load(self, unacked: bool) -> None:
        found = alerts.list_alerts(self.runtime.reader(), unacked=unacked, limit=SHOWN)
        self.post_message(self.Loaded(found))

    @work(thread=True, group="alerts-ack", exit_on_error=False)
    def _acknowledge(self, alert_id: int) -> None:
        rt = self.runtime
        alert = alerts.acknowledge_alert(rt.writer(), rt.clock, rt.actor, alert_id)
        self.post_message(self.Acknowledged(alert))

    @work(thread=True, group="alerts-ack", exit_on_error=False)
    def _acknowledge_each(self, alert_ids: Sequence[int]) -> None:
        """Acknowledge each alert in its own transaction; collect what was refused."""
        rt = self.runtime
        done: list[Alert] = []
        failed: list[tuple[str, str]] = []
        for alert_id in alert_ids:
            try:
                done.append(alerts.acknowledge_alert(rt.writer(), rt.clock, rt.actor, alert_id))
            except DispatchError as exc:  # acknowledged meanwhile, gone, the database away
                failed.append((f"A-{alert_id}", str(exc)))
        self.post_message(self.AcknowledgedEach(done, failed))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
        self.notify(safe(text).plain, title="Not done", severity="error", markup=False)
        self.action_reload()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        options = self.query_one(OptionList)
        keep = self._highlighted()
        self.alerts = list(message.alerts)
        self.marked &= {a.id for a in self.alerts}
        options.clear_options()
        options.add_options(
            [
                Option(alert_line(a, self.zone, marked=a.id in self.marked), id=str(a.id))
                for a in self.alerts
            ]
            or [Option(Content.styled("No alerts.", "dim"), disabled=True)]
        )
        ids = [a.id for a in self.alerts]
        if self.alerts:
            options.highlighted = ids.index(keep.id) if keep and keep.id in ids else 0
        self._show_title()

    @on(OptionList.OptionSelected, "#alerts-list")
    def _selected(self) -> None:
        """``enter`` on an alert (the list takes the key first): show its ticket."""
        self.action_open_ticket()

    @on(Acknowledged)
    def _acknowledged(self, message: Acknowledged) -> None:
        self.notify(safe(f"{message.alert.ref} acknowledged").plain, title="Saved", markup=False)
        self.action_reload()

    @on(AcknowledgedEach)
    def _acknowledged_each(self, message: AcknowledgedEach) -> None:
        self.marked -= {a.id for a in message.done}
        total = len(message.done) + len(message.failed)
        self.notify(
            f"{len(message.done)} of {total} marked alerts acknowledged",
            title="Saved" if message.done else "Not saved",
            severity="warning" if message.failed else "information",
            markup=False,
        )
        if message.failed:
            lines = [why if why.startswith(ref) else f"{ref}: {why}" for ref, why in message.failed]
            self.app.push_screen(ExplainModal(f"Not acknowledged: {len(message.failed)}", lines))
        self.action_reload()

    # --- private ----------------------------------------------------------------------------

    def _highlighted(self) -> Alert | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.alerts):
            return None
        return self.alerts[index]

    def _show_title(self) -> None:
        which = "unacknowledged alerts" if self.unacked_only else "all alerts"
        shown = f" ({len(self.alerts)}, newest first)" if self.alerts else ""
        if self.marked:
            shown += f" · {len(self.marked)} marked"
        self.query_one("#alerts-title", Label).update(
            Content.assemble(
                ("Alerts: ", "bold"),
                which,
                shown,
            )
        )
