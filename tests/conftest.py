"""Shared fixtures: isolated configuration, databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dispatch import demo
from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.ports import FixedClock
from dispatch.store import bulk

PG_ENV = "DISPATCH_TEST_PG_URL"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
"""The fixed instant of every seeded test database."""


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the developer's config, data dir and DISPATCH_* variables out of tests."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("DISPATCH_") and name != PG_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


def pg_url() -> str | None:
    """The PostgreSQL URL for tests, if the environment names one."""
    return os.environ.get(PG_ENV) or None


def reset_pg(url: str) -> None:
    """Empty the PostgreSQL test database: drop and recreate the public schema."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, then PostgreSQL where configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dispatch.db'}"
    url = pg_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database file."""
    return f"sqlite:///{tmp_path / 'dispatch.db'}"


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    """Migrated storage on each backend."""
    opened = open_storage(db_url)
    try:
        yield opened
    finally:
        opened.dispose()


def load_demo(
    storage: Storage, *, seed: int = 7, now: datetime = NOW, tickets: bool = True
) -> demo.DemoData:
    """Load the demo data set into ``storage`` at a fixed instant (``tickets``: with them)."""
    data = demo.build(seed=seed, now=now, tickets=tickets)
    with storage.writer() as uow:
        bulk.load(
            uow.session,
            customers=data.customers,
            contracts=data.contracts,
            technicians=data.technicians,
            tickets=[(t.ticket, t.contract_name, t.events) for t in data.tickets],
            calendars=data.calendars,
            at=now,
            actor="tester",
            note="test data",
        )
        uow.commit()
    return data


@pytest.fixture
def seeded(storage: Storage) -> Storage:
    """Storage holding the demo data set at ``NOW``."""
    load_demo(storage)
    return storage


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at ``NOW``."""
    return FixedClock(NOW)


@pytest.fixture
def seeded_sqlite(sqlite_url: str) -> Iterator[Storage]:
    """SQLite storage holding the demo data set at ``NOW`` (for UI tests)."""
    opened = open_storage(sqlite_url)
    load_demo(opened)
    try:
        yield opened
    finally:
        opened.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the PostgreSQL half of the suite ran."""
    passed = [
        r
        for r in terminalreporter.stats.get("passed", [])
        if r.when == "call" and "postgres" in r.keywords
    ]
    if pg_url():
        terminalreporter.write_line(f"PostgreSQL tests: {len(passed)} passed against {PG_ENV}")
    else:
        terminalreporter.write_line(f"PostgreSQL tests: skipped ({PG_ENV} is not set)")
