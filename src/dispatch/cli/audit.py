"""``dispatch audit``: who did what and when, from the append-only event log."""

from __future__ import annotations

from datetime import datetime

import click

from dispatch.cli.root import (
    AwareTime,
    TicketRef,
    db_option,
    echo_json,
    json_option,
    say,
    using_runtime,
)


@click.command("audit")
@db_option
@click.option("--ticket", "ticket_id", type=TicketRef(), help="Only this ticket's events.")
@click.option("--since", type=AwareTime(), help="From this instant (ISO-8601 with offset).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (oldest first).")
@json_option
@click.pass_context
def audit_log(
    ctx: click.Context,
    ticket_id: int | None,
    since: datetime | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Who did what and when: the append-only event log, oldest first."""
    from dispatch import formats
    from dispatch.services import audit

    with using_runtime(ctx) as rt:
        events = audit.read_log(rt.reader(), ticket_id=ticket_id, since=since, limit=limit)
    if as_json:
        echo_json([formats.event_json(e) for e in events])
    else:
        say(formats.audit_table(events))
