"""The ``[intake]`` table of ``dispatch.toml``: mail in and monitoring events in.

Beside ``config`` (which is full). Mail: how ``dispatch intake mail`` spools
and limits what it takes in. Monitoring: each ``[intake.sources.NAME]`` table
is one monitoring system: the format it speaks, the customer its events are
for (or the label naming one), its severities, what a recovery does, and the
variable holding its bearer token for ``dispatch intake serve``. A token is a
``Secret``: read from the environment, never from the file, never shown.

    [intake]
    spool_dir = "/var/spool/dispatch"  # default: the user data dir's spool/
    max_message_bytes = 25000000       # larger: quarantined, never bounced
    max_attachment_bytes = 10000000    # larger: recorded, kept only in the raw message
    timeout_seconds = 120              # then exit 75: the MTA tries again
    severity = "P3"                    # of tickets opened from mail
    max_body_kib = 1024                # the server refuses larger bodies (413)

    [intake.on_resolve]                # per contract: close | confirm | note
    "MS-2026-001" = "close"

    [intake.sources.prometheus]
    format = "alertmanager"            # or "events-v2", "nagios"
    token_env = "DISPATCH_INTAKE_PROMETHEUS_TOKEN"
    customer = "Acme Logistics"        # events naming no customer
    customer_label = "customer"        # or the label that names it
    customers = { acme = "Acme Logistics" }
    severities = { critical = "P1", warning = "P3" }
    on_resolve = "confirm"             # default: confirm where the contract
                                       # promises reaction times, else close
    tickets_per = "group"              # or "alert" (Alertmanager)
    reopen_minutes = 60
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Severity
from dispatch.domain.monitoring import DEFAULT_SEVERITIES, OnResolve, SourceRule, TicketsPer
from dispatch.domain.monitoring_formats import FORMATS
from dispatch.domain.notify import Secret

SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
"""A source's name: it is part of URLs (``/alert/NAME``), keys and the actor recorded."""

DEFAULT_MAX_BODY = 1024 * 1024
"""The largest request body ``dispatch intake serve`` reads, in bytes."""

_MAIL_KEYS = frozenset(
    {"spool_dir", "max_message_bytes", "max_attachment_bytes", "timeout_seconds", "severity"}
)
_KEYS = frozenset({"max_body_kib", "on_resolve", "sources"}) | _MAIL_KEYS
_SOURCE_KEYS = frozenset(
    {
        "format",
        "token_env",
        "customer",
        "customer_label",
        "customers",
        "severity_label",
        "severities",
        "default_severity",
        "on_resolve",
        "tickets_per",
        "reopen_minutes",
    }
)


@dataclass(frozen=True, slots=True)
class IntakeSource:
    """One monitoring source: its rule and its bearer token.

    Attributes:
        rule: How its events become tickets.
        token_env: The variable its token is read from.
        token: The token (``None``: the variable is not set; the server refuses
            to start without it).
    """

    rule: SourceRule
    token_env: str | None = None
    token: Secret | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    """The ``[intake]`` table.

    Attributes:
        spool_dir: Where raw messages, the quarantine and attachments are kept.
        max_message_bytes: A larger message is quarantined (and not bounced).
        max_attachment_bytes: A larger attachment is recorded but not kept apart.
        timeout_seconds: How long one message may take before intake gives up
            with exit 75 (below Postfix's 1000 s ``command_time_limit``).
        severity: The severity of tickets opened from mail.
        sources: The monitoring sources by name.
        max_body_bytes: The largest body the server reads.
        on_resolve: Recovery policies by contract name.
    """

    spool_dir: Path | None = None
    max_message_bytes: int = 25_000_000
    max_attachment_bytes: int = 10_000_000
    timeout_seconds: float = 120.0
    severity: Severity = Severity.P3
    sources: Mapping[str, IntakeSource] = field(default_factory=dict)
    max_body_bytes: int = DEFAULT_MAX_BODY
    on_resolve: Mapping[str, OnResolve] = field(default_factory=dict)

    def source(self, name: str) -> IntakeSource:
        """The source called ``name``.

        Raises:
            InvalidInputError: No such source is configured.
        """
        if name not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none: add [intake.sources.NAME]"
            raise InvalidInputError(f"source {name!r} is not configured (known: {known})")
        return self.sources[name]


def parse_intake(raw: Any, path: Path, env: Mapping[str, str] | None = None) -> IntakeSettings:
    """The ``[intake]`` table, checked; one error naming the key and the value."""
    where = f"{path}: [intake]"
    table = _table(raw, where)
    _known(table, _KEYS, where)
    size = table.get("max_body_kib", DEFAULT_MAX_BODY // 1024)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 64 * 1024:
        raise InvalidInputError(f"{where} max_body_kib must be a whole number 1–65536")
    policies = {
        str(name): _policy(value, f"{where}.on_resolve {name}")
        for name, value in _table(table.get("on_resolve", {}), f"{where}.on_resolve").items()
    }
    sources = {}
    for name, body in _table(table.get("sources", {}), f"{where}.sources").items():
        sources[str(name)] = _source(str(name), body, f"{path}: [intake.sources.{name}]", env or {})
    return IntakeSettings(
        **_mail(table, where), sources=sources, max_body_bytes=size * 1024, on_resolve=policies
    )


def _mail(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The mail intake's keys of the table, checked."""
    values: dict[str, Any] = {}
    spool = raw.get("spool_dir")
    if spool is not None:
        if not isinstance(spool, str) or not spool.strip():
            raise InvalidInputError(f"{where} spool_dir must be a directory path")
        values["spool_dir"] = Path(spool.strip()).expanduser()
    for key in ("max_message_bytes", "max_attachment_bytes"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{where} {key} must be a positive integer (got {value!r})")
            values[key] = value
    if "timeout_seconds" in raw:
        value = raw["timeout_seconds"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 900:
            raise InvalidInputError(f"{where} timeout_seconds must be 1 to 900 (got {value!r})")
        values["timeout_seconds"] = float(value)
    if "severity" in raw:
        value = raw["severity"]
        try:
            values["severity"] = Severity(value)
        except ValueError:
            raise InvalidInputError(f"{where} severity must be P1 to P4 (got {value!r})") from None
    return values


def _source(name: str, raw: Any, where: str, env: Mapping[str, str]) -> IntakeSource:
    if not SOURCE_NAME.fullmatch(name):
        raise InvalidInputError(f"{where}: the name must be letters, digits and ._- (≤ 40)")
    table = _table(raw, where)
    _known(table, _SOURCE_KEYS, where)
    fmt = table.get("format")
    if fmt not in FORMATS:
        raise InvalidInputError(f"{where} format must be one of {', '.join(FORMATS)}")
    severities = dict(DEFAULT_SEVERITIES)
    for word, value in _table(table.get("severities", {}), f"{where}.severities").items():
        severities[str(word).strip().lower()] = _severity(value, f"{where} severities.{word}")
    customers = _table(table.get("customers", {}), f"{where}.customers")
    for value, customer in customers.items():
        if not isinstance(customer, str) or not customer.strip():
            raise InvalidInputError(f"{where} customers.{value} must name a customer")
    tickets_per = table.get("tickets_per", TicketsPer.GROUP.value)
    if tickets_per not in tuple(TicketsPer):
        raise InvalidInputError(f"{where} tickets_per must be group or alert")
    minutes = table.get("reopen_minutes", 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise InvalidInputError(f"{where} reopen_minutes must be a whole number ≥ 0")
    on_resolve = table.get("on_resolve")
    token_env = _text(table, "token_env", where)
    token = Secret(env[token_env]) if token_env and env.get(token_env) else None
    rule = SourceRule(
        name=name,
        format=fmt,
        customer=_text(table, "customer", where),
        customer_label=_text(table, "customer_label", where),
        customers={str(k): v.strip() for k, v in customers.items()},
        severity_label=_text(table, "severity_label", where) or "severity",
        severities=severities,
        default_severity=_severity(
            table.get("default_severity", "P3"), f"{where} default_severity"
        ),
        on_resolve=None if on_resolve is None else _policy(on_resolve, f"{where} on_resolve"),
        tickets_per=TicketsPer(tickets_per),
        reopen_window=timedelta(minutes=minutes),
    )
    return IntakeSource(rule=rule, token_env=token_env, token=token)


def _table(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{where} must be a table")
    return raw


def _known(table: Mapping[str, Any], keys: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        raise InvalidInputError(
            f"{where} does not know {', '.join(unknown)} (known: {', '.join(sorted(keys))})"
        )


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where} {key} must be a non-empty string")
    return value.strip()


def _severity(value: Any, where: str) -> Severity:
    if value not in tuple(Severity):
        raise InvalidInputError(f"{where}: {value!r} is not one of P1, P2, P3, P4")
    return Severity(value)


def _policy(value: Any, where: str) -> OnResolve:
    if value not in tuple(OnResolve):
        raise InvalidInputError(f"{where}: {value!r} is not one of close, confirm, note")
    return OnResolve(value)
