"""SQLite specifics: pragmas, file modes, locking, query plans."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import queue, tickets
from tests.conftest import NOW, load_demo


def test_pragmas(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    storage.dispose()


def test_files_are_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o000)
    try:
        path = tmp_path / "sub" / "dispatch.db"
        path.parent.mkdir()  # a directory a user names must exist (dispatch creates only its own)
        storage = open_storage(f"sqlite:///{path}")
        load_demo(storage)
        with storage.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar()
            files = [p for p in path.parent.iterdir() if p.name.startswith("dispatch.db")]
            assert {p.name for p in files} >= {"dispatch.db", "dispatch.db-wal", "dispatch.db-shm"}
            for p in files:
                assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, (p.name, oct(p.stat().st_mode))
        storage.dispose()
    finally:
        os.umask(old)


def test_writers_take_the_lock_up_front(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    load_demo(storage)
    statements: list[str] = []

    from sqlalchemy import event

    @event.listens_for(storage.engine, "before_cursor_execute")
    def _record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with storage.writer() as uow:
        uow.tickets.count_open()
    with storage.reader() as uow:
        uow.tickets.count_open()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
    storage.dispose()


def test_parallel_writers_in_threads_all_succeed(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    load_demo(storage)
    errors: list[BaseException] = []
    created: list[int] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                t = tickets.open_ticket(
                    storage.writer(),
                    FixedClock(NOW),
                    f"u{n}",
                    NewTicket(customer="Maria Georgieva", title=f"{n}-{i}"),
                )
                created.append(t.id)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(created)) == 40
    storage.dispose()


def _plan(storage: Storage, sql: str) -> str:
    with storage.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_queue_and_due_scans_walk_indexes(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    queue = _plan(
        storage,
        "SELECT id FROM tickets WHERE is_open = 1 "
        "ORDER BY priority_rank, queue_due, severity_level, opened_at, id LIMIT 200",
    )
    assert "ix_tickets_queue" in queue
    assert "TEMP B-TREE" not in queue  # no sort step: the index gives the order
    due = _plan(
        storage,
        "SELECT id FROM tickets WHERE is_open = 1 AND response_due < '2026-11-23 10:00:00'",
    )
    assert "ix_tickets_response_due" in due
    storage.dispose()


def test_the_repository_query_uses_the_queue_index(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    load_demo(storage)
    statements: list[str] = []
    from sqlalchemy import event

    @event.listens_for(storage.engine, "before_cursor_execute")
    def _record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM tickets" in statement:
            statements.append(statement)

    queue.load_queue(storage.reader(), limit=200)
    [sql] = statements
    with storage.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (200, 0)).all()
    joined = " | ".join(str(r[-1]) for r in plan)
    assert "ix_tickets_queue" in joined
    assert "TEMP B-TREE" not in joined
    storage.dispose()
