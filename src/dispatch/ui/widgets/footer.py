"""The console's footer: Textual's, with Help and Quit first so that they always show.

Textual's footer lists the keys in binding order and cuts what does not fit
the line. At 80 columns the dispatcher's keys just fit; a remap to a longer
key (``ctrl+t`` shows as ``^t``) or a new key would push Help and Quit, the
two a dispatcher must always find, off the right edge.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer

PINNED = ("help", "quit")
"""Binding ids whose keys come first in the footer, in this order."""


class DispatchFooter(Footer):
    """The footer, with the keys of the ``PINNED`` bindings (where live) first."""

    def compose(self) -> ComposeResult:
        """Textual's keys, pinned ones moved to the front (the palette key stays docked right)."""
        rank = {
            active.binding.action: PINNED.index(active.binding.id)
            for active in self.screen.active_bindings.values()
            if active.binding.id in PINNED
        }

        def place(widget: Widget) -> int:
            # A key is a FooterKey (not public in Textual 8), the one widget with an action.
            return rank.get(getattr(widget, "action", None) or "", len(PINNED))

        yield from sorted(super().compose(), key=place)
