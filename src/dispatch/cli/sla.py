"""``dispatch sla``: explain a ticket's deadlines; check calendar case files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dispatch.cli.root import EXIT_INVALID, TicketRef, db_option, say, using_runtime
from dispatch.domain.text import printable


@click.group()
def sla() -> None:
    """Explain deadlines; check calendar case files."""


@sla.command("explain")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.pass_context
def sla_explain(ctx: click.Context, ticket_id: int) -> None:
    """How each deadline of a ticket was derived, and where its clocks stand."""
    from dispatch import formats
    from dispatch.services import tickets

    with using_runtime(ctx) as rt:
        now = rt.clock.now()
        detail = tickets.ticket_detail(rt.reader(), ticket_id, now, calendars=rt.calendars)
    say(formats.explain_text(detail, now))


@sla.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sla_check(file: Path) -> None:
    """Run the calendar cases in FILE.json; exit 1 if any fails."""
    from dispatch import slacheck

    results = slacheck.run(slacheck.load(file))
    for result in results:
        say(printable(result.line()))
    say(slacheck.summary(results))
    if not all(r.passed for r in results):
        sys.exit(EXIT_INVALID)
