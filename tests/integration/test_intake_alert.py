"""Monitoring in, stored on both backends: dedup held by the database, re-fires, the CLI."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from dispatch.bootstrap import Storage, open_storage
from dispatch.cli import cli
from dispatch.domain.conversation import ArticleChannel
from dispatch.domain.model import TicketStatus
from dispatch.domain.monitoring import EventAction, MonitoringEvent, OnResolve, SourceRule, Step
from dispatch.domain.monitoring_formats import parse_alertmanager
from dispatch.domain.ports import FixedClock
from dispatch.services import conversation, intake_alert, tickets
from dispatch.store.db import make_engine, upgrade
from dispatch.store.schema import ArticleRow, TicketRow
from dispatch.store.schema_monitoring import MonitoringIncidentRow
from tests.conftest import NOW, load_demo

DATA = Path(__file__).parent.parent / "data" / "monitoring"
CUSTOMER = "Carpathia Logistics SRL"
RULE = SourceRule(name="prom", format="alertmanager", customer=CUSTOMER)
CLOSING = SourceRule(
    name="prom", format="alertmanager", customer=CUSTOMER, on_resolve=OnResolve.CLOSE
)


def fire(key: str = "k1", occurrence: str | None = None) -> MonitoringEvent:
    return MonitoringEvent(
        key=key,
        action=EventAction.TRIGGER,
        summary=f"{key} is down",
        details="down",
        severities=("critical",),
        occurrence=occurrence,
    )


def resolve(key: str = "k1") -> MonitoringEvent:
    return MonitoringEvent(key=key, action=EventAction.RESOLVE, summary="", details="ok")


def counts(storage: Storage) -> tuple[int, int]:
    """(tickets with a monitoring incident, monitoring articles)."""
    with storage.reader() as uow:
        incidents = uow.session.scalar(select(func.count()).select_from(MonitoringIncidentRow))
        articles = uow.session.scalar(
            select(func.count())
            .select_from(ArticleRow)
            .where(ArticleRow.channel == ArticleChannel.MONITORING.value)
        )
    return int(incidents or 0), int(articles or 0)


def test_an_alertmanager_group_opens_one_ticket_and_its_resolve_closes_it(
    seeded: Storage, clock: FixedClock
) -> None:
    firing = json.loads((DATA / "alertmanager_firing.json").read_text())
    resolved = json.loads((DATA / "alertmanager_resolved.json").read_text())
    rule = SourceRule(
        name="prom", format="alertmanager", customer_label="customer", on_resolve=OnResolve.CLOSE
    )

    def send(doc: dict[str, object]) -> intake_alert.Outcome:
        (outcome,) = intake_alert.receive(
            seeded.writer, clock, rule, parse_alertmanager(doc), payload=json.dumps(doc)
        )
        return outcome

    opened, again, closed = send(firing), send(firing), send(resolved)
    assert (opened.step, again.step, closed.step) == (Step.OPEN, Step.ARTICLE, Step.RESOLVE)
    assert opened.ticket_id == again.ticket_id == closed.ticket_id
    detail = tickets.ticket_detail(seeded.reader(), opened.ticket_id or 0, NOW)
    assert detail.ticket.status is TicketStatus.RESOLVED
    assert detail.customer.name == CUSTOMER
    assert [a.body.splitlines()[0] for a in detail.articles] == [
        "prom: firing (P1)",
        "prom: still firing (P1), occurrence 2",
        "prom: recovered: resolved by the monitor",
    ]
    assert [e.action for e in detail.events][-3:] == [
        "ticket.article",
        "ticket.status",
        "ticket.article",
    ]
    with seeded.reader() as uow:
        incident = uow.monitoring.incident(opened.ticket_id or 0)
        assert incident is not None
        assert incident.occurrences == 3
        assert json.loads(incident.payload)["status"] == "resolved"


def test_a_refire_reopens_then_after_the_window_opens_anew_and_the_old_one_can_reopen(
    seeded: Storage, clock: FixedClock
) -> None:
    (first,) = intake_alert.receive(seeded.writer, clock, CLOSING, [fire(occurrence="a")])
    intake_alert.receive(seeded.writer, clock, CLOSING, [resolve()])
    clock.advance(timedelta(minutes=10))
    (reopened,) = intake_alert.receive(seeded.writer, clock, CLOSING, [fire(occurrence="b")])
    assert (reopened.step, reopened.ticket_id) == (Step.REOPEN, first.ticket_id)
    intake_alert.receive(seeded.writer, clock, CLOSING, [resolve()])
    clock.advance(timedelta(hours=2))
    (fresh,) = intake_alert.receive(seeded.writer, clock, CLOSING, [fire(occurrence="c")])
    assert fresh.step is Step.OPEN
    assert fresh.ticket_id != first.ticket_id
    # The key moved to the new ticket: the old one may still be reopened by hand.
    tickets.change_status(
        seeded.writer(), clock, "ana", first.ticket_id or 0, TicketStatus.IN_PROGRESS
    )
    (repeat,) = intake_alert.receive(seeded.writer, clock, CLOSING, [fire(occurrence="c")])
    assert (repeat.step, repeat.ticket_id) == (Step.ARTICLE, fresh.ticket_id)


def test_the_database_refuses_a_second_open_ticket_for_a_key(
    seeded: Storage, clock: FixedClock
) -> None:
    (first,) = intake_alert.receive(seeded.writer, clock, RULE, [fire()])
    with seeded.reader() as uow:
        if seeded.engine.dialect.name == "sqlite":
            ddl = uow.session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_tickets_open_monitoring_key'")
            )
        else:
            ddl = uow.session.scalar(
                text(
                    "SELECT indexdef FROM pg_indexes "
                    "WHERE indexname = 'ix_tickets_open_monitoring_key'"
                )
            )
    assert "UNIQUE" in str(ddl).upper()
    assert "WHERE is_open" in str(ddl).replace("(", "").replace(")", "")
    with seeded.writer() as uow:
        other = uow.session.scalars(
            select(TicketRow.id).where(TicketRow.is_open, TicketRow.id != first.ticket_id)
        ).first()
        with (
            pytest.raises(Exception, match="(?i)unique|duplicate"),
            uow.session.begin_nested(),
        ):
            uow.session.execute(
                text("UPDATE tickets SET monitoring_key = 'prom:k1' WHERE id = :id"),
                {"id": other},
            )
        # A finished ticket may keep the key: only open ones are unique.
        tickets_done = uow.session.scalars(select(TicketRow.id).where(~TicketRow.is_open)).first()
        uow.session.execute(
            text("UPDATE tickets SET monitoring_key = 'prom:k1' WHERE id = :id"),
            {"id": tickets_done},
        )


def test_events_for_one_key_at_once_open_one_ticket(seeded: Storage, clock: FixedClock) -> None:
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    outcomes: list[intake_alert.Outcome] = []

    def send(key: str) -> None:
        barrier.wait()
        try:
            for _ in range(5):
                outcomes.extend(intake_alert.receive(seeded.writer, clock, RULE, [fire(key)]))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(f"k{i % 2}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(o.step.value for o in outcomes).count("opened") == 2
    assert counts(seeded) == (2, len(outcomes))  # two tickets, an article per event
    with seeded.reader() as uow:
        occurrences = uow.session.scalars(select(MonitoringIncidentRow.occurrences)).all()
    assert sorted(occurrences) == [20, 20]


def test_an_unknown_customer_writes_nothing(seeded: Storage, clock: FixedClock) -> None:
    rule = SourceRule(name="prom", format="alertmanager", customer="No Such Customer")
    before = counts(seeded)
    with pytest.raises(Exception, match="no customer named 'No Such Customer'"):
        intake_alert.receive(seeded.writer, clock, rule, [fire()])
    assert counts(seeded) == before


def test_the_migration_goes_down_and_up_with_monitoring_tickets(
    db_url: str, clock: FixedClock
) -> None:
    storage = open_storage(db_url)
    try:
        load_demo(storage, tickets=False)
        (opened,) = intake_alert.receive(storage.writer, clock, RULE, [fire()])
        conversation.add_note(storage.writer(), clock, "ana", opened.ticket_id or 0, "seen")
    finally:
        storage.dispose()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.downgrade(config, "0016")
        columns = {c["name"] for c in inspect(conn).get_columns("tickets")}
        assert "monitoring_key" not in columns
        assert conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar() == 1
    upgrade(engine)
    engine.dispose()
    storage = open_storage(db_url)
    try:
        with storage.reader() as uow:
            assert uow.session.scalar(select(func.count()).select_from(TicketRow)) == 1
            assert uow.session.scalar(select(func.count()).select_from(MonitoringIncidentRow)) == 0
        # After the round trip the key is free again: the next event opens a ticket.
        (again,) = intake_alert.receive(storage.writer, clock, RULE, [fire()])
        assert again.step is Step.OPEN
    finally:
        storage.dispose()


# --- the command ----------------------------------------------------------------


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "dispatch.toml"
    config.write_text(
        '[intake.sources.prom]\nformat = "alertmanager"\ncustomer_label = "customer"\n'
        'on_resolve = "close"\n'
        '[intake.sources.nag]\nformat = "nagios"\ncustomer = "Carpathia Logistics SRL"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DISPATCH_CONFIG", str(config))
    return config


def test_the_command_stores_counts_and_resolves_with_exit_zero(
    seeded: Storage, db_url: str, configured: Path
) -> None:
    runner = CliRunner()
    firing = (DATA / "alertmanager_firing.json").read_bytes()
    first = runner.invoke(
        cli, ["intake", "alert", "--db", db_url, "--source", "prom"], input=firing
    )
    assert first.exit_code == 0, first.output
    assert first.output.startswith("T-")
    assert " opened (prom: " in first.output
    again = runner.invoke(
        cli, ["intake", "alert", "--db", db_url, "--source", "prom", "--json"], input=firing
    )
    assert again.exit_code == 0
    (outcome,) = json.loads(again.output)
    assert outcome["result"] == "updated"  # a repeat adds an article
    resolved = runner.invoke(
        cli,
        ["intake", "alert", "--db", db_url, "--source", "prom"],
        input=(DATA / "alertmanager_resolved.json").read_bytes(),
    )
    assert resolved.exit_code == 0
    assert " recovered " in resolved.output
    ref = first.output.split()[0]
    shown = runner.invoke(cli, ["ticket", "show", ref, "--db", db_url])
    assert "monitoring   prom: recovered, 3 events, last " in shown.output
    data = json.loads(runner.invoke(cli, ["ticket", "show", ref, "--db", db_url, "--json"]).output)
    assert data["monitoring"]["occurrences"] == 3
    assert data["monitoring"]["state"] == "recovered"
    assert data["status"] == "resolved"


def test_nagios_macros_from_the_environment(
    seeded: Storage, db_url: str, configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in json.loads((DATA / "nagios_problem.json").read_text()).items():
        monkeypatch.setenv(f"NAGIOS_{name}", value)
    result = CliRunner().invoke(
        cli, ["intake", "alert", "--db", db_url, "--source", "nag", "--env", "--json"]
    )
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.output)
    assert outcome["key"] == "mail.clinica-sfmaria.example!SMTP"
    assert outcome["result"] == "opened"


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (b"", "stdin: empty"),
        (b"{nope", "stdin: not JSON: line 1 column 2"),
        (b"\xff\xfe{}", "stdin: not UTF-8"),
        (b'{"version": NaN}', "NaN is not a JSON number"),
        ((DATA / "bad_alertmanager_time.json").read_bytes(), "alerts[1].startsAt:"),
    ],
)
def test_bad_input_exits_one_with_one_line_naming_the_field(
    seeded: Storage, db_url: str, configured: Path, payload: bytes, says: str
) -> None:
    before = counts(seeded)
    result = CliRunner().invoke(
        cli, ["intake", "alert", "--db", db_url, "--source", "prom"], input=payload
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert says in lines[0]
    assert counts(seeded) == before


def test_an_unknown_customer_exits_one(seeded: Storage, db_url: str, configured: Path) -> None:
    doc = json.loads((DATA / "alertmanager_firing.json").read_text())
    doc["commonLabels"]["customer"] = "Nobody Ltd"
    result = CliRunner().invoke(
        cli, ["intake", "alert", "--db", db_url, "--source", "prom"], input=json.dumps(doc)
    )
    assert result.exit_code == 1
    assert "no customer named 'Nobody Ltd'" in result.output


def test_an_unreachable_database_exits_75(configured: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "intake",
            "alert",
            "--db",
            "postgresql+psycopg://nobody@127.0.0.1:9/x",
            "--source",
            "prom",
        ],
        input=(DATA / "alertmanager_firing.json").read_bytes(),
    )
    assert result.exit_code == 75, result.output
    assert "try again later" in result.output
