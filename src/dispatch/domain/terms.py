"""What each kind of contract must state, and when two contracts may overlap.

The six kinds are sold differently (``../shared/DOMAIN.md``), so each has its
own terms: the guaranteed kinds a target per severity and a fixed fee; block
hours prepaid hours per period; time-and-material a rate; per-job a price per
job; ad-hoc a sum per incident. A term of another kind is refused rather than
stored unused (a price per job on a subscription is a mistake, not a term).

A customer may hold contracts that overlap in time (a subscription beside a
time-and-material agreement for work outside it) only with different
``precedence`` numbers: the one new work falls under is stated, never chosen
by accident. Pure functions; used by the directory's services and the import.
How the terms read (:func:`terms_text`) is said here too, once for every screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Contract, ContractKind, Severity, SlaTarget
from dispatch.domain.plans import Balance
from dispatch.domain.queue import describe_wait

TERMS = (
    "hourly_rate",
    "prepaid_hours",
    "period",
    "fixed_fee",
    "job_price",
    "incident_price",
    "included_hours",
    "overage_rate",
)
"""The money and volume terms a contract may carry."""

REQUIRED: dict[ContractKind, tuple[tuple[str, ...], ...]] = {
    ContractKind.SUBSCRIPTION: (("fixed_fee",),),
    ContractKind.MANAGED: (("fixed_fee",),),
    ContractKind.BLOCK_HOURS: (("prepaid_hours",), ("period",)),
    ContractKind.TIME_MATERIAL: (("hourly_rate",),),
    ContractKind.PER_JOB: (("job_price", "hourly_rate"),),
    ContractKind.AD_HOC: (("incident_price",),),
}
"""The terms each kind cannot do without (each group: one of them at least)."""

ALLOWED: dict[ContractKind, frozenset[str]] = {
    # A fixed sum; hourly fees on top, or a volume of work included with a fee above it.
    ContractKind.SUBSCRIPTION: frozenset(
        {"fixed_fee", "hourly_rate", "included_hours", "overage_rate"}
    ),
    # A fixed rate; work outside the service list at an hourly rate.
    ContractKind.MANAGED: frozenset({"fixed_fee", "hourly_rate"}),
    # Prepaid hours; the rate they were bought at, and the one hours beyond them cost.
    ContractKind.BLOCK_HOURS: frozenset({"prepaid_hours", "period", "hourly_rate", "overage_rate"}),
    ContractKind.TIME_MATERIAL: frozenset({"hourly_rate"}),
    # A price per job; or work done billed at a rate (DOMAIN.md, "Money").
    ContractKind.PER_JOB: frozenset({"job_price", "hourly_rate"}),
    ContractKind.AD_HOC: frozenset({"incident_price"}),
}
"""The terms each kind may state."""

NEEDS_TARGETS = frozenset({ContractKind.SUBSCRIPTION, ContractKind.MANAGED})
"""Kinds sold on their reaction guarantee: they must promise targets (block hours may)."""


def term_errors(contract: Contract) -> list[str]:
    """Every way ``contract``'s terms do not fit its kind, one line each (empty: fit).

    Each line names the field and the value, e.g. ``job_price: a subscription
    contract has no price per job (got 120.00)``.
    """
    kind = contract.kind
    a_kind = f"{'an' if kind.label[0] in 'aeiou' else 'a'} {kind.label} contract"
    errors: list[str] = []
    for group in REQUIRED[kind]:
        if all(getattr(contract, name) is None for name in group):
            errors.append(f"{' or '.join(group)}: {a_kind} needs one")
    for name in TERMS:
        value = getattr(contract, name)
        if value is not None and name not in ALLOWED[kind]:
            errors.append(f"{name}: {a_kind} has none (got {_shown(value)})")
        elif value is not None and name != "period" and value < 0:
            errors.append(f"{name}: cannot be negative (got {_shown(value)})")
    if (contract.included_hours is None) != (contract.overage_rate is None) and (
        kind is ContractKind.SUBSCRIPTION
    ):
        errors.append(
            "included_hours: an included volume needs its overage_rate, and the other way round"
        )
    if kind in NEEDS_TARGETS and not contract.sla.targets:
        errors.append(f"targets: {a_kind} promises reaction times; give them")
    if contract.precedence < 1:
        errors.append(f"precedence: 1 or more (got {contract.precedence})")
    if len(contract.currency) != 3 or not contract.currency.isalpha():
        errors.append(f"currency: an ISO 4217 code such as EUR (got {contract.currency!r})")
    return errors


def overlaps(a: Contract, b: Contract) -> bool:
    """Whether two contracts are valid on at least one common day."""
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def overlap_errors(contract: Contract, others: Iterable[Contract]) -> list[str]:
    """How ``contract`` would clash with the customer's ``others`` (itself excluded)."""
    errors = []
    for other in others:
        if other.id == contract.id or other.customer_id != contract.customer_id:
            continue
        if overlaps(contract, other) and other.precedence == contract.precedence:
            errors.append(
                f"precedence: {contract.name!r} overlaps {other.name!r} "
                f"({_span(other)}) with the same precedence {contract.precedence}; "
                "give one of them another precedence (1 takes new work first)"
            )
    return errors


def sla_text(contract: Contract) -> str:
    """``P1 2h 00m/8h 00m, ...`` (response/resolution), or ``no guarantee``."""
    parts = [
        f"{sev.value} {describe_wait(t.response)}/{describe_wait(t.resolution)}"
        for sev, t in sorted(contract.sla.targets.items())
    ]
    return ", ".join(parts) or "no guarantee"


def terms_text(contract: Contract, calendar: str, balance: Balance | None = None) -> str:
    """The contract's terms on one line: targets, hours, fees, rates, prices, the calendar.

    ``P1 1h 00m/4h 00m; 20 h prepaid per month; balance 12.5 h of 20 until
    2026-12-01; 90 EUR/h; calendar business-hours`` (``balance``: the block's
    current period, where it is one). Untrusted parts (the currency, the
    calendar's name) are as stored: the caller makes them safe to show.
    """
    c = contract
    parts = [sla_text(c)]
    if c.kind is ContractKind.BLOCK_HOURS and c.prepaid_hours is not None:
        period = c.period.value if c.period else "period"
        parts.append(f"{c.prepaid_hours:g} h prepaid per {period}")
        if balance is not None:
            low = " (low)" if balance.low else ""
            parts.append(
                f"balance {balance.left_hours:.1f} h of {balance.prepaid_hours:g} "
                f"until {balance.end:%Y-%m-%d}{low}"
            )
    if c.fixed_fee is not None:
        parts.append(f"fixed fee {c.fixed_fee:g} {c.currency}")
    if c.included_hours is not None and c.overage_rate is not None:
        parts.append(f"{c.included_hours:f} h included, then {c.overage_rate} {c.currency}/h")
    if c.hourly_rate is not None:
        parts.append(f"{c.hourly_rate:g} {c.currency}/h")
    if c.job_price is not None:
        parts.append(f"{c.job_price} {c.currency} per job")
    if c.incident_price is not None:
        parts.append(f"{c.incident_price} {c.currency} per incident")
    parts.append(f"calendar {calendar}")
    return "; ".join(parts)


SPAN = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m?)?$")
"""``1d12h``, ``4h``, ``90m``, ``90`` (minutes)."""


def parse_span(text: str, what: str = "target") -> timedelta:
    """A target's length as written on the command line and in files: ``4h``, ``1d12h``, ``90m``."""
    raw = text.strip().lower().replace(" ", "")
    found = SPAN.match(raw)
    if not raw or found is None:
        raise InvalidInputError(f"{what}: not a length such as 4h, 90m or 1d12h (got {text!r})")
    days, hours, minutes = (int(g) if g else 0 for g in found.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if span <= timedelta(0):
        raise InvalidInputError(f"{what}: must be longer than zero (got {text!r})")
    return span


def parse_target(text: str) -> tuple[Severity, SlaTarget]:
    """``P1=2h/8h``: a severity's response and resolution targets."""
    severity, sep, spans = text.partition("=")
    response, slash, resolution = spans.partition("/")
    if not sep or not slash:
        raise InvalidInputError(
            f"target: write SEVERITY=RESPONSE/RESOLUTION, e.g. P1=2h/8h (got {text!r})"
        )
    try:
        level = Severity(severity.strip().upper())
    except ValueError:
        raise InvalidInputError(f"target: no severity {severity!r} (P1 to P4)") from None
    try:
        return level, SlaTarget(
            parse_span(response, "response"), parse_span(resolution, "resolution")
        )
    except InvalidInputError as exc:
        raise InvalidInputError(f"target {text!r}: {exc}") from None


def _span(contract: Contract) -> str:
    end = contract.valid_to.isoformat() if contract.valid_to else "open-ended"
    return f"{contract.valid_from.isoformat()} – {end}"


def _shown(value: object) -> str:
    return str(getattr(value, "value", value))
