"""``dispatch contract`` and ``tech``: listing, adding, editing, ending; block-hours balances."""

from __future__ import annotations

from typing import Any

import click

from dispatch.cli.root import choice, db_option, echo_json, json_option, say, using_runtime
from dispatch.domain.model import ContractKind, TechStatus


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
    from dispatch.domain.terms import sla_text
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
            sla_text(c),
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


# --- writes: one transaction each, through services.master_data ------------------------------

_MONEY = ("hourly_rate", "fixed_fee", "job_price", "incident_price", "overage_rate")
_HOURS = ("prepaid_hours", "included_hours")


def _term_options(func: Any) -> Any:
    """The options ``contract add`` and ``contract edit`` share."""
    for option in reversed(
        [
            click.option("--calendar", help="24/7 or a calendar's name (dispatch calendar list)."),
            click.option(
                "--target",
                "targets",
                multiple=True,
                metavar="P1=2h/8h",
                help="Response/resolution targets for a severity (repeat).",
            ),
            click.option("--warning-share", type=float, help="Share of a target that warns (0.8)."),
            click.option("--hourly-rate", help="Rate per hour of billed work."),
            click.option("--currency", help="ISO 4217 code (EUR)."),
            click.option("--prepaid-hours", help="Block hours: hours per period."),
            click.option("--period", type=click.Choice(["month", "year"]), help="Block period."),
            click.option("--fixed-fee", help="Subscription/managed: fee per month."),
            click.option("--job-price", help="Per-job: the price per job."),
            click.option("--incident-price", help="Ad hoc: the agreed sum per incident."),
            click.option("--included-hours", help="Subscription: hours included per month."),
            click.option("--overage-rate", help="Subscription: hourly fee above them."),
            click.option(
                "--from", "valid_from", type=click.DateTime(["%Y-%m-%d"]), help="First day."
            ),
            click.option("--to", "valid_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day."),
            click.option("--precedence", type=int, help="Among overlapping contracts: 1 first."),
            click.option(
                "--first-response",
                type=click.Choice(["reply", "reply_or_status"]),
                help="What stops the response clock: a reply (default), or also in progress.",
            ),
            click.option("--external-id", help="Its id in the system it came from."),
        ]
    ):
        func = option(func)
    return func


def _terms(given: dict[str, Any]) -> dict[str, Any]:
    """The options given, as contract fields (amounts exact, dates as dates)."""
    from decimal import Decimal, InvalidOperation

    from dispatch.domain.conversation import FirstResponse
    from dispatch.domain.errors import InvalidInputError
    from dispatch.domain.model import BlockPeriod
    from dispatch.domain.terms import parse_target

    out: dict[str, Any] = {}
    for name, value in given.items():
        if value is None or value == ():
            continue
        if name in _MONEY or name in _HOURS:
            try:
                amount = Decimal(str(value).strip())
            except InvalidOperation:
                raise InvalidInputError(
                    f"--{name.replace('_', '-')}: not a number (got {value!r})"
                ) from None
            if not amount.is_finite():
                raise InvalidInputError(f"--{name.replace('_', '-')}: not a number ({value!r})")
            # The older rate and fee columns are floats until the billing work migrates them.
            float_column = name in ("hourly_rate", "fixed_fee", "prepaid_hours")
            out[name] = float(amount) if float_column else amount
        elif name == "targets":
            out["targets"] = dict(parse_target(t) for t in value)
        elif name == "period":
            out["period"] = BlockPeriod(value)
        elif name == "first_response":
            out[name] = FirstResponse(value)
        elif name in ("valid_from", "valid_to"):
            out[name] = value.date()
        elif name == "currency":
            out[name] = str(value).strip().upper()
        else:
            out[name] = value
    return out


@contract.command("add")
@click.argument("name")
@click.option("--customer", "customer_ref", required=True, help="The customer (name or id).")
@click.option("--kind", required=True, type=click.Choice([k.value for k in ContractKind]))
@_term_options
@db_option
@json_option
@click.pass_context
def contract_add(
    ctx: click.Context, /, name: str, customer_ref: str, kind: str, as_json: bool, **given: Any
) -> None:
    """Add contract NAME of a kind for a customer, with the terms its kind has."""
    from dispatch import formats
    from dispatch.domain.model import Contract, SlaPolicy
    from dispatch.services import contracts

    fields = _terms(given)
    targets = fields.pop("targets", {})
    share = fields.pop("warning_share", 0.8)
    fields.setdefault("valid_from", _today())
    with using_runtime(ctx) as rt:
        new = Contract(
            id=0,
            customer_id=0,
            name=name,
            kind=ContractKind(kind),
            sla=SlaPolicy(targets, share),
            **fields,
        )
        stored = contracts.add_contract(
            rt.writer(), rt.clock, rt.actor, customer_ref, new, calendars=rt.calendars
        )
        customer = _customer_of(rt, stored)
    if as_json:
        echo_json(formats.contract_json(stored, customer))
        return
    say(f"contract {stored.id} {formats.clip(stored.name, 40)!r} added for {customer.name!r}")


@contract.command("edit")
@click.argument("ref", metavar="CONTRACT")
@click.option("--name", help="A new name.")
@_term_options
@db_option
@json_option
@click.pass_context
def contract_edit(ctx: click.Context, /, ref: str, as_json: bool, **given: Any) -> None:
    """Change the given terms of CONTRACT (name or external id).

    New targets or a new calendar recompute the deadlines of the contract's
    open tickets from their history, in the same transaction.
    """
    from dispatch import formats
    from dispatch.services import contracts

    changes = _terms(given)
    with using_runtime(ctx) as rt:
        done = contracts.edit_contract(
            rt.writer(), rt.clock, rt.actor, ref, changes, calendars=rt.calendars
        )
        customer = _customer_of(rt, done.contract)
    if as_json:
        echo_json({**formats.contract_json(done.contract, customer), "moved": done.moved})
        return
    say(
        f"contract {formats.clip(done.contract.name, 40)!r} saved; "
        f"deadlines of {done.moved} open ticket(s) moved"
    )


@contract.command("end")
@click.argument("ref", metavar="CONTRACT")
@click.option(
    "--on", "last_day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day."
)
@db_option
@json_option
@click.pass_context
def contract_end(ctx: click.Context, ref: str, last_day: Any, as_json: bool) -> None:
    """End CONTRACT after its last day (its open tickets keep it)."""
    from dispatch import formats
    from dispatch.services import contracts

    with using_runtime(ctx) as rt:
        stored = contracts.end_contract(rt.writer(), rt.clock, rt.actor, ref, last_day.date())
        customer = _customer_of(rt, stored)
    if as_json:
        echo_json(formats.contract_json(stored, customer))
        return
    say(f"contract {formats.clip(stored.name, 40)!r} ends after {stored.valid_to}")


@contract.command("renew")
@click.argument("ref", metavar="CONTRACT")
@click.option("--name", "new_name", required=True, help="The new contract's name.")
@click.option("--to", "valid_to", type=click.DateTime(["%Y-%m-%d"]), help="Its last day.")
@db_option
@json_option
@click.pass_context
def contract_renew(
    ctx: click.Context, ref: str, new_name: str, valid_to: Any, as_json: bool
) -> None:
    """A new contract with CONTRACT's terms, from the day after it ends."""
    from dispatch import formats
    from dispatch.services import contracts

    with using_runtime(ctx) as rt:
        stored = contracts.renew_contract(
            rt.writer(),
            rt.clock,
            rt.actor,
            ref,
            new_name,
            valid_to=valid_to.date() if valid_to else None,
            calendars=rt.calendars,
        )
        customer = _customer_of(rt, stored)
    if as_json:
        echo_json(formats.contract_json(stored, customer))
        return
    say(f"contract {formats.clip(stored.name, 40)!r} runs from {stored.valid_from}")


def _customer_of(rt: Any, contract: Any) -> Any:
    with rt.reader() as uow:
        return uow.directory.customer(contract.customer_id)


def _today() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


def _tech_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--skill", "skills", multiple=True, help="A skill tag (repeat)."),
            click.option("--onsite/--no-onsite", "onsite_capable", default=None),
            click.option("--home-region", help="Where they are based."),
            click.option("--max-tickets", type=int, help="Most open tickets at once."),
            click.option("--status", type=choice(TechStatus), help="Availability."),
            click.option("--on-call/--not-on-call", "on_call", default=None),
            click.option("--external-id", help="Their id in the system they came from."),
        ]
    ):
        func = option(func)
    return func


def _tech_fields(given: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in given.items() if v is not None and v != ()}
    if "skills" in out:
        out["skills"] = frozenset(s.strip().lower() for s in out["skills"] if s.strip())
    if "status" in out:
        out["status"] = TechStatus(out["status"])
    return out


@tech.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Display name.")
@_tech_options
@db_option
@json_option
@click.pass_context
def tech_add(ctx: click.Context, /, login: str, name: str, as_json: bool, **given: Any) -> None:
    """Add technician LOGIN (their OS login: what assign and take name)."""
    from dispatch import formats
    from dispatch.domain.model import Technician
    from dispatch.services import master_data

    new = Technician(id=0, login=login, name=name, **_tech_fields(given))
    with using_runtime(ctx) as rt:
        stored = master_data.add_technician(rt.writer(), rt.clock, rt.actor, new)
    if as_json:
        echo_json(formats.technician_json(stored))
        return
    say(f"technician {stored.login} added")


@tech.command("edit")
@click.argument("ref", metavar="LOGIN")
@click.option("--name", help="A new display name.")
@_tech_options
@db_option
@json_option
@click.pass_context
def tech_edit(ctx: click.Context, /, ref: str, as_json: bool, **given: Any) -> None:
    """Change the given fields of technician LOGIN (--skill replaces the list)."""
    from dispatch import formats
    from dispatch.services import master_data

    with using_runtime(ctx) as rt:
        stored = master_data.edit_technician(
            rt.writer(), rt.clock, rt.actor, ref, _tech_fields(given)
        )
    if as_json:
        echo_json(formats.technician_json(stored))
        return
    say(f"technician {stored.login} saved")


@tech.command("retire")
@click.argument("ref", metavar="LOGIN")
@db_option
@json_option
@click.pass_context
def tech_retire(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Retire technician LOGIN: they stay in old assignments, new work cannot choose them."""
    from dispatch import formats
    from dispatch.services import master_data

    with using_runtime(ctx) as rt:
        stored = master_data.retire_technician(rt.writer(), rt.clock, rt.actor, ref)
    if as_json:
        echo_json(formats.technician_json(stored))
        return
    say(f"technician {stored.login} retired")
