"""The start loads only what the SQLite console needs, and still migrates what is behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from dispatch.bootstrap import open_storage
from dispatch.domain.errors import StorageUnavailableError
from dispatch.store.db import HEAD_REVISION, current_revision, head_revision, make_engine

NOT_AT_START = ("alembic", "mako", "pygments", "apscheduler", "sqlalchemy.dialects.postgresql")
"""Modules a console on an up-to-date SQLite database does not import before it runs."""

CONSOLE_START = """
import json, sys
from dispatch.bootstrap import build_app, open_storage
from dispatch.config import Settings

url = sys.argv[1]
storage = open_storage(url)
settings = Settings(db_url=url, db_source="test", config_path=None, user="ana")
build_app(settings, storage=storage)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
                        ("alembic", "mako", "pygments", "apscheduler", "sqlalchemy"))))
"""


def modules_at_start(url: str) -> set[str]:
    """The modules a fresh process has loaded once the console is built on ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    done = subprocess.run(
        [sys.executable, "-c", CONSOLE_START, url],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_head_constant_is_alembics_head() -> None:
    assert head_revision() == HEAD_REVISION


def test_a_console_on_an_up_to_date_sqlite_database_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'current.db'}"
    open_storage(url).dispose()  # migrated to the head
    loaded = modules_at_start(url)
    assert "sqlalchemy.orm" in loaded  # the probe sees what it should
    for name in NOT_AT_START:
        assert not any(m == name or m.startswith(f"{name}.") for m in loaded), name


def test_a_new_database_is_migrated_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    loaded = modules_at_start(url)
    assert "alembic" in loaded
    engine = make_engine(url)
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_a_database_behind_the_head_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.upgrade(config, "0008")
    assert current_revision(engine) == "0008"
    storage = open_storage(url)
    assert current_revision(storage.engine) == HEAD_REVISION
    storage.dispose()
    engine.dispose()


def test_an_empty_database_is_at_no_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert current_revision(engine) is None
    engine.dispose()


def test_a_database_recording_two_revisions_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    open_storage(url).dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0008')")
    with pytest.raises(StorageUnavailableError, match="several schema revisions"):
        current_revision(engine)
    engine.dispose()
