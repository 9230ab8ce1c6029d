"""``dispatch alerts``: list and acknowledge the alerts the scheduler raised."""

from __future__ import annotations

import click

from dispatch.cli.root import (
    AlertRef,
    TicketRef,
    db_option,
    echo_json,
    json_option,
    say,
    using_runtime,
)
from dispatch.domain.text import printable


@click.group("alerts")
def alerts_group() -> None:
    """Breach and warning alerts raised by the scheduler."""


@alerts_group.command("list")
@db_option
@click.option("--unacked", is_flag=True, help="Only alerts nobody acknowledged.")
@click.option("--ticket", "ticket_id", type=TicketRef(), help="Only this ticket's alerts.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (newest first).")
@json_option
@click.pass_context
def alerts_list(
    ctx: click.Context, unacked: bool, ticket_id: int | None, limit: int | None, as_json: bool
) -> None:
    """Alerts, newest first."""
    from dispatch import formats
    from dispatch.services import alerts

    with using_runtime(ctx) as rt:
        found = alerts.list_alerts(rt.reader(), unacked=unacked, limit=limit, ticket_id=ticket_id)
    if as_json:
        echo_json([formats.alert_json(a) for a in found])
    else:
        say(formats.alerts_table(found))


@alerts_group.command("ack")
@db_option
@click.argument("alert_id", type=AlertRef())
@click.pass_context
def alerts_ack(ctx: click.Context, alert_id: int) -> None:
    """Acknowledge an alert (who and when are recorded)."""
    from dispatch.services import alerts

    with using_runtime(ctx) as rt:
        alert = alerts.acknowledge_alert(rt.writer(), rt.clock, rt.actor, alert_id)
    say(f"{alert.ref} ({alert.summary()}) acknowledged by {printable(rt.actor)}")
