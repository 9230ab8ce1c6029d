"""``dispatch plan``: maintenance plans, the regular tickets the scheduler opens."""

from __future__ import annotations

import click

from dispatch.cli.root import choice, db_option, echo_json, json_option, say, using_runtime
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Severity
from dispatch.domain.text import printable


@click.group()
def plan() -> None:
    """Maintenance plans: regular tickets opened by the scheduler."""


@plan.command("add")
@db_option
@click.option("--contract", "contract_name", required=True, help="Contract name.")
@click.option("--name", required=True, help="Short name, unique per contract.")
@click.option("--title", required=True, help="The tickets' title (the date is added).")
@click.option("--cron", "schedule", required=True, help="Crontab line, e.g. '0 6 * * mon'.")
@click.option("--timezone", help="Zone of the schedule (default: the customer's).")
@click.option(
    "--lead", "lead_minutes", type=click.IntRange(min=0), default=1440, show_default=True,
    help="Minutes before each occurrence its ticket is opened.",
)  # fmt: skip
@click.option("--severity", type=choice(Severity), default="P3", show_default=True)
@click.option("--skills", default="", help="Comma-separated skills.")
@click.option("--onsite", is_flag=True, help="Someone must visit the site.")
@click.option("--description", default="", help="The tickets' description.")
@click.pass_context
def plan_add(
    ctx: click.Context,
    contract_name: str,
    name: str,
    title: str,
    schedule: str,
    timezone: str | None,
    lead_minutes: int,
    severity: str,
    skills: str,
    onsite: bool,
    description: str,
) -> None:
    """Add a maintenance plan; prints its next occurrences."""
    from datetime import UTC, timedelta

    from dispatch.domain.plans import Plan
    from dispatch.scheduler import cron_occurrences
    from dispatch.services import directory, plans

    with using_runtime(ctx) as rt:
        contracts = {c.name: cu for c, cu in directory.list_contracts(rt.reader())}
        if contract_name not in contracts:
            raise NotFoundError(f"no contract named {contract_name!r}")
        zone = timezone or contracts[contract_name].timezone
        draft = Plan(
            id=0,
            contract_id=0,
            name=name.strip(),
            title=title.strip(),
            schedule=schedule.strip(),
            timezone=zone,
            lead=timedelta(minutes=lead_minutes),
            created_at=rt.clock.now(),
            severity=Severity(severity),
            skills=frozenset(s.strip() for s in skills.split(",") if s.strip()),
            needs_onsite=onsite,
            description=description,
        )
        upcoming = cron_occurrences(draft, draft.created_at, draft.created_at + timedelta(days=400))
        if not upcoming:
            raise InvalidInputError(f"schedule {schedule!r} has no occurrence in the next year")
        stored = plans.add_plan(rt.writer(), rt.clock, rt.actor, contract_name, draft)
    say(f"plan {printable(stored.name)} added to {printable(contract_name)}; next:")
    for occurrence in upcoming[:3]:
        say(f"  {occurrence.astimezone(UTC):%Y-%m-%d %H:%M} UTC")


@plan.command("list")
@db_option
@json_option
@click.pass_context
def plan_list(ctx: click.Context, as_json: bool) -> None:
    """Every maintenance plan with its latest occurrence opened."""
    from dispatch import formats
    from dispatch.services import plans

    with using_runtime(ctx) as rt:
        found = plans.list_plans(rt.reader())
    if as_json:
        echo_json(
            [
                {
                    "id": p.id,
                    "contract": contract,
                    "name": p.name,
                    "title": p.title,
                    "schedule": p.schedule,
                    "timezone": p.timezone,
                    "lead_minutes": int(p.lead.total_seconds() // 60),
                    "severity": p.severity.value,
                    "active": p.active,
                    "last_occurrence": formats.iso(last),
                }
                for p, contract, last in found
            ]
        )
        return
    rows = [
        [
            formats.clip(contract, 16),
            formats.clip(p.name, 24),
            formats.clip(p.schedule, 20),
            p.timezone,
            f"{int(p.lead.total_seconds() // 60)}",
            formats.iso(last) or "—",
        ]
        for p, contract, last in found
    ]
    say(formats.table(["CONTRACT", "PLAN", "SCHEDULE", "ZONE", "LEAD MIN", "LAST"], rows))
