"""Breach alerts: the sweep that raises them, the sweeper's lease, acknowledging.

The sweep is level-triggered: every threshold reached and not yet alerted
is raised, once (the alert key is unique), however long nothing swept. One
process per database sweeps at a time: the holder of the sweep lease. The
first notifications of an alert are queued with it (``deliveries``). Uses
the domain's ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Target
from dispatch.domain.notify import NotifyPolicy
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.services import deliveries

SWEEP_LEASE = "sweep"
"""The lease the sweeping process holds (one sweeper per database at a time)."""


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    """How the sweep runs.

    Attributes:
        interval: Time between sweeps.
        lease: How long a sweeper's lease lasts without renewal (a few intervals,
            so that a dead sweeper is replaced after about this long).
        late_after: An alert raised more than this after its threshold is late.
        batch: Thresholds read and raised per transaction.
        most: Alerts one sweep raises at most; a larger backlog (a long
            outage over a huge queue) is raised over the following sweeps.
    """

    interval: timedelta = timedelta(seconds=15)
    lease: timedelta = timedelta(seconds=45)
    late_after: timedelta = timedelta(seconds=60)
    batch: int = 2000
    most: int = 20_000

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise InvalidInputError("the sweep interval must be positive")
        if self.lease <= self.interval:
            raise InvalidInputError(
                "the sweep lease must outlast the interval, or sweepers take turns"
            )
        if self.batch < 1:
            raise InvalidInputError("the sweep batch must hold at least one alert")


def hold_lease(
    uow: UnitOfWork, clock: Clock, holder: str, ttl: timedelta, name: str = SWEEP_LEASE
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; ``False`` if another holds it."""
    with uow:
        held = uow.alerts.take_lease(name, holder, clock.now(), ttl)
        uow.commit()
    return held


def release_lease(uow: UnitOfWork, clock: Clock, holder: str, name: str = SWEEP_LEASE) -> None:
    """Give the lease up (a clean shutdown), so that another sweeper takes over at once."""
    with uow:
        uow.alerts.release_lease(name, holder, clock.now())
        uow.commit()


def lease_holder(uow: UnitOfWork, name: str = SWEEP_LEASE) -> tuple[str, datetime] | None:
    """Who holds the lease and until when (``None``: never taken)."""
    with uow:
        return uow.alerts.lease(name)


@dataclass(slots=True)
class SweepState:
    """What a sweeper remembers between its sweeps, so that a sweep reads only news.

    Attributes:
        looked_until: The instant up to which the last complete sweep looked
            (``None``: never swept; the next sweep looks at everything).
        event_id: The newest event when that sweep began: tickets changed
            since (a deadline moved into the past, a pause ended) are looked
            at whole.
    """

    looked_until: datetime | None = None
    event_id: int = 0


def sweep_alerts(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    policy: SweepPolicy = SweepPolicy(),
    notify: NotifyPolicy | None = None,
    state: SweepState | None = None,
) -> list[Alert]:
    """Raise an alert for every threshold reached and not yet alerted; the ones raised.

    Level-triggered: whatever was missed while nothing swept is raised now
    (marked late). Thresholds are read without the write lock, then raised in
    short writing transactions of at most ``policy.batch``; an alert another
    sweeper raised meanwhile is not raised again (the alert key is unique), and
    is not among the ones returned. With ``notify``, each alert's first
    deliveries go into the outbox in the same transaction as the alert.

    Each scan resumes behind its last batch, so catching up on N thresholds
    reads each index entry once. With a ``state`` from an earlier sweep, only
    thresholds reached since it looked, and tickets changed since, are read:
    a steady sweep costs what happened meanwhile, not the size of the queue.
    """
    now = clock.now()
    with reader:
        event_id = reader.events.last_id()
        changed: list[int] = []
        if state is not None and state.looked_until is not None:
            changed = sorted(
                {e.ticket_id for e in reader.events.listing(after_id=state.event_id)
                 if e.ticket_id is not None}
            )  # fmt: skip
    since = state.looked_until if state is not None else None
    raised = _sweep_pass(reader, writer, now, policy, notify, since=since)
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        raised += _sweep_pass(reader, writer, now, policy, notify, ticket_ids=chunk)
    if state is not None and len(raised) < policy.most:
        state.looked_until, state.event_id = now, event_id
    # (A sweep cut short at ``policy.most`` leaves the state alone: the next looks again.)
    return raised


def _sweep_pass(
    reader: UnitOfWork,
    writer: UnitOfWork,
    now: datetime,
    policy: SweepPolicy,
    notify: NotifyPolicy | None,
    *,
    since: datetime | None = None,
    ticket_ids: Sequence[int] | None = None,
) -> list[Alert]:
    """Each (target, level) in turn, batch by batch, every scan resuming behind the last."""
    raised: list[Alert] = []
    for kind in SWEPT_KINDS:
        after: tuple[datetime, int] | None = None
        while len(raised) < policy.most:
            want = min(policy.batch, policy.most - len(raised))
            with reader:
                found = reader.alerts.reached(
                    now,
                    want,
                    kind=kind,
                    since=since,
                    ticket_ids=ticket_ids,
                    after=after,
                )
            if not found:
                break
            with writer:
                new = writer.alerts.raise_alerts(found, now, policy.late_after)
                if notify is not None and notify.enabled and new:
                    deliveries.enqueue_first(writer, notify, new, now)
                writer.commit()
            raised += new
            after = (found[-1].at, found[-1].ticket_id)
            if len(found) < want:
                break
    return raised


SWEPT_KINDS = [(target, level) for target in Target for level in AlertLevel]
"""Every (target, level) the sweep looks for."""


def list_alerts(
    uow: UnitOfWork,
    *,
    unacked: bool = False,
    limit: int | None = None,
    ticket_id: int | None = None,
) -> list[Alert]:
    """Alerts, newest first."""
    with uow:
        return uow.alerts.newest(unacked=unacked, limit=limit, ticket_id=ticket_id)


def alerts_after(uow: UnitOfWork, alert_id: int) -> tuple[list[Alert], int]:
    """Alerts raised after ``alert_id`` (oldest first) and the unacknowledged breaches."""
    with uow:
        return uow.alerts.after(alert_id), uow.alerts.unacked_breaches()


def last_alert_id(uow: UnitOfWork) -> int:
    """The newest alert's id (0 if none): where a console starts watching."""
    with uow:
        return uow.alerts.last_id()


def acknowledge_alert(uow: UnitOfWork, clock: Clock, actor: str, alert_id: int) -> Alert:
    """Record that ``actor`` has seen the alert (once; a second ack is refused)."""
    with uow:
        now = clock.now()
        alert = uow.alerts.acknowledge(alert_id, actor, now)
        uow.events.append(
            at=now,
            actor=actor,
            action="alert.acknowledged",
            ticket_id=alert.ticket_id,
            after={"alert": alert.id, "target": alert.target.value, "level": alert.level.value},
        )
        uow.commit()
    return alert
