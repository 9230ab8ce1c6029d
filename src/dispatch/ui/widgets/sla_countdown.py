"""Both SLA clocks of the selected ticket, ticking each second from loaded data."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from textual.content import Content

from dispatch.domain.calendar import BusinessClock
from dispatch.domain.sla import ClockReading, SlaState
from dispatch.formats import working_time
from dispatch.services.tickets import TicketDetail
from dispatch.ui.widgets.quiet_static import QuietStatic

BAR_WIDTH = 20
_STATE_STYLE = {
    SlaState.OK: "$success",
    SlaState.WARNING: "bold $warning",
    SlaState.BREACHED: "bold $error",
    SlaState.MET: "$success",
    SlaState.PAUSED: "$foreground 60%",
    SlaState.NONE: "$foreground 60%",
}
_STATE_WORD = {
    SlaState.OK: "● ok",
    SlaState.WARNING: "▲ warning",
    SlaState.BREACHED: "✖ breached",
    SlaState.MET: "✔ met",
    SlaState.PAUSED: "‖ paused",
    SlaState.NONE: "· no guarantee",
}


class SlaCountdown(QuietStatic):
    """Response and resolution: due (customer's and dispatcher's zone), time left, a bar.

    The readings come with the ticket detail; each tick only adds the working
    time that passed since they were read (pure arithmetic on the calendar,
    no database access), so the countdown is exact on business calendars too.
    """

    DEFAULT_CSS = """
    SlaCountdown {
        height: auto;
        padding: 0 1;
        border: round $foreground 30%;
        border-title-color: $foreground;
    }
    """

    def __init__(self, zone: ZoneInfo, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.border_title = "SLA"
        self._zone = zone
        self._detail: TicketDetail | None = None
        self._read_at: datetime | None = None
        self._clock: BusinessClock | None = None
        self._warning_share = 0.8

    def show(self, detail: TicketDetail | None, read_at: datetime) -> None:
        """Show the clocks of ``detail`` as read at ``read_at``."""
        self._detail = detail
        self._read_at = read_at
        self._clock = BusinessClock(detail.calendar) if detail else None
        self._warning_share = detail.contract.sla.warning_share if detail else 0.8
        self.tick(read_at)

    def tick(self, now: datetime) -> None:
        """Redraw for ``now``."""
        detail = self._detail
        if detail is None or self._read_at is None or self._clock is None:
            self.update(Content("No ticket selected."))
            return
        customer_zone = ZoneInfo(detail.calendar.timezone)
        self.update(
            Content("\n").join(
                [
                    self._line(detail.response, now, customer_zone),
                    self._line(detail.resolution, now, customer_zone),
                ]
            )
        )

    def _line(self, reading: ClockReading, now: datetime, customer_zone: ZoneInfo) -> Content:
        label = f"{reading.target.value.capitalize():<11}"
        style = _STATE_STYLE[reading.state]
        if reading.state is SlaState.NONE or reading.due is None or reading.allowed is None:
            return Content.assemble((label, "bold"), (_STATE_WORD[reading.state], style))
        used = reading.used
        state = reading.state
        running = reading.stopped_at is None and state not in (SlaState.PAUSED,)
        if (
            running
            and self._clock is not None
            and self._read_at is not None
            and now > self._read_at
        ):
            used += self._clock.elapsed(self._read_at, now)
            if now > reading.due:
                state = SlaState.BREACHED
            elif state is SlaState.OK and used / reading.allowed >= self._warning_share:
                state = SlaState.WARNING
            style = _STATE_STYLE[state]
        remaining = reading.allowed - used
        share = min(used / reading.allowed, 1.0)
        filled = round(share * BAR_WIDTH)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        left = (
            f"{working_time(remaining)} left"
            if remaining >= timedelta(0)
            else f"{working_time(-remaining)} over"
        )
        if reading.stopped_at is not None:
            left = f"stopped at {reading.stopped_at.astimezone(self._zone):%H:%M %Z}"
        theirs = reading.due.astimezone(customer_zone)
        mine = reading.due.astimezone(self._zone)
        due_customer = theirs.strftime("%a %d %b %H:%M %Z")
        # The dispatcher's day is named too when it is not the customer's.
        due_here = mine.strftime("%H:%M %Z" if mine.date() == theirs.date() else "%a %H:%M %Z")
        return Content.assemble(
            (label, "bold"),
            (f"{_STATE_WORD[state]:<13}", style),
            (bar, style),
            f" {share:4.0%}  {left}\n",
            " " * 11,
            (f"due {due_customer} (customer) · {due_here} (you)", "dim"),
        )
