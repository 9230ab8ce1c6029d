"""A ticket's conversation stored on both backends: notes, calls, replies and the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import select, text

from dispatch.bootstrap import Storage, open_storage
from dispatch.cli import cli
from dispatch.domain.conversation import ArticleChannel, SendState
from dispatch.domain.errors import DuplicateError
from dispatch.domain.ports import FixedClock
from dispatch.services import conversation, queue, tickets
from dispatch.store.db import make_engine, upgrade
from dispatch.store.schema import DeliveryRow
from tests.conftest import NOW, load_demo

SENDER = "support@help.example"


def first_open(storage: Storage) -> int:
    return next(t.id for t in queue.load_queue(storage.reader()) if t.first_response_at is None)


def test_notes_calls_and_replies_are_stored_in_order_with_the_reply_in_the_outbox(
    seeded: Storage, clock: FixedClock
) -> None:
    tid = first_open(seeded)
    conversation.add_note(seeded.writer(), clock, "ana", tid, "called back, no answer")
    clock.advance(timedelta(minutes=5))
    conversation.log_call(seeded.writer(), clock, "ana", tid, "They rang", outbound=False)
    assert tickets.read_ticket(seeded.reader(), tid).first_response_at is None  # no answer yet
    clock.advance(timedelta(minutes=5))
    sent = conversation.reply(
        seeded.writer(), clock, "ana", tid, "Hello,\nwe are on it.\n", sender=SENDER
    )
    stored = conversation.articles(seeded.reader(), tid)
    assert [a.channel for a in stored] == [
        ArticleChannel.NOTE,
        ArticleChannel.PHONE_IN,
        ArticleChannel.EMAIL_OUT,
    ]
    assert stored[-1] == sent
    assert sent.body == "Hello,\nwe are on it.\n"
    assert sent.send_state is SendState.PENDING
    assert sent.recipients
    assert conversation.articles(seeded.reader(), tid, last=1) == [sent]
    detail = tickets.ticket_detail(seeded.reader(), tid, NOW, last_articles=2)
    assert detail.article_count == 3
    assert len(detail.articles) == 2
    assert detail.ticket.first_response_at == NOW + timedelta(minutes=10)  # the reply
    with seeded.reader() as uow:
        due = uow.outbox.due(clock.now(), 10, replies=True)
        assert [d.article_id for d in due] == [sent.id]
        assert uow.outbox.due(clock.now(), 10) == []  # never picked up as an alert


def test_a_message_id_is_stored_once(seeded: Storage, clock: FixedClock) -> None:
    tid = first_open(seeded)
    sent = conversation.reply(seeded.writer(), clock, "ana", tid, "Hi", sender=SENDER)
    with seeded.reader() as uow:
        assert uow.articles.by_message_id(sent.message_id or "") == sent
    with seeded.writer() as uow:
        with pytest.raises(DuplicateError, match="is stored already"):
            uow.articles.add(replace(sent, id=0, channel=ArticleChannel.EMAIL_IN))
        # the transaction goes on after the refused insert
        uow.articles.add(replace(sent, id=0, message_id=None, body="kept"))
        uow.commit()
    assert [a.body for a in conversation.articles(seeded.reader(), tid)] == ["Hi", "kept"]


def test_the_cli_notes_calls_replies_and_shows_the_conversation(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = open_storage(db_url)
    try:
        load_demo(storage)
        tid = first_open(storage)
    finally:
        storage.dispose()
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        out = runner.invoke(cli, [*args, "--db", db_url], input=stdin)
        assert out.exit_code == 0, out.stderr
        return out.stdout

    assert "note 1 added" in run("ticket", "note", f"T-{tid}", "called back, no answer")
    assert "call out 2 logged" in run(
        "ticket", "call", f"T-{tid}", "--out", "--number", "+40 21 555 0101", "Told them"
    )
    refused = runner.invoke(cli, ["ticket", "reply", f"T-{tid}", "Hi", "--db", db_url])
    assert refused.exit_code != 0
    assert "[mail] from" in refused.stderr
    config = tmp_path / "dispatch.toml"
    config.write_text(f'[mail]\nfrom = "{SENDER}"\nsmtp_host = "127.0.0.1"\n')
    monkeypatch.setenv("DISPATCH_CONFIG", str(config))
    assert "queued for sending" in run(
        "ticket", "reply", f"T-{tid}", "--file", "-", "--to", "a@b.example", stdin="Dear \x1b[2J"
    )
    shown = run("ticket", "show", f"T-{tid}")
    assert "conversation:" in shown
    assert "called back, no answer" in shown
    assert "reply → a@b.example · pending" in shown
    assert "\x1b" not in shown  # customer-bound text is shown safely
    data = json.loads(run("ticket", "show", f"T-{tid}", "--json"))
    assert [a["channel"] for a in data["articles"]] == ["note", "phone_out", "email_out"]
    assert data["articles"][-1]["body"] == "Dear \x1b[2J"  # JSON keeps it exact
    assert data["articles"][1]["phone"] == "+40 21 555 0101"
    both = runner.invoke(cli, ["ticket", "note", f"T-{tid}", "x", "--file", "-", "--db", db_url])
    assert both.exit_code != 0
    assert "not both" in both.stderr


def test_the_conversation_migration_keeps_deliveries_and_how_contracts_responded(
    db_url: str,
) -> None:
    """A database at 0014 keeps its deliveries, and its contracts keep counting
    a status change as the first response (how dispatch behaved until 0015)."""
    storage = open_storage(db_url)
    try:
        load_demo(storage)
        with storage.writer() as uow:
            tid = uow.session.scalars(text("SELECT id FROM tickets ORDER BY id LIMIT 1")).one()
            uow.session.execute(
                text(
                    "INSERT INTO alerts (ticket_id, target, level, due_at, raised_at, late) "
                    "VALUES (:t, 'response', 'breach', :now, :now, false)"
                ),
                {"t": tid, "now": NOW},
            )
            alert = uow.session.scalars(text("SELECT id FROM alerts")).one()
            uow.session.execute(
                text(
                    "INSERT INTO deliveries (alert_id, target, step, state, attempts, "
                    "next_attempt_at, created_at) VALUES (:a, 'ops', 0, 'pending', 0, :now, :now)"
                ),
                {"a": alert, "now": NOW},
            )
            uow.commit()
    finally:
        storage.dispose()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.downgrade(config, "0014")
        assert conn.exec_driver_sql("SELECT count(*) FROM deliveries").scalar() == 1
    upgrade(engine)
    engine.dispose()
    storage = open_storage(db_url)
    try:
        with storage.reader() as uow:
            kept = uow.session.scalars(select(DeliveryRow)).all()
            assert [(d.alert_id, d.article_id, d.target) for d in kept] == [(alert, None, "ops")]
            rules = {c.first_response for c in uow.directory.contracts()}
            assert {r.value for r in rules} == {"reply_or_status"}
    finally:
        storage.dispose()
