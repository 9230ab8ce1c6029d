"""``dispatch ticket``: open, list, show, assign, move, log work on and converse on tickets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import click

from dispatch.cli.root import (
    AwareTime,
    TicketRef,
    choice,
    db_option,
    echo_json,
    json_option,
    say,
    using_runtime,
)
from dispatch.domain.model import Channel, Severity, TicketKind, TicketStatus
from dispatch.domain.text import printable
from dispatch.domain.ticket import NewTicket


@click.group()
def ticket() -> None:
    """Open, list, show, assign and move tickets."""


@ticket.command("add")
@db_option
@click.option("--customer", required=True, help="Customer name, exactly as listed.")
@click.option("--title", required=True, help="One-line summary.")
@click.option("--description", default="", help="Full description.")
@click.option("--severity", type=choice(Severity), default="P3", show_default=True)
@click.option("--kind", type=choice(TicketKind), default="emergency", show_default=True)
@click.option("--channel", type=choice(Channel), default="phone", show_default=True)
@click.option("--opened-at", type=AwareTime(), help="When the customer asked (default: now).")
@click.option("--skills", default="", help="Comma-separated skills, e.g. network,printers.")
@click.option("--onsite", is_flag=True, help="Someone must visit the site.")
@click.option(
    "--contact",
    "contact_ref",
    metavar="ID-OR-EMAIL",
    help="The caller: one of the customer's contacts, by id or e-mail address.",
)
@click.pass_context
def ticket_add(
    ctx: click.Context,
    customer: str,
    title: str,
    description: str,
    severity: str,
    kind: str,
    channel: str,
    opened_at: datetime | None,
    skills: str,
    onsite: bool,
    contact_ref: str | None,
) -> None:
    """Open a ticket under the customer's active contract; prints its id."""
    from dispatch.services import contacts, tickets

    request = NewTicket(
        customer=customer,
        title=title,
        description=description,
        severity=Severity(severity),
        kind=TicketKind(kind),
        channel=Channel(channel),
        opened_at=opened_at,
        skills=frozenset(s.strip().lower() for s in skills.split(",") if s.strip()),
        needs_onsite=onsite,
    )
    with using_runtime(ctx) as rt:
        if contact_ref is not None:
            # Read first, then checked again in the ticket's transaction (the customer's?).
            caller = contacts.find_contact(rt.reader(), contact_ref)
            request = replace(request, contact_id=caller.id)
        created = tickets.open_ticket(
            rt.writer(), rt.clock, rt.actor, request, calendars=rt.calendars
        )
    say(created.id)


@ticket.command("list")
@db_option
@click.option("--open", "open_only", is_flag=True, help="Open tickets only.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@json_option
@click.pass_context
def ticket_list(ctx: click.Context, open_only: bool, limit: int | None, as_json: bool) -> None:
    """Tickets in queue order (open before resolved and closed)."""
    from dispatch import formats
    from dispatch.services import queue

    with using_runtime(ctx) as rt:
        tickets = queue.load_queue(rt.reader(), open_only=open_only, limit=limit)
        now = rt.clock.now()
    if as_json:
        echo_json([formats.ticket_json(t) for t in tickets])
    else:
        say(formats.queue_table(tickets, now))


@ticket.command("show")
@db_option
@click.argument("ticket_id", type=TicketRef())
@json_option
@click.pass_context
def ticket_show(ctx: click.Context, ticket_id: int, as_json: bool) -> None:
    """One ticket in full, with its contract and history."""
    from dispatch import formats
    from dispatch.services import tickets

    with using_runtime(ctx) as rt:
        now = rt.clock.now()
        detail = tickets.ticket_detail(rt.reader(), ticket_id, now, calendars=rt.calendars)
    if as_json:
        echo_json(formats.detail_json(detail))
    else:
        say(formats.detail_text(detail, now))


@ticket.command("assign")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("tech")
@click.option(
    "--if-version",
    type=click.IntRange(min=1),
    help="Refuse (exit 3) if the ticket is no longer at this version.",
)
@click.pass_context
def ticket_assign(ctx: click.Context, ticket_id: int, tech: str, if_version: int | None) -> None:
    """Assign a ticket to the technician with login TECH."""
    from dispatch.services import tickets

    with using_runtime(ctx) as rt:
        stored = tickets.assign_technician(
            rt.writer(), rt.clock, rt.actor, ticket_id, tech, if_version=if_version
        )
    say(f"{stored.ref} assigned to {stored.assignee} (version {stored.version})")


@ticket.command("move")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.option("--customer", "customer_ref", required=True, help="Customer name or external id.")
@click.option(
    "--add-sender",
    is_flag=True,
    help="Make the sender of the ticket's first e-mail a contact of the customer.",
)
@click.option(
    "--if-version",
    type=click.IntRange(min=1),
    help="Refuse (exit 3) if the ticket is no longer at this version.",
)
@click.pass_context
def ticket_move(
    ctx: click.Context,
    ticket_id: int,
    customer_ref: str,
    add_sender: bool,
    if_version: int | None,
) -> None:
    """Move a ticket (one from triage, say) to a customer's active contract."""
    from dispatch.services import triage

    with using_runtime(ctx) as rt:
        stored = triage.move_to_customer(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket_id,
            customer_ref,
            if_version=if_version,
            add_sender=add_sender,
            calendars=rt.calendars,
        )
    say(f"{stored.ref} moved to {stored.customer_name} (version {stored.version})")


@ticket.command("status")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("status", type=choice(TicketStatus), metavar="STATUS")
@click.option("--note", help="Why, for the history.")
@click.option("--bug", help="Bug reference (required for escalated_dev).")
@click.option(
    "--if-version",
    type=click.IntRange(min=1),
    help="Refuse (exit 3) if the ticket is no longer at this version.",
)
@click.pass_context
def ticket_status(
    ctx: click.Context,
    ticket_id: int,
    status: str,
    note: str | None,
    bug: str | None,
    if_version: int | None,
) -> None:
    """Move a ticket to STATUS."""
    from dispatch.services import tickets

    with using_runtime(ctx) as rt:
        stored = tickets.change_status(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket_id,
            TicketStatus(status),
            note=note,
            bug_ref=bug,
            if_version=if_version,
            calendars=rt.calendars,
        )
    say(f"{stored.ref} is {stored.status.label} (version {stored.version})")


@ticket.command("severity")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("severity", type=choice(Severity), metavar="SEVERITY")
@click.option("--note", help="Why, for the history.")
@click.option(
    "--if-version",
    type=click.IntRange(min=1),
    help="Refuse (exit 3) if the ticket is no longer at this version.",
)
@click.pass_context
def ticket_severity(
    ctx: click.Context, ticket_id: int, severity: str, note: str | None, if_version: int | None
) -> None:
    """Change a ticket's SEVERITY (P1..P4); its deadlines are recomputed."""
    from dispatch.services import tickets

    with using_runtime(ctx) as rt:
        stored = tickets.change_severity(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket_id,
            Severity(severity),
            note=note,
            if_version=if_version,
            calendars=rt.calendars,
        )
    say(f"{stored.ref} is {stored.severity.value} (version {stored.version})")


@ticket.command("note")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Read the text.")
@click.pass_context
def ticket_note(ctx: click.Context, ticket_id: int, text: str | None, file: Any) -> None:
    """Add an internal note to a ticket (TEXT, or --file F; --file - reads standard input)."""
    from dispatch.services import conversation

    body = _text_of(text, file)
    with using_runtime(ctx) as rt:
        stored = conversation.add_note(rt.writer(), rt.clock, rt.actor, ticket_id, body)
    say(f"T-{ticket_id}: note {stored.id} added")


@ticket.command("call")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("text", required=False)
@click.option("--in", "direction", flag_value="in", help="The customer called (the default).")
@click.option("--out", "direction", flag_value="out", help="We called the customer.")
@click.option("--number", help="The phone number called or calling.")
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Read the text.")
@click.pass_context
def ticket_call(
    ctx: click.Context,
    ticket_id: int,
    text: str | None,
    direction: str | None,
    number: str | None,
    file: Any,
) -> None:
    """Log a phone call on a ticket; a call out is a first response."""
    from dispatch.services import conversation

    body = _text_of(text, file)
    with using_runtime(ctx) as rt:
        stored = conversation.log_call(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket_id,
            body,
            outbound=direction == "out",
            number=number,
        )
    say(f"T-{ticket_id}: {stored.channel.label} {stored.id} logged")


@ticket.command("reply")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Read the text.")
@click.option(
    "--to", "to", multiple=True, help="Send to this address (repeat); default: see below."
)
@click.pass_context
def ticket_reply(
    ctx: click.Context, ticket_id: int, text: str | None, file: Any, to: tuple[str, ...]
) -> None:
    """Reply to the customer by e-mail (TEXT, or --file F; --file - reads standard input).

    Without --to the reply goes to whoever wrote the newest e-mail in, else to
    the ticket's caller, else to the customer's first contact with an address.
    The reply is stored with the ticket first and sent by the outbox afterwards
    (dispatch scheduler); `dispatch ticket show` says whether it was sent.
    """
    from dispatch.domain.errors import InvalidInputError
    from dispatch.services import conversation

    body = _text_of(text, file)
    with using_runtime(ctx) as rt:
        if rt.reply_from is None:
            raise InvalidInputError(
                "replying by e-mail is not configured: set [mail] from (and smtp_host) "
                "in dispatch.toml"
            )
        stored = conversation.reply(
            rt.writer(), rt.clock, rt.actor, ticket_id, body, sender=rt.reply_from, to=to
        )
    say(f"T-{ticket_id}: reply {stored.id} to {', '.join(stored.recipients)} queued for sending")


def _text_of(text: str | None, file: Any) -> str:
    """The article's text: the argument, or the file (``--file -``: standard input)."""
    from dispatch.domain.errors import InvalidInputError

    if (text is None) == (file is None):
        raise InvalidInputError("give the text, or --file F (- reads standard input), not both")
    return text if text is not None else str(file.read())


@ticket.command("log")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("duration")
@click.option("--on", "worked_on", type=click.DateTime(["%Y-%m-%d"]), help="Day worked.")
@click.option("--note", help="What was done.")
@click.pass_context
def ticket_log(
    ctx: click.Context, ticket_id: int, duration: str, worked_on: Any, note: str | None
) -> None:
    """Log work on a ticket: 90, 90m, 1h30m or 1.5h (draws block hours down)."""
    from dispatch.domain.plans import parse_duration
    from dispatch.services import hours

    worked = parse_duration(duration)
    with using_runtime(ctx) as rt:
        balance = hours.log_time(
            rt.writer(),
            rt.clock,
            rt.actor,
            ticket_id,
            worked,
            worked_on=worked_on.date() if worked_on else None,
            note=note,
        )
    minutes = int(worked.total_seconds() // 60)
    say(f"T-{ticket_id}: {minutes} min logged")
    if balance is not None:
        warn = " (low)" if balance.low else ""
        say(
            f"{printable(balance.contract_name)}: {balance.left_hours:.1f} of "
            f"{balance.prepaid_hours:g} h left this period{warn}"
        )
