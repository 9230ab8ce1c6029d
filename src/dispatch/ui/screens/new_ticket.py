"""A new ticket from a phone call: a validated form.

The customer is picked from a list; their active contract is shown as soon as
one is picked, so the dispatcher sees what the caller is entitled to before
saving. The caller is then picked among the customer's contacts (name, role,
first phone), or added as a new contact (name, e-mail addresses, phone numbers,
role), which is saved with the ticket, in its transaction. Problems are shown
in the form, which stays open until they are fixed; a new contact is checked
as ``dispatch contact add`` checks it, its field named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, TextArea

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Channel, Contact, Contract, Customer, Severity, TicketKind
from dispatch.domain.terms import sla_text
from dispatch.domain.ticket import NewTicket
from dispatch.services import contacts, master_data
from dispatch.services.tickets import MAX_TITLE
from dispatch.ui.safe import literal, safe
from dispatch.ui.screens.confirm import ask_before_leaving

SKILL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
DEFAULTS = {"new-severity": "P3", "new-kind": "emergency", "new-channel": "phone"}
"""The form's preset choices (a changed one is part of a draft)."""

NEW_CONTACT = "new"
"""The caller picker's value for "+ New contact…" (the others are contact ids)."""

CONTACT_FIELDS = {"name": "name", "email": "emails", "phone": "phones", "role": "role"}
"""A contact check's field (its message's first word) -> the input holding it."""


class NewTicketModal(ModalScreen[NewTicket | None]):
    """Customer, contract (shown), caller, title, description, severity, kind, channel, skills."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="new-ticket.save", tooltip="Open the ticket"),
        Binding("escape", "cancel", "Cancel", id="new-ticket.cancel", tooltip="Close the form"),
    ]

    HELP_TITLE: ClassVar[str] = "The new-ticket form"
    """How the help names this dialog's keys."""

    def __init__(self, customers: Sequence[tuple[Customer, Contract | None]]) -> None:
        super().__init__()
        self._customers = {c.id: (c, k) for c, k in customers}

    def compose(self) -> ComposeResult:
        """The form."""
        with VerticalScroll(id="new-ticket-dialog", classes="dialog") as form:
            form.border_title = "New ticket (ctrl+s: save · escape: cancel)"
            yield Label("Customer")
            yield Select(
                [(literal(c.name), c.id) for c, _ in self._customers.values()],
                prompt="pick the caller's customer",
                id="new-customer",
            )
            yield Label(Content.styled("no customer picked", "dim"), id="new-contract")
            yield Label("Caller")
            yield Select[int | str]([], prompt="no caller recorded", id="new-caller", disabled=True)
            with Vertical(id="new-contact"):
                yield Label(Content.styled("New contact, saved with the ticket", "dim"))
                with Horizontal(classes="row"):
                    yield Input(
                        placeholder="name",
                        id="new-contact-name",
                        max_length=master_data.MAX_NAME,
                    )
                    yield Input(placeholder="role, e.g. IT lead", id="new-contact-role")
                with Horizontal(classes="row"):
                    yield Input(placeholder="e-mail(s), comma-separated", id="new-contact-emails")
                    yield Input(placeholder="phone(s), comma-separated", id="new-contact-phones")
                yield Label("", id="new-contact-error", classes="error")
            yield Label("Title")
            yield Input(
                placeholder="one line: what is broken", id="new-title", max_length=MAX_TITLE
            )
            yield Label("Description")
            yield TextArea(id="new-description", soft_wrap=True)
            with Horizontal(classes="row"):
                yield Select(
                    [(s.value, s.value) for s in Severity],
                    value=DEFAULTS["new-severity"],
                    allow_blank=False,
                    id="new-severity",
                )
                yield Select(
                    [(k.value, k.value) for k in TicketKind],
                    value=DEFAULTS["new-kind"],
                    allow_blank=False,
                    id="new-kind",
                )
                yield Select(
                    [(c.value, c.value) for c in Channel],
                    value=DEFAULTS["new-channel"],
                    allow_blank=False,
                    id="new-channel",
                )
            yield Label("Skills (comma-separated, e.g. network, printers)")
            yield Input(placeholder="network, printers", id="new-skills")
            yield Checkbox("Needs someone on site", id="new-onsite")
            yield Label("", id="new-error", classes="error")

    def on_mount(self) -> None:
        """Start in the customer picker; no blinking cursors in tests."""
        if self.app.is_headless:
            for field in self.query(Input):
                field.cursor_blink = False
            self.query_one(TextArea).cursor_blink = False
        self.query_one("#new-customer", Select).focus()

    @on(Select.Changed, "#new-customer")
    def _customer_picked(self, event: Select.Changed) -> None:
        label = self.query_one("#new-contract", Label)
        self._offer_callers(event.value if isinstance(event.value, int) else None)
        if not isinstance(event.value, int):
            label.update(Content.styled("no customer picked", "dim"))
            return
        customer, contract = self._customers[event.value]
        if contract is None:
            label.update(
                Content.styled("no contract valid today: the ticket cannot be opened", "$error")
            )
            return
        label.update(
            Content.assemble(
                ("Contract ", "bold"),
                safe(contract.name),
                f": {contract.kind.label}, ",
                safe(sla_text(contract)),
                (f"  ({customer.timezone})", "dim"),
            )
        )

    @on(Select.Changed, "#new-caller")
    def _caller_picked(self, event: Select.Changed) -> None:
        # Shown right after the picker, so tab goes on to them (the picker keeps the
        # focus when its list closes: moving it here would race the list's own focus).
        self.query_one("#new-contact", Vertical).set_class(event.value == NEW_CONTACT, "-shown")

    def _offer_callers(self, customer_id: int | None) -> None:
        """The caller picker lists ``customer_id``'s contacts (none picked), then "new"."""
        picker = self.query_one("#new-caller", Select)
        if customer_id is None:
            picker.set_options([])
            picker.disabled = True
            return
        customer = self._customers[customer_id][0]
        options: list[tuple[Text, int | str]] = [
            (_contact_label(k), k.id) for k in customer.contacts
        ]
        options.append((Text("+ New contact…", style="italic"), NEW_CONTACT))
        picker.set_options(options)
        picker.disabled = False

    def has_draft(self) -> bool:
        """Whether anything was typed or picked (leaving the form then asks first)."""
        typed = [field.value.strip() for field in self.query(Input)]
        picked = isinstance(self.query_one("#new-customer", Select).value, int)
        changed = any(
            self.query_one(f"#{field}", Select).value != value for field, value in DEFAULTS.items()
        )
        return (
            any(typed)
            or picked
            or changed
            or bool(self.query_one("#new-description", TextArea).text.strip())
            or self.query_one("#new-onsite", Checkbox).value
        )

    def action_cancel(self) -> None:
        """Close the form; a started draft is given up only when confirmed."""
        ask_before_leaving(self, "Discard this new ticket? What was typed is lost.")

    def action_save(self) -> None:
        """Validate and return the new ticket, or show what is wrong."""
        problems: list[str] = []
        customer_id = self.query_one("#new-customer", Select).value
        if not isinstance(customer_id, int):
            problems.append("pick a customer")
        elif self._customers[customer_id][1] is None:
            problems.append("the customer has no contract valid today")
        title = self.query_one("#new-title", Input).value.strip()
        if not title:
            problems.append("the title is empty")
        skills_text = self.query_one("#new-skills", Input).value
        skills = frozenset(s.strip().lower() for s in skills_text.split(",") if s.strip())
        bad = sorted(s for s in skills if not set(s) <= SKILL_CHARS)
        if bad:
            problems.append(f"skills may use letters, digits, - and _ only: {', '.join(bad)}")
        caller = self.query_one("#new-caller", Select).value
        new_contact = None
        if caller == NEW_CONTACT and isinstance(customer_id, int):
            new_contact = self._new_contact(self._customers[customer_id][0], problems)
        if problems:
            self.query_one("#new-error", Label).update(
                Content.styled("Cannot save: " + "; ".join(problems), "bold $error")
            )
            return
        assert isinstance(customer_id, int)
        self.dismiss(
            NewTicket(
                contact_id=caller if isinstance(caller, int) else None,
                new_contact=new_contact,
                customer=self._customers[customer_id][0].name,
                title=title,
                description=self.query_one("#new-description", TextArea).text,
                severity=Severity(str(self.query_one("#new-severity", Select).value)),
                kind=TicketKind(str(self.query_one("#new-kind", Select).value)),
                channel=Channel(str(self.query_one("#new-channel", Select).value)),
                skills=skills,
                needs_onsite=self.query_one("#new-onsite", Checkbox).value,
            )
        )

    def _new_contact(self, customer: Customer, problems: list[str]) -> Contact | None:
        """The new contact as typed, checked as ``dispatch contact add`` checks it.

        A refusal is added to ``problems``, shown under the contact's fields and
        its field focused; the address check is against the contacts loaded with
        the form (the save checks again against the database).
        """
        error = self.query_one("#new-contact-error", Label)
        typed = Contact(
            id=0,
            customer_id=customer.id,
            name=self.query_one("#new-contact-name", Input).value,
            emails=_split(self.query_one("#new-contact-emails", Input).value, r"[,;\s]+"),
            phones=_split(self.query_one("#new-contact-phones", Input).value, r"[,;]"),
            role=self.query_one("#new-contact-role", Input).value,
        )
        try:
            checked = master_data.checked_contact(typed)
            contacts.unique_contact(checked, [c for c, _ in self._customers.values()])
        except InvalidInputError as exc:
            message = f"new contact {exc}"
            problems.append(message)
            error.update(Content.styled(message, "$error"))
            field = CONTACT_FIELDS.get(str(exc).split(":", 1)[0], "name")
            self.query_one(f"#new-contact-{field}", Input).focus()
            return None
        error.update("")
        return checked


def _contact_label(contact: Contact) -> Text:
    """``Ion Pop · IT lead · +40 21 555 0101``: name, role, first phone (untrusted, literal)."""
    parts = [literal(contact.name)]
    for extra in (contact.role, *contact.phones[:1]):
        if extra:
            parts += [Text(" · ", style="dim"), literal(extra, "dim")]
    return Text.assemble(*parts)


def _split(text: str, separators: str) -> tuple[str, ...]:
    """The non-empty parts of ``text`` between ``separators`` (a pattern)."""
    return tuple(part.strip() for part in re.split(separators, text) if part.strip())
