"""Alerts and the sweep lease in SQL.

The sweep's questions are indexed range scans ("open tickets whose warning
instant or deadline is before now, with no alert for it yet"); inserts use
``ON CONFLICT DO NOTHING`` on the alert key, so sweepers running side by side
(threads, processes, hosts) raise each alert exactly once, and ``RETURNING``
tells each sweeper which alerts it raised itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, delete, exists, func, or_, select, true, update
from sqlalchemy.orm import Session

from dispatch.domain.alerts import Alert, AlertLevel, Threshold, is_late
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Target, TicketStatus
from dispatch.domain.notify import Delivery
from dispatch.store.counters import UNACKED_BREACHES, Counters
from dispatch.store.db import dialect_insert
from dispatch.store.feed import announce_change
from dispatch.store.schema import (
    AlertRow,
    ContractRow,
    CustomerRow,
    DeliveryAttemptRow,
    DeliveryRow,
    LeaseRow,
    TechnicianRow,
    TicketRow,
)


def _thresholds() -> list[tuple[Target, AlertLevel, Any, ColumnElement[bool]]]:
    """Per (target, level): the instant column and the "clock still runs" condition."""
    response_runs = TicketRow.first_response_at.is_(None)
    resolution_runs = TicketRow.resolved_at.is_(None)
    return [
        (Target.RESPONSE, AlertLevel.WARNING, TicketRow.response_warn_at, response_runs),
        (Target.RESPONSE, AlertLevel.BREACH, TicketRow.response_due, response_runs),
        (Target.RESOLUTION, AlertLevel.WARNING, TicketRow.resolution_warn_at, resolution_runs),
        (Target.RESOLUTION, AlertLevel.BREACH, TicketRow.resolution_due, resolution_runs),
    ]


class SqlAlertStore:
    """Alerts and leases.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- the sweep ------------------------------------------------------------

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

        Paused tickets (waiting on the customer) and met targets reach nothing.
        Each (target, level) is one range scan of an ``(is_open, instant)``
        index, in (instant, ticket) order; ``kind`` scans one of them only.
        ``since`` skips instants up to it (a sweep that already looked there);
        ``ticket_ids`` looks at these tickets only; ``after`` resumes the scan
        of ``kind`` behind the last (instant, ticket) it returned.
        """
        out: list[Threshold] = []
        for target, level, instant, runs in _thresholds():
            if len(out) >= limit:
                break
            if kind is not None and kind != (target, level):
                continue
            raised = exists().where(
                AlertRow.ticket_id == TicketRow.id,
                AlertRow.target == target.value,
                AlertRow.level == level.value,
            )
            query = select(TicketRow.id, instant).where(
                TicketRow.is_open == true(),
                instant <= now,
                runs,
                TicketRow.status != TicketStatus.WAITING_CUSTOMER.value,
                ~raised,
            )
            if since is not None:
                query = query.where(instant > since)
            if ticket_ids is not None:
                query = query.where(TicketRow.id.in_(ticket_ids))
            resume = after if kind is not None else None
            if resume is not None:
                # ">=" lets the index seek to the resume point; the "or" drops its ties.
                query = query.where(
                    instant >= resume[0], or_(instant > resume[0], TicketRow.id > resume[1])
                )
            query = query.order_by(instant, TicketRow.id).limit(limit - len(out))
            out += [Threshold(tid, target, level, at) for tid, at in self._session.execute(query)]
        return out

    def raise_alerts(
        self,
        thresholds: Sequence[Threshold],
        now: datetime,
        grace: timedelta,
        *,
        imported: bool = False,
    ) -> list[Alert]:
        """Insert an alert per threshold unless one exists; the alerts this call created.

        The ticket must still be past the threshold: a ticket answered, paused or
        closed between the read and this write raises nothing.
        """
        if not thresholds:
            return []
        rows = [
            {
                "ticket_id": t.ticket_id,
                "target": t.target.value,
                "level": t.level.value,
                "due_at": t.at,
                "raised_at": now,
                "late": is_late(t.at, now, grace),
                "imported": imported,
            }
            for t in thresholds
        ]
        stmt: Insert = (
            dialect_insert(self._session, AlertRow)
            .on_conflict_do_nothing(index_elements=["ticket_id", "target", "level"])
            .returning(AlertRow.id)
        )
        created = list(self._session.scalars(stmt, rows))
        if created:
            announce_change(self._session)
        stale = self._no_longer_reached(created, now)
        if stale:
            self._session.execute(delete(AlertRow).where(AlertRow.id.in_(stale)))
        return self.by_ids([i for i in created if i not in stale])

    def _no_longer_reached(self, alert_ids: Sequence[int], now: datetime) -> set[int]:
        """Alerts just inserted whose ticket changed since the read (answered, paused, closed).

        Read by primary key (alerts, then the few columns the rule needs) and
        judged here, by the rule of ``domain.alerts.reached`` restated on those
        columns: a join left to SQLite's planner walked the open tickets (1.3 s
        per batch at 1,000,000 open tickets), and reading whole tickets to ask
        ``reached`` itself stalled the console's loop for 20-50 ms per catch-up
        sweep there (bench_sweep.py), against 11 ms this way.
        """
        if not alert_ids:
            return set()
        alerts = self._session.execute(
            select(AlertRow.id, AlertRow.ticket_id, AlertRow.target, AlertRow.level).where(
                AlertRow.id.in_(alert_ids)
            )
        ).all()
        tickets = {
            row.id: row
            for row in self._session.execute(
                select(
                    TicketRow.id,
                    TicketRow.is_open,
                    TicketRow.status,
                    TicketRow.first_response_at,
                    TicketRow.resolved_at,
                    TicketRow.response_warn_at,
                    TicketRow.response_due,
                    TicketRow.resolution_warn_at,
                    TicketRow.resolution_due,
                ).where(TicketRow.id.in_({a.ticket_id for a in alerts}))
            )
        }
        stale = set()
        for alert_id, ticket_id, target, level in alerts:
            t = tickets.get(ticket_id)
            if t is None or not t.is_open or t.status == TicketStatus.WAITING_CUSTOMER.value:
                stale.add(alert_id)
                continue
            warning = level == AlertLevel.WARNING.value
            if target == Target.RESPONSE.value:
                instant = t.response_warn_at if warning else t.response_due
                running = t.first_response_at is None
            else:
                instant = t.resolution_warn_at if warning else t.resolution_due
                running = t.resolved_at is None
            if not running or instant is None or instant > now:
                stale.add(alert_id)
        return stale

    # --- reading and acknowledging ----------------------------------------------

    def _select(self) -> Any:
        return (
            select(AlertRow, TicketRow.title, CustomerRow.name)
            .join(TicketRow, TicketRow.id == AlertRow.ticket_id)
            .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
        )

    def by_ids(self, alert_ids: Sequence[int]) -> list[Alert]:
        """These alerts, oldest first."""
        if not alert_ids:
            return []
        query = self._select().where(AlertRow.id.in_(alert_ids)).order_by(AlertRow.id)
        return [
            alert_from_row(row, title, name) for row, title, name in self._session.execute(query)
        ]

    def get(self, alert_id: int) -> Alert:
        """One alert."""
        found = self.by_ids([alert_id])
        if not found:
            raise NotFoundError(f"no alert with id {alert_id}")
        return found[0]

    def newest(
        self, *, unacked: bool = False, limit: int | None = None, ticket_id: int | None = None
    ) -> list[Alert]:
        """Alerts, newest first."""
        query = self._select().order_by(AlertRow.id.desc())
        if unacked:
            query = query.where(AlertRow.acked_at.is_(None))
        if ticket_id is not None:
            query = query.where(AlertRow.ticket_id == ticket_id)
        if limit is not None:
            query = query.limit(limit)
        return [
            alert_from_row(row, title, name) for row, title, name in self._session.execute(query)
        ]

    def after(self, alert_id: int, limit: int = 500) -> list[Alert]:
        """Alerts raised after ``alert_id``, oldest first (what a console has not shown)."""
        query = self._select().where(AlertRow.id > alert_id).order_by(AlertRow.id).limit(limit)
        return [
            alert_from_row(row, title, name) for row, title, name in self._session.execute(query)
        ]

    def last_id(self) -> int:
        """The newest alert's id (0 if none)."""
        return int(self._session.scalar(select(func.max(AlertRow.id))) or 0)

    def unacked_breaches(self) -> int:
        """How many breach alerts nobody acknowledged (a counter of migration 0010)."""
        return Counters(self._session).value(UNACKED_BREACHES)

    def acknowledge(self, alert_id: int, actor: str, at: datetime) -> Alert:
        """Record who acknowledged the alert and when (once: a second ack is refused)."""
        done = self._session.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, AlertRow.acked_at.is_(None))
            .values(acked_by=actor, acked_at=at)
        )
        announce_change(self._session)
        alert = self.get(alert_id)
        if getattr(done, "rowcount", 0) != 1:
            when = alert.acked_at.strftime("%Y-%m-%d %H:%M UTC") if alert.acked_at else "?"
            raise InvalidInputError(
                f"{alert.ref} was already acknowledged by {alert.acked_by} at {when}"
            )
        return alert

    # --- the lease ------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``.

        It is taken only if free, expired, or already ``holder``'s; run in a
        writing unit of work, so that two contenders cannot both win.
        """
        until = now + ttl
        renewed = self._session.execute(
            update(LeaseRow)
            .where(
                LeaseRow.name == name, or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now)
            )
            .values(holder=holder, expires_at=until)
        )
        if getattr(renewed, "rowcount", 0) == 1:
            return True
        created = self._session.scalar(
            dialect_insert(self._session, LeaseRow)
            .values(name=name, holder=holder, expires_at=until)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(LeaseRow.name)
        )
        return created is not None

    def release_lease(self, name: str, holder: str, now: datetime) -> None:
        """Give the lease up now (a clean shutdown), if ``holder`` has it."""
        self._session.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=now)
        )

    def lease(self, name: str) -> tuple[str, datetime] | None:
        """The lease's holder and expiry, if anyone ever took it."""
        row = self._session.get(LeaseRow, name)
        return (row.holder, row.expires_at) if row is not None else None


class SqlOutbox:
    """Deliveries of alerts to notification targets, and every attempt.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue_reply(self, article_id: int, target: str, now: datetime) -> int:
        """The one pending delivery of a reply; its id."""
        row = DeliveryRow(
            article_id=article_id,
            target=target,
            step=0,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def enqueue(self, alert_id: int, targets: Sequence[str], step: int, now: datetime) -> int:
        """A pending delivery per target unless one exists for (alert, target, step)."""
        if not targets:
            return 0
        rows = [
            {
                "alert_id": alert_id,
                "target": target,
                "step": step,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for target in targets
        ]
        stmt = (
            dialect_insert(self._session, DeliveryRow)
            .on_conflict_do_nothing(index_elements=["alert_id", "target", "step"])
            .returning(DeliveryRow.id)
        )
        return len(list(self._session.scalars(stmt, rows)))

    def due(self, now: datetime, limit: int, *, replies: bool = False) -> list[Delivery]:
        """Pending deliveries of alerts (or of replies) whose next attempt is due, oldest first."""
        subject = DeliveryRow.article_id if replies else DeliveryRow.alert_id
        rows = self._session.scalars(
            select(DeliveryRow)
            .where(
                DeliveryRow.state == "pending",
                DeliveryRow.next_attempt_at <= now,
                subject.is_not(None),
            )
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
        )
        return [_delivery(r) for r in rows]

    def claim(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        """Reserve a due delivery for one sender until ``until`` (``False``: someone has it)."""
        done = self._session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.state == "pending",
                DeliveryRow.next_attempt_at <= now,
            )
            .values(next_attempt_at=until)
        )
        return getattr(done, "rowcount", 0) == 1

    def record(
        self,
        delivery_id: int,
        now: datetime,
        *,
        ok: bool,
        detail: str,
        retry_at: datetime | None,
    ) -> Delivery:
        """Record an attempt: sent, to be retried at ``retry_at``, or given up (``None``)."""
        row = self._session.get(DeliveryRow, delivery_id)
        if row is None:
            raise NotFoundError(f"no delivery with id {delivery_id}")
        self._session.add(DeliveryAttemptRow(delivery_id=delivery_id, at=now, ok=ok, detail=detail))
        row.attempts += 1
        if ok:
            row.state, row.sent_at, row.last_error = "sent", now, None
        elif retry_at is None:
            row.state, row.last_error = "failed", detail
        else:
            row.next_attempt_at, row.last_error = retry_at, detail
        self._session.flush()
        return _delivery(row)

    def for_alert(self, alert_id: int) -> list[Delivery]:
        """An alert's deliveries, by step and target."""
        rows = self._session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.alert_id == alert_id)
            .order_by(DeliveryRow.step, DeliveryRow.target)
        )
        return [_delivery(r) for r in rows]

    def attempts(self, delivery_id: int) -> list[tuple[datetime, bool, str]]:
        """Every attempt of a delivery: when, whether it worked, what was said."""
        rows = self._session.execute(
            select(DeliveryAttemptRow.at, DeliveryAttemptRow.ok, DeliveryAttemptRow.detail)
            .where(DeliveryAttemptRow.delivery_id == delivery_id)
            .order_by(DeliveryAttemptRow.id)
        )
        return [(at, ok, detail) for at, ok, detail in rows]

    def unacked_breaches(self, raised_before: datetime, limit: int) -> list[tuple[Alert, int]]:
        """Unacknowledged breach alerts raised before ``raised_before``, with their top step."""
        top = (
            select(func.coalesce(func.max(DeliveryRow.step), 0))
            .where(DeliveryRow.alert_id == AlertRow.id)
            .scalar_subquery()
        )
        query = (
            select(AlertRow, TicketRow.title, CustomerRow.name, top)
            .join(TicketRow, TicketRow.id == AlertRow.ticket_id)
            .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
            .where(
                AlertRow.acked_at.is_(None),
                AlertRow.level == AlertLevel.BREACH.value,
                AlertRow.raised_at <= raised_before,
            )
            .order_by(AlertRow.id)
            .limit(limit)
        )
        return [
            (alert_from_row(row, title, name), int(step))
            for row, title, name, step in self._session.execute(query)
        ]

    def routing(self, ticket_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Per ticket: its contract's name and its assignee's login."""
        if not ticket_ids:
            return {}
        rows = self._session.execute(
            select(TicketRow.id, ContractRow.name, TechnicianRow.login)
            .join(ContractRow, ContractRow.id == TicketRow.contract_id)
            .outerjoin(TechnicianRow, TechnicianRow.id == TicketRow.assignee_id)
            .where(TicketRow.id.in_(ticket_ids))
        )
        return {tid: (contract, login) for tid, contract, login in rows}


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.alert_id,
        article_id=row.article_id,
        target=row.target,
        step=row.step,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def alert_from_row(row: AlertRow, title: str, customer: str) -> Alert:
    """Domain alert from its row and the joined ticket title and customer name."""
    return Alert(
        id=row.id,
        ticket_id=row.ticket_id,
        target=Target(row.target),
        level=AlertLevel(row.level),
        due_at=row.due_at,
        raised_at=row.raised_at,
        late=row.late,
        acked_by=row.acked_by,
        acked_at=row.acked_at,
        ticket_title=title,
        customer_name=customer,
        imported=row.imported,
    )
