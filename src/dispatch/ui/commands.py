"""The command palette (ctrl+p): every keyed action of the screen on top, with its current keys.

Built from the live bindings of the screen and the app, so that a new key
appears in the palette by itself and a remapped key shows its new key. A
screen may add entries that have no key (``PALETTE_ENTRIES``), such as
"Customer card…", which asks which customer first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


@dataclass
class Command:
    """One palette entry: a keyed action and every key it has now."""

    title: str
    action: str
    help: str
    keys: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The help line: what it does, then its keys."""
        keys = ", ".join(self.keys)
        if not self.help:
            return keys
        return f"{self.help} ({keys})" if keys else self.help


@dataclass(frozen=True)
class PaletteEntry:
    """A palette entry without a key: a screen lists these in ``PALETTE_ENTRIES``.

    Attributes:
        title: What the palette shows.
        action: The action it runs (``screen.…`` or ``app.…``).
        help: What it does, in a few words.
    """

    title: str
    action: str
    help: str


class DispatchCommands(Provider):
    """The actions bound to keys on the screen on top (and the app's own), by name."""

    def commands(self) -> list[Command]:
        """The current screen's and the app's keyed actions, in binding order."""
        found: dict[str, Command] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.system or not binding.id or active.node not in (self.screen, self.app):
                continue
            prefix = "app" if active.node is self.app else "screen"
            action = binding.action if "." in binding.action else f"{prefix}.{binding.action}"
            command = found.setdefault(
                binding.id,
                Command(binding.description or binding.id, action, binding.tooltip),
            )
            command.keys.append(self.app.get_key_display(binding))
        commands = list(found.values())
        for entry in getattr(self.screen, "PALETTE_ENTRIES", ()):
            name = entry.action.partition(".")[2]
            if self.screen.check_action(name, ()) is not False:
                commands.append(Command(entry.title, entry.action, entry.help))
        return commands

    async def discover(self) -> Hits:
        """All commands, for an empty query."""
        for command in self.commands():
            yield DiscoveryHit(
                Content(command.title),
                partial(self.app.run_action, command.action),
                text=command.title,
                help=command.text,
            )

    async def search(self, query: str) -> Hits:
        """Commands whose title or help matches ``query``."""
        matcher = self.matcher(query)
        for command in self.commands():
            score = max(matcher.match(command.title), matcher.match(command.text) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    partial(self.app.run_action, command.action),
                    text=command.title,
                    help=command.text,
                )
