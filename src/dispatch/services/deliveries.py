"""Notifications: the outbox of each alert, escalation, delivery with retries.

An alert's first deliveries are queued in the alert's own transaction
(:func:`enqueue_first`); unacknowledged breaches climb the escalation steps;
each due delivery is claimed, sent with no transaction open, and its attempt
recorded, so that nothing is sent twice. Uses the domain's ports (the
``Notifier`` does the sending).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dispatch.domain.alerts import Alert
from dispatch.domain.errors import DeliveryFailedError
from dispatch.domain.notify import Delivery, NotifyPolicy, message
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ports_alerts import Notifier
from dispatch.services import oncall

CLAIM_HOLD = timedelta(minutes=2)
"""How long a sender reserves a delivery it is attempting."""


def enqueue_first(
    uow: UnitOfWork, notify: NotifyPolicy, alerts: Sequence[Alert], now: datetime
) -> None:
    """Queue the step-0 deliveries of ``alerts``, inside the caller's transaction.

    A breach goes to whoever the rota has on call at ``now`` (the stored flags
    where no rotation exists).
    """
    technicians = oncall.on_call_at(uow, uow.directory.technicians(), now)
    routes = uow.outbox.routing([a.ticket_id for a in alerts])
    for alert in alerts:
        contract, assignee = routes.get(alert.ticket_id, ("", None))
        targets = notify.first_targets(alert, contract, assignee, technicians)
        uow.outbox.enqueue(alert.id, targets, 0, now)


def escalate_alerts(uow: UnitOfWork, clock: Clock, notify: NotifyPolicy) -> int:
    """Queue the next escalation steps of breaches nobody acknowledged; how many were added."""
    if not notify.escalation:
        return 0
    now = clock.now()
    added = 0
    with uow:
        for alert, top in uow.outbox.unacked_breaches(now - notify.escalate_after, limit=1000):
            reached_step = notify.escalation_step(alert, now)
            for step in range(top + 1, reached_step + 1):
                added += uow.outbox.enqueue(alert.id, notify.step_targets(step), step, now)
        uow.commit()
    return added


def deliver_due(
    reader: UnitOfWork,
    writer: UnitOfWork,
    clock: Clock,
    notifier: Notifier,
    notify: NotifyPolicy,
    *,
    limit: int = 50,
) -> list[Delivery]:
    """Attempt every due delivery once; the deliveries as recorded afterwards.

    Each is first claimed in a short transaction (so that two senders never
    send it twice), then sent with no transaction open, then its attempt is
    recorded: sent (never sent again), retried after the policy's wait, or
    given up after ``max_attempts``.
    """
    claimed = claim_due(writer, clock.now(), limit)
    done: list[Delivery] = []
    for delivery in claimed:
        if delivery.alert_id is None:  # a reply: ``due`` gave none
            continue
        with reader:
            alert = reader.alerts.get(delivery.alert_id)
        ok, detail = True, "delivered"
        url = notify.url(delivery.target)
        if url is None:
            ok, detail = False, f"target {delivery.target!r} is no longer configured"
        else:
            title, body = message(alert, delivery.step)
            try:
                notifier.send(url, title, body)
            except DeliveryFailedError as exc:
                ok, detail = False, str(exc)
        done.append(
            record_attempt(writer, clock, notify, delivery, ok, detail, give_up=url is None)
        )
    return done


def claim_due(
    writer: UnitOfWork,
    now: datetime,
    limit: int,
    *,
    replies: bool = False,
    hold: timedelta = CLAIM_HOLD,
) -> list[Delivery]:
    """The due deliveries (of alerts, or of replies) this sender now holds for ``hold``.

    One short transaction: a delivery another sender claimed first is not
    returned, so two senders running at once never attempt the same one.
    """
    with writer:
        due = writer.outbox.due(now, limit, replies=replies)
        claimed = [d for d in due if writer.outbox.claim(d.id, now, now + hold)]
        writer.commit()
    return claimed


def record_attempt(
    writer: UnitOfWork,
    clock: Clock,
    policy: NotifyPolicy,
    delivery: Delivery,
    ok: bool,
    detail: str,
    *,
    give_up: bool = False,
    ticket_id: int | None = None,
) -> Delivery:
    """Record one attempt of a claimed delivery: sent, retried after the policy's wait, or failed.

    A delivery is given up (``failed``) at ``policy.max_attempts``, or at once
    with ``give_up`` (nothing a retry could change). With ``ticket_id`` (a
    reply's ticket), a reply sent or given up is also an event on the ticket,
    in the same transaction, so that every console's feed shows its new state.
    """
    at = clock.now()
    attempts = delivery.attempts + 1
    stop = give_up or attempts >= policy.max_attempts
    retry_at = None if ok or stop else at + policy.wait_after(attempts)
    with writer:
        recorded = writer.outbox.record(delivery.id, at, ok=ok, detail=detail, retry_at=retry_at)
        if ticket_id is not None and recorded.state in ("sent", "failed"):
            writer.events.append(
                at=at,
                actor="outbox",
                action="ticket.reply_" + recorded.state,
                ticket_id=ticket_id,
                before={},
                after={"article": recorded.article_id, "send_state": recorded.state},
                note=None if ok else detail,
            )
        writer.commit()
    return recorded


def alert_deliveries(
    uow: UnitOfWork, alert_id: int
) -> list[tuple[Delivery, list[tuple[datetime, bool, str]]]]:
    """An alert's deliveries, each with its attempts."""
    with uow:
        return [(d, uow.outbox.attempts(d.id)) for d in uow.outbox.for_alert(alert_id)]
