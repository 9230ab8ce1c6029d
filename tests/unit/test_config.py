from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from dispatch.config import current_user, load_settings
from dispatch.domain.errors import InvalidInputError


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
