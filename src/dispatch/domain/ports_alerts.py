"""Ports of breach alerts: their store, the outbox of deliveries, the notifier.

Split from ``ports`` (which the unit of work keeps); the same Protocols.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from dispatch.domain.alerts import Alert, AlertLevel, Threshold
from dispatch.domain.model import (
    Target,
)
from dispatch.domain.notify import Delivery, Secret


class AlertStore(Protocol):
    """Raised alerts and the sweep's lease."""

    def reached(
        self,
        now: datetime,
        limit: int,
        *,
        kind: tuple[Target, AlertLevel] | None = None,
        since: datetime | None = None,
        ticket_ids: Sequence[int] | None = None,
        after: tuple[datetime, int] | None = None,
    ) -> list[Threshold]:
        """Up to ``limit`` thresholds reached by ``now`` that have no alert yet.

        ``kind``: one (target, level) only; ``since``: instants after it only;
        ``ticket_ids``: these tickets only; ``after``: the scan of ``kind``
        resumes behind this (instant, ticket).
        """
        ...

    def raise_alerts(
        self,
        thresholds: Sequence[Threshold],
        now: datetime,
        grace: timedelta,
        *,
        imported: bool = False,
    ) -> list[Alert]:
        """Insert an alert per threshold unless one exists; the alerts this call created.

        ``imported``: recorded by an import for a threshold crossed before it.
        """
        ...

    def get(self, alert_id: int) -> Alert:
        """One alert."""
        ...

    def newest(
        self, *, unacked: bool = False, limit: int | None = None, ticket_id: int | None = None
    ) -> list[Alert]:
        """Alerts, newest first."""
        ...

    def after(self, alert_id: int, limit: int = 500) -> list[Alert]:
        """Alerts raised after ``alert_id``, oldest first."""
        ...

    def last_id(self) -> int:
        """The newest alert's id (0 if none)."""
        ...

    def unacked_breaches(self) -> int:
        """How many breach alerts nobody acknowledged."""
        ...

    def acknowledge(self, alert_id: int, actor: str, at: datetime) -> Alert:
        """Record who acknowledged the alert and when (a second ack is refused)."""
        ...

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew a lease; ``False`` if someone else holds it."""
        ...

    def release_lease(self, name: str, holder: str, now: datetime) -> None:
        """Give the lease up now, if ``holder`` has it."""
        ...

    def lease(self, name: str) -> tuple[str, datetime] | None:
        """The lease's holder and expiry."""
        ...


class Outbox(Protocol):
    """Deliveries of alerts to notification targets, with every attempt."""

    def enqueue(self, alert_id: int, targets: Sequence[str], step: int, now: datetime) -> int:
        """A pending delivery per target unless one exists; how many were added."""
        ...

    def enqueue_reply(self, article_id: int, target: str, now: datetime) -> int:
        """The one pending delivery of a reply through ``target``; its id."""
        ...

    def due(self, now: datetime, limit: int, *, replies: bool = False) -> list[Delivery]:
        """Pending deliveries of alerts (``replies``: of replies) due by ``now``, oldest first."""
        ...

    def claim(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        """Reserve a due delivery for one sender until ``until``."""
        ...

    def record(
        self,
        delivery_id: int,
        now: datetime,
        *,
        ok: bool,
        detail: str,
        retry_at: datetime | None,
    ) -> Delivery:
        """Record an attempt: sent, retried at ``retry_at``, or given up (``None``)."""
        ...

    def for_alert(self, alert_id: int) -> list[Delivery]:
        """An alert's deliveries."""
        ...

    def attempts(self, delivery_id: int) -> list[tuple[datetime, bool, str]]:
        """Every attempt of a delivery."""
        ...

    def unacked_breaches(self, raised_before: datetime, limit: int) -> list[tuple[Alert, int]]:
        """Unacknowledged breaches raised before ``raised_before``, with their top step."""
        ...

    def routing(self, ticket_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Per ticket: contract name and assignee login."""
        ...


class Notifier(Protocol):
    """Sends one message to one address."""

    def send(self, url: Secret, title: str, body: str) -> None:
        """Deliver, or raise ``DeliveryFailedError`` saying why (never the address)."""
        ...
