"""The console's help: the keys of the screen it was opened from, then the reference.

The keys are read from that screen's live bindings as the help opens, so a
``[keys]`` remap shows the remapped key, a read-only console leaves out the
keys it refuses, and the keys Textual's footer hides are listed too. Then the
filter's terms, what the queue's rows show and the statuses: each table lives
with its owner (``domain/filter.py``, ``widgets/queue_view.py``, the status's
meaning in ``domain/model.py`` and its letter in ``screens/status.py``); this
screen only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import HorizontalGroup, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Label

from dispatch.domain.filter import FILTER_TERMS
from dispatch.domain.model import ContractKind, TicketStatus
from dispatch.ui.screens.status import STATUS_KEYS
from dispatch.ui.widgets.queue_view import DUE_LEGEND, FLAG_LEGEND, FLAG_SYMBOL

TEXTUAL_KEYS = {
    "command_palette": ("Palette", "every action of this screen by name, with its keys"),
    "quit": ("Quit", "from anywhere; asks first when a form holds typed text"),
}
"""Textual's own app keys worth listing (they carry no binding id); the rest are internals."""


@dataclass
class KeyHelp:
    """One action of the help's key list, with every key it has now."""

    title: str
    tooltip: str
    enabled: bool
    keys: list[str] = field(default_factory=list)


@dataclass
class KeyGroup:
    """The keys one node (the screen, the focused widget, the app) binds, under a heading."""

    heading: str
    keys: dict[str, KeyHelp] = field(default_factory=dict)


def heading(node: DOMNode, app: DOMNode) -> str:
    """How the help names the keys of ``node``: its ``HELP_TITLE``, else a general name."""
    if node is app:
        return "Everywhere"
    named = getattr(node, "HELP_TITLE", None)
    if isinstance(named, str):
        return named
    if isinstance(node, ModalScreen):
        return "This dialog"
    return "This screen" if isinstance(node, Screen) else "Here"


def live_bindings(screen: Screen[Any]) -> list[ActiveBinding]:
    """What ``screen.active_bindings`` lists, and on a dialog the app's priority bindings.

    Textual's ``active_bindings`` stops at a modal screen, but the app's priority
    bindings (help, dismissing the toasts) still reach it; the binding chain is
    where they are, remapped, and without the keys a focused text field takes.
    """
    live = dict(screen.active_bindings)
    app = screen.app
    if screen.is_modal:
        for node, bindings in screen._binding_chain:  # noqa: SLF001 - see above
            if node is not app:
                continue
            for key, binding in bindings:
                state = app.check_action(binding.action, ())
                if binding.priority and key not in live and state is not False:
                    live[key] = ActiveBinding(node, binding, bool(state), binding.tooltip)
    return list(live.values())


def key_groups(screen: Screen[Any]) -> list[KeyGroup]:
    """The keys live on ``screen`` now: its own first, then the focused widget's, then the app's.

    A binding with an id is the console's own (shown or hidden in the footer);
    of the ones without, only ``TEXTUAL_KEYS`` mean something to a dispatcher.
    """
    app = screen.app
    groups: dict[DOMNode, KeyGroup] = {}
    for active in live_bindings(screen):
        binding, node = active.binding, active.node
        if binding.system:
            continue
        if binding.id:
            name = binding.id
            title, tooltip = binding.description or binding.id, active.tooltip or binding.tooltip
        elif node is app and binding.action in TEXTUAL_KEYS:
            name = binding.action
            title, tooltip = TEXTUAL_KEYS[binding.action]
        else:
            continue
        group = groups.setdefault(node, KeyGroup(heading(node, app)))
        entry = group.keys.setdefault(name, KeyHelp(title, tooltip, active.enabled))
        entry.keys.append(app.get_key_display(binding))

    def place(node: DOMNode) -> int:
        return 0 if node is screen else 2 if node is app else 1

    return [groups[node] for node in sorted(groups, key=place)]


class HelpModal(ModalScreen[None]):
    """The keys of the screen beneath and the console's reference, in one scrolling box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss(None)", "Close", id="help.close", tooltip="Back"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="help.up"),
        Binding("g,home", "scroll('top')", "Top", show=False, id="help.top"),
        Binding("G,end", "scroll('bottom')", "Bottom", show=False, id="help.bottom"),
        Binding("pageup", "scroll('page-up')", "Page up", show=False, id="help.page-up"),
        Binding("pagedown", "scroll('page-down')", "Page down", show=False, id="help.page-down"),
    ]
    """Closing and scrolling; the help key (``?``, ``f1``) closes it too, through the app."""

    HELP_TITLE: ClassVar[str] = "The help"
    """How the help names this screen's keys."""

    def __init__(self, source: Screen[Any]) -> None:
        super().__init__()
        self._groups = key_groups(source)

    def compose(self) -> ComposeResult:
        """Headings and two-column rows in a box that scrolls."""
        with VerticalScroll(id="help-dialog", classes="dialog") as box:
            box.can_focus = False  # the screen's keys scroll it, wherever the focus is
            box.border_title = Content.styled("Help", "bold")
            for group in self._groups:
                yield _heading(group.heading)
                for entry in group.keys.values():
                    keys = Content(" ".join(entry.keys))
                    title = Content.styled(entry.title, "bold" if entry.enabled else "dim")
                    text = Content.assemble(title, "  ", (entry.tooltip, "dim"))
                    yield _row(keys.stylize("bold $accent"), text, "help-key")
            yield from self._reference()

    def on_mount(self) -> None:
        """Say the keys that close and scroll the help (as remapped, if they are)."""
        self.query_one("#help-dialog").border_subtitle = Content.assemble(
            self._keys_of("help.close", "help"),
            " close · ",
            Content(" ").join(
                self._keys_of(name, first=True)
                for name in ("help.down", "help.up", "help.top", "help.bottom")
            ),
            " ",
            Content(" ").join(self._keys_of(n) for n in ("help.page-up", "help.page-down")),
            " scroll",
        )

    def action_scroll(self, where: str) -> None:
        """Scroll the box: a line, a page, or to its top or bottom."""
        box = self.query_one("#help-dialog", VerticalScroll)
        move = {
            "down": box.scroll_down,
            "up": box.scroll_up,
            "page-down": box.scroll_page_down,
            "page-up": box.scroll_page_up,
            "top": box.scroll_home,
            "bottom": box.scroll_end,
        }[where]
        move(animate=False)

    def _reference(self) -> Iterator[Widget]:
        """The filter's terms, the queue's rows, the statuses."""
        yield _heading("Filter (/ opens it, enter applies, escape clears)")
        for example, meaning in FILTER_TERMS:
            yield _row(Content.styled(example, "bold"), Content(meaning))
        yield _heading("Queue rows: the first column")
        for flag, (style, meaning) in FLAG_LEGEND.items():
            yield _row(Content.styled(f"{FLAG_SYMBOL[flag]} {flag}", style), Content(meaning))
        yield _heading("Queue rows: Due/age")
        for shown, meaning in DUE_LEGEND:
            yield _row(Content.styled(shown, "bold"), Content(meaning))
        yield _heading("Queue rows: Kind (the contract)")
        for kind in ContractKind:
            yield _row(Content.styled(kind.badge, "bold"), Content(kind.label))
        yield _heading("Statuses (s, then the letter)")
        for status in TicketStatus:
            letter = STATUS_KEYS.get(status)  # new has none: no ticket goes back to new
            yield _row(
                Content.assemble(
                    (letter or "·", "bold" if letter else "dim"), "  ", (status.label, "bold")
                ),
                Content(status.meaning),
            )

    def _keys_of(self, *names: str, first: bool = False) -> Content:
        """The live keys of the bindings ``names``, ``/`` between them (``first``: one only)."""
        keys = [
            self.app.get_key_display(active.binding)
            for active in live_bindings(self)
            if active.binding.id in names
        ]
        return Content("/".join(keys[:1] if first else keys))


def _heading(text: str) -> Label:
    return Label(Content.styled(text, "bold"), classes="help-heading")


def _row(key: Content, text: Content, kind: str = "help-term") -> HorizontalGroup:
    """``key`` (a ``help-key`` column for keys, a wider ``help-term`` one) beside ``text``."""
    return HorizontalGroup(
        Label(key, classes=kind), Label(text, classes="help-text"), classes="help-row"
    )
