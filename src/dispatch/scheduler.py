"""The background watch: APScheduler 3 runs the breach sweep on an interval.

One interval job, never a job per ticket: APScheduler drops date jobs that
fell due while the process was down, while a sweep of the database raises
whatever was missed (``alerts.sweep_alerts``). Every console runs a monitor;
only the holder of the database's sweep lease sweeps, and a dead holder's
lease expires so that another takes over. Jobs are plain functions, so both
schedulers run them in a thread pool, off the console's event loop.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.domain.alerts import Alert
from dispatch.domain.errors import DispatchError, InvalidInputError, StorageUnavailableError
from dispatch.domain.notify import Delivery, NotifyPolicy
from dispatch.domain.plans import MAX_CATCH_UP, Balance, Plan
from dispatch.domain.ports_alerts import Notifier
from dispatch.domain.ports_conversation import Mailer
from dispatch.domain.text import printable
from dispatch.domain.ticket import Ticket
from dispatch.services import alerts, deliveries, hours, plans, replies
from dispatch.services.alerts import SweepPolicy
from dispatch.services.runtime import Runtime

if TYPE_CHECKING:
    # APScheduler is imported when a scheduler starts (``SlaMonitor.prepare``), not with
    # this module: the console imports it at start, and shows its queue first.
    from apscheduler.schedulers.base import BaseScheduler
    from apscheduler.triggers.cron import CronTrigger


class PrintableRecords(logging.Filter):
    """Log lines carry data (contract names, error texts): made printable before any handler.

    The record's message is formatted once and passed through the console's
    sanitiser, so that no handler (stderr, the journal, a file) ever writes a
    control or escape sequence that came from data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message by its printable form; never drop a record."""
        record.msg = printable(record.getMessage())
        record.args = None
        return True


log = logging.getLogger("dispatch.scheduler")
log.addFilter(PrintableRecords())

SWEEP_JOB = "sweep"
DELIVER_JOB = "deliver"
DELIVER_SECONDS = 10.0
"""How often due notifications are attempted and escalations checked."""
REPLIES_JOB = "replies"
REPLIES_SECONDS = 10.0
"""How often due e-mail replies are attempted."""
PLANS_JOB = "plans"
PLANS_SECONDS = 60.0
"""How often maintenance plans are checked for occurrences within their lead time."""
BLOCK_JOB = "block-hours"
BLOCK_SECONDS = 300.0
"""How often block-hours periods are rolled over and balances checked."""


def cron_occurrences(plan: Plan, after: datetime, until: datetime) -> list[datetime]:
    """The plan's occurrences in ``(after, until]``, in UTC (APScheduler's cron rules, DST-aware).

    Raises:
        InvalidInputError: If the schedule is not a valid crontab line or the zone is unknown.
    """
    trigger = crontab(plan.schedule, plan.timezone)
    out: list[datetime] = []
    cursor = after + timedelta(seconds=1)
    while len(out) < MAX_CATCH_UP:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None or fire > until:
            break
        out.append(fire.astimezone(UTC))
        cursor = fire + timedelta(seconds=1)
    return out


def crontab(schedule: str, timezone: str) -> CronTrigger:
    """A cron trigger for a five-field crontab line in ``timezone``."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(f"unknown time zone {timezone!r}") from None
    try:
        return CronTrigger.from_crontab(schedule, timezone=zone)
    except ValueError as exc:
        raise InvalidInputError(
            f"schedule {schedule!r} is not a valid crontab line: {exc}"
        ) from None


def default_holder() -> str:
    """``host:pid:random``: unique per process, readable in ``leases``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class SlaMonitor:
    """Sweeps for reached SLA thresholds while this process holds the lease.

    Args:
        runtime: Units of work, clock and actor.
        policy: Interval, lease length, lateness, batch size.
        holder: This process's name in the lease (default: host, pid, random).
        on_raised: Called (in the job's thread) with the alerts a sweep raised.
        notify: Who gets told (the outbox is filled and drained only if enabled).
        notifier: What sends (``dispatch.notify.AppriseNotifier`` in production).
        mailer: What sends e-mail replies (``dispatch.mail.SmtpMailer``); ``None``:
            ``[mail] from`` is not set, so replies wait in the outbox.
        reply_hold: How long a claimed reply is kept from other senders (longer
            than one SMTP conversation may take).
    """

    def __init__(
        self,
        runtime: Runtime,
        policy: SweepPolicy | None = None,
        *,
        holder: str | None = None,
        on_raised: Callable[[Sequence[Alert]], None] | None = None,
        notify: NotifyPolicy | None = None,
        notifier: Notifier | None = None,
        mailer: Mailer | None = None,
        reply_hold: timedelta = deliveries.CLAIM_HOLD,
    ) -> None:
        self.runtime = runtime
        self.policy = policy or SweepPolicy()
        self.holder = holder or default_holder()
        self.on_raised = on_raised
        self.notify = notify or NotifyPolicy()
        self.notifier = notifier
        self.mailer = mailer
        self.reply_hold = reply_hold
        self.replies_waiting = 0
        """Replies due while no mailer is configured (set by ``replies_once``)."""
        self._said_unconfigured = False
        self.holds_lease = False
        self.state = alerts.SweepState()
        self._scheduler: BaseScheduler | None = None
        self._sweeping = threading.Lock()
        self._outage_lock = threading.Lock()
        self._lost_since: datetime | None = None
        """When the jobs first found the database unreachable (``None``: reachable)."""

    # --- running ----------------------------------------------------------------

    def prepare(self) -> None:
        """Import what ``start`` needs (APScheduler: tens of ms), in any thread.

        The console calls it in a worker thread, so that the import does not
        stall its event loop; ``start`` imports whatever is still missing.
        """
        import apscheduler.schedulers.asyncio  # noqa: F401
        import apscheduler.triggers.cron  # noqa: F401
        import apscheduler.triggers.interval  # noqa: F401

    def start(self) -> None:
        """Start on the running asyncio loop (the console, once its queue is shown)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(timezone=UTC)
        self._add_jobs(scheduler)
        scheduler.start()
        self._scheduler = scheduler

    def run_forever(self) -> None:
        """Block, sweeping until SIGINT or SIGTERM; then give the lease up."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler = BlockingScheduler(timezone=UTC)
        self._add_jobs(scheduler)
        self._scheduler = scheduler

        def stop(_signum: int, _frame: FrameType | None) -> None:
            scheduler.shutdown(wait=False)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            scheduler.start()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._release()

    def stop(self) -> None:
        """Stop the jobs and give the lease up, so that another process sweeps at once."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        self._release()

    def run_once(self) -> list[Alert]:
        """One sweep, if this process holds (or can take) the lease; the alerts it raised."""
        with self._sweeping:
            rt = self.runtime
            self.holds_lease = alerts.hold_lease(
                rt.writer(), rt.clock, self.holder, self.policy.lease
            )
            if not self.holds_lease:
                self.state = alerts.SweepState()  # whoever sweeps now looks at everything
                return []
            raised = alerts.sweep_alerts(
                rt.reader(), rt.writer(), rt.clock, self.policy, self.notify, self.state
            )
        if raised:
            late = sum(a.late for a in raised)
            log.info("raised %d alerts (%d late)", len(raised), late)
            if self.on_raised is not None:
                self.on_raised(raised)
        return raised

    def deliver_once(self) -> list[Delivery]:
        """Escalate unacknowledged breaches and attempt due deliveries (lease holder only)."""
        if not self.holds_lease or not self.notify.enabled or self.notifier is None:
            return []
        rt = self.runtime
        deliveries.escalate_alerts(rt.writer(), rt.clock, self.notify)
        done = deliveries.deliver_due(
            rt.reader(), rt.writer(), rt.clock, self.notifier, self.notify
        )
        failed = [d for d in done if d.state != "sent"]
        if done:
            log.info(
                "delivered %d notifications, %d not (yet)", len(done) - len(failed), len(failed)
            )
        return done

    def replies_once(self) -> list[Delivery]:
        """Send the due e-mail replies (lease holder only); the deliveries as recorded.

        Without a mailer (or ``[mail] from``) nothing is sent: the replies stay
        pending, and ``replies_waiting`` says how many are due.
        """
        if not self.holds_lease:
            return []
        rt = self.runtime
        if self.mailer is None or rt.reply_from is None:
            if not self._said_unconfigured:  # counted until it was said, once
                self.replies_waiting = replies.waiting(rt.reader(), rt.clock.now())
            return []
        self.replies_waiting = 0
        done = replies.send_replies(
            rt.reader(),
            rt.writer(),
            rt.clock,
            self.mailer,
            self.notify,
            sender=rt.reply_from,
            hold=self.reply_hold,
        )
        if done:
            sent = sum(d.state == "sent" for d in done)
            failed = sum(d.state == "failed" for d in done)
            log.info(
                "e-mail replies: %d sent, %d to retry, %d failed",
                sent,
                len(done) - sent - failed,
                failed,
            )
        return done

    def plans_once(self) -> list[Ticket]:
        """Open the regular tickets of plan occurrences now within their lead time."""
        if not self.holds_lease:
            return []
        rt = self.runtime
        opened = plans.run_plans(
            rt.reader(), rt.writer(), rt.clock, cron_occurrences, calendars=rt.calendars
        )
        if opened:
            log.info("opened %d tickets from maintenance plans", len(opened))
        return opened

    def block_hours_once(self) -> tuple[list[Balance], list[Balance]]:
        """Roll block periods over; record low balances (once per period)."""
        if not self.holds_lease:
            return [], []
        started, low = hours.watch_block_hours(self.runtime.writer(), self.runtime.clock)
        for balance in low:
            log.warning(
                "block hours low on %s: %.1f of %.1f h left",
                balance.contract_name,
                balance.left_hours,
                balance.prepaid_hours,
            )
        return started, low

    # --- private -------------------------------------------------------------------

    def _add_jobs(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(
            self._sweep_job,
            "interval",
            seconds=self.policy.interval.total_seconds(),
            id=SWEEP_JOB,
            next_run_time=datetime.now(UTC),  # sweep at once: catch up after downtime
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        for job, seconds, job_id in (
            (self._replies_job, REPLIES_SECONDS, REPLIES_JOB),
            (self._plans_job, PLANS_SECONDS, PLANS_JOB),
            (self._block_job, BLOCK_SECONDS, BLOCK_JOB),
        ):
            scheduler.add_job(
                job,
                "interval",
                seconds=seconds,
                id=job_id,
                next_run_time=datetime.now(UTC) + timedelta(seconds=2),  # after the first sweep
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        if self.notify.enabled and self.notifier is not None:
            scheduler.add_job(
                self._deliver_job,
                "interval",
                seconds=DELIVER_SECONDS,
                id=DELIVER_JOB,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )

    def _sweep_job(self) -> None:
        self._guarded("sweep", self.run_once)

    def _deliver_job(self) -> None:
        self._guarded("deliveries", self.deliver_once)

    def _replies_job(self) -> None:
        self._guarded("e-mail replies", self.replies_once)
        if self.replies_waiting and not self._said_unconfigured:
            self._said_unconfigured = True
            log.warning(
                "%d e-mail replies wait in the outbox: [mail] from is not set, so none is sent",
                self.replies_waiting,
            )

    def _plans_job(self) -> None:
        self._guarded("maintenance plans", self.plans_once)

    def _block_job(self) -> None:
        self._guarded("block hours", self.block_hours_once)

    def _guarded(self, what: str, job: Callable[[], object]) -> None:
        """Run ``job``; a lost database is said once, and once again when it is back.

        The pool checks each connection before use, so a dropped connection
        (a server restart, ``pg_terminate_backend``) is replaced at the next
        job; while the server cannot be reached every job fails, and each job's
        next run is the retry. The sweep is level-triggered, so once the
        database is back it raises whatever fell due meanwhile.
        """
        try:
            job()
        except StorageUnavailableError as exc:
            with self._outage_lock:
                first = self._lost_since is None
                if first:
                    self._lost_since = datetime.now(UTC)
            if first:
                log.warning("database unreachable (%s): %s; every job retries on its schedule",
                            what, exc)  # fmt: skip
            return
        except DispatchError as exc:
            log.warning("%s failed: %s", what, exc)
            return
        with self._outage_lock:
            since, self._lost_since = self._lost_since, None
        if since is not None:
            down = (datetime.now(UTC) - since).total_seconds()
            log.warning("database reachable again after %.0f s; catching up", down)

    def _release(self) -> None:
        if not self.holds_lease:
            return
        try:
            alerts.release_lease(self.runtime.writer(), self.runtime.clock, self.holder)
        except DispatchError as exc:
            log.warning("could not give the sweep lease up: %s", exc)
        self.holds_lease = False
