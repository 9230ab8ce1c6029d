"""Where a database cannot be opened or a file cannot be read: one line, nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dispatch.bootstrap import Storage
from dispatch.cli import cli
from dispatch.domain.errors import InvalidInputError, StorageUnavailableError


def one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dispatch: error: ")
    return lines[0]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_a_missing_directory_is_refused_not_created(tmp_path: Path) -> None:
    where = tmp_path / "typo" / "deeper"
    line = one_line(invoke("ticket", "list", "--db", f"sqlite:///{where / 'x.db'}"), 1)
    assert f"directory {where} does not exist" in line
    assert not (tmp_path / "typo").exists()


def test_dispatch_creates_its_own_data_directory() -> None:
    from dispatch.config import data_dir

    assert not data_dir().exists()  # a fresh HOME in every test
    result = invoke("ticket", "list")
    assert result.exit_code == 0, result.stderr
    assert (data_dir() / "dispatch.db").exists()


@pytest.mark.parametrize("command", [("ticket", "list"), ("db", "upgrade"), ()])
def test_a_place_sqlite_cannot_create_a_file_in_is_one_line(command: tuple[str, ...]) -> None:
    # ``()`` opens the console: it must refuse before any screen is drawn.
    one_line(invoke(*command, "--db", "sqlite:////proc/dispatch-x.db"), 4)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a mode-0500 directory anyway")
def test_an_unwritable_directory_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        line = one_line(invoke("ticket", "list", "--db", f"sqlite:///{locked / 'x.db'}"), 4)
        assert "cannot create the database file" in line
    finally:
        locked.chmod(0o700)


def test_a_path_under_a_regular_file_is_one_line(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("not a directory")
    for url in (f"sqlite:///{file / 'x.db'}", f"sqlite:///{file / 'sub' / 'x.db'}"):
        line = one_line(invoke("ticket", "list", "--db", url), 1)
        assert f"{file} is a file, not a directory" in line


def test_another_programs_sqlite_file_is_refused_before_it_is_changed(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for command in (("ticket", "list"), ("db", "upgrade"), ("demo", "--no-open", "--reset")):
        line = one_line(invoke(*command, "--db", f"sqlite:///{path}"), 1)
        assert "not a dispatch database" in line
        assert "notes" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not Path(f"{path}-wal").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.db"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    line = one_line(invoke("ticket", "list", "--db", f"sqlite:///{path}"), 1)
    assert "not a SQLite database" in line


def test_an_empty_file_becomes_a_dispatch_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    assert invoke("db", "upgrade", "--db", f"sqlite:///{path}").exit_code == 0


def test_a_schema_newer_than_this_dispatch_is_named_with_both_revisions(tmp_path: Path) -> None:
    from dispatch.store.db import head_revision

    url = f"sqlite:///{tmp_path / 'future.db'}"
    assert invoke("db", "upgrade", "--db", url).exit_code == 0
    conn = sqlite3.connect(tmp_path / "future.db")
    conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.commit()
    conn.close()
    for command in (("db", "upgrade"), ("ticket", "list")):
        line = one_line(invoke(*command, "--db", url), 4)
        assert "0099_from_the_future" in line
        assert head_revision() in line
        assert "upgrade dispatch" in line


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_bytes(b'[database]\nurl = "sqlite:///caf\xe9.db"\n')
    result = CliRunner().invoke(cli, ["ticket", "list"], env={"DISPATCH_CONFIG": str(config)})
    line = one_line(result, 1)
    assert str(config) in line
    assert "not UTF-8" in line


def test_a_calendar_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    file = tmp_path / "cal.toml"
    file.write_bytes(b'[calendars.office]\ntimezone = "Europe/Sofia"\n# \xff\xfe\n')
    url = f"sqlite:///{tmp_path / 'x.db'}"
    line = one_line(invoke("calendar", "load", str(file), "--db", url), 1)
    assert "not UTF-8" in line


def test_a_huge_duration_in_a_case_file_is_malformed_and_the_rest_still_run(
    tmp_path: Path,
) -> None:
    always = {"timezone": "UTC", "always_open": True}
    office = {"timezone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:00"]]}}
    cases = {
        "cases": [
            {"calendar": always, "start": "2026-01-01T00:00:00Z", "add_minutes": 1e12,
             "expected": "2026-01-01T00:00:00Z"},
            {"calendar": office, "start": "2026-01-05T09:00:00+01:00", "add_minutes": 4e9,
             "expected": "2026-01-05T09:00:00+01:00"},
            {"calendar": always, "start": "9999-12-31T23:00:00Z", "add_minutes": 120,
             "expected": "9999-12-31T23:00:00Z"},
            {"calendar": always, "start": "2026-01-01T00:00:00Z", "add_minutes": 60,
             "expected": "2026-01-01T01:00:00Z"},
        ],
        "elapsed_cases": [
            {"calendar": always, "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z",
             "expected_minutes": 1e13},
        ],
    }  # fmt: skip
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    result = invoke("sla", "check", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert sum("malformed" in line for line in lines) == 4, lines
    assert lines[-1].endswith("1 passed, 4 failed")


def test_a_rollback_on_a_lost_connection_leaves_as_one_storage_error(
    seeded: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving a unit of work rolls back; on a dead connection that fails as well."""

    def lost(self: Session) -> None:
        raise OperationalError("ROLLBACK", {}, Exception("the connection is lost"))

    monkeypatch.setattr(Session, "rollback", lost)
    with pytest.raises(StorageUnavailableError, match="the connection is lost"), seeded.reader():
        pass
    with pytest.raises(InvalidInputError, match="the block's own"), seeded.reader():
        raise InvalidInputError("the block's own")
