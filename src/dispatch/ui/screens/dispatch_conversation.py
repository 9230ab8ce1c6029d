"""Writing on the selected ticket's conversation: ``c`` note, ``l`` call, ``r`` reply.

The base of the dispatcher's screen (``dispatch.py`` binds the keys): each
action opens the writing dialog (``compose.py``) for the highlighted ticket,
and a worker stores what was written. A reply goes to the newest sender of
mail, else the customer's first contact with an address (editable in the
dialog), and is queued for sending; the detail pane then shows it as pending
until the outbox has sent it. A refused write reopens the dialog with the
text as typed and the reason, so nothing written is lost.

May use: the domain, the services' value types, Textual, the UI's modals.
"""

from __future__ import annotations

from textual import on, work
from textual.message import Message

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.ticket import Ticket
from dispatch.services import conversation, tickets
from dispatch.ui.screens.compose import ComposeModal, Draft, DraftKind
from dispatch.ui.screens.dispatch_changes import DispatchChanges

_SAVED = {
    DraftKind.NOTE: "note added",
    DraftKind.CALL: "call logged",
    DraftKind.REPLY: "reply queued for sending",
}


class DispatchConversation(DispatchChanges):
    """Notes, calls and replies on the highlighted ticket."""

    class DraftRefused(Message):
        """Storing ``draft`` was refused for ``reason``: the dialog opens again with it."""

        def __init__(self, draft: Draft, reason: str) -> None:
            self.draft = draft
            self.reason = reason
            super().__init__()

    def action_add_note(self) -> None:
        """An internal note on the highlighted ticket."""
        self._open_compose(DraftKind.NOTE)

    def action_log_call(self) -> None:
        """A phone call with the customer, in or out."""
        self._open_compose(DraftKind.CALL)

    def action_reply(self) -> None:
        """A reply to the customer by e-mail (needs ``[mail] from``)."""
        if self.runtime.reply_from is None:
            self.notify(
                "Replying by e-mail is not configured: set [mail] from in dispatch.toml.",
                severity="warning",
                markup=False,
            )
            return
        self._open_compose(DraftKind.REPLY)

    def _open_compose(self, kind: DraftKind, draft: Draft | None = None, problem: str = "") -> None:
        ticket = self._selected()
        detail = self.detail
        if ticket is None:
            return
        if detail is None or detail.ticket.id != ticket.id:
            self.notify("The ticket is still being read; try again.", markup=False)
            return
        customer = detail.customer
        recipients = conversation.default_recipients(
            detail.articles, customer, detail.ticket.contact_id
        )
        names = {e: c.name for c in customer.contacts for e in c.emails}
        phones = [p for c in customer.contacts for p in c.phones]

        def fill(template: str, to: str) -> str:
            return conversation.fill_template(
                template,
                detail.ticket,
                customer,
                login=self.runtime.actor,
                contact=names.get(to.lower(), ""),
            )

        dialog = ComposeModal(
            kind,
            detail.ticket,
            recipients=draft.to if draft and draft.to else recipients,
            phones=[draft.number] if draft and draft.number else phones,
            templates=self.runtime.reply_templates if kind is DraftKind.REPLY else None,
            fill=fill,
            text=draft.text if draft else "",
            problem=problem,
        )
        self.app.push_screen(dialog, self._store_draft)

    def _store_draft(self, draft: Draft | None) -> None:
        if draft is not None:
            self._write_article(draft)

    @work(thread=True, group="write", exit_on_error=False)
    def _write_article(self, draft: Draft) -> None:
        rt = self.runtime
        try:
            if draft.kind is DraftKind.NOTE:
                conversation.add_note(rt.writer(), rt.clock, rt.actor, draft.ticket_id, draft.text)
            elif draft.kind is DraftKind.CALL:
                conversation.log_call(
                    rt.writer(),
                    rt.clock,
                    rt.actor,
                    draft.ticket_id,
                    draft.text,
                    outbound=draft.outbound,
                    number=draft.number,
                )
            else:
                conversation.reply(
                    rt.writer(),
                    rt.clock,
                    rt.actor,
                    draft.ticket_id,
                    draft.text,
                    sender=rt.reply_from or "",
                    to=draft.to,
                )
        except InvalidInputError as exc:
            self.post_message(self.DraftRefused(draft, str(exc)))
            return
        ticket: Ticket = tickets.read_ticket(rt.reader(), draft.ticket_id)
        self.post_message(self.TicketChanged(ticket, _SAVED[draft.kind]))

    @on(DraftRefused)
    def _draft_refused(self, message: DraftRefused) -> None:
        self._open_compose(message.draft.kind, message.draft, message.reason)
