"""A read-only console (``--read-only``, ``[access] read_only``): look, never change.

A screen with change keys hides them (its ``check_action`` answers ``False``
for them, so neither the footer nor the palette offers them) and, through
:func:`refuse_key`, says why when one is pressed anyway, instead of doing
nothing. The runtime's writer refuses too, so a path forgotten here still
changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from textual import events
from textual.screen import Screen
from textual.widgets import Input, TextArea

READ_ONLY_TEXT = "Read-only console: nothing can be changed here."


def refuse_key(screen: Screen[Any], event: events.Key, actions: Collection[str]) -> bool:
    """Say "read-only" for a key bound on ``screen`` to one of ``actions``; ``True`` if so.

    Keys typed into a text field are the field's, never refused. The key is
    stopped, so nothing else acts on it.
    """
    if isinstance(screen.focused, (Input, TextArea)):
        return False
    # Textual's bindings map after any [keys] remap; it has no public lookup by key.
    bound = screen._bindings.key_to_bindings.get(event.key, [])  # noqa: SLF001
    if not any(binding.action in actions for binding in bound):
        return False
    event.stop()
    event.prevent_default()
    screen.notify(READ_ONLY_TEXT, severity="warning", markup=False)
    return True
