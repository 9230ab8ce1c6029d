"""Who is on call now, and the shifts of the coming week: a read-only view of the rota.

The rota is read in a worker thread as the dialog opens (``services.oncall``);
rotations and overrides are changed with ``dispatch oncall``, never here.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from dispatch.domain.errors import DispatchError
from dispatch.domain.oncall import Shift
from dispatch.services import oncall
from dispatch.services.oncall import OnCallView
from dispatch.services.runtime import Runtime
from dispatch.ui.safe import clip, safe


def _when(at: datetime, zone: ZoneInfo, *, short: bool = False) -> str:
    """``Mon 23 Nov 08:00``; ``short``: ``Mon 23 08:00`` (within the week shown)."""
    return at.astimezone(zone).strftime("%a %d %H:%M" if short else "%a %d %b %H:%M")


def _who(shift: Shift, width: int = 0) -> Content:
    """The login on call, bold, with whom they cover; padded to ``width`` cells."""
    cover = f" (for {clip(shift.replaces, 16)})" if shift.replaces else ""
    who = Content.assemble(safe(clip(shift.login, 16), "bold"), (cover, "$warning"))
    return who.pad_right(max(width - who.cell_length, 0))


def oncall_lines(view: OnCallView, zone: ZoneInfo) -> list[Content]:
    """The view as lines: who is on call now, by layer, then the coming shifts."""
    if not view.rotations:
        return [
            Content("No on-call rotations: the technicians' on-call flags apply."),
            Content.styled("Add one with: dispatch oncall add --help", "dim"),
        ]
    lines = [Content.styled(f"On call now ({_when(view.at, zone)})", "bold")]
    for shift in view.now:
        lines.append(
            Content.assemble(
                f"  L{shift.layer} ",
                safe(clip(shift.rotation, 12).ljust(12)),
                " ",
                _who(shift, 16),
                (f" until {_when(shift.end, zone)}", "dim"),
            )
        )
    if not view.now:
        lines.append(Content.styled("  nobody (no rotation has started)", "$warning"))
    lines += [Content(""), Content.styled(f"Shifts until {_when(view.until, zone)}", "bold")]
    for shift in view.shifts:
        lines.append(
            Content.assemble(
                f"  {_when(shift.start, zone, short=True)} – {_when(shift.end, zone, short=True)}"
                f"  L{shift.layer} ",
                safe(clip(shift.rotation, 10).ljust(10)),
                " ",
                _who(shift),
            )
        )
    return lines


class OnCallModal(ModalScreen[None]):
    """The rota now and for the coming week; ``escape``, ``O`` or ``q`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,O,q", "dismiss(None)", "Close", id="oncall.close", tooltip="Back"),
    ]

    HELP_TITLE: ClassVar[str] = "On call"
    """How the help names this dialog's keys."""

    class Loaded(Message):
        """The rota was read."""

        def __init__(self, view: OnCallView) -> None:
            self.view = view
            super().__init__()

    def __init__(self, runtime: Runtime, zone: ZoneInfo) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = zone

    def compose(self) -> ComposeResult:
        """A scrolling box, filled once the rota is read."""
        with VerticalScroll(id="oncall-dialog", classes="dialog") as box:
            box.border_title = "On call"
            box.border_subtitle = f"times in {self.zone.key} · escape closes"
            box.can_focus = True
            yield Static(Content.styled("Reading the rota…", "dim"), id="oncall-text")

    def on_mount(self) -> None:
        """Read the rota."""
        self._load()

    @work(thread=True, exclusive=True, group="oncall", exit_on_error=False)
    def _load(self) -> None:
        view = oncall.show(self.runtime.reader(), self.runtime.clock.now())
        self.post_message(self.Loaded(view))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        text = Content("\n").join(oncall_lines(message.view, self.zone))
        self.query_one("#oncall-text", Static).update(text)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
        self.query_one("#oncall-text", Static).update(safe(f"Could not read the rota: {text}"))
