"""Customers from the dispatcher's screen: the card (``C``), and moving a ticket (``M``).

A base of the dispatcher's screen (``dispatch.py``). ``C`` opens the card of
the selected ticket's customer (retired ones too); the palette's "Customer
card…" first asks which customer (``customer_pick.py``, active customers
only). A ticket chosen on the card is gone to as a ticket typed into the
filter is: the scope widens if it hides it (a closed ticket of the last 90
days).

``M`` moves the selected ticket to another customer picked the same way: the
triage step for mail from an unknown sender (the ticket waits under "Unknown
senders"), whose address then becomes a contact of the customer picked, so
that their next mail finds it by itself. The ticket's deadlines are
recomputed under that customer's contract from its history.

May use: the domain, the services' value types, Textual, the UI's screens.
"""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from dispatch.domain.conversation import ArticleChannel
from dispatch.services import triage
from dispatch.ui.commands import PaletteEntry
from dispatch.ui.screens.customer_card import CustomerCardModal
from dispatch.ui.screens.customer_pick import CustomerPickModal
from dispatch.ui.screens.dispatch_find import DispatchFind
from dispatch.ui.widgets.queue_view import QueueView


class DispatchCards(DispatchFind):
    """Opening the customer card, and going to the ticket chosen on it."""

    PALETTE_ENTRIES: ClassVar[tuple[PaletteEntry, ...]] = (
        PaletteEntry(
            "Customer card…",
            "screen.pick_customer_card",
            "Pick a customer by name and show their card",
        ),
    )
    """Palette entries without a key of their own."""

    zone: ZoneInfo
    """The dispatcher's zone (set by the screen)."""

    def action_customer_card(self) -> None:
        """The card of the selected ticket's customer (none selected: pick one)."""
        ticket = self.query_one(QueueView).cursor_ticket
        if ticket is None:
            self.action_pick_customer_card()
            return
        self._show_card(ticket.customer_id)

    def action_pick_customer_card(self) -> None:
        """Ask which customer, then show their card."""

        def picked(customer_id: int | None) -> None:
            if customer_id is not None:
                self._show_card(customer_id)

        self.app.push_screen(CustomerPickModal(self.runtime), picked)

    def action_move_to_customer(self) -> None:
        """Move the selected ticket (from triage, typically) to a customer picked by name."""
        ticket = self.query_one(QueueView).cursor_ticket
        if ticket is None:
            self.notify("No ticket selected.", severity="warning", markup=False)
            return
        detail = self.detail
        from_triage = bool(
            detail
            and detail.ticket.id == ticket.id
            and detail.customer.triage
            and any(a.channel is ArticleChannel.EMAIL_IN and not a.auto for a in detail.articles)
        )

        def picked(customer_id: int | None) -> None:
            if customer_id is None:
                return
            rt = self.runtime
            self._write(
                lambda: triage.move_to_customer(
                    rt.writer(),
                    rt.clock,
                    rt.actor,
                    ticket.id,
                    customer_id,
                    if_version=ticket.version,
                    add_sender=from_triage,
                    calendars=rt.calendars,
                ),
                "moved" + (" (the sender is now their contact)" if from_triage else ""),
            )

        title = f"Move {ticket.ref} to which customer?"
        self.app.push_screen(CustomerPickModal(self.runtime, title=title, verb="move"), picked)

    def _show_card(self, customer_id: int) -> None:
        def closed(ticket_id: int | None) -> None:
            if ticket_id is not None:
                self._going_to = ticket_id  # widen the scope if it hides the ticket
                self._jump_to(ticket_id)

        self.app.push_screen(CustomerCardModal(self.runtime, self.zone, customer_id), closed)
