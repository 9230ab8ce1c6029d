"""Every field of the selected ticket, its contract, its history and its conversation.

Customer text is shown literally and safely; a huge description is cut for
display (the full text stays in the database and ``dispatch ticket show``),
so no body can freeze the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from dispatch.domain.terms import terms_text
from dispatch.formats import change_text
from dispatch.services.tickets import TicketDetail
from dispatch.ui.safe import safe
from dispatch.ui.widgets.conversation_view import conversation_content
from dispatch.ui.widgets.quiet_static import QuietStatic, same_visual

MAX_DESCRIPTION_CHARS = 20_000
MAX_DESCRIPTION_LINES = 400
MAX_EVENTS = 50


class TicketDetailPane(VerticalScroll, can_focus=True):
    """The selected ticket in full; scrolls with the arrow keys when focused."""

    DEFAULT_CSS = """
    TicketDetailPane {
        height: 1fr;
        border: round $foreground 30%;
        border-title-color: $foreground;
        padding: 0 1;
        &:focus { border: round $accent; }
        #detail-body { height: auto; }
    }
    """

    def __init__(self, zone: ZoneInfo, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.border_title = "Ticket"
        self._zone = zone
        self._viewers: tuple[str, tuple[str, ...]] | None = None
        """The ticket and other viewers the title names now."""

    def compose(self) -> ComposeResult:
        """One static body."""
        yield QuietStatic(Content("No ticket selected."), id="detail-body")

    def show_viewers(self, ticket_ref: str, logins: Sequence[str]) -> None:
        """Name who else has the ticket open (``T-62 · also open: bob``)."""
        if getattr(self, "_ref", None) != ticket_ref:
            return
        if self._viewers == (ticket_ref, tuple(logins)):
            return  # a title set repaints the whole pane: only when it changed
        self._viewers = (ticket_ref, tuple(logins))
        title = Content(ticket_ref)
        if logins:
            title = Content.assemble(
                ticket_ref, (" · also open: ", "$warning"), safe(", ".join(logins), "$warning")
            )
        self.border_title = title

    def show(self, detail: TicketDetail | None) -> None:
        """Show ``detail`` (``None``: nothing selected)."""
        body = self.query_one("#detail-body", Static)
        if detail is None:
            self.border_title = "Ticket"
            self._viewers = None
            body.update(Content("No ticket selected."))
            return
        content = self._content(detail)
        if getattr(self, "_ref", None) == detail.ticket.ref and same_visual(body.content, content):
            return  # read again, unchanged: a title set would repaint the whole pane
        self.border_title = f"{detail.ticket.ref}"
        self._viewers = (detail.ticket.ref, ())
        self._ref = detail.ticket.ref
        body.update(content)
        self.scroll_home(animate=False)

    def _when(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return value.astimezone(self._zone).strftime("%Y-%m-%d %H:%M %Z")

    def _content(self, detail: TicketDetail) -> Content:
        t, c, cu = detail.ticket, detail.contract, detail.customer
        field = "bold"
        lines: list[Content] = [
            safe(t.title, "bold"),
            Content.assemble(("Customer  ", field), safe(cu.name), f"  ({cu.timezone})"),
            self._caller(detail),
            Content.assemble(("Site      ", field), safe(cu.address or "—")),
            Content.assemble(
                ("Contract  ", field), safe(c.name), f"  {c.kind.label}, priority {c.priority_rank}"
            ),
            Content.assemble(("Terms     ", field), self._terms(detail)),
            Content.assemble(
                ("Work      ", field),
                f"{t.severity.value}  {t.kind.value}  via {t.channel.value}"
                + ("  on site" if t.needs_onsite else ""),
            ),
            Content.assemble(
                ("Status    ", field),
                t.status.label,
                Content.assemble(("  bug ", "dim"), safe(t.bug_ref)) if t.bug_ref else "",
            ),
            Content.assemble(("Assignee  ", field), safe(t.assignee or "— (unassigned)")),
            Content.assemble(("Skills    ", field), safe(", ".join(sorted(t.skills)) or "—")),
            Content.assemble(("Opened    ", field), self._when(t.opened_at)),
            Content.assemble(("Responded ", field), self._when(t.first_response_at)),
            Content.assemble(("Resolved  ", field), self._when(t.resolved_at)),
            Content.assemble(("Version   ", field), str(t.version)),
            Content(""),
            Content.styled("Description", "bold underline"),
            self._description(t.description, t.description_size),
            Content(""),
            Content.styled("History", "bold underline"),
        ]
        for event in list(detail.events)[-MAX_EVENTS:]:
            change = change_text(event, self._zone, changed_only=True)
            lines.append(
                Content.assemble(
                    (self._when(event.at), "dim"),
                    "  ",
                    safe(event.actor),
                    "  ",
                    event.action.removeprefix("ticket."),
                    "  ",
                    safe(change),
                    Content.assemble(("  — ", "dim"), safe(event.note)) if event.note else "",
                )
            )
        lines.append(Content(""))
        lines.append(conversation_content(detail.articles, detail.article_count, self._zone))
        return Content("\n").join(lines)

    def _caller(self, detail: TicketDetail) -> Content:
        """Who called (name, role, phones); without one, the customer's first contact."""
        caller = detail.caller
        if caller is None:
            return Content.assemble(
                ("Contact   ", "bold"), safe(detail.customer.contact_line or "—")
            )
        return Content.assemble(
            ("Caller    ", "bold"),
            safe(caller.name),
            Content.assemble(" (", safe(caller.role), ")") if caller.role else "",
            Content.assemble("  ", safe(", ".join(caller.phones))) if caller.phones else "",
        )

    def _terms(self, detail: TicketDetail) -> Content:
        return safe(terms_text(detail.contract, detail.calendar.name, detail.balance))

    def _description(self, text: str, size: int | None) -> Content:
        """``text``, cut for display (``size``: the bytes of a longer whole, read cut)."""
        if not text.strip() and size is None:
            return Content.styled("(no description)", "dim")
        shown = text[:MAX_DESCRIPTION_CHARS]
        lines = shown.split("\n")
        cut = size is not None or len(text) > MAX_DESCRIPTION_CHARS
        cut = cut or len(lines) > MAX_DESCRIPTION_LINES
        shown = "\n".join(lines[:MAX_DESCRIPTION_LINES])
        if size is None:
            more = f"{len(text) - len(shown):,} more characters"
        else:  # a byte is at most a character
            more = f"up to {size - len(shown.encode()):,} more characters"
        body = safe(shown, multiline=True)
        if cut:
            body = Content.assemble(
                body,
                (
                    f"\n… {more} not shown (dispatch ticket show prints all)",
                    "dim italic",
                ),
            )
        return body
