"""Composition root: the only place that wires storage, clock, services and UI."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings, data_dir
from dispatch.domain.errors import InvalidInputError, ReadOnlyError
from dispatch.domain.ports import Clock, SystemClock
from dispatch.domain.ports_console import Preferences
from dispatch.notify import EXTRA_HINT, AppriseNotifier, available
from dispatch.scheduler import SlaMonitor
from dispatch.services.alerts import SweepPolicy
from dispatch.services.deliveries import CLAIM_HOLD
from dispatch.services.runtime import Runtime
from dispatch.store.db import ensure_schema, make_engine, make_session_factory, safe_url
from dispatch.store.feed import open_feed
from dispatch.store.uow import SqlUnitOfWork
from dispatch.ui.app import DispatchApp


@dataclass(frozen=True, slots=True)
class Storage:
    """An open database: engine and session factory.

    Attributes:
        engine: The SQLAlchemy engine.
        sessions: The one session factory.
    """

    engine: Engine
    sessions: sessionmaker[Session]

    def reader(self) -> SqlUnitOfWork:
        """A unit of work that only reads."""
        return SqlUnitOfWork(self.sessions, write=False)

    def writer(self) -> SqlUnitOfWork:
        """A unit of work that writes."""
        return SqlUnitOfWork(self.sessions, write=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_storage(url: str, *, migrate: bool = True) -> Storage:
    """Connect to ``url`` and bring its schema to the newest migration.

    A SQLite file in dispatch's data directory gets that directory created;
    anywhere else the directory must exist.

    Raises:
        InvalidInputError: For a malformed or unsupported URL.
        StorageUnavailableError: If the database cannot be reached or migrated.
    """
    engine = make_engine(url, own_dir=data_dir())
    if migrate:
        ensure_schema(engine)
    return Storage(engine, make_session_factory(engine))


def build_runtime(settings: Settings, storage: Storage, *, clock: Clock | None = None) -> Runtime:
    """The services' runtime over ``storage`` (a read-only one refuses every write)."""
    return Runtime(
        reader=storage.reader,
        writer=_refuse_writes if settings.read_only else storage.writer,
        clock=clock or SystemClock(),
        actor=settings.user,
        db_label=safe_url(settings.db_url),
        calendars=settings.calendars,
        open_feed=lambda: open_feed(storage.engine),
        read_only=settings.read_only,
        reply_from=settings.mail.sender,
        reply_templates=settings.mail.templates,
    )


def _refuse_writes() -> SqlUnitOfWork:
    """A read-only runtime's writer: whatever asks to write is refused, not run."""
    raise ReadOnlyError("read-only (--read-only, or [access] read_only): nothing was changed")


def sweep_policy(settings: Settings, *, interval: float | None = None) -> SweepPolicy:
    """The sweep's policy from the ``[alerts]`` table (``interval`` overrides it)."""
    alerts = settings.alerts
    every = interval if interval is not None else alerts.interval_seconds
    return SweepPolicy(
        interval=timedelta(seconds=every),
        lease=timedelta(seconds=max(alerts.lease_seconds, 3 * every)),
        late_after=timedelta(seconds=alerts.late_after_seconds),
    )


def build_monitor(
    settings: Settings, runtime: Runtime, *, interval: float | None = None
) -> SlaMonitor:
    """The background watch over ``runtime``'s database, with its notifications."""
    notify = settings.notify
    if notify.enabled and not available():
        raise InvalidInputError(f"{settings.config_path}: [notify] has targets, but {EXTRA_HINT}")
    mail = settings.mail
    mailer = None
    if mail.sender:
        from dispatch.mail import SmtpMailer  # smtplib: only where replies are sent

        mailer = SmtpMailer(mail)
    return SlaMonitor(
        runtime,
        sweep_policy(settings, interval=interval),
        notify=notify,
        notifier=AppriseNotifier() if notify.enabled else None,
        mailer=mailer,
        # A claimed reply is kept from other senders for longer than the SMTP
        # conversation may take (each of its steps may wait the timeout).
        reply_hold=max(CLAIM_HOLD, timedelta(seconds=8 * mail.timeout_seconds)),
    )


def check_console_settings(settings: Settings) -> None:
    """Refuse a console that would misbehave (a broken ``[keys]`` remap), opening nothing.

    Raises:
        InvalidInputError: Each problem on its own line, with the file and line.
    """
    from dispatch.ui.keymap import check_keymap

    check_keymap(settings.keymap, path=settings.config_path, lines=settings.keymap_lines)


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    zone: ZoneInfo | None = None,
    start_scheduler: bool = True,
    prefs: Preferences | None = None,
) -> DispatchApp:
    """The only way to make the console, for the command line and tests alike.

    Args:
        settings: Resolved settings.
        clock: The clock (a ``FixedClock`` in snapshots).
        storage: An open storage; opened from ``settings`` when ``None``.
        zone: The dispatcher's time zone (default: the system's).
        start_scheduler: Run the breach sweep in the console (off in tests
            that drive sweeps themselves, and in snapshots; never in a
            read-only console, which writes nothing: ``dispatch scheduler`` or
            a writable console sweeps for it).
        prefs: Where the user's last view and theme are remembered (``None``:
            nowhere, as in tests).
    """
    check_console_settings(settings)
    storage = storage or open_storage(settings.db_url)
    runtime = build_runtime(settings, storage, clock=clock)
    sweeps = start_scheduler and not settings.read_only
    monitor = build_monitor(settings, runtime) if sweeps else None
    app = DispatchApp(
        runtime,
        zone=zone or local_zone(),
        monitor=monitor,
        bell=settings.alerts.bell,
        views=settings.views,
        prefs=prefs,
    )
    if monitor is not None:
        monitor.on_raised = app.alerts_raised
    if settings.keymap:
        app.set_keymap(dict(settings.keymap))
    return app


SWITCH_INTERVAL = 0.001
"""Seconds a thread runs Python before handing the GIL to a waiting one (Python's
default: 0.005). The console's loop waits that long whenever a worker or the
sweep computes; at 1 ms the catch-up sweep adds about 1 ms of lag, not 5."""


def freeze_startup_heap() -> None:
    """Leave the objects made at start-up (modules, wiring) out of garbage collection.

    A full collection walks every object; with Textual and SQLAlchemy loaded
    it holds the GIL for 50 to 80 ms here, long enough to freeze the console
    for several frames while a worker or the sweep allocates. Frozen objects
    are never walked again (they are freed by reference counting as usual),
    so later collections only look at what the running console made.

    No collection first: it would cost those same 60 ms at every start, to
    free the few cycles the imports left (they stay, frozen). The console
    also disables collection before its imports (``cli.root.open_console``):
    the hundreds of thousands of objects Textual and SQLAlchemy make are never
    garbage, and each collection while importing walks them for nothing; so
    this re-enables it. Called by the long-running entry points, after wiring
    and before running.
    """
    gc.freeze()
    gc.enable()


def favour_the_loop() -> None:
    """Let a waiting thread (the console's event loop) have the GIL sooner.

    See :data:`SWITCH_INTERVAL`. For processes whose loop draws a terminal.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


def local_zone() -> ZoneInfo:
    """The dispatcher's time zone: ``TZ`` if set and known, else the system's, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = os.readlink("/etc/localtime")
            name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
        except OSError:
            name = ""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")
