"""The tickets a console showed, to walk back and forth (``-``/``ctrl+o``, ``+``/``ctrl+i``).

Like a browser's history, or vim's jump list: going to a ticket (from the
filter, the alert log, a new ticket) is always kept; moving the cursor keeps
a ticket only once it rested there ``SETTLE_SECONDS``, so running down the
queue with ``j`` leaves one entry, not twenty. Going back and then elsewhere
drops what lay ahead.
"""

from __future__ import annotations

SETTLE_SECONDS = 1.0
"""How long the cursor must rest on a ticket for the history to keep it."""

MAX_ENTRIES = 100
"""The oldest entries go beyond this."""


class TicketHistory:
    """Ticket ids in the order shown, and where in them the console stands."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._pos = -1
        self._entered = float("-inf")
        """When the current entry was shown (monotonic seconds; ``-inf``: it is kept)."""

    def visit(self, ticket_id: int, now: float, *, jump: bool = False) -> None:
        """The console shows ``ticket_id`` at ``now``; ``jump``: it was gone to, not passed."""
        if self._ids and self._ids[self._pos] == ticket_id:
            return
        del self._ids[self._pos + 1 :]
        passed_through = not jump and now - self._entered < SETTLE_SECONDS
        if self._ids and passed_through:
            self._ids[self._pos] = ticket_id
        else:
            self._ids.append(ticket_id)
            if len(self._ids) > MAX_ENTRIES:
                del self._ids[0]
            self._pos = len(self._ids) - 1
        self._entered = float("-inf") if jump else now

    def back(self) -> int | None:
        """The ticket shown before the current one (``None``: none)."""
        return self._step(-1)

    def forward(self) -> int | None:
        """The ticket gone back from (``None``: none)."""
        return self._step(1)

    def _step(self, by: int) -> int | None:
        pos = self._pos + by
        if not 0 <= pos < len(self._ids):
            return None
        self._pos = pos
        self._entered = float("-inf")  # gone to: kept whatever comes next
        return self._ids[pos]
