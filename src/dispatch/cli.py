"""The command line: ``dispatch`` opens the console, subcommands script the rest.

Every subcommand takes ``--db URL``; list commands take ``--json``. Errors print
one line on stderr and exit non-zero: 1 for bad input or unknown names, 2 for
usage errors, 3 for a conflict (the ticket changed since the given version),
4 when the database cannot be used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from dispatch import __version__
from dispatch.domain.errors import (
    ConflictError,
    DispatchError,
    InvalidInputError,
    NotFoundError,
    StorageUnavailableError,
)
from dispatch.domain.model import Channel, NewTicket, Severity, TicketKind, TicketStatus
from dispatch.domain.text import printable

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_CONFLICT = 3
EXIT_STORAGE = 4


# --- shared options ---------------------------------------------------------


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(dict)["db"] = value


def db_option(func: F) -> F:
    """``--db URL`` on a command (the innermost one given wins)."""
    return click.option(
        "--db",
        metavar="URL",
        expose_value=False,
        callback=_remember_db,
        is_eager=True,
        help="Database URL (default: DISPATCH_DB, then dispatch.toml, then the user data dir).",
    )(func)


def json_option(func: F) -> F:
    """``--json`` on a list command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def _echo_json(data: Any) -> None:
    # ensure_ascii keeps control characters and bidi overrides escaped (\u001b),
    # so JSON output can be printed to a terminal safely.
    click.echo(json.dumps(data, indent=2))


class RefType(click.ParamType[int, Any]):
    """An id given bare or with its prefix: ``42`` or ``T-42``, ``7`` or ``A-7``."""

    def __init__(self, prefix: str, noun: str) -> None:
        self.prefix = prefix
        self.noun = noun
        self.name = noun.upper()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Parse the id."""
        if isinstance(value, int):
            return value
        text = str(value).strip()
        digits = text[2:] if text[:2].upper() == f"{self.prefix}-" else text
        if not digits.isdigit() or int(digits) <= 0:
            self.fail(
                f"{value!r} is not {self.noun_with_article} id (use 42 or {self.prefix}-42)",
                param,
                ctx,
            )
        return int(digits)

    @property
    def noun_with_article(self) -> str:
        """``a ticket`` / ``an alert``."""
        return f"{'an' if self.noun[0] in 'aeiou' else 'a'} {self.noun}"


def TicketRef() -> RefType:  # noqa: N802 - reads as the type it makes
    """A ticket given as ``42`` or ``T-42``."""
    return RefType("T", "ticket")


def AlertRef() -> RefType:  # noqa: N802 - reads as the type it makes
    """An alert given as ``7`` or ``A-7``."""
    return RefType("A", "alert")


class AwareTime(click.ParamType[datetime, Any]):
    """An ISO-8601 instant with a UTC offset (``Z`` allowed)."""

    name = "ISO"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse the instant, refusing one without an offset."""
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO-8601 time (e.g. 2026-11-23T09:30+02:00)", param, ctx
            )
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset (add Z or +02:00)", param, ctx)
        return parsed


def _choice(values: type[Any]) -> click.Choice[str]:
    # Exact values only: they are what --json prints and what scripts compare.
    return click.Choice([v.value for v in values])


# --- the application context ------------------------------------------------


@contextmanager
def _storage(ctx: click.Context) -> Iterator[Any]:
    """Settings, open storage and runtime for one command."""
    from dispatch.bootstrap import build_runtime, open_storage
    from dispatch.config import load_settings

    settings = load_settings(db=ctx.ensure_object(dict).get("db"))
    storage = open_storage(settings.db_url)
    try:
        yield settings, storage, build_runtime(settings, storage)
    finally:
        storage.dispose()


@contextmanager
def _runtime(ctx: click.Context) -> Iterator[Any]:
    with _storage(ctx) as (_settings, _store, runtime):
        yield runtime


# --- commands -----------------------------------------------------------------


class DispatchGroup(click.Group):
    """The root group: every error leaves as one line on stderr and an exit code.

    Click's own usage errors print a usage block; dispatch's users script it,
    so they get one ``dispatch: error: ...`` line, as for domain errors.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command, translating errors to one line and an exit code."""
        try:
            result = super().main(
                args, prog_name or "dispatch", complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as exc:
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
            _fail(f"{exc.format_message()}{hint}", EXIT_USAGE)
        except click.ClickException as exc:
            _fail(exc.format_message(), EXIT_USAGE)
        except click.Abort:
            _fail("aborted", 130)
        except ConflictError as exc:
            _fail(str(exc), EXIT_CONFLICT)
        except StorageUnavailableError as exc:
            _fail(str(exc), EXIT_STORAGE)
        except DispatchError as exc:
            _fail(str(exc), EXIT_INVALID)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"dispatch: error: {printable(message)}", err=True)
    sys.exit(code)


@click.group("dispatch", cls=DispatchGroup, invoke_without_command=True)
@db_option
@click.version_option(__version__, prog_name="dispatch")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Dispatch console for technical support: run without a command to open it."""
    if ctx.invoked_subcommand is None:
        _open_console(ctx)


def _open_console(ctx: click.Context) -> None:
    from dispatch.bootstrap import build_app, freeze_startup_heap, open_storage
    from dispatch.config import load_settings

    settings = load_settings(db=ctx.ensure_object(dict).get("db"))
    storage = open_storage(settings.db_url)
    try:
        app = build_app(settings, storage=storage)
        freeze_startup_heap()
        app.run()
    finally:
        storage.dispose()


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@db_option
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply pending schema migrations."""
    from dispatch.bootstrap import open_storage
    from dispatch.config import load_settings
    from dispatch.store.db import current_revision, head_revision, safe_url, upgrade

    settings = load_settings(db=ctx.ensure_object(dict).get("db"))
    storage = open_storage(settings.db_url, migrate=False)
    try:
        before = current_revision(storage.engine)
        upgrade(storage.engine)
        after = head_revision()
        where = safe_url(settings.db_url)
        if before == after:
            click.echo(f"{where}: already at revision {after}")
        else:
            click.echo(f"{where}: upgraded from {before or 'empty'} to {after}")
    finally:
        storage.dispose()


@cli.command()
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
    from dispatch.services import plans
    from dispatch.store import bulk
    from dispatch.store.db import safe_url

    options = ctx.ensure_object(dict)
    options.setdefault("db", demo_db_url())
    with _storage(ctx) as (settings, storage, runtime):
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
                    at=now,
                    actor=settings.user,
                    note=f"{bulk.DEMO_NOTE}, seed {seed}",
                )
                uow.commit()
                for contract_name, plan in data.plans:
                    plans.add_plan(
                        runtime.writer(), runtime.clock, settings.user, contract_name, plan
                    )
                click.echo(
                    f"demo data (seed {seed}) in {where}: {counts.customers} customers, "
                    f"{counts.contracts} contracts, {counts.technicians} technicians, "
                    f"{counts.tickets} tickets"
                )
            else:
                click.echo(f"reopening the demo data in {where} (--reset makes it fresh)")
    if not no_open:
        _open_console(ctx)


@cli.command()
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

    with _storage(ctx) as (settings, storage, runtime):
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
        click.echo(f"added {added} tickets")


@cli.group()
def ticket() -> None:
    """Open, list, show, assign and move tickets."""


@ticket.command("add")
@db_option
@click.option("--customer", required=True, help="Customer name, exactly as listed.")
@click.option("--title", required=True, help="One-line summary.")
@click.option("--description", default="", help="Full description.")
@click.option("--severity", type=_choice(Severity), default="P3", show_default=True)
@click.option("--kind", type=_choice(TicketKind), default="emergency", show_default=True)
@click.option("--channel", type=_choice(Channel), default="phone", show_default=True)
@click.option("--opened-at", type=AwareTime(), help="When the customer asked (default: now).")
@click.option("--skills", default="", help="Comma-separated skills, e.g. network,printers.")
@click.option("--onsite", is_flag=True, help="Someone must visit the site.")
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
) -> None:
    """Open a ticket under the customer's active contract; prints its id."""
    from dispatch.services import tickets

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
    with _runtime(ctx) as rt:
        created = tickets.open_ticket(
            rt.writer(), rt.clock, rt.actor, request, calendars=rt.calendars
        )
    click.echo(created.id)


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

    with _runtime(ctx) as rt:
        tickets = queue.load_queue(rt.reader(), open_only=open_only, limit=limit)
        now = rt.clock.now()
    if as_json:
        _echo_json([formats.ticket_json(t) for t in tickets])
    else:
        click.echo(formats.queue_table(tickets, now))


@ticket.command("show")
@db_option
@click.argument("ticket_id", type=TicketRef())
@json_option
@click.pass_context
def ticket_show(ctx: click.Context, ticket_id: int, as_json: bool) -> None:
    """One ticket in full, with its contract and history."""
    from dispatch import formats
    from dispatch.services import tickets

    with _runtime(ctx) as rt:
        now = rt.clock.now()
        detail = tickets.ticket_detail(rt.reader(), ticket_id, now, calendars=rt.calendars)
    if as_json:
        _echo_json(formats.detail_json(detail))
    else:
        click.echo(formats.detail_text(detail, now))


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

    with _runtime(ctx) as rt:
        stored = tickets.assign_technician(
            rt.writer(), rt.clock, rt.actor, ticket_id, tech, if_version=if_version
        )
    click.echo(f"{stored.ref} assigned to {stored.assignee} (version {stored.version})")


@ticket.command("status")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("status", type=_choice(TicketStatus), metavar="STATUS")
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

    with _runtime(ctx) as rt:
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
    click.echo(f"{stored.ref} is {stored.status.value} (version {stored.version})")


@ticket.command("severity")
@db_option
@click.argument("ticket_id", type=TicketRef())
@click.argument("severity", type=_choice(Severity), metavar="SEVERITY")
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

    with _runtime(ctx) as rt:
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
    click.echo(f"{stored.ref} is {stored.severity.value} (version {stored.version})")


@cli.group()
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

    with _runtime(ctx) as rt:
        now = rt.clock.now()
        detail = tickets.ticket_detail(rt.reader(), ticket_id, now, calendars=rt.calendars)
    click.echo(formats.explain_text(detail, now))


@sla.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sla_check(file: Path) -> None:
    """Run the calendar cases in FILE.json; exit 1 if any fails."""
    from dispatch import slacheck

    results = slacheck.run(slacheck.load(file))
    for result in results:
        click.echo(printable(result.line()))
    click.echo(slacheck.summary(results))
    if not all(r.passed for r in results):
        sys.exit(EXIT_INVALID)


@cli.group()
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

    with _runtime(ctx) as rt:
        found = calendars.list_calendars(rt.reader(), rt.calendars)
    if as_json:
        _echo_json(
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
    click.echo(formats.table(["NAME", "SOURCE", "ZONE", "HOURS"], rows))


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

    with _runtime(ctx) as rt:
        start = first.date() if first else rt.clock.now().date()
        cal, plans = calendars.calendar_days(
            rt.reader(), name, start, days, customer=customer, calendars=rt.calendars
        )
    click.echo(formats.calendar_days_text(cal, plans))


@calendar.command("load")
@db_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def calendar_load(ctx: click.Context, file: Path) -> None:
    """Store the [calendars.NAME] tables of FILE.toml in the database.

    Open tickets on contracts that name a changed calendar get their deadlines
    recomputed in the same transaction.
    """
    import tomllib

    from dispatch.domain.calendar import Calendar
    from dispatch.services import calendars

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{file}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{file}: not valid TOML: {exc}") from None
    tables = data.get("calendars")
    if not isinstance(tables, dict) or not tables:
        raise InvalidInputError(f"{file}: no [calendars.NAME] tables")
    parsed = [
        Calendar.from_json(spec, name=name, where=f"{file}: [calendars.{name}]")
        for name, spec in tables.items()
    ]
    with _runtime(ctx) as rt:
        stored, recomputed = calendars.save_calendars(
            rt.writer(), rt.clock, rt.actor, parsed, calendars=rt.calendars
        )
    click.echo(f"stored {stored} calendars; recomputed deadlines of {recomputed} open tickets")


@cli.group()
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

    with _runtime(ctx) as rt:
        customers = directory.list_customers(rt.reader())
    if as_json:
        _echo_json([formats.customer_json(c) for c in customers])
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
    click.echo(formats.table(["ID", "NAME", "TIMEZONE", "COUNTRY"], rows))


@cli.group()
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

    with _runtime(ctx) as rt:
        contracts = directory.list_contracts(rt.reader())
    if as_json:
        _echo_json([formats.contract_json(c, cust) for c, cust in contracts])
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
    click.echo(formats.table(["ID", "NAME", "CUSTOMER", "KIND", "RANK", "CALENDAR", "SLA"], rows))


@cli.group()
def tech() -> None:
    """Technicians."""


@tech.command("list")
@db_option
@json_option
@click.pass_context
def tech_list(ctx: click.Context, as_json: bool) -> None:
    """All technicians with skills, on-call and status."""
    from dispatch import formats
    from dispatch.services import directory

    with _runtime(ctx) as rt:
        techs = directory.list_technicians(rt.reader())
    if as_json:
        _echo_json([formats.technician_json(t) for t in techs])
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
    click.echo(
        formats.table(["LOGIN", "NAME", "STATUS", "ON CALL", "ON SITE", "MAX", "SKILLS"], rows)
    )


@contract.command("balance")
@db_option
@json_option
@click.pass_context
def contract_balance(ctx: click.Context, as_json: bool) -> None:
    """Block-hours contracts: the current period's prepaid, used and remaining hours."""
    from dispatch.services import hours

    with _runtime(ctx) as rt:
        balances = hours.block_balances(rt.reader(), rt.clock)
    if as_json:
        _echo_json(
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
    click.echo(formats.table(["CONTRACT", "PERIOD", "PREPAID H", "USED H", "LEFT H", ""], rows))


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
    with _runtime(ctx) as rt:
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
    click.echo(f"T-{ticket_id}: {minutes} min logged")
    if balance is not None:
        warn = " (low)" if balance.low else ""
        click.echo(
            f"{printable(balance.contract_name)}: {balance.left_hours:.1f} of "
            f"{balance.prepaid_hours:g} h left this period{warn}"
        )


@cli.group()
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
@click.option("--severity", type=_choice(Severity), default="P3", show_default=True)
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

    with _runtime(ctx) as rt:
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
    click.echo(f"plan {printable(stored.name)} added to {printable(contract_name)}; next:")
    for occurrence in upcoming[:3]:
        click.echo(f"  {occurrence.astimezone(UTC):%Y-%m-%d %H:%M} UTC")


@plan.command("list")
@db_option
@json_option
@click.pass_context
def plan_list(ctx: click.Context, as_json: bool) -> None:
    """Every maintenance plan with its latest occurrence opened."""
    from dispatch import formats
    from dispatch.services import plans

    with _runtime(ctx) as rt:
        found = plans.list_plans(rt.reader())
    if as_json:
        _echo_json(
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
    click.echo(formats.table(["CONTRACT", "PLAN", "SCHEDULE", "ZONE", "LEAD MIN", "LAST"], rows))


@cli.command()
@db_option
@click.option("--ticket", "ticket_id", type=TicketRef(), help="Only this ticket's events.")
@click.option("--since", type=AwareTime(), help="From this instant (ISO-8601 with offset).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (oldest first).")
@json_option
@click.pass_context
def audit(
    ctx: click.Context,
    ticket_id: int | None,
    since: datetime | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Who did what and when: the append-only event log, oldest first."""
    from dispatch import formats
    from dispatch.services import audit

    with _runtime(ctx) as rt:
        events = audit.read_log(rt.reader(), ticket_id=ticket_id, since=since, limit=limit)
    if as_json:
        _echo_json([formats.event_json(e) for e in events])
    else:
        click.echo(formats.audit_table(events))


@cli.group()
def alerts() -> None:
    """Breach and warning alerts raised by the scheduler."""


@alerts.command("list")
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

    with _runtime(ctx) as rt:
        found = alerts.list_alerts(rt.reader(), unacked=unacked, limit=limit, ticket_id=ticket_id)
    if as_json:
        _echo_json([formats.alert_json(a) for a in found])
    else:
        click.echo(formats.alerts_table(found))


@alerts.command("ack")
@db_option
@click.argument("alert_id", type=AlertRef())
@click.pass_context
def alerts_ack(ctx: click.Context, alert_id: int) -> None:
    """Acknowledge an alert (who and when are recorded)."""
    from dispatch.services import alerts

    with _runtime(ctx) as rt:
        alert = alerts.acknowledge_alert(rt.writer(), rt.clock, rt.actor, alert_id)
    click.echo(f"{alert.ref} ({alert.summary()}) acknowledged by {printable(rt.actor)}")


@cli.command()
@db_option
@click.option("--once", is_flag=True, help="Run one sweep and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    help="Seconds between sweeps (default: [alerts] interval_seconds, 15).",
)
@click.pass_context
def scheduler(ctx: click.Context, once: bool, interval: float | None) -> None:
    """Run the breach sweep headless (as a service), or --once."""
    import logging

    from dispatch.bootstrap import build_monitor, freeze_startup_heap
    from dispatch.services import alerts

    with _storage(ctx) as (settings, _storage_, rt):
        monitor = build_monitor(settings, rt, interval=interval)
        if once:
            raised = monitor.run_once()
            if not monitor.holds_lease:
                holder = alerts.lease_holder(rt.reader())
                who = f"{holder[0]} until {holder[1]:%H:%M:%S} UTC" if holder else "another process"
                click.echo(f"not swept: the sweep lease is held by {printable(who)}")
                return
            late = sum(a.late for a in raised)
            click.echo(f"swept: {len(raised)} alerts raised ({late} late)")
            opened = monitor.plans_once()
            if opened:
                click.echo(f"plans: {len(opened)} regular ticket(s) opened")
            _started, low = monitor.block_hours_once()
            for balance in low:
                click.echo(
                    f"block hours low: {printable(balance.contract_name)} "
                    f"{balance.left_hours:.1f} of {balance.prepaid_hours:g} h left"
                )
            done = monitor.deliver_once()
            if done:
                sent = sum(d.state == "sent" for d in done)
                click.echo(f"notifications: {sent} sent, {len(done) - sent} not (yet)")
            monitor.stop()
            return
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        click.echo(
            f"dispatch scheduler: sweeping every {monitor.policy.interval.total_seconds():g} s "
            f"as {monitor.holder} (ctrl+c stops)",
            err=True,
        )
        freeze_startup_heap()
        monitor.run_forever()


# --- entry point ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``dispatch`` script)."""
    cli.main(args=argv, prog_name="dispatch")
