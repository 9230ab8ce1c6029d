"""The ``[mail]`` table: defaults, a secret password, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.config_mail import MailSettings, parse_mail
from dispatch.domain.errors import InvalidInputError

PATH = Path("dispatch.toml")


def test_an_empty_table_means_no_replies_by_mail() -> None:
    assert parse_mail({}, PATH, {}) == MailSettings()  # sender None: no replies by mail


def test_a_full_table_with_its_password_kept_secret() -> None:
    mail = parse_mail(
        {
            "from": "support@help.example",
            "smtp_host": "mail.help.example",
            "smtp_user": "support",
            "smtp_password_env": "PW",
            "templates": {"ack": "We are on {ref}, answer by {response_due} ({zone})."},
        },
        PATH,
        {"PW": "hunter2"},
    )
    assert (mail.host, mail.port, mail.security) == ("mail.help.example", 587, "starttls")
    assert mail.password is not None
    assert mail.password.reveal() == "hunter2"
    assert "hunter2" not in repr(mail)
    assert parse_mail({"smtp_host": "h", "security": "tls"}, PATH, {}).port == 465
    assert parse_mail({"from": "a@b.example"}, PATH, {}).security == "none"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"form": "a@b.example"}, r"\[mail\] does not know form"),
        ({"from": "not an address"}, "from: 'not an address' is not an e-mail address"),
        ({"smtp_host": "h", "security": "ssl"}, "security must be one of"),
        ({"smtp_port": 0}, "smtp_port must be a port number"),
        ({"smtp_password_env": "NOPE"}, "names NOPE, not set"),
        ({"templates": {"x": "{ticket}"}}, r"unknown placeholder \{ticket\}"),
        ({"templates": {"x": "{ref"}}, "templates x:"),
        ({"timeout_seconds": -1}, "timeout_seconds must be a positive number"),
    ],
)
def test_each_mistake_is_named(table: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_mail(table, PATH, {})
