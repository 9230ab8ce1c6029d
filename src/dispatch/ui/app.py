"""The dispatch console application: lifecycle, global keys, palette, screens.

Behaviour lives in the screens; the App stays thin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Input, TextArea

from dispatch.domain.alerts import Alert
from dispatch.domain.filter import SavedView
from dispatch.domain.ports_console import Monitor, Preferences
from dispatch.services.runtime import Runtime
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.messages import AlertsRaised
from dispatch.ui.screens.confirm import ConfirmModal, drafts
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.help import HelpModal
from dispatch.ui.screens.oncall import OnCallModal
from dispatch.ui.screens.too_small import TooSmallScreen, too_small

SWEEP_AFTER_SHOWN = 0.5
"""Seconds from the first queue on screen to the start of the background watch (whose
first sweep runs at once): the start's other reads are done by then."""

SWEEP_AT_LATEST = 5.0
"""Seconds from the mount to the watch's start if no queue was shown (a failed read)."""


class DispatchApp(App[None]):
    """The console. Build it with ``dispatch.bootstrap.build_app``."""

    TITLE = "dispatch"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {DispatchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark,f1",
            "show_help",
            "Help",
            id="help",
            tooltip="Keys, filter terms, row symbols, statuses",
            # Over dialogs too. A focused text field still gets a typed ?: Textual leaves a
            # printable key a field consumes out of the binding chain, priority ones included.
            priority=True,
        ),
        Binding(
            "x",
            "dismiss_toasts",
            "Dismiss",
            show=False,
            id="dismiss-toasts",
            tooltip="Dismiss the toasts (also over a dialog)",
            priority=True,  # modal screens see no other app binding; typing is spared below
        ),
        Binding(
            "O",
            "show_oncall",
            "On call",
            show=False,
            id="show-oncall",
            tooltip="Who is on call now, and the coming week's shifts",
        ),
    ]
    """Global keys: help (over dialogs too); Textual's own ``ctrl+q`` quits from anywhere
    (asking first when a draft would be lost), ``ctrl+c`` says so, ``ctrl+p`` opens the
    command palette. ``q`` quits from the dispatcher's screen only: in a dialog it is just
    a letter."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        zone: ZoneInfo | None = None,
        monitor: Monitor | None = None,
        bell: bool = False,
        views: Sequence[SavedView] = (),
        prefs: Preferences | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = zone or ZoneInfo("UTC")
        self.monitor = monitor
        self.ring_bell = bell
        self.views = tuple(views)
        self.prefs = prefs
        """What this user's console remembers (``None``: nothing, as in tests)."""
        self.remembered: Mapping[str, str] = prefs.load() if prefs else {}
        self._monitor_started = False
        # Snapshots must not depend on the developer's TEXTUAL_THEME.
        self.theme = "textual-dark"

    def on_mount(self) -> None:
        """Theme, size check; the background watch starts once the queue is shown."""
        if self.monitor is not None:
            self.set_timer(SWEEP_AT_LATEST, self._start_monitor)
        theme = self.remembered.get("theme")
        if theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._fit_screen()

    @on(DispatchScreen.QueueShown)
    def _queue_shown(self) -> None:
        """The first queue is on screen: the catch-up sweep may start, shortly after."""
        if self.monitor is not None:
            self.set_timer(SWEEP_AFTER_SHOWN, self._start_monitor)

    def _start_monitor(self) -> None:
        """Start the watch once: its imports in a thread, its start on the loop (it needs it)."""
        if self.monitor is None or self._monitor_started:
            return
        self._monitor_started = True
        self._prepare_monitor(self.monitor)

    @work(thread=True, group="monitor", exit_on_error=False)
    def _prepare_monitor(self, monitor: Monitor) -> None:
        monitor.prepare()
        self.call_from_thread(self._monitor_prepared, monitor)

    def _monitor_prepared(self, monitor: Monitor) -> None:
        if self.monitor is monitor and self.is_running:
            monitor.start()

    def _theme_changed(self, theme: Theme) -> None:
        self.remember("theme", theme.name)

    def remember(self, key: str, value: str) -> None:
        """Keep ``value`` for this user's next console (written in a thread)."""
        if self.prefs is None or self.remembered.get(key) == value:
            return
        self.remembered = {**self.remembered, key: value}
        self.run_worker(partial(self.prefs.save, key, value), thread=True, group="prefs")

    def on_resize(self, event: events.Resize) -> None:
        """Below the console's minimum size, one line says so (and goes when it fits)."""
        self._fit_screen(event.size)

    def _fit_screen(self, size: Size | None = None) -> None:
        size = size or self.size
        shown = isinstance(self.screen, TooSmallScreen)
        if too_small(size) and not shown:
            self.push_screen(TooSmallScreen())
        elif shown and not too_small(size):
            self.pop_screen()

    def on_unmount(self) -> None:
        """Stop the watch and give its lease up."""
        if self.monitor is not None:
            self.monitor.stop()

    def alerts_raised(self, alerts: Sequence[Alert]) -> None:
        """The watch raised ``alerts`` (called from its thread): let the screen show them."""
        self.post_message(AlertsRaised(tuple(alerts)))

    def on_alerts_raised(self, message: AlertsRaised) -> None:
        """Hand the news to the dispatcher's screen (the base of the stack)."""
        if self.screen_stack:  # not while starting up or shutting down
            self.screen_stack[0].post_message(AlertsRaised(message.alerts))

    def get_default_screen(self) -> Screen[None]:
        """The dispatcher's screen is the console's base screen; dialogs go on top."""
        view = self.remembered.get("view")
        return DispatchScreen(
            self.runtime, self.zone, self.views, view=view, remember=self.remember
        )

    async def action_quit(self) -> None:
        """Leave the console; with a draft open (a new ticket, a status note), ask first."""
        if not drafts(self.screen_stack):
            self.exit()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        question = Content("Quit? What was typed in the open form is lost.")
        self.push_screen(ConfirmModal(question), answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``x`` is a letter, not a dismissal, while a text field has the focus.

        No help while the terminal is too small: no key acts then, and the small-terminal
        screen must stay on top.
        """
        if action == "dismiss_toasts":
            return not isinstance(self.focused, (Input, TextArea))
        if action == "show_help":
            return not isinstance(self.screen, TooSmallScreen)
        return True

    def action_dismiss_toasts(self) -> None:
        """Dismiss every toast (breach toasts stay until then), whatever screen is on top."""
        self.clear_notifications()

    def action_show_help(self) -> None:
        """The help of the screen on top; pressed in the help, the same key closes it.

        Not over the palette (its keys are Textual's): refusing it in ``check_action``
        would also take Help out of the palette's own list, which is read meanwhile.
        """
        if isinstance(self.screen, CommandPalette):
            return
        if isinstance(self.screen, HelpModal):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpModal(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands but "Keys" (its key panel): Help replaces it."""
        return [c for c in super().get_system_commands(screen) if c.title != "Keys"]

    def action_show_oncall(self) -> None:
        """Who is on call now and the coming week's shifts (read-only; the CLI edits them)."""
        if not isinstance(self.screen, OnCallModal):
            self.push_screen(OnCallModal(self.runtime, self.zone))
