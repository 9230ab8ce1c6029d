"""The [intake] table: sources, their tokens (secrets) and their mappings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dispatch.config import load_settings
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Severity
from dispatch.domain.monitoring import OnResolve, TicketsPer

TOKEN = "s3cret-token-value-0123456789"


def settings_from(tmp_path: Path, text: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "dispatch.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(environ={"DISPATCH_CONFIG": str(path), **(env or {})})


def test_a_source_with_its_token_and_mappings(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        """
[intake]
max_body_kib = 64
[intake.on_resolve]
"SUB-1" = "close"
[intake.sources.prom]
format = "alertmanager"
token_env = "PROM_TOKEN"
customer_label = "customer"
customers = { acme = "Acme" }
severities = { critical = "P2", Page = "P1" }
on_resolve = "note"
tickets_per = "alert"
reopen_minutes = 15
""",
        {"PROM_TOKEN": TOKEN},
    )
    intake = settings.intake
    assert intake.max_body_bytes == 64 * 1024
    assert intake.on_resolve == {"SUB-1": OnResolve.CLOSE}
    source = intake.source("prom")
    assert source.token is not None
    assert source.token.reveal() == TOKEN
    rule = source.rule
    assert rule.customers == {"acme": "Acme"}
    assert rule.severities["critical"] is Severity.P2
    assert rule.severities["page"] is Severity.P1
    assert rule.severities["warning"] is Severity.P3  # the defaults stay
    assert rule.on_resolve is OnResolve.NOTE
    assert rule.tickets_per is TicketsPer.ALERT
    assert rule.reopen_window == timedelta(minutes=15)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_a_token_variable_not_set_leaves_the_source_without_a_token(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, '[intake.sources.nag]\nformat = "nagios"\ntoken_env = "NAG_TOKEN"\n'
    )
    assert settings.intake.source("nag").token is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[intake.sources.x]\nformat = "zabbix"\n', "format must be one of"),
        ('[intake.sources."bad name"]\nformat = "nagios"\n', "the name must be"),
        ('[intake.sources.x]\nformat = "nagios"\ncolour = 1\n', "does not know colour"),
        ('[intake.sources.x]\nformat = "nagios"\nseverities = { a = "P9" }\n', "'P9' is not one"),
        ('[intake.sources.x]\nformat = "nagios"\non_resolve = "delete"\n', "'delete' is not one"),
        ("[intake]\nmax_body_kib = 0\n", "max_body_kib must be"),
        ('[intake.on_resolve]\nX = "maybe"\n', "on_resolve X"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        settings_from(tmp_path, text)


def test_an_unknown_source_is_named_with_the_known_ones(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, '[intake.sources.prom]\nformat = "alertmanager"\n')
    with pytest.raises(InvalidInputError, match=r"source 'nope' is not configured \(known: prom\)"):
        settings.intake.source("nope")
