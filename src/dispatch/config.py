"""Settings: command-line flags over ``DISPATCH_*`` environment over ``dispatch.toml``.

The database URL is taken from, in order: ``--db``; ``DISPATCH_DB``; the
``[database] url`` key of ``dispatch.toml`` in the user config directory (or
the file named by ``DISPATCH_CONFIG``); else a SQLite file in the user data
directory. Nothing is read or created at import time.
"""

from __future__ import annotations

import os
import pwd
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import InvalidInputError

APP_NAME = "dispatch"
CONFIG_FILE = "dispatch.toml"


def current_user() -> str:
    """The OS login of this process, from its uid.

    ``$USER`` and ``$LOGNAME`` are not consulted: anyone can set them, and the
    audit trail must name who really acted.
    """
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid:{os.getuid()}"


def default_config_path() -> Path:
    """Where ``dispatch.toml`` is looked for."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE


def default_db_url() -> str:
    """A SQLite file in the user data directory."""
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'dispatch.db'}"


def demo_db_url() -> str:
    """The demo database: its own file, so that a demo never touches real data."""
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'demo.db'}"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The ``[alerts]`` table: how the sweep runs and how the console signals.

    Attributes:
        interval_seconds: Time between sweeps.
        lease_seconds: How long a sweeper's lease lasts unrenewed.
        late_after_seconds: An alert raised this long after its threshold is late.
        bell: Ring the terminal bell when the console shows a new alert.
    """

    interval_seconds: float = 15.0
    lease_seconds: float = 45.0
    late_after_seconds: float = 60.0
    bell: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the application is configured with.

    Attributes:
        db_url: SQLAlchemy database URL (may hold a password: never show it,
            show ``dispatch.store.db.safe_url`` of it).
        db_source: Where the URL came from (``--db``, ``DISPATCH_DB``, the
            config file's path, or ``default``), for error messages.
        config_path: The configuration file consulted, if it exists.
        user: The OS login acting.
        calendars: Calendars defined in the file's ``[calendars.NAME]`` tables.
        keymap: Console key bindings remapped by id (``[keys]`` table), e.g.
            ``{"take-ticket": "ctrl+t"}``.
        alerts: The ``[alerts]`` table.
    """

    db_url: str
    db_source: str
    config_path: Path | None
    user: str
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    keymap: Mapping[str, str] = field(default_factory=dict)
    alerts: AlertSettings = field(default_factory=AlertSettings)


def _read_toml(path: Path) -> Mapping[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read: {exc.strerror}") from None


def load_settings(*, db: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings from flags, environment and the config file.

    Args:
        db: The ``--db`` flag, if given.
        environ: The environment (``os.environ`` by default).

    Raises:
        InvalidInputError: If the config file is unreadable or malformed.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("DISPATCH_CONFIG")
    path = Path(explicit) if explicit else default_config_path()
    if explicit and not path.is_file():
        raise InvalidInputError(f"DISPATCH_CONFIG names {path}, which is not a file")
    data = _read_toml(path) if path.is_file() else {}
    file_db = data.get("database", {})
    if not isinstance(file_db, Mapping):
        raise InvalidInputError(f"{path}: [database] must be a table")
    file_url = file_db.get("url")
    if file_url is not None and not isinstance(file_url, str):
        raise InvalidInputError(f"{path}: [database] url must be a string")

    if db:
        url, source = db, "--db"
    elif env.get("DISPATCH_DB"):
        url, source = env["DISPATCH_DB"], "DISPATCH_DB"
    elif file_url:
        url, source = file_url, str(path)
    else:
        url, source = default_db_url(), "default"
    return Settings(
        db_url=url,
        db_source=source,
        config_path=path if path.is_file() else None,
        user=current_user(),
        calendars=_calendars(data.get("calendars", {}), path),
        keymap=_keymap(data.get("keys", {}), path),
        alerts=_alerts(data.get("alerts", {}), path),
    )


def _keymap(raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [keys] must map binding ids to keys")
    for binding_id, keys in raw.items():
        if not isinstance(keys, str) or not keys.strip():
            raise InvalidInputError(
                f"{path}: [keys] {binding_id} must be a key or comma-separated keys"
            )
    return {str(k): str(v) for k, v in raw.items()}


def _calendars(raw: Any, path: Path) -> dict[str, Calendar]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [calendars] must hold one table per calendar")
    return {
        name: Calendar.from_json(spec, name=name, where=f"{path}: [calendars.{name}]")
        for name, spec in raw.items()
    }


def _alerts(raw: Any, path: Path) -> AlertSettings:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [alerts] must be a table")
    known = set(AlertSettings.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInputError(
            f"{path}: [alerts] does not know {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "bell":
            if not isinstance(value, bool):
                raise InvalidInputError(f"{path}: [alerts] bell must be true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidInputError(f"{path}: [alerts] {name} must be a positive number")
        values[name] = value
    return AlertSettings(**values)
