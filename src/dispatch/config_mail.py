"""The ``[mail]`` table of ``dispatch.toml``: how replies leave, and their templates.

Beside ``config`` (which grew past its room): the SMTP server replies go
through, the address they come from (also the domain of our Message-IDs), and
the reply templates the console offers. The password is a ``Secret`` read from
the environment, never from the file, so it appears nowhere on screen or in
logs.

    [mail]
    from = "support@example.com"
    smtp_host = "mail.example.com"
    smtp_port = 587
    security = "starttls"            # or "tls" (port 465), or "none"
    smtp_user = "support"
    smtp_password_env = "DISPATCH_SMTP_PASSWORD"

    [mail.templates]
    ack = "We are on {ref}. We will answer by {response_due} ({zone})."
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.notify import Secret

SECURITY = ("starttls", "tls", "none")
"""How the SMTP connection is protected."""

PLACEHOLDERS = frozenset(
    {"ref", "title", "customer", "contact", "response_due", "resolution_due", "zone", "login"}
)
"""What a reply template may name in ``{braces}``."""

_KEYS = frozenset(
    {
        "from",
        "smtp_host",
        "smtp_port",
        "security",
        "smtp_user",
        "smtp_password_env",
        "timeout_seconds",
        "templates",
    }
)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The ``[mail]`` table.

    Attributes:
        sender: The address replies come from (``from``); ``None``: replies
            by e-mail are not configured.
        host: The SMTP server.
        port: Its port (587 for STARTTLS, 465 for TLS, 25 otherwise by default).
        security: ``starttls``, ``tls`` or ``none``.
        user: The SMTP login, if it needs one.
        password: The SMTP password, read from the variable ``smtp_password_env`` names.
        timeout_seconds: How long one connection attempt may take.
        templates: Reply templates by name, with ``{placeholders}``.
    """

    sender: str | None = None
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    user: str | None = None
    password: Secret | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0
    templates: Mapping[str, str] = field(default_factory=dict)


def parse_mail(raw: Any, path: Path, env: Mapping[str, str]) -> MailSettings:
    """The ``[mail]`` table, checked; one error naming the key and the value."""
    where = f"{path}: [mail]"
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{where} must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InvalidInputError(
            f"{where} does not know {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
    if not raw:
        return MailSettings()
    sender = _text(raw, "from", where)
    if sender is not None and ("@" not in sender or any(c in sender for c in " \r\n<>")):
        raise InvalidInputError(f"{where} from: {sender!r} is not an e-mail address")
    security = raw.get("security", "starttls" if "smtp_host" in raw else "none")
    if security not in SECURITY:
        raise InvalidInputError(f"{where} security must be one of {', '.join(SECURITY)}")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    port = raw.get("smtp_port", default_port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidInputError(f"{where} smtp_port must be a port number (got {port!r})")
    timeout = raw.get("timeout_seconds", 30.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InvalidInputError(f"{where} timeout_seconds must be a positive number")
    password = None
    password_env = _text(raw, "smtp_password_env", where)
    if password_env is not None:
        if password_env not in env:
            raise InvalidInputError(f"{where} smtp_password_env names {password_env}, not set")
        password = Secret(env[password_env])
    return MailSettings(
        sender=sender,
        host=_text(raw, "smtp_host", where) or "localhost",
        port=port,
        security=security,
        user=_text(raw, "smtp_user", where),
        password=password,
        timeout_seconds=float(timeout),
        templates=_templates(raw.get("templates", {}), where),
    )


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where} {key} must be a non-empty string")
    return value.strip()


def _templates(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{where}.templates must map names to texts")
    out: dict[str, str] = {}
    for name, text in raw.items():
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError(f"{where}.templates {name}: must be a non-empty string")
        try:
            named = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            raise InvalidInputError(f"{where}.templates {name}: {exc}") from None
        unknown = sorted(named - PLACEHOLDERS)
        if unknown:
            raise InvalidInputError(
                f"{where}.templates {name}: unknown placeholder {{{unknown[0]}}} "
                f"(known: {', '.join(sorted(PLACEHOLDERS))})"
            )
        out[str(name)] = text
    return out
