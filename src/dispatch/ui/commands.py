"""The command palette (ctrl+p): the dispatcher's actions, in the same words as the keys."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Assign technician", "screen.assign", "Choose a technician for the selected ticket (a)"),
    ("Take ticket", "screen.take", "Assign the selected ticket to me (t)"),
    ("Change status", "screen.change_status", "Waiting on customer, escalate, resolve... (s)"),
    ("New ticket", "screen.new_ticket", "Open a ticket for a caller (n)"),
    ("Explain SLA", "screen.explain", "Why the ticket is here; how its deadlines came (w)"),
    ("Filter queue", "screen.filter", "Filter by words, status, SLA state, kind, assignee (/)"),
    ("Ticket detail", "screen.open_detail", "Show the selected ticket (enter)"),
    ("Reload", "screen.reload", "Read the queue again (r)"),
    ("Help", "app.toggle_help", "Show the keys (F1, ?)"),
)


class DispatchCommands(Provider):
    """The console's actions; only offered on the dispatcher's screen."""

    def _available(self) -> bool:
        from dispatch.ui.screens.dispatch import DispatchScreen

        return isinstance(self.screen, DispatchScreen)

    async def discover(self) -> Hits:
        """All commands, for an empty query."""
        if not self._available():
            return
        for title, action, help_text in COMMANDS:
            yield DiscoveryHit(
                Content(title), partial(self.app.run_action, action), text=title, help=help_text
            )

    async def search(self, query: str) -> Hits:
        """Commands matching ``query``."""
        if not self._available():
            return
        matcher = self.matcher(query)
        for title, action, help_text in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.run_action, action),
                    text=title,
                    help=help_text,
                )
