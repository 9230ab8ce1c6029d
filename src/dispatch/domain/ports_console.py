"""Ports the console runs on: presence, the change feed, the monitor, preferences.

Split from ``ports`` (which the unit of work keeps); the same Protocols.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class PresenceStore(Protocol):
    """Who has which ticket open."""

    def beat(self, login: str, ticket_id: int | None, until: datetime) -> None:
        """Say that ``login`` has ``ticket_id`` open until ``until``."""
        ...

    def viewers(self, ticket_id: int, now: datetime) -> list[str]:
        """Logins with an unexpired heartbeat on ``ticket_id``."""
        ...


class ChangeFeed(Protocol):
    """Tells cheaply whether anyone committed a change since the last look."""

    def changed(self) -> bool:
        """Whether a change was committed since the last call (the first call: since opening).

        Raises:
            StorageUnavailableError: While the database cannot be reached; the
                feed reconnects by itself, and its first answer after that is
                ``True`` (read the event log since the last look).
        """
        ...

    def close(self) -> None:
        """Release the feed's connection."""
        ...


class Monitor(Protocol):
    """The background watch, as the console sees it: started and stopped with it."""

    def prepare(self) -> None:
        """Load what ``start`` needs; called in a thread, off the event loop."""
        ...

    def start(self) -> None:
        """Start on the running event loop."""
        ...

    def stop(self) -> None:
        """Stop, and let another process take the duty over."""
        ...


class Preferences(Protocol):
    """What one user's console remembers across restarts (the last view, the theme)."""

    def load(self) -> Mapping[str, str]:
        """Everything remembered (empty when nothing is, or it cannot be read)."""
        ...

    def save(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key`` (a failure is logged, never raised)."""
        ...
