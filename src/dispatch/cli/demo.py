"""``dispatch demo`` and ``dispatch seed``: the demo data set and synthetic load."""

from __future__ import annotations

import click

from dispatch.cli.root import db_option, open_console, say, using_storage
from dispatch.domain.errors import InvalidInputError


@click.command()
@db_option
@click.option("--reset", is_flag=True, help="Replace whatever the demo database holds.")
@click.option("--seed", "seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option("--no-open", is_flag=True, help="Only create the data; do not open the console.")
@click.pass_context
def demo(ctx: click.Context, reset: bool, seed: int, no_open: bool) -> None:
    """Create a realistic demo data set, then open the console on it.

    Without --db the demo lives in its own file (demo.db in the user data
    directory), never in the database that DISPATCH_DB or dispatch.toml name.
    An existing demo database is reopened as it is unless --reset is given.
    """
    from dispatch import demo as demo_data
    from dispatch.config import demo_db_url
    from dispatch.store import bulk
    from dispatch.store.db import safe_url

    options = ctx.ensure_object(dict)
    options.setdefault("db", demo_db_url())
    with using_storage(ctx) as (settings, storage, runtime):
        now = runtime.clock.now()
        where = safe_url(settings.db_url)
        with storage.writer() as uow:
            existing = bulk.has_data(uow.session)
            is_demo = bulk.holds_demo_data(uow.session)
            if existing and not reset and not is_demo:
                raise InvalidInputError(
                    f"{where} holds data that dispatch demo did not create; "
                    "name another database with --db, or pass --reset to replace it"
                )
            if not existing or reset:
                bulk.reset(uow.session)
                data = demo_data.build(seed=seed, now=now, user=settings.user)
                counts = bulk.load(
                    uow.session,
                    customers=data.customers,
                    contracts=data.contracts,
                    technicians=data.technicians,
                    tickets=[(t.ticket, t.contract_name, t.events) for t in data.tickets],
                    calendars=data.calendars,
                    plans=data.plans,
                    at=now,
                    actor=settings.user,
                    note=f"{bulk.DEMO_NOTE}, seed {seed}",
                )
                uow.commit()  # the reset and the new data set: one transaction
                say(
                    f"demo data (seed {seed}) in {where}: {counts.customers} customers, "
                    f"{counts.contracts} contracts, {counts.technicians} technicians, "
                    f"{counts.tickets} tickets"
                )
            else:
                say(f"reopening the demo data in {where} (--reset makes it fresh)")
    if not no_open:
        open_console(ctx)


@click.command()
@db_option
@click.option("--tickets", type=click.IntRange(min=1), required=True, help="How many tickets.")
@click.option(
    "--open-share",
    type=click.FloatRange(0.0, 1.0),
    default=0.1,
    show_default=True,
    help="Share of the tickets still open.",
)
@click.option("--seed", "seed", type=int, default=1, show_default=True, help="Random seed.")
@click.pass_context
def seed(ctx: click.Context, tickets: int, open_share: float, seed: int) -> None:
    """Add synthetic tickets in bulk (for benchmarks); adds customers if there are none."""
    from dispatch import demo as demo_data
    from dispatch.store import bulk

    with using_storage(ctx) as (settings, storage, runtime):
        now = runtime.clock.now()
        directory = demo_data.build(seed=seed, now=now, tickets=False)
        with storage.writer() as uow:
            if not bulk.has_data(uow.session):
                bulk.load(
                    uow.session,
                    customers=directory.customers,
                    contracts=directory.contracts,
                    technicians=directory.technicians,
                    tickets=[],
                    calendars=directory.calendars,
                    at=now,
                    actor=settings.user,
                    note="customers, contracts and technicians for synthetic load",
                )
                uow.commit()
        added = bulk.synthesize(
            storage.writer,
            count=tickets,
            open_share=open_share,
            seed=seed,
            now=now,
            actor=settings.user,
            problems=directory.problems,
        )
        say(f"added {added} tickets")
