"""Who is told about an alert, when a breach escalates, and what the message says.

Targets are named: ``tech:LOGIN`` is a technician's own address, any other
name is a target from the ``[notify.targets]`` table. An alert goes at once
(step 0) to every target whose levels and contracts match, and a breach also to
the technician who must act: the assignee when on call, else everyone on call.
A breach nobody acknowledged after ``escalate_after`` goes to the first name in
``escalation`` (step 1), after twice that to the second, and so on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.model import Technician
from dispatch.domain.text import printable

TECH_PREFIX = "tech:"


class Secret:
    """A string that never shows itself: ``repr``/``str`` give ``***``.

    Notification URLs hold tokens and passwords; Settings objects end up in
    tracebacks and logs, so their URLs are wrapped in this.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value, for the one place that must use it (the sender)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """A place alerts are sent to.

    Attributes:
        url: An Apprise URL (``json://``, ``mailtos://``, ...), secret.
        levels: The alert levels it gets.
        contracts: Contract names it gets alerts for (empty: all).
    """

    url: Secret
    levels: frozenset[AlertLevel] = frozenset(AlertLevel)
    contracts: frozenset[str] = frozenset()

    def wants(self, alert: Alert, contract: str) -> bool:
        """Whether this target gets ``alert`` (raised under ``contract``)."""
        return alert.level in self.levels and (not self.contracts or contract in self.contracts)


@dataclass(frozen=True, slots=True)
class NotifyPolicy:
    """The ``[notify]`` configuration.

    Attributes:
        targets: Named targets (``[notify.targets.NAME]``).
        technicians: A technician's own address by login (``[notify.technicians]``).
        escalation: Target names for the escalation steps after the first.
        escalate_after: How long a breach may stay unacknowledged per step.
        retry: Waits between attempts; the last repeats.
        max_attempts: Attempts before a delivery is given up (recorded as failed).
    """

    targets: Mapping[str, NotifyTarget] = field(default_factory=dict)
    technicians: Mapping[str, Secret] = field(default_factory=dict)
    escalation: Sequence[str] = ()
    escalate_after: timedelta = timedelta(minutes=15)
    retry: Sequence[timedelta] = (
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
    )
    max_attempts: int = 10

    @property
    def enabled(self) -> bool:
        """Whether anything is ever sent."""
        return bool(self.targets or self.technicians)

    def url(self, target: str) -> Secret | None:
        """The address behind a target name (``None``: no longer configured)."""
        if target.startswith(TECH_PREFIX):
            return self.technicians.get(target.removeprefix(TECH_PREFIX))
        spec = self.targets.get(target)
        return spec.url if spec else None

    def first_targets(
        self,
        alert: Alert,
        contract: str,
        assignee: str | None,
        technicians: Sequence[Technician],
    ) -> list[str]:
        """Step 0: matching targets, and for a breach the technician(s) who must act.

        Targets named in ``escalation`` are kept for their step.
        """
        out = [
            name
            for name, spec in sorted(self.targets.items())
            if name not in self.escalation and spec.wants(alert, contract)
        ]
        if alert.level is AlertLevel.BREACH:
            on_call = {t.login for t in technicians if t.on_call}
            chosen = [assignee] if assignee in on_call else sorted(on_call)
            out += [TECH_PREFIX + login for login in chosen if login in self.technicians]
        return out

    def escalation_step(self, alert: Alert, now: datetime) -> int:
        """The step an unacknowledged breach has reached by ``now`` (0: not escalated)."""
        if alert.level is not AlertLevel.BREACH or alert.acked or not self.escalation:
            return 0
        waited = now - alert.raised_at
        steps = int(waited / self.escalate_after) if self.escalate_after > timedelta(0) else 0
        return min(steps, len(self.escalation))

    def step_targets(self, step: int) -> list[str]:
        """The target of escalation step ``step`` (1-based)."""
        if not 1 <= step <= len(self.escalation):
            return []
        return [self.escalation[step - 1]]

    def wait_after(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        if not self.retry:
            return timedelta(minutes=1)
        return self.retry[min(attempts, len(self.retry)) - 1]


def message(alert: Alert, step: int = 0) -> tuple[str, str]:
    """Title and body of the notification (plain text; ticket text made printable)."""
    level = "BREACH" if alert.level is AlertLevel.BREACH else "warning"
    title = f"[dispatch] SLA {level}: {alert.summary()}"
    lines = [
        f"{alert.ticket_ref} {printable(alert.customer_name)}: {printable(alert.ticket_title)}",
        f"{alert.target.value} {'deadline' if alert.level is AlertLevel.BREACH else 'warning'}"
        f" reached {alert.due_at:%Y-%m-%d %H:%M} UTC" + (" (raised late)" if alert.late else ""),
        f"alert {alert.ref}; acknowledge with: dispatch alerts ack {alert.id}",
    ]
    if step:
        lines.append(f"Escalation step {step}: nobody acknowledged it yet.")
    return title, "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert to one target at one escalation step, or one reply (the outbox row).

    Attributes:
        id: Database identity.
        alert_id: The alert (``None`` for a reply).
        target: The target's name (never its address).
        step: 0 for the first notification, then the escalation step.
        state: ``pending``, ``sent`` or ``failed`` (given up).
        attempts: Attempts made.
        next_attempt_at: When the next attempt is due.
        sent_at: When it was delivered.
        last_error: What the last failed attempt said.
        article_id: The reply (``None`` for an alert).
    """

    id: int
    alert_id: int | None
    target: str
    step: int
    state: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    article_id: int | None = None
