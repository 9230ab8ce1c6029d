"""The change feed behind the dispatcher's screen, and what it does when the database goes.

The base of the screen's workers (``dispatch_workers.py``): the feed's
connection is opened by the first check, asked every ``FEED_SECONDS`` and
closed with the screen. One thread asks it for the screen's whole life and
posts a message only when something changed (or the database went or came
back): a console left open for a shift asks twice a second, and a Textual
worker a look (a ``Worker`` object and its state messages on the event loop
each time) cost CPU on a console nobody touches. When the database is lost the console says so once
("Live updates paused") and again when it is back; a read failing meanwhile
is not toasted, a failed write always is.

May use: the domain, the services' value types, Textual. Not the store,
SQLAlchemy or the scheduler (import-linter contracts).
"""

from __future__ import annotations

import threading
import time

from textual import on
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from dispatch.domain.errors import StorageUnavailableError
from dispatch.domain.ports_console import ChangeFeed
from dispatch.services.runtime import Runtime
from dispatch.ui.screens.dispatch_toasts import toast_failed, toast_offline, toast_online

FEED_SECONDS = 0.5
"""How often the change feed is asked whether anyone committed a change."""

READ_GROUPS = frozenset({"window", "stats", "detail", "presence", "changes", "alerts"})
"""The worker groups that only read (a failed write is always said at once)."""

READ_FAILURE_GRACE = 1.0
"""Seconds a failed read waits for the feed to say the database is gone before it toasts."""

READ_FAILURE_QUIET = 5.0
"""A read failing this close to the feed losing or finding the database is not toasted
(it was part of that outage, said once already)."""


class DispatchFeed(Screen[None]):
    """The change feed's checks, and the toasts for a lost and a found database."""

    class ChangedElsewhere(Message):
        """Someone (this console, another, the CLI, the scheduler) committed a change."""

    class FeedLost(Message):
        """The change feed lost the database (said once until it is back)."""

        def __init__(self, reason: str) -> None:
            self.reason = reason
            super().__init__()

    class FeedRestored(Message):
        """The change feed reached the database again (what changed meanwhile follows)."""

    class FeedFailed(Message):
        """Asking the change feed failed unexpectedly (said once until a look succeeds)."""

        def __init__(self, error: BaseException) -> None:
            self.error = error
            super().__init__()

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self._feed: ChangeFeed | None = None
        """The change feed's connection, opened by the first check."""
        self._feed_lock = threading.Lock()
        self._feed_down = False
        """Whether the feed's last look failed (changed under ``_feed_lock`` only)."""
        self._offline = False
        """Whether the feed lost the database (reads failing meanwhile are not toasted)."""
        self._feed_changed_at = float("-inf")
        """When the feed last lost or found the database (``time.monotonic``)."""
        self._feed_thread: threading.Thread | None = None
        """The thread that asks the feed (``None``: not started, or no feed)."""
        self._feed_wake = threading.Event()
        """Set to have the feed asked now rather than at its next look."""
        self._feed_stop = threading.Event()
        """Set when the screen goes: the feed's thread ends."""

    # --- failures -----------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A toast for a worker that failed, unless the database is known to be gone."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if self._offline and isinstance(error, StorageUnavailableError):
            return  # said once already ("Live updates paused")
        if isinstance(error, StorageUnavailableError) and event.worker.group in READ_GROUPS:
            # A read that lost the database before the feed noticed: ask the feed at once,
            # and toast only if it does not find the database gone (it says so once).

            def unless_lost() -> None:
                quiet = time.monotonic() - self._feed_changed_at < READ_FAILURE_QUIET
                if not self._offline and not quiet:
                    toast_failed(self, error)

            self._check_feed()
            self.set_timer(READ_FAILURE_GRACE, unless_lost)
            return
        toast_failed(self, error)

    @on(FeedLost)
    def _feed_lost(self, message: FeedLost) -> None:
        self._offline = True
        self._feed_changed_at = time.monotonic()
        toast_offline(self, message.reason)

    @on(FeedRestored)
    def _feed_restored(self) -> None:
        # The feed's next answer is "changed": what happened meanwhile is read then.
        self._offline = False
        self._feed_changed_at = time.monotonic()
        toast_online(self)

    @on(FeedFailed)
    def _feed_failed(self, message: FeedFailed) -> None:
        toast_failed(self, message.error)

    def on_unmount(self) -> None:
        """Stop asking the change feed and close its connection."""
        self._feed_stop.set()
        self._feed_wake.set()
        if self._feed_thread is not None:
            self._feed_thread.join(timeout=5)
        with self._feed_lock:
            if self._feed is not None:
                self._feed.close()
                self._feed = None

    # --- the feed ---

    def _start_feed(self) -> None:
        """Start asking the change feed (once, for the screen's life), if there is one."""
        if self.runtime.open_feed is None or self._feed_thread is not None:
            return
        self._feed_thread = threading.Thread(
            target=self._watch_feed, name="dispatch-feed", daemon=True
        )
        self._feed_thread.start()

    def _check_feed(self) -> None:
        """Have the change feed asked now rather than at its next look."""
        self._feed_wake.set()

    def _watch_feed(self) -> None:
        """The feed's thread: look every ``FEED_SECONDS`` (or when woken) until the screen goes."""
        failing = False
        while True:
            self._feed_wake.wait(FEED_SECONDS)  # the first look too: after the start's reads
            self._feed_wake.clear()
            if self._feed_stop.is_set():
                return
            try:
                self._look()
                failing = False
            except Exception as exc:  # noqa: BLE001 - toasted; the watch goes on
                if not failing:
                    self.post_message(self.FeedFailed(exc))
                failing = True

    def _look(self) -> None:
        """Ask the change feed (microseconds on SQLite); post only if something changed."""
        if not self._feed_lock.acquire(blocking=False):
            return  # the screen is closing the feed
        try:
            if self._feed_stop.is_set():
                return
            if self._feed is None and self.runtime.open_feed is not None:
                self._feed = self.runtime.open_feed()
                # Read again once: a change between the first read and now is not news to it.
                self.post_message(self.ChangedElsewhere())
                return
            if self._feed is None:
                return
            changed = self._feed.changed()
        except StorageUnavailableError as exc:
            if not self._feed_down:  # say it once; the feed keeps trying with backoff
                self._feed_down = True
                self.post_message(self.FeedLost(str(exc)))
            return
        finally:
            self._feed_lock.release()
        if self._feed_down:
            self._feed_down = False
            self.post_message(self.FeedRestored())
        if changed:
            self.post_message(self.ChangedElsewhere())
