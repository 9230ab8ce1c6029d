"""The demo data set, and a queue of tickets generated around the current instant.

Customers, contracts, technicians and problem templates come from ``assets/demo``.

Generation is deterministic for a given seed and instant. The queue covers every
ticket status, kind of work and channel; some tickets are about to breach their
deadline and some already have. Due times come from ``dispatch.domain.sla``.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from dispatch.domain.calendar import ALWAYS_OPEN, Calendar
from dispatch.domain.conversation import FirstResponse
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import (
    BlockPeriod,
    Channel,
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Technician,
    TechStatus,
    TicketKind,
    TicketStatus,
    require_utc,
)
from dispatch.domain.plans import Plan
from dispatch.domain.sla import SlaEngine, engine_for, status_history
from dispatch.domain.ticket import Event, Ticket


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """A ticket to load, with its contract named and its history.

    Attributes:
        ticket: The ticket (ids are placeholders; the loader maps names).
        contract_name: Its contract.
        events: Its history, oldest first (ids are placeholders).
    """

    ticket: Ticket
    contract_name: str
    events: Sequence[Event]


@dataclass(frozen=True, slots=True)
class DemoData:
    """Everything ``dispatch demo`` loads.

    Attributes:
        customers: Customers (ids are placeholders).
        contracts: Contracts with the customer's name.
        technicians: Technicians.
        tickets: Tickets and their histories.
        problems: The problem templates, reused by ``dispatch seed``.
        calendars: Working-hours calendars the contracts name.
        plans: Maintenance plans with their contract's name (in its customer's zone).
    """

    customers: Sequence[Customer]
    contracts: Sequence[tuple[str, Contract]]
    technicians: Sequence[Technician]
    tickets: Sequence[DemoTicket]
    problems: Sequence[Mapping[str, Any]]
    calendars: Sequence[Calendar] = ()
    plans: Sequence[tuple[str, Plan]] = ()


def assets_dir() -> Path:
    """Where the demo files are: inside the installed wheel, or the source checkout."""
    packaged = resources.files("dispatch") / "_assets" / "demo"
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / "assets" / "demo"
    if source.is_dir():
        return source
    raise InvalidInputError("the demo data set is missing from this installation (assets/demo)")


def read_catalogue(path: Path | None = None) -> Mapping[str, Any]:
    """Read ``demo.toml``."""
    file = path or assets_dir() / "demo.toml"
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"{file}: cannot read the demo data: {exc}") from None


def _policy(raw: Mapping[str, Sequence[float]] | None) -> SlaPolicy:
    if not raw:
        return SlaPolicy()
    return SlaPolicy(
        targets={
            Severity(sev): SlaTarget(timedelta(minutes=pair[0]), timedelta(minutes=pair[1]))
            for sev, pair in raw.items()
        }
    )


def _money(value: str | None) -> Decimal | None:
    """An exact amount from the catalogue (written as a string: TOML has no decimals)."""
    return None if value is None else Decimal(value)


def _contract(entry: Mapping[str, Any]) -> Contract:
    valid_to = entry.get("valid_to")
    return Contract(
        id=0,
        customer_id=0,
        name=entry["name"],
        kind=ContractKind(entry["kind"]),
        sla=_policy(entry.get("sla")),
        calendar=entry["calendar"],
        hourly_rate=entry.get("hourly_rate"),
        currency=entry.get("currency", "EUR"),
        prepaid_hours=entry.get("prepaid_hours"),
        period=BlockPeriod(entry["period"]) if "period" in entry else None,
        fixed_fee=entry.get("fixed_fee"),
        job_price=_money(entry.get("job_price")),
        incident_price=_money(entry.get("incident_price")),
        included_hours=_money(entry.get("included_hours")),
        overage_rate=_money(entry.get("overage_rate")),
        valid_from=entry["valid_from"],
        valid_to=valid_to if isinstance(valid_to, date) else None,
        first_response=FirstResponse(entry.get("first_response", "reply")),
    )


# The scenario of each demo ticket, as a share of the rows: where its clock stands.
_OPEN_PLAN: tuple[tuple[TicketStatus, int], ...] = (
    (TicketStatus.NEW, 16),
    (TicketStatus.ASSIGNED, 12),
    (TicketStatus.IN_PROGRESS, 14),
    (TicketStatus.WAITING_CUSTOMER, 7),
    (TicketStatus.ESCALATED_DEV, 5),
)
_DONE_PLAN: tuple[tuple[TicketStatus, int], ...] = (
    (TicketStatus.RESOLVED, 9),
    (TicketStatus.CLOSED, 9),
)


def build(*, seed: int, now: datetime, tickets: bool = True, user: str | None = None) -> DemoData:
    """Build the demo data set around ``now``.

    Args:
        seed: Random seed; the same seed and instant give the same data.
        now: The current instant (aware).
        tickets: Generate tickets (``False``: directory only, for ``seed``).
        user: The OS login running the demo; it joins the technicians (if not
            one of them already) so that "take" works in the console.
    """
    now = require_utc(now, "now")
    catalogue = read_catalogue()
    customers = [
        Customer(
            id=0,
            name=c["name"],
            timezone=c["timezone"],
            country=c["country"],
            region=c.get("region"),
            address=c.get("address", ""),
            contacts=tuple(
                Contact(
                    id=0,
                    customer_id=0,
                    name=k["name"],
                    emails=tuple(k.get("emails", ())),
                    phones=tuple(k.get("phones", ())),
                    role=k.get("role", ""),
                )
                for k in c.get("contacts", ())
            ),
        )
        for c in catalogue["customers"]
    ]
    contracts = [(c["customer"], _contract(c)) for c in catalogue["contracts"]]
    technicians = [
        Technician(
            id=0,
            login=t["login"],
            name=t["name"],
            skills=frozenset(t["skills"]),
            on_call=t["on_call"],
            onsite_capable=t["onsite_capable"],
            home_region=t["home_region"],
            max_tickets=t["max_tickets"],
            status=TechStatus(t["status"]),
        )
        for t in catalogue["technicians"]
    ]
    if user and all(t.login != user for t in technicians):
        technicians.append(
            Technician(
                id=0,
                login=user,
                name=f"{user} (you)",
                skills=frozenset({"network", "windows", "printers", "email"}),
                on_call=True,
                onsite_capable=False,
                home_region="",
                max_tickets=5,
            )
        )
    problems: list[Mapping[str, Any]] = list(catalogue["problems"])
    calendars = [
        Calendar.from_json(entry, name=entry.get("name", ""), where=f"demo calendar {i}")
        for i, entry in enumerate(catalogue.get("calendars", []))
    ]
    engines = {
        contract.name: engine_for(
            contract,
            next(c for c in customers if c.name == customer_name),
            {c.name: c for c in calendars},
        )
        for customer_name, contract in contracts
    }
    generated = (
        _tickets(random.Random(seed), now, contracts, engines, technicians, problems)
        if tickets
        else []
    )
    zones = {contract.name: c.timezone for name, contract in contracts for c in customers
             if c.name == name}  # fmt: skip
    plans = [
        (
            entry["contract"],
            Plan(
                id=0,
                contract_id=0,
                name=entry["name"],
                title=entry["title"],
                schedule=entry["cron"],
                timezone=zones[entry["contract"]],
                lead=timedelta(minutes=entry["lead_minutes"]),
                created_at=now,
                severity=Severity(entry.get("severity", "P3")),
                skills=frozenset(entry.get("skills", [])),
            ),
        )
        for entry in catalogue.get("plans", [])
    ]
    return DemoData(customers, contracts, technicians, generated, problems, calendars, plans)


def _tickets(
    rng: random.Random,
    now: datetime,
    contracts: Sequence[tuple[str, Contract]],
    engines: Mapping[str, SlaEngine],
    technicians: Sequence[Technician],
    problems: Sequence[Mapping[str, Any]],
) -> list[DemoTicket]:
    statuses = [s for s, n in _OPEN_PLAN + _DONE_PLAN for _ in range(n)]
    rng.shuffle(statuses)
    channels = list(Channel)
    # Tickets placed near their deadline need a clock whose inverse is plain
    # arithmetic: contracts on the 24/7 calendar.
    guaranteed = [
        (name, c) for name, c in contracts if c.sla.targets and c.calendar == ALWAYS_OPEN.name
    ]
    # Ticket ids are given by the database in insertion order; the first rows
    # are laid out so that every scenario appears whatever the seed.
    out: list[DemoTicket] = []
    for index, status in enumerate(statuses):
        problem = problems[index % len(problems)] if index < len(problems) else rng.choice(problems)
        kind = TicketKind(problem["kind"])
        customer_name, contract = (
            contracts[index % len(contracts)]
            if index < len(contracts) * 2
            else rng.choice(contracts)
        )
        severity = rng.choices(list(Severity), weights=(2, 4, 5, 2))[0]
        scenario = _scenario(index, status, rng)
        near = contract.sla.for_severity(severity) and contract.calendar == ALWAYS_OPEN.name
        if scenario in ("at_risk", "breached") and not near:
            if index < len(contracts):
                # The first rows keep their contract, so every kind appears.
                scenario = "normal"
            else:
                customer_name, contract = rng.choice(guaranteed)
                severity = min(contract.sla.targets)
        target = contract.sla.for_severity(severity)
        opened_at = _opened_at(scenario, status, target, now, rng)
        out.append(
            _ticket(
                index=index,
                rng=rng,
                now=now,
                customer_name=customer_name,
                contract=contract,
                engine=engines[contract.name],
                problem=problem,
                kind=kind,
                channel=channels[index % len(channels)],
                severity=severity,
                status=status,
                opened_at=opened_at,
                technicians=technicians,
            )
        )
    return out


def _scenario(index: int, status: TicketStatus, rng: random.Random) -> str:
    if not status.is_open:
        return "done"
    if status is TicketStatus.WAITING_CUSTOMER:
        return "normal"
    roll = rng.random()
    if index % 9 == 0 or roll < 0.12:
        return "breached"
    if index % 9 == 1 or roll < 0.3:
        return "at_risk"
    return "normal"


def _opened_at(
    scenario: str,
    status: TicketStatus,
    target: SlaTarget | None,
    now: datetime,
    rng: random.Random,
) -> datetime:
    minutes = timedelta(minutes=1)
    if scenario == "done":
        return now - timedelta(days=rng.uniform(2, 40))
    if target is None:
        return now - rng.randint(10, 60 * 72) * minutes
    # The deadline that runs: response until the first reaction, then resolution.
    clock = (
        target.response
        if status in (TicketStatus.NEW, TicketStatus.ASSIGNED)
        else target.resolution
    )
    if scenario == "breached":
        return now - clock - rng.randint(5, 90) * minutes
    if scenario == "at_risk":
        return now - clock + rng.randint(4, 25) * minutes
    return now - clock * rng.uniform(0.05, 0.6)


def _ticket(
    *,
    index: int,
    rng: random.Random,
    now: datetime,
    customer_name: str,
    contract: Contract,
    engine: SlaEngine,
    problem: Mapping[str, Any],
    kind: TicketKind,
    channel: Channel,
    severity: Severity,
    status: TicketStatus,
    opened_at: datetime,
    technicians: Sequence[Technician],
) -> DemoTicket:
    skills = frozenset(problem.get("skills", ()))
    assignee: str | None = None
    events: list[Event] = [
        Event(0, opened_at, "dispatcher", "ticket.opened", after={"status": "new"})
    ]
    first_response: datetime | None = None
    resolved: datetime | None = None
    bug_ref: str | None = None
    if status is not TicketStatus.NEW:
        matching = [t for t in technicians if t.skills & skills] or list(technicians)
        tech = rng.choice(matching)
        assignee = tech.login
        span = max(now - opened_at, timedelta(minutes=2))
        assigned_at = opened_at + span * rng.uniform(0.02, 0.15)
        events.append(
            Event(
                0,
                assigned_at,
                "dispatcher",
                "ticket.assigned",
                before={"assignee": None, "status": "new"},
                after={"assignee": tech.login, "status": "assigned"},
            )
        )
        if status is not TicketStatus.ASSIGNED:
            first_response = assigned_at + span * rng.uniform(0.02, 0.2)
            shown = TicketStatus.IN_PROGRESS if not status.is_open else status
            if status is TicketStatus.ESCALATED_DEV:
                bug_ref = f"DEV-{4100 + index}"
            events.append(
                Event(
                    0,
                    first_response,
                    tech.login,
                    "ticket.status",
                    before={"status": "assigned"},
                    after={"status": shown.value, "first_response_at": first_response.isoformat()}
                    | ({"bug_ref": bug_ref} if bug_ref else {}),
                    note="called the customer back",
                )
            )
            if not status.is_open:
                resolved = first_response + (now - first_response) * rng.uniform(0.1, 0.5)
                events.append(
                    Event(
                        0,
                        resolved,
                        tech.login,
                        "ticket.status",
                        before={"status": "in_progress"},
                        after={"status": "resolved", "resolved_at": resolved.isoformat()},
                        note="fixed, customer confirmed",
                    )
                )
                if status is TicketStatus.CLOSED:
                    events.append(
                        Event(
                            0,
                            min(resolved + timedelta(hours=24), now - timedelta(minutes=1)),
                            "dispatcher",
                            "ticket.status",
                            before={"status": "resolved"},
                            after={"status": "closed"},
                        )
                    )
    ticket = Ticket(
        id=0,
        customer_id=0,
        customer_name=customer_name,
        contract_id=0,
        contract_kind=contract.kind,
        title=str(problem["title"]),
        description=str(problem.get("description", "")),
        kind=kind,
        channel=channel,
        severity=severity,
        status=status,
        needs_onsite=bool(problem.get("onsite", False)) or channel is Channel.ONSITE,
        skills=skills,
        opened_at=opened_at,
        first_response_at=first_response,
        resolved_at=resolved,
        assignee=assignee,
        bug_ref=bug_ref,
    )
    due = engine.deadlines(severity, opened_at, status_history(ticket, events))
    ticket = replace(
        ticket,
        response_due=due.response,
        resolution_due=due.resolution,
        response_warn_at=due.response_warn,
        resolution_warn_at=due.resolution_warn,
    )
    return DemoTicket(ticket, contract.name, events)
