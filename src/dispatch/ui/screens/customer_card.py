"""The customer card: who the customer is, whom to call, what they have, and their tickets.

One scrolling list, read in a worker thread as the card opens
(``services.customer_card``): the customer's site, contacts, active contracts
with their terms (the same line the ticket's detail shows) and block-hours
balance, who is on call now (those based near the customer first), then the
open tickets and the last 90 days' tickets with what each SLA clock came to.
The cursor moves over the tickets only (``tab``: to the next list); ``enter``
closes the card on that ticket, and the queue goes to it. Everything from the
customer is shown literally (``ui.safe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from dispatch.domain.card import CardTicket, CustomerCard, nearness
from dispatch.domain.errors import DispatchError
from dispatch.domain.sla import Outcome
from dispatch.domain.terms import terms_text
from dispatch.services import customer_card
from dispatch.services.runtime import Runtime
from dispatch.ui.safe import clip, safe
from dispatch.ui.widgets.nav_list import NavList

OUTCOME_SHOWN: dict[Outcome, tuple[str, str]] = {
    Outcome.MET: ("✔ met", "$success"),
    Outcome.BREACHED: ("✖ breached", "bold $error"),
    Outcome.RUNNING: ("● running", ""),
    Outcome.NONE: ("· none", "dim"),
}
"""How each clock's outcome reads (a symbol too, for a terminal without colour)."""

MIN_TITLE = 12
"""Characters of a ticket's title shown however narrow the card (the line wraps then)."""

NEARNESS = ("same region", "same country", "")
"""What ``domain.card.nearness`` says, in words."""


def _outcome(value: Outcome) -> Content:
    text, style = OUTCOME_SHOWN[value]
    return Content.styled(f"{text:<10}", style) if style else Content(f"{text:<10}")


def ticket_line(entry: CardTicket, zone: ZoneInfo, width: int = 0) -> Content:
    """``T-42   P1 in progress  20 Nov  ✔ met      ● running  Printer down``.

    ``width``: the title is cut so that the line fits (0: not cut), one line per ticket.
    """
    t = entry.ticket
    opened = t.opened_at.astimezone(zone).strftime("%d %b")
    head = Content.assemble(
        (f"{t.ref:<7}", "bold"),
        f"{t.severity.value} {t.status.label:<11} {opened}  ",
        _outcome(entry.response),
        " ",
        _outcome(entry.resolution),
        " ",
    )
    room = max(width - head.cell_length, MIN_TITLE) if width else 200
    return Content.assemble(head, safe(clip(t.title, room)))


HEAD_LINES = 2
"""The lines above a list's first ticket: its heading and the column titles."""


def _heading(text: str) -> Option:
    return Option(Content.styled(text, "bold $accent"), disabled=True)


def _line(content: Content) -> Option:
    return Option(content, disabled=True)


def card_options(card: CustomerCard, zone: ZoneInfo, width: int = 0) -> list[Option]:
    """The card as list entries: headings and facts (disabled), then the tickets.

    ``width``: the list's width, to which each ticket's line is cut (0: not cut).
    """
    cu = card.customer
    where = cu.country + (f"-{cu.region}" if cu.region else "")
    options = [
        _line(
            Content.assemble(
                safe(cu.name, "bold"),
                ("  ", ""),
                safe(f"{cu.timezone} · {where}"),
                (f"  retired {cu.retired_at:%Y-%m-%d}", "$warning") if cu.retired_at else "",
            )
        ),
        _line(Content.assemble(("Site  ", "dim"), safe(cu.address or "—"))),
        _heading("Contacts"),
    ]
    for k in cu.contacts:
        reach = ", ".join([*k.phones, *k.emails]) or "no phone or e-mail"
        options.append(
            _line(
                Content.assemble(
                    "  ",
                    safe(k.name, "bold"),
                    Content.assemble(("  ", ""), safe(k.role, "italic")) if k.role else "",
                    "  ",
                    safe(reach),
                )
            )
        )
    if not cu.contacts:
        options.append(_line(Content.styled("  none recorded", "dim")))
    options.append(_heading("Contracts in force"))
    for entry in card.contracts:
        c = entry.contract
        options.append(
            _line(
                Content.assemble(
                    "  ",
                    safe(c.name, "bold"),
                    f"  {c.kind.label}  ",
                    safe(terms_text(c, entry.calendar, entry.balance)),
                )
            )
        )
    if not card.contracts:
        options.append(_line(Content.styled("  none valid today: no new ticket", "$warning")))
    options.append(_heading(f"On call now ({card.at.astimezone(zone):%a %H:%M})"))
    for tech in card.on_call:
        near = NEARNESS[nearness(tech, cu)]
        options.append(
            _line(
                Content.assemble(
                    "  ",
                    safe(clip(tech.login, 16).ljust(16), "bold"),
                    " ",
                    safe(clip(tech.name, 30)),
                    Content.assemble(("  ", ""), safe(tech.home_region, "dim")),
                    (f"  {near}", "$success") if near else "",
                )
            )
        )
    if not card.on_call:
        options.append(_line(Content.styled("  nobody", "$warning")))
    title = f"Open tickets ({_count(card.open_tickets, card.more_open)})"
    options += _tickets("open", title, card.open_tickets, zone, width)
    since = card.since.astimezone(zone).strftime("%d %b %Y")
    title = f"Last 90 days, since {since} ({_count(card.recent, card.more_recent)})"
    options += _tickets("recent", title, card.recent, zone, width)
    return options


def _count(entries: Sequence[CardTicket], more: bool) -> str:
    return f"newest {len(entries)} shown" if more else str(len(entries))


def _tickets(
    section: str, title: str, entries: Sequence[CardTicket], zone: ZoneInfo, width: int
) -> list[Option]:
    options = [
        _heading(title),
        _line(
            Content.styled("  ticket sev status      opened  response   resolution title", "dim")
        ),
    ]
    options += [Option(ticket_line(e, zone, width), id=f"{section}-{e.ticket.id}") for e in entries]
    if not entries:
        options.append(_line(Content.styled("  none", "dim")))
    return options


class CustomerCardModal(ModalScreen[int | None]):
    """One customer's card; dismisses with the ticket chosen (``enter``) or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,C,q", "dismiss(None)", "Close", id="card.close", tooltip="Back"),
        Binding("enter", "open_ticket", "Go to", id="card.ticket", tooltip="Show it in the queue"),
        Binding("tab", "next_list", "Next list", id="card.next-list", tooltip="Open, last 90 days"),
    ]

    HELP_TITLE: ClassVar[str] = "The customer card"
    """How the help names this dialog's keys."""

    class Loaded(Message):
        """The card was read."""

        def __init__(self, card: CustomerCard) -> None:
            self.card = card
            super().__init__()

    def __init__(self, runtime: Runtime, zone: ZoneInfo, customer_id: int) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = zone
        self.customer_id = customer_id
        self.card: CustomerCard | None = None
        """The card shown (``None``: still reading)."""
        self._width = 0
        """The list's width the entries were cut to."""

    def compose(self) -> ComposeResult:
        """A box holding one list, filled once the card is read."""
        with Vertical(id="card-dialog", classes="dialog") as box:
            box.border_title = "Customer card"
            box.border_subtitle = "enter go to ticket · tab next list · esc close"
            yield NavList(_line(Content.styled("Reading the card…", "dim")), id="card-list")

    def on_mount(self) -> None:
        """Read the card."""
        self.query_one(NavList).focus()
        self._load(self.runtime.clock.now())

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def _load(self, now: datetime) -> None:
        rt = self.runtime
        card = customer_card.customer_card(
            rt.reader(), self.customer_id, now, calendars=rt.calendars
        )
        self.post_message(self.Loaded(card))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.card = message.card
        box = self.query_one("#card-dialog")
        box.border_title = Content.assemble(
            "Customer card: ", safe(clip(message.card.customer.name, 60))
        )
        self._width = 0
        self._fill()
        self.action_next_list(first=True)

    def on_resize(self) -> None:
        """Cut the tickets' lines to the new width (the highlight stays where it was)."""
        if self.card is not None:
            self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """The card's entries at the list's width (again only when the width changed)."""
        options = self.query_one(NavList)
        width = options.scrollable_content_region.width
        if self.card is None or width == self._width:
            return
        self._width = width
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(card_options(self.card, self.zone, width))
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, DispatchError) else f"unexpected error: {error!r}"
        options = self.query_one(NavList)
        options.clear_options()
        options.add_option(_line(safe(f"Could not read the card: {text}", "$error")))

    @on(OptionList.OptionSelected, "#card-list")
    def _selected(self) -> None:
        """``enter`` on a ticket (the list takes the key first): go to it."""
        self.action_open_ticket()

    @on(OptionList.OptionHighlighted, "#card-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """On the first ticket, the customer's facts above it come back into view."""
        if event.option_index == self._first_ticket():
            self.query_one(NavList).scroll_home(animate=False)

    def action_open_ticket(self) -> None:
        """Close the card; the queue goes to the highlighted ticket."""
        ticket_id = self.highlighted_ticket()
        if ticket_id is not None:
            self.dismiss(ticket_id)

    def action_next_list(self, first: bool = False) -> None:
        """To the first ticket of the next list (open, then the last 90 days, round)."""
        options = self.query_one(NavList)
        starts = self._section_starts()
        if not starts:
            options.highlighted = None
            return
        now = -1 if first or options.highlighted is None else options.highlighted
        options.highlighted = next((s for s in starts if s > now), starts[0])
        if options.highlighted != starts[0]:  # the first is shown with the facts above it
            self.call_after_refresh(self._show_list_head)

    def _show_list_head(self) -> None:
        """The highlighted ticket's list from the top: its heading and column titles too."""
        options = self.query_one(NavList)
        options.scroll_to_highlight(top=True)
        options.scroll_relative(y=-HEAD_LINES, animate=False, immediate=True)

    def highlighted_ticket(self) -> int | None:
        """The id of the highlighted ticket (``None``: none)."""
        options = self.query_one(NavList)
        if options.highlighted is None:
            return None
        option_id = options.get_option_at_index(options.highlighted).id or ""
        _, _, ticket_id = option_id.partition("-")
        return int(ticket_id) if ticket_id.isdigit() else None

    def _section_starts(self) -> list[int]:
        """The index of each list's first ticket."""
        options = self.query_one(NavList)
        starts: dict[str, int] = {}
        for index in range(options.option_count):
            section = (options.get_option_at_index(index).id or "").partition("-")[0]
            if section:
                starts.setdefault(section, index)
        return sorted(starts.values())

    def _first_ticket(self) -> int | None:
        starts = self._section_starts()
        return starts[0] if starts else None
