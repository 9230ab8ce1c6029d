"""``dispatch customer``, ``contract`` and ``tech``: the directory, block-hours balances."""

from __future__ import annotations

import click

from dispatch.cli.root import db_option, echo_json, json_option, say, using_runtime


@click.group()
def customer() -> None:
    """Customers."""


@customer.command("list")
@db_option
@json_option
@click.pass_context
def customer_list(ctx: click.Context, as_json: bool) -> None:
    """All customers."""
    from dispatch import formats
    from dispatch.services import directory

    with using_runtime(ctx) as rt:
        customers = directory.list_customers(rt.reader())
    if as_json:
        echo_json([formats.customer_json(c) for c in customers])
        return
    rows = [
        [
            str(c.id),
            formats.clip(c.name, 40),
            c.timezone,
            c.country + (f"-{c.region}" if c.region else ""),
        ]
        for c in customers
    ]
    say(formats.table(["ID", "NAME", "TIMEZONE", "COUNTRY"], rows))


@click.group()
def contract() -> None:
    """Contracts."""


@contract.command("list")
@db_option
@json_option
@click.pass_context
def contract_list(ctx: click.Context, as_json: bool) -> None:
    """All contracts with their kind, priority and calendar."""
    from dispatch import formats
    from dispatch.services import directory

    with using_runtime(ctx) as rt:
        contracts = directory.list_contracts(rt.reader())
    if as_json:
        echo_json([formats.contract_json(c, cust) for c, cust in contracts])
        return
    rows = [
        [
            str(c.id),
            formats.clip(c.name, 20),
            formats.clip(cust.name, 30),
            c.kind.value,
            str(c.priority_rank),
            formats.clip(c.calendar, 20),
            formats.sla_text(c),
        ]
        for c, cust in contracts
    ]
    say(formats.table(["ID", "NAME", "CUSTOMER", "KIND", "RANK", "CALENDAR", "SLA"], rows))


@click.group()
def tech() -> None:
    """Technicians."""


@tech.command("list")
@db_option
@json_option
@click.pass_context
def tech_list(ctx: click.Context, as_json: bool) -> None:
    """All technicians with skills, status, and on call now (by the rota, if any)."""
    from dispatch import formats
    from dispatch.services import oncall

    with using_runtime(ctx) as rt:
        techs = oncall.technicians_at(rt.reader(), rt.clock.now())
    if as_json:
        echo_json([formats.technician_json(t) for t in techs])
        return
    rows = [
        [
            formats.clip(t.login, 16),
            formats.clip(t.name, 30),
            t.status.value,
            "yes" if t.on_call else "no",
            "yes" if t.onsite_capable else "no",
            str(t.max_tickets),
            formats.clip(", ".join(sorted(t.skills)), 50),
        ]
        for t in techs
    ]
    say(formats.table(["LOGIN", "NAME", "STATUS", "ON CALL", "ON SITE", "MAX", "SKILLS"], rows))


@contract.command("balance")
@db_option
@json_option
@click.pass_context
def contract_balance(ctx: click.Context, as_json: bool) -> None:
    """Block-hours contracts: the current period's prepaid, used and remaining hours."""
    from dispatch.services import hours

    with using_runtime(ctx) as rt:
        balances = hours.block_balances(rt.reader(), rt.clock)
    if as_json:
        echo_json(
            [
                {
                    "contract": b.contract_name,
                    "period_start": b.start.isoformat(),
                    "period_end": b.end.isoformat(),
                    "prepaid_hours": b.prepaid_hours,
                    "used_hours": round(b.used_hours, 2),
                    "left_hours": round(b.left_hours, 2),
                    "low": b.low,
                }
                for b in balances
            ]
        )
        return
    from dispatch import formats

    rows = [
        [
            formats.clip(b.contract_name, 24),
            f"{b.start} – {b.end}",
            f"{b.prepaid_hours:g}",
            f"{b.used_hours:.1f}",
            f"{b.left_hours:.1f}",
            "LOW" if b.low else "",
        ]
        for b in balances
    ]
    say(formats.table(["CONTRACT", "PERIOD", "PREPAID H", "USED H", "LEFT H", ""], rows))
