"""The ``[intake]`` table of ``dispatch.toml``: how ``dispatch intake mail`` takes mail in.

[intake]
spool_dir = "/var/spool/dispatch"     # default: the user data dir's spool/
max_message_bytes = 25000000          # larger: quarantined, never bounced
max_attachment_bytes = 10000000       # larger: recorded, kept only in the raw message
timeout_seconds = 120                 # then exit 75: the MTA tries again
severity = "P3"                       # of tickets opened from mail
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Severity

_KEYS = frozenset(
    {"spool_dir", "max_message_bytes", "max_attachment_bytes", "timeout_seconds", "severity"}
)


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
    """

    spool_dir: Path | None = None
    max_message_bytes: int = 25_000_000
    max_attachment_bytes: int = 10_000_000
    timeout_seconds: float = 120.0
    severity: Severity = Severity.P3


def parse_intake(raw: Any, path: Path) -> IntakeSettings:
    """The ``[intake]`` table, checked; one error naming the key and the value."""
    where = f"{path}: [intake]"
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{where} must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InvalidInputError(
            f"{where} does not know {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
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
    return IntakeSettings(**values)
