"""The change feed: has anyone committed anything since I last looked?

Every change writes an event row in its own transaction, so "something
changed" is "something was committed". Consoles ask this every second, so the
question must cost the same with 1,000 or 1,000,000 events:

* SQLite: ``PRAGMA data_version`` on a connection kept for the purpose changes
  whenever another connection (another console, the CLI, the scheduler)
  commits to the file; asking costs microseconds and reads no table.
* PostgreSQL: every event (and every alert) sends ``NOTIFY dispatch_changes``
  in its own transaction, which PostgreSQL delivers at commit; a connection
  kept with ``LISTEN`` collects them. The newest event id is polled as well (an
  index lookup), in case a notification is lost with a dropped connection.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from dispatch.domain.errors import StorageUnavailableError
from dispatch.store.db import dialect_insert
from dispatch.store.schema import EventRow, PresenceRow

CHANNEL = "dispatch_changes"
NEWEST_EVENT = f"SELECT coalesce(max(id), 0) FROM {EventRow.__tablename__}"
"""The newest event's id, asked on the PostgreSQL feed's own connection."""


def announce_change(session: Session) -> None:
    """On PostgreSQL, notify listeners when the current transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


class SqliteChangeFeed:
    """``PRAGMA data_version`` on a dedicated connection."""

    def __init__(self, engine: Engine) -> None:
        self._connection: Any = engine.raw_connection()
        self._version = self._read()

    def _read(self) -> int:
        cursor = self._connection.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def changed(self) -> bool:
        """Whether another connection committed since the last call."""
        version = self._read()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        """Give the connection back."""
        self._connection.close()


class PostgresChangeFeed:
    """``LISTEN dispatch_changes``, with the newest event id polled as a fallback.

    The listening connection is the one that does not come back by itself (the
    pool's connections are checked on checkout): when it is lost (a server
    restart, ``pg_terminate_backend``), :meth:`changed` says so once with
    ``StorageUnavailableError`` and then reconnects with backoff, answering
    ``True`` on the first look after it is back, so that the caller reads the
    event log since its last look and misses nothing.

    Args:
        engine: The application's engine (its URL names the server).
        first_retry: Seconds before the first reconnection attempt.
        most_retry: The longest wait between attempts (the wait doubles).
    """

    def __init__(
        self, engine: Engine, *, first_retry: float = 0.5, most_retry: float = 30.0
    ) -> None:
        self._engine = engine
        self._first_retry = first_retry
        self._most_retry = most_retry
        self._wait = first_retry
        self._retry_at = 0.0
        self._listener: Any = None
        self._last_event = 0
        try:
            self._connect()
            self._last_event = self._newest_event()
        except StorageUnavailableError:
            self._lose()  # the server is down as the console starts: changed() retries

    def _connect(self) -> None:
        import psycopg

        url = self._engine.url.set(drivername="postgresql")
        try:
            listener = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
            )
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            raise StorageUnavailableError(f"live updates: {_first_line(exc)}") from None
        self._listener = listener

    def _newest_event(self) -> int:
        import psycopg

        try:
            return int(self._listener.execute(NEWEST_EVENT).fetchone()[0])
        except psycopg.Error as exc:
            raise StorageUnavailableError(f"live updates: {_first_line(exc)}") from None

    def changed(self) -> bool:
        """Whether a change was committed since the last call.

        Raises:
            StorageUnavailableError: The connection is lost, or still cannot be
                made again (no attempt is made before the backoff has passed).
        """
        import psycopg

        if self._listener is None:
            return self._reconnect()
        try:
            notified = any(True for _ in self._listener.notifies(timeout=0))
            # Asked on the listening connection itself: a dropped connection
            # (which yields no notification, and no error, to notifies()) fails here.
            newest = int(self._listener.execute(NEWEST_EVENT).fetchone()[0])
        except psycopg.Error as exc:
            self._lose()
            raise StorageUnavailableError(
                f"live updates lost the database: {_first_line(exc)}"
            ) from None
        moved = newest != self._last_event
        self._last_event = newest
        return notified or moved

    def _reconnect(self) -> bool:
        if time.monotonic() < self._retry_at:
            raise StorageUnavailableError("live updates: waiting to reconnect")
        try:
            self._connect()
            self._last_event = self._newest_event()
        except StorageUnavailableError:
            self._lose()
            self._wait = min(self._wait * 2, self._most_retry)
            raise
        self._wait = self._first_retry
        return True  # whatever happened meanwhile is in the event log: read it

    def _lose(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):  # it is gone already
                self._listener.close()
        self._listener = None
        self._retry_at = time.monotonic() + self._wait

    def close(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_feed(engine: Engine) -> SqliteChangeFeed | PostgresChangeFeed:
    """The change feed for ``engine``'s backend."""
    if engine.dialect.name == "postgresql":
        return PostgresChangeFeed(engine)
    return SqliteChangeFeed(engine)


class SqlPresence:
    """Heartbeats: who has which ticket open, until when.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def beat(self, login: str, ticket_id: int | None, until: datetime) -> None:
        """Say that ``login`` has ``ticket_id`` open (``None``: none) until ``until``."""
        stmt = dialect_insert(self._session, PresenceRow).values(
            login=login, ticket_id=ticket_id, expires_at=until
        )
        self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=["login"],
                set_={"ticket_id": stmt.excluded.ticket_id, "expires_at": stmt.excluded.expires_at},
            )
        )

    def viewers(self, ticket_id: int, now: datetime) -> list[str]:
        """Logins whose unexpired heartbeat names ``ticket_id``."""
        return list(
            self._session.scalars(
                select(PresenceRow.login)
                .where(PresenceRow.ticket_id == ticket_id, PresenceRow.expires_at > now)
                .order_by(PresenceRow.login)
            )
        )
