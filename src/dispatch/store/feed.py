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

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from dispatch.store.db import dialect_insert
from dispatch.store.schema import EventRow, PresenceRow

CHANNEL = "dispatch_changes"


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
    """``LISTEN dispatch_changes``, with the newest event id polled as a fallback."""

    def __init__(self, engine: Engine) -> None:
        import psycopg

        url = engine.url.set(drivername="postgresql")
        self._listener = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        self._listener.execute(f"LISTEN {CHANNEL}")
        self._engine = engine
        self._last_event = self._newest_event()

    def _newest_event(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.scalar(select(func.max(EventRow.id))) or 0)

    def changed(self) -> bool:
        """Whether a change was committed since the last call."""
        notified = any(True for _ in self._listener.notifies(timeout=0))
        newest = self._newest_event()
        moved = newest != self._last_event
        self._last_event = newest
        return notified or moved

    def close(self) -> None:
        """Stop listening."""
        self._listener.close()


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
