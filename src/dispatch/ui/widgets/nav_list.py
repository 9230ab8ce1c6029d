"""A list that moves like every list of the console: arrows, ``j``/``k``, ``g``/``G``."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class NavList(OptionList):
    """An ``OptionList`` with the vi keys the queue has: ``j``/``k`` down/up, ``g``/``G`` ends."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", "first", "First", show=False, id="list.first"),
        Binding("G", "last", "Last", show=False, id="list.last"),
    ]
    """The vi keys (the arrows, ``home``, ``end`` are the ``OptionList``'s own)."""

    HELP_TITLE: ClassVar[str] = "Moving in the list"
    """How the help names these keys."""
