"""The ``[keys]`` remap checked against the console's bindings before it starts.

Textual applies a keymap silently: an unknown binding id or key name is
ignored, and a key given to two bindings of one screen leaves one of them
unreachable. The console refuses such a keymap at start, naming the file,
the line and what is wrong, one line per problem. A screen's bindings are
its own, its widgets', and the app's (on a dialog only the app's priority
ones: Textual gives a modal screen no other).

May use: Textual, the UI's screens and widgets (for their bindings).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from textual.app import App
from textual.binding import Binding, BindingType
from textual.keys import REPLACED_KEYS, Keys, _normalize_key_list, key_to_character

from dispatch.domain.errors import InvalidInputError
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.alerts import AlertsScreen
from dispatch.ui.screens.assign import AssignModal
from dispatch.ui.screens.compose import ComposeModal
from dispatch.ui.screens.confirm import ConfirmModal
from dispatch.ui.screens.customer_card import CustomerCardModal
from dispatch.ui.screens.customer_pick import CustomerPickModal
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.help import HelpModal
from dispatch.ui.screens.new_ticket import NewTicketModal
from dispatch.ui.screens.oncall import OnCallModal
from dispatch.ui.screens.severity import SeverityModal
from dispatch.ui.screens.status import StatusModal
from dispatch.ui.widgets.nav_list import NavList
from dispatch.ui.widgets.queue_view import QueueView
from dispatch.ui.widgets.ticket_detail import TicketDetailPane

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(k.value for k in Keys if "+" not in k.value and "<" not in k.value)

_APP: tuple[type, ...] = (App, DispatchApp)
SCREENS: dict[str, tuple[type, ...]] = {
    "the dispatcher's screen": (*_APP, DispatchScreen, QueueView, TicketDetailPane),
    "the alert log": (AlertsScreen, NavList),
    "the assign dialog": (AssignModal, NavList),
    "the status dialog": (StatusModal, NavList),
    "the severity dialog": (SeverityModal, NavList),
    "the new-ticket form": (NewTicketModal,),
    "a question": (ConfirmModal,),
    "the help": (HelpModal,),
    "the on-call view": (OnCallModal,),
    "the writing dialog": (ComposeModal,),
    "the customer card": (CustomerCardModal, NavList),
    "picking a customer": (CustomerPickModal,),
}
"""Each screen and the classes whose bindings are live on it (a dialog also gets the
app's priority bindings)."""


def _bindings(owner: type) -> list[Binding]:
    raw: Iterable[BindingType] = owner.__dict__.get("BINDINGS", ())
    return [b for b in raw if isinstance(b, Binding)]


def _live(classes: tuple[type, ...]) -> list[Binding]:
    live = [b for owner in classes for b in _bindings(owner)]
    if App not in classes:  # a dialog: only the app's priority bindings reach it
        live += [b for owner in _APP for b in _bindings(owner) if b.priority]
    return live


def binding_ids() -> set[str]:
    """Every binding id a keymap may name."""
    return {b.id for classes in SCREENS.values() for b in _live(classes) if b.id}


def is_key(key: str) -> bool:
    """Whether Textual can bind ``key`` (``ctrl+t``, ``f5``, ``slash``, ``G``, ``?``)."""
    *mods, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in mods):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in _NAMED_KEYS or key_to_character(REPLACED_KEYS.get(base, base)) is not None


def check_keymap(
    keymap: Mapping[str, str], *, path: Path | None = None, lines: Mapping[str, int] | None = None
) -> None:
    """Refuse a keymap naming an unknown binding or key, or giving one key to two bindings.

    Raises:
        InvalidInputError: Every problem, one line each, with the file and line.
    """
    lines = lines or {}

    def where(binding_id: str) -> str:
        """``dispatch.toml:5: [keys]`` (the file and line, where known)."""
        if path is None:
            return "[keys]"
        line = lines.get(binding_id)
        return f"{path}:{line}: [keys]" if line else f"{path}: [keys]"

    known = binding_ids()
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            near = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f"{where(binding_id)} {binding_id}: no such binding{hint}")
            continue
        for key in _normalize_key_list(keys).split(","):
            if not is_key(key):
                problems.append(
                    f"{where(binding_id)} {binding_id}: {key!r} is not a key name"
                    " (e.g. ctrl+t, f5, slash, question_mark, G)"
                )
    # A key named twice is said once.
    problems = list(dict.fromkeys([*problems, *_clashes(keymap, where)]))
    if problems:
        raise InvalidInputError("the console's keymap is broken:\n" + "\n".join(problems))


def _clashes(keymap: Mapping[str, str], where: Callable[[str], str]) -> list[str]:
    """Keys a remap gives to two bindings of one screen."""
    problems: list[str] = []
    for screen, classes in SCREENS.items():
        owners: dict[str, set[str]] = {}
        for binding in _live(classes):
            name = binding.id or binding.action
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            for key in _normalize_key_list(keys).split(","):
                owners.setdefault(key, set()).add(name)
        for key, names in sorted(owners.items()):
            remapped = sorted(n for n in names if n in keymap)
            if len(names) > 1 and remapped:
                others = ", ".join(sorted(names - {remapped[0]}))
                problems.append(
                    f"{where(remapped[0])} {remapped[0]}: {key} is also {others} on {screen}"
                )
    return problems
