"""Settings: command-line flags over ``DISPATCH_*`` environment over ``dispatch.toml``.

The database URL is taken from, in order: ``--db``; ``DISPATCH_DB``; the
``[database] url`` key of ``dispatch.toml`` in the user config directory (or
the file named by ``DISPATCH_CONFIG``); else a SQLite file in the user data
directory. Nothing is read or created at import time.
"""

from __future__ import annotations

import os
import pwd
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from dispatch.config_intake import IntakeSettings, parse_intake
from dispatch.config_mail import MailSettings, parse_mail
from dispatch.domain.alerts import AlertLevel
from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.filter import MAX_VIEWS, SavedView
from dispatch.domain.notify import NotifyPolicy, NotifyTarget, Secret

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


LOGIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}")
"""What a login may be: letters, digits and ``._@+-``, not first ``-``, at most 64 characters."""

SERVED_LOGIN_ENV = "DISPATCH_SERVED_LOGIN"
"""The variable ``dispatch serve`` names a browser session's login in (from the proxy's header)."""


def is_login(text: str) -> bool:
    """Whether ``text`` can be a login (no control, space or markup character, not an option)."""
    return LOGIN.fullmatch(text) is not None


def default_config_path() -> Path:
    """Where ``dispatch.toml`` is looked for."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE


def data_dir() -> Path:
    """Dispatch's own data directory (the default and demo databases live there)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_db_url() -> str:
    """A SQLite file in the user data directory."""
    return f"sqlite:///{data_dir() / 'dispatch.db'}"


def demo_db_url() -> str:
    """The demo database: its own file, so that a demo never touches real data."""
    return f"sqlite:///{data_dir() / 'demo.db'}"


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
class ServeSettings:
    """The ``[serve]`` table: ``dispatch serve``, the console in a browser.

    Attributes:
        identity_header: The request header a reverse proxy puts the
            authenticated login in (e.g. ``X-Forwarded-User``). Without one,
            every browser session is read-only; with one, a request without
            it is refused.
        max_sessions: How many browser sessions (one console process each)
            may run at once.
    """

    identity_header: str | None = None
    max_sessions: int = 8  # DEFAULT_MAX_SESSIONS


DEFAULT_MAX_SESSIONS = ServeSettings().max_sessions


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
        keymap_lines: The line of the file each ``keymap`` entry is on, for
            errors (checked against the console's bindings at start).
        alerts: The ``[alerts]`` table.
        read_only: The console changes nothing (``--read-only``, or the user is
            one of ``[access] read_only``): a wallboard or team-lead view.
        notify: The ``[notify]`` table: targets, technicians' addresses,
            escalation (URLs are ``Secret``: they never print).
        views: The saved views of the ``[views.NAME]`` tables, in the file's
            order (the console switches them with ``1``–``9``).
        serve: The ``[serve]`` table.
        mail: The ``[mail]`` table: the SMTP server replies leave by, their templates.
        intake: The ``[intake]`` table: the mail spool and its limits, monitoring
            sources and their tokens.
    """

    db_url: str = field(repr=False)  # may hold a password
    db_source: str
    config_path: Path | None
    user: str
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    keymap: Mapping[str, str] = field(default_factory=dict)
    keymap_lines: Mapping[str, int] = field(default_factory=dict)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    read_only: bool = False
    notify: NotifyPolicy = field(default_factory=NotifyPolicy)
    views: tuple[SavedView, ...] = ()
    serve: ServeSettings = field(default_factory=ServeSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)

    @property
    def spool_dir(self) -> Path:
        """The mail spool: ``[intake] spool_dir``, else ``spool/`` in the user data dir."""
        return self.intake.spool_dir or data_dir() / "spool"


def not_utf8(exc: UnicodeDecodeError) -> str:
    """``not UTF-8 text (byte 0xe9 at offset 12)``: what to say of a file that is not."""
    return f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"


def read_toml(path: Path) -> Mapping[str, Any]:
    """A TOML file's tables; one clear error if it is unreadable, not UTF-8 or not TOML."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: {not_utf8(exc)}") from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read: {exc.strerror}") from None


def load_settings(
    *,
    db: str | None = None,
    read_only: bool = False,
    user: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings from flags, environment and the config file.

    Args:
        db: The ``--db`` flag, if given.
        read_only: The ``--read-only`` flag (``[access] read_only`` may make
            the user read-only without it; nothing makes a listed user writable).
        user: The login acting, when it is not this process's OS login: a
            browser session of ``dispatch serve`` acts as the login its proxy
            authenticated (``[access] read_only`` applies to it as to anyone).
        environ: The environment (``os.environ`` by default).

    Raises:
        InvalidInputError: If the config file is unreadable or malformed.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("DISPATCH_CONFIG")
    path = Path(explicit) if explicit else default_config_path()
    if explicit and not path.is_file():
        raise InvalidInputError(f"DISPATCH_CONFIG names {path}, which is not a file")
    data = read_toml(path) if path.is_file() else {}
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
    if user is not None and not is_login(user):
        raise InvalidInputError(f"{user!r} is not a login (letters, digits and ._@+- only)")
    user = user or current_user()
    return Settings(
        db_url=url,
        db_source=source,
        config_path=path if path.is_file() else None,
        user=user,
        calendars=_calendars(data.get("calendars", {}), path),
        keymap=_keymap(data.get("keys", {}), path),
        keymap_lines=table_lines(path, "keys") if path.is_file() else {},
        alerts=_alerts(data.get("alerts", {}), path),
        read_only=read_only or user in _read_only_logins(data.get("access", {}), path),
        notify=_notify(data.get("notify", {}), path, env),
        views=_views(data.get("views", {}), path),
        serve=_serve(data.get("serve", {}), path),
        mail=parse_mail(data.get("mail", {}), path, env),
        intake=parse_intake(data.get("intake", {}), path, env),
    )


def table_lines(path: Path, table: str) -> dict[str, int]:
    """The line number of each ``key = value`` of ``[table]`` in a TOML file (for errors).

    A plain scan: TOML's parser gives no positions. Quoted keys are unquoted;
    a key the scan cannot place is simply missing (its error names no line).
    """
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if text.startswith("["):
            inside = text.strip("[] \t") == table
            continue
        key, sep, _ = text.partition("=")
        if inside and sep and not text.startswith("#"):
            lines.setdefault(key.strip().strip("\"'"), number)
    return lines


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


def _read_only_logins(raw: Any, path: Path) -> frozenset[str]:
    """``[access] read_only = ["lead", "wallboard"]``: logins whose console changes nothing."""
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [access] must be a table")
    unknown = sorted(set(raw) - {"read_only"})
    if unknown:
        raise InvalidInputError(
            f"{path}: [access] does not know {', '.join(unknown)} (known: read_only)"
        )
    logins = raw.get("read_only", [])
    if not isinstance(logins, list) or not all(
        isinstance(login, str) and login.strip() for login in logins
    ):
        raise InvalidInputError(f"{path}: [access] read_only must be a list of logins")
    return frozenset(login.strip() for login in logins)


def _views(raw: Any, path: Path) -> tuple[SavedView, ...]:
    """``[views.mine]`` ``scope = "mine"``, ``[views.p1] filter = "sev:P1 tech:-"`` ..."""
    if not isinstance(raw, Mapping) or not all(isinstance(v, Mapping) for v in raw.values()):
        raise InvalidInputError(f"{path}: [views] must hold one table per view, [views.NAME]")
    if len(raw) > MAX_VIEWS:
        raise InvalidInputError(
            f"{path}: [views] holds {len(raw)} views; the digits 1-{MAX_VIEWS} switch at most "
            f"{MAX_VIEWS}"
        )
    return tuple(
        SavedView.parse(name, spec, f"{path}: [views.{name}]") for name, spec in raw.items()
    )


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


# RFC 9110 "token": what a header field name may be made of.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _serve(raw: Any, path: Path) -> ServeSettings:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [serve] must be a table")
    known = set(ServeSettings.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInputError(
            f"{path}: [serve] does not know {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    header = raw.get("identity_header")
    if header is not None and (not isinstance(header, str) or not _HEADER_NAME.fullmatch(header)):
        raise InvalidInputError(
            f'{path}: [serve] identity_header must be a header name, e.g. "X-Forwarded-User"'
        )
    if header is not None and header.lower() in {"host", "origin", "cookie", "authorization"}:
        raise InvalidInputError(
            f"{path}: [serve] identity_header cannot be {header}: the browser sets it, "
            "not the proxy"
        )
    sessions = raw.get("max_sessions", DEFAULT_MAX_SESSIONS)
    if isinstance(sessions, bool) or not isinstance(sessions, int) or sessions < 1:
        raise InvalidInputError(f"{path}: [serve] max_sessions must be a positive integer")
    return ServeSettings(identity_header=header, max_sessions=sessions)


NOTIFY_KEYS = {
    "targets",
    "technicians",
    "escalation",
    "escalate_after_minutes",
    "retry_seconds",
    "max_attempts",
}


def _secret_url(raw: Any, where: str, env: Mapping[str, str]) -> Secret:
    """A URL, with ``${NAME}`` replaced from the environment; never echoed in errors."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInputError(f"{where} must be an Apprise URL string")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise InvalidInputError(f"{where} names ${{{name}}}, which is not set")
        return env[name]

    return Secret(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", substitute, raw.strip()))


def _notify(raw: Any, path: Path, env: Mapping[str, str]) -> NotifyPolicy:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"{path}: [notify] must be a table")
    unknown = sorted(set(raw) - NOTIFY_KEYS)
    if unknown:
        raise InvalidInputError(
            f"{path}: [notify] does not know {', '.join(unknown)} "
            f"(known: {', '.join(sorted(NOTIFY_KEYS))})"
        )
    targets: dict[str, NotifyTarget] = {}
    raw_targets = raw.get("targets", {})
    if not isinstance(raw_targets, Mapping):
        raise InvalidInputError(f"{path}: [notify.targets] must hold one table per target")
    for name, spec in raw_targets.items():
        where = f"{path}: [notify.targets.{name}]"
        if not isinstance(spec, Mapping) or "url" not in spec:
            raise InvalidInputError(f"{where} needs a url")
        levels = spec.get("levels", [level.value for level in AlertLevel])
        contracts = spec.get("contracts", [])
        known = {level.value for level in AlertLevel}
        if not isinstance(levels, list) or not levels or not set(levels) <= known:
            raise InvalidInputError(f"{where} levels must list some of: {', '.join(sorted(known))}")
        if not isinstance(contracts, list) or not all(isinstance(c, str) for c in contracts):
            raise InvalidInputError(f"{where} contracts must list contract names")
        targets[str(name)] = NotifyTarget(
            url=_secret_url(spec["url"], f"{where} url", env),
            levels=frozenset(AlertLevel(level) for level in levels),
            contracts=frozenset(contracts),
        )
    raw_techs = raw.get("technicians", {})
    if not isinstance(raw_techs, Mapping):
        raise InvalidInputError(f"{path}: [notify.technicians] must map logins to URLs")
    technicians = {
        str(login): _secret_url(url, f"{path}: [notify.technicians] {login}", env)
        for login, url in raw_techs.items()
    }
    escalation = raw.get("escalation", [])
    if not isinstance(escalation, list) or not all(e in targets for e in escalation):
        raise InvalidInputError(
            f"{path}: [notify] escalation must list names from [notify.targets]"
        )
    after = raw.get("escalate_after_minutes", 15)
    retry = raw.get("retry_seconds", [30, 120, 600, 3600])
    attempts = raw.get("max_attempts", 10)
    if isinstance(after, bool) or not isinstance(after, int | float) or after <= 0:
        raise InvalidInputError(f"{path}: [notify] escalate_after_minutes must be positive")
    if (
        not isinstance(retry, list)
        or not retry
        or not all(isinstance(r, int | float) and not isinstance(r, bool) and r > 0 for r in retry)
    ):
        raise InvalidInputError(f"{path}: [notify] retry_seconds must list positive numbers")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise InvalidInputError(f"{path}: [notify] max_attempts must be a positive integer")
    return NotifyPolicy(
        targets=targets,
        technicians=technicians,
        escalation=tuple(escalation),
        escalate_after=timedelta(minutes=after),
        retry=tuple(timedelta(seconds=r) for r in retry),
        max_attempts=attempts,
    )
