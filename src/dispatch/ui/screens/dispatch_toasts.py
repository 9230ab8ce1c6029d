"""The dispatcher's toasts: new alerts, block-hours notices, saved changes, failures.

Each function shows one kind of toast on ``node`` (the dispatcher's screen).
Every text from data passes through ``safe`` and is shown with
``markup=False``; the alert log (``!``) stays the durable record.

May use: the domain, Textual, ``dispatch.ui.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widget import Widget

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.errors import DispatchError
from dispatch.domain.ticket import Event, Ticket
from dispatch.ui.safe import safe

TOASTS_AT_ONCE = 5
"""More new alerts than this at once get one summary toast."""

BREACH_TOAST_SECONDS = 24 * 3600.0
"""A breach toast stays until dismissed (``x``)."""

WARNING_TOAST_SECONDS = 10.0
"""A warning toast fades."""

OFFLINE_TOAST_SECONDS = 60.0
"""The toast saying that live updates are paused stays a while (it is said once)."""


def toast_alerts(node: Widget, alerts: Sequence[Alert]) -> None:
    """A toast per alert (a breach stays until ``x``; a warning fades), or one summary."""
    breaches = [a for a in alerts if a.level is AlertLevel.BREACH]
    if len(alerts) > TOASTS_AT_ONCE:
        node.notify(
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
        node.notify(
            safe(text, multiline=True).plain,
            title="SLA breached" if breach else "SLA at risk",
            severity="error" if breach else "warning",
            timeout=BREACH_TOAST_SECONDS if breach else WARNING_TOAST_SECONDS,
            markup=False,
        )


def toast_notice(node: Widget, event: Event) -> None:
    """A toast for an event without a ticket (a block-hours balance running low)."""
    after = event.after
    text = (
        f"{after.get('contract', '?')}: {after.get('left_hours', '?')} of "
        f"{after.get('prepaid_hours', '?')} h left this period"
    )
    node.notify(
        safe(text).plain,
        title="Block hours low",
        severity="warning",
        timeout=WARNING_TOAST_SECONDS,
        markup=False,
    )


def toast_saved(node: Widget, ticket: Ticket, what: str, *, undo_key: str | None = None) -> None:
    """``T-12 assigned to ana (u: undo)``: this console's change was committed."""
    text = f"{ticket.ref} {what}" + (f" ({undo_key}: undo)" if undo_key else "")
    node.notify(safe(text).plain, title="Saved", severity="information", markup=False)


def toast_failed(node: Widget, error: BaseException | None) -> None:
    """A worker failed: the domain's one-line reason, or the unexpected error's repr."""
    text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
    node.notify(safe(text).plain, title="Not done", severity="error", markup=False)


def toast_offline(node: Widget, reason: str) -> None:
    """Live updates stopped: the database cannot be reached (shown once until it is back)."""
    node.notify(
        safe(f"{reason}. Reconnecting; the queue shows what was last read.").plain,
        title="Live updates paused",
        severity="warning",
        timeout=OFFLINE_TOAST_SECONDS,
        markup=False,
    )


def toast_online(node: Widget) -> None:
    """Live updates are back; what changed meanwhile is being read."""
    node.notify(
        "Reconnected to the database; reading what changed meanwhile.",
        title="Live updates back",
        severity="information",
        markup=False,
    )
