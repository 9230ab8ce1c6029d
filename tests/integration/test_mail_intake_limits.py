"""Mail intake's limits: a 25 MB message in bounded memory, its migration both ways, PostgreSQL."""

from __future__ import annotations

import io
import time
import tracemalloc
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from dispatch import mail_intake
from dispatch.bootstrap import open_storage
from dispatch.services import conversation
from dispatch.store.db import make_engine, upgrade
from tests.integration.test_mail_intake import build_world, corpus, make_big_message


def test_a_25_mb_message_is_taken_in_within_bounded_memory(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured: the peak of Python allocations while taking in a 25 MB message
    (one 18.5 MB attachment, base64) was 1.1 MB here; the bound asserted is 16 MB,
    well below the message's own size. It took 2.8 s on the 2-core box, tracemalloc on."""
    world = build_world(sqlite_url, tmp_path, monkeypatch)
    try:
        data = make_big_message(18_500_000)
        assert len(data) > 25_000_000 - 1_000_000
        config = tmp_path / "dispatch.toml"
        config.write_text(
            config.read_text() + "[intake]\nmax_message_bytes = 30000000\n"
            "max_attachment_bytes = 20000000\n"
        )
        stdin = io.BytesIO(data)
        err = io.StringIO()
        tracemalloc.start()
        started = time.perf_counter()
        try:
            code = mail_intake.run(stdin, db=sqlite_url, spool_dir=world.spool, err=err)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        took = time.perf_counter() - started
        assert code == 0, err.getvalue()
        print(f"25 MB message: peak {peak:,} bytes, {took:.2f} s")
        assert peak < 16_000_000, f"peak {peak:,} bytes"
        assert took < 60
        [article] = conversation.articles(world.storage.reader(), world.ticket_of("<big@acme.ro>"))
        [big] = article.attachments
        assert big.stored
        assert big.size == 18_500_000
        blob = world.spool / "attachments" / big.sha256[:2] / big.sha256
        assert blob.stat().st_size == 18_500_000
    finally:
        world.storage.dispose()


def test_the_mail_intake_migration_goes_down_and_up(db_url: str) -> None:
    storage = open_storage(db_url)
    storage.dispose()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option(
                "script_location", str(resources.files("dispatch.store") / "migrations")
            )
            config.attributes["connection"] = conn
            command.downgrade(config, "0015")
            assert "ticket_links" not in inspect(conn).get_table_names()
            columns = {c["name"] for c in inspect(conn).get_columns("customers")}
            assert "mail_domains" not in columns
        upgrade(engine)
        with engine.connect() as conn:
            assert "ticket_links" in inspect(conn).get_table_names()
            columns = {c["name"] for c in inspect(conn).get_columns("customers")}
            assert {"mail_domains", "triage"} <= columns
    finally:
        engine.dispose()


def test_mail_goes_in_on_every_backend(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(db_url, tmp_path, monkeypatch)
    try:
        for name in ("01", "12", "23", "01"):
            world.take(name)
        assert world.ticket_of("<m12@acme.ro>") == world.ticket_of("<m01@acme.ro>")
        assert world.customer_of("<j23@unknown-company.example>") == "Unknown senders"
        assert world.count() == 3
        code, _ = world.deliver(corpus("13"))
        assert code == 0
    finally:
        world.storage.dispose()


def test_a_long_plain_text_mail_keeps_its_text_as_the_body(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the size where attachments are streamed out, the message's own text stays its body."""
    world = build_world(sqlite_url, tmp_path, monkeypatch)
    try:
        line = "log line 0123456789 abcdefghij\n"
        text = line * (900_000 // len(line))  # above SPLIT_PART_BYTES
        data = (
            "From: ion@acme.ro\nSubject: Long log\nMessage-ID: <long@acme.ro>\n"
            "Content-Type: text/plain; charset=utf-8\n\n" + text
        ).encode()
        code, output = world.deliver(data)
        assert code == 0, output
        [article] = conversation.articles(world.storage.reader(), world.ticket_of("<long@acme.ro>"))
        assert article.body == text
        assert article.attachments == ()
    finally:
        world.storage.dispose()
