"""``dispatch calendar``: list business calendars, show their windows, load definitions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from dispatch.cli.root import db_option, echo_json, json_option, say, using_runtime
from dispatch.domain.errors import InvalidInputError


@click.group()
def calendar() -> None:
    """Business calendars: list, show working windows, load definitions."""


@calendar.command("list")
@db_option
@json_option
@click.pass_context
def calendar_list(ctx: click.Context, as_json: bool) -> None:
    """Every calendar contracts can name, and where its definition comes from."""
    from dispatch import formats
    from dispatch.services import calendars

    with using_runtime(ctx) as rt:
        found = calendars.list_calendars(rt.reader(), rt.calendars)
    if as_json:
        echo_json(
            [{"name": i.calendar.name, "source": i.source, **i.calendar.to_json()} for i in found]
        )
        return
    rows = [
        [
            formats.clip(i.calendar.name, 24),
            i.source,
            i.calendar.timezone or "(customer's)",
            formats.calendar_summary(i.calendar),
        ]
        for i in found
    ]
    say(formats.table(["NAME", "SOURCE", "ZONE", "HOURS"], rows))


@calendar.command("show")
@db_option
@click.argument("name")
@click.option(
    "--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: today)."
)
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option("--customer", help="Place a template calendar at this customer's site.")
@click.pass_context
def calendar_show(
    ctx: click.Context, name: str, first: datetime | None, days: int, customer: str | None
) -> None:
    """Print the working windows of calendar NAME in local time and UTC."""
    from dispatch import formats
    from dispatch.services import calendars

    with using_runtime(ctx) as rt:
        start = first.date() if first else rt.clock.now().date()
        cal, plans = calendars.calendar_days(
            rt.reader(), name, start, days, customer=customer, calendars=rt.calendars
        )
    say(formats.calendar_days_text(cal, plans))


@calendar.command("load")
@db_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def calendar_load(ctx: click.Context, file: Path) -> None:
    """Store the [calendars.NAME] tables of FILE.toml in the database.

    Open tickets on contracts that name a changed calendar get their deadlines
    recomputed in the same transaction.
    """
    from dispatch.config import read_toml
    from dispatch.domain.calendar import Calendar
    from dispatch.services import calendars

    data = read_toml(file)
    tables = data.get("calendars")
    if not isinstance(tables, dict) or not tables:
        raise InvalidInputError(f"{file}: no [calendars.NAME] tables")
    parsed = [
        Calendar.from_json(spec, name=name, where=f"{file}: [calendars.{name}]")
        for name, spec in tables.items()
    ]
    with using_runtime(ctx) as rt:
        stored, recomputed = calendars.save_calendars(
            rt.writer(), rt.clock, rt.actor, parsed, calendars=rt.calendars
        )
    say(f"stored {stored} calendars; recomputed deadlines of {recomputed} open tickets")
