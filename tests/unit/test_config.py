from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from dispatch.config import ServeSettings, current_user, is_login, load_settings
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.filter import Scope
from dispatch.domain.model import ContractKind, Severity
from dispatch.domain.queue import QueueOrder


def test_default_is_a_sqlite_file_in_the_user_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    assert settings.db_url.startswith("sqlite:///")
    assert settings.db_url.endswith("dispatch/dispatch.db")
    assert settings.db_source == "default"


def test_precedence_flag_then_env_then_file(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text('[database]\nurl = "sqlite:////from/file.db"\n')
    env = {"DISPATCH_CONFIG": str(config)}
    assert load_settings(environ=env).db_url == "sqlite:////from/file.db"
    env["DISPATCH_DB"] = "sqlite:////from/env.db"
    assert load_settings(environ=env).db_url == "sqlite:////from/env.db"
    assert (
        load_settings(db="sqlite:////from/flag.db", environ=env).db_url == "sqlite:////from/flag.db"
    )


def test_config_file_in_the_user_config_dir_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from dispatch.config import default_config_path

    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[database]\nurl = "postgresql+psycopg://u:secret@db/x"\n')
    settings = load_settings()
    assert settings.db_url == "postgresql+psycopg://u:secret@db/x"
    assert settings.db_source == str(path)


def test_malformed_config_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text("[database\nurl=")
    with pytest.raises(InvalidInputError, match="dispatch.toml: not valid TOML"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})
    config.write_text("[database]\nurl = 5\n")
    with pytest.raises(InvalidInputError, match="url must be a string"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})
    with pytest.raises(InvalidInputError, match="not a file"):
        load_settings(environ={"DISPATCH_CONFIG": str(tmp_path / "missing.toml")})


def test_user_comes_from_the_uid_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    assert current_user() == pwd.getpwuid(os.getuid()).pw_name
    assert load_settings(environ={}).user == current_user()


def test_keymap_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text('[keys]\ntake-ticket = "ctrl+t"\nquit = "ctrl+q,q"\n')
    settings = load_settings(environ={"DISPATCH_CONFIG": str(config)})
    assert settings.keymap == {"take-ticket": "ctrl+t", "quit": "ctrl+q,q"}
    config.write_text("[keys]\ntake-ticket = 5\n")
    with pytest.raises(InvalidInputError, match="take-ticket must be a key"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})


NOTIFY = """
[alerts]
interval_seconds = 5
bell = true

[notify]
escalation = ["lead"]
escalate_after_minutes = 10
retry_seconds = [15, 60]
max_attempts = 4

[notify.targets.ops]
url = "json://hooks.example.com/dispatch?token=${HOOK_TOKEN}"
levels = ["breach"]
contracts = ["SUB-2026-007"]

[notify.targets.lead]
url = "mailtos://alerts:${MAIL_PASSWORD}@smtp.example.com?to=lead@example.com"

[notify.technicians]
ivan = "mailtos://alerts:${MAIL_PASSWORD}@smtp.example.com?to=ivan@example.com"
"""


def test_alerts_and_notify_tables(tmp_path: Path) -> None:
    from datetime import timedelta

    from dispatch.domain.alerts import AlertLevel

    config = tmp_path / "dispatch.toml"
    config.write_text(NOTIFY)
    env = {"DISPATCH_CONFIG": str(config), "HOOK_TOKEN": "tok-123", "MAIL_PASSWORD": "pw-456"}
    settings = load_settings(environ=env)
    assert settings.alerts.interval_seconds == 5
    assert settings.alerts.bell
    notify = settings.notify
    assert notify.targets["ops"].levels == frozenset({AlertLevel.BREACH})
    assert notify.targets["ops"].contracts == frozenset({"SUB-2026-007"})
    assert notify.targets["ops"].url.reveal().endswith("token=tok-123")
    assert notify.technicians["ivan"].reveal().startswith("mailtos://alerts:pw-456@")
    assert notify.escalation == ("lead",)
    assert notify.escalate_after == timedelta(minutes=10)
    assert notify.retry == (timedelta(seconds=15), timedelta(seconds=60))
    assert notify.max_attempts == 4
    # Secrets never print: not in the settings' repr, which tracebacks and logs show.
    shown = repr(settings)
    assert "tok-123" not in shown
    assert "pw-456" not in shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[alerts]\nevery = 3\n", "does not know every"),
        ("[alerts]\ninterval_seconds = -1\n", "interval_seconds must be a positive number"),
        ("[alerts]\nbell = 'yes'\n", "bell must be true or false"),
        ("[notify]\nescalation = ['nobody']\n", "escalation must list names"),
        ("[notify.targets.ops]\nlevels = ['breach']\n", "needs a url"),
        ("[notify.targets.ops]\nurl = 'json://x'\nlevels = ['loud']\n", "levels must list"),
        ("[notify.targets.ops]\nurl = 'json://x/${UNSET_TOKEN}'\n", "UNSET_TOKEN}, which is not"),
    ],
)
def test_bad_alerts_and_notify_tables_name_what_and_where(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(text)
    with pytest.raises(InvalidInputError, match=message) as caught:
        load_settings(environ={"DISPATCH_CONFIG": str(config)})
    assert str(config) in str(caught.value)


def test_the_example_configuration_in_assets_loads() -> None:
    example = Path(__file__).parents[2] / "assets" / "dispatch.example.toml"
    env = {
        "DISPATCH_CONFIG": str(example),
        "DISPATCH_HOOK_TOKEN": "t",
        "DISPATCH_SMTP_PASSWORD": "p",
    }
    settings = load_settings(environ=env)
    assert settings.notify.enabled
    assert [v.name for v in settings.views] == ["mine", "p1-unassigned", "deadlines"]
    assert settings.notify.escalation == ("lead", "manager")
    assert settings.alerts.interval_seconds == 15


def test_access_makes_listed_logins_read_only(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    env = {"DISPATCH_CONFIG": str(config)}
    config.write_text(f'[access]\nread_only = ["wallboard", "{current_user()}"]\n')
    assert load_settings(environ=env).read_only
    config.write_text('[access]\nread_only = ["wallboard"]\n')
    assert not load_settings(environ=env).read_only
    assert load_settings(read_only=True, environ=env).read_only  # the flag, for anyone


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('access = "lead"\n', r"\[access\] must be a table"),
        ('[access]\nread_only = "lead"\n', r"\[access\] read_only must be a list of logins"),
        ('[access]\nread_only = ["", "x"]\n', r"\[access\] read_only must be a list of logins"),
        ('[access]\nwritable = ["lead"]\n', r"\[access\] does not know writable"),
    ],
)
def test_a_malformed_access_table_names_the_file_and_the_key(
    tmp_path: Path, text: str, error: str
) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(text)
    with pytest.raises(InvalidInputError, match=f"{config}: {error}"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})


def test_views_come_in_the_files_order_with_their_filter_order_and_scope(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(
        '[views.mine]\nscope = "mine"\n\n'
        '[views.p1-unassigned]\nfilter = "sev:P1 tech:-"\n\n'
        '[views.late]\norder = "deadline"\nfilter = "!kind:sub"\n'
    )
    views = load_settings(environ={"DISPATCH_CONFIG": str(config)}).views
    assert [v.name for v in views] == ["mine", "p1-unassigned", "late"]
    assert views[0].where.scope is Scope.MINE
    assert views[1].text == "sev:P1 tech:-"
    assert views[1].where.severities.only == {Severity.P1}
    assert views[2].where.order is QueueOrder.DEADLINE
    assert views[2].where.kinds.never == {ContractKind.SUBSCRIPTION}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('views = "mine"\n', r"\[views\] must hold one table per view"),
        ('[views.a]\nfilter = "sev:P9"\n', r"\[views.a\]: filter: severity:P9 matches no single"),
        ('[views.a]\norder = "random"\n', r"\[views.a\]: order must be one of priority, "),
        ('[views.a]\nscope = "team"\n', r"\[views.a\]: scope must be one of open, mine, all"),
        ("[views.a]\nfilter = 3\n", r"\[views.a\]: filter must be a string"),
        ('[views.a]\nsort = "age"\n', r"\[views.a\]: does not know sort"),
        ("".join(f"[views.v{n}]\n" for n in range(10)), r"\[views\] holds 10 views"),
    ],
)
def test_a_malformed_view_names_the_file_and_the_table(
    tmp_path: Path, text: str, error: str
) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(text)
    with pytest.raises(InvalidInputError, match=f"{config}: {error}"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})


def test_serve_table_defaults_and_values(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    env = {"DISPATCH_CONFIG": str(config)}
    config.write_text("")
    assert load_settings(environ=env).serve == ServeSettings(None, 8)
    config.write_text('[serve]\nidentity_header = "X-Forwarded-User"\nmax_sessions = 3\n')
    assert load_settings(environ=env).serve == ServeSettings("X-Forwarded-User", 3)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('serve = "on"\n', r"\[serve\] must be a table"),
        ("[serve]\nheader = 'X-User'\n", r"\[serve\] does not know header"),
        ("[serve]\nidentity_header = 'X User'\n", r"\[serve\] identity_header must be a header"),
        ("[serve]\nidentity_header = ''\n", r"\[serve\] identity_header must be a header"),
        ("[serve]\nidentity_header = 7\n", r"\[serve\] identity_header must be a header"),
        ("[serve]\nidentity_header = 'Origin'\n", r"\[serve\] identity_header cannot be Origin"),
        ("[serve]\nmax_sessions = 0\n", r"\[serve\] max_sessions must be a positive integer"),
        ("[serve]\nmax_sessions = true\n", r"\[serve\] max_sessions must be a positive integer"),
        ("[serve]\nmax_sessions = 2.5\n", r"\[serve\] max_sessions must be a positive integer"),
    ],
)
def test_a_malformed_serve_table_names_the_file_and_the_key(
    tmp_path: Path, text: str, error: str
) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(text)
    with pytest.raises(InvalidInputError, match=f"{config}: {error}"):
        load_settings(environ={"DISPATCH_CONFIG": str(config)})


@pytest.mark.parametrize("login", ["alice", "a.b-c_d", "ops@example.com", "x" * 64])
def test_a_served_login_acts_and_access_applies_to_it(tmp_path: Path, login: str) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(f'[access]\nread_only = ["{login}"]\n')
    settings = load_settings(user=login, environ={"DISPATCH_CONFIG": str(config)})
    assert settings.user == login
    assert settings.read_only


@pytest.mark.parametrize(
    "login", ["", "-rf", "a b", "al\x1bice", "bob\n", "<x>", "a;b", "x" * 65, "é"]
)
def test_a_served_login_that_is_not_a_login_is_refused(login: str) -> None:
    assert not is_login(login)
    if login:
        with pytest.raises(InvalidInputError, match="is not a login"):
            load_settings(user=login, environ={})
