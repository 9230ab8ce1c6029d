"""The SQL store on SQLite always, and on PostgreSQL where DISPATCH_TEST_PG_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StorageUnavailableError,
)
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.queue import order_queue
from dispatch.domain.ticket import NewTicket
from dispatch.services import conversation, directory, queue, tickets
from dispatch.store.db import current_revision, head_revision
from dispatch.store.schema import Base, TicketRow, include_name
from tests.conftest import NOW, load_demo


def test_new_database_is_migrated_to_head(storage: Storage) -> None:
    assert current_revision(storage.engine) == head_revision()
    names = set(inspect(storage.engine).get_table_names())
    assert {
        "customers",
        "contracts",
        "technicians",
        "tickets",
        "events",
        "alembic_version",
    } <= names


def test_migrations_match_the_mapped_schema(storage: Storage) -> None:
    with storage.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_opening_twice_is_idempotent(db_url: str) -> None:
    first = open_storage(db_url)
    second = open_storage(db_url)
    assert current_revision(second.engine) == head_revision()
    first.dispose()
    second.dispose()


def test_aware_datetimes_round_trip_and_sort_in_utc_order(seeded: Storage) -> None:
    clock = FixedClock(NOW)
    # Three instants whose local wall-clock order is the reverse of their UTC order.
    instants = [
        datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=-5))),  # 13:00 UTC
        datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=2))),  # 12:00 UTC
        datetime(2026, 11, 23, 20, 0, tzinfo=timezone(timedelta(hours=9))),  # 11:00 UTC
    ]
    ids = []
    for when in instants:
        clock_at = FixedClock(datetime(2026, 11, 24, tzinfo=UTC))
        ticket = tickets.open_ticket(
            seeded.writer(),
            clock_at,
            "t",
            NewTicket(customer="Maria Georgieva", title=f"at {when}", opened_at=when),
        )
        ids.append(ticket.id)
    del clock
    for ident, when in zip(ids, instants, strict=True):
        back = tickets.ticket_detail(seeded.reader(), ident, NOW).ticket
        assert back.opened_at == when
        assert back.opened_at.tzinfo is UTC
    with seeded.sessions() as session:
        ordered = session.scalars(
            select(TicketRow.id).where(TicketRow.id.in_(ids)).order_by(TicketRow.opened_at)
        ).all()
    assert ordered == list(reversed(ids))


def test_sql_queue_order_matches_the_domain_rule(seeded: Storage) -> None:
    from_sql = queue.load_queue(seeded.reader())
    assert [t.id for t in from_sql] == [t.id for t in order_queue(from_sql)]
    assert all(t.is_open for t in from_sql)
    everything = queue.load_queue(seeded.reader(), open_only=False)
    assert len(everything) > len(from_sql)
    assert [t.is_open for t in everything] == sorted((t.is_open for t in everything), reverse=True)


def test_stale_version_is_refused_and_names_who_changed_it(seeded: Storage) -> None:
    clock = FixedClock(NOW)
    ticket = queue.load_queue(seeded.reader())[0]
    tickets.assign_technician(
        seeded.writer(), clock, "bob", ticket.id, "ana", if_version=ticket.version
    )
    with pytest.raises(ConflictError) as caught:
        tickets.assign_technician(
            seeded.writer(), clock, "carol", ticket.id, "ivan", if_version=ticket.version
        )
    assert "changed by bob" in str(caught.value)
    assert "assigned to ana" in str(caught.value)
    stored = tickets.ticket_detail(seeded.reader(), ticket.id, NOW)
    assert stored.ticket.assignee == "ana"
    assert stored.ticket.version == ticket.version + 1
    assert [e.actor for e in stored.events][-1] == "bob"


def test_concurrent_update_between_read_and_write_is_caught(seeded: Storage) -> None:
    ticket = queue.load_queue(seeded.reader())[0]
    # Simulate another writer committing after our read: bump the version directly.
    with seeded.writer() as uow:
        uow.session.execute(
            text("UPDATE tickets SET version = version + 1 WHERE id = :id"), {"id": ticket.id}
        )
        uow.commit()
    with seeded.writer() as uow, pytest.raises(ConflictError):
        uow.tickets.update(replace(ticket, assignee="ana"), ticket.version)


def test_failed_change_writes_nothing(seeded: Storage) -> None:
    clock = FixedClock(NOW)
    ticket = queue.load_queue(seeded.reader())[0]
    before = tickets.ticket_detail(seeded.reader(), ticket.id, NOW)
    with pytest.raises(NotFoundError):
        tickets.assign_technician(seeded.writer(), clock, "x", ticket.id, "nobody")
    with pytest.raises(InvalidInputError):
        tickets.change_status(seeded.writer(), clock, "x", ticket.id, TicketStatus.ESCALATED_DEV)
    after = tickets.ticket_detail(seeded.reader(), ticket.id, NOW)
    assert after == before


def test_status_flow_and_history(seeded: Storage) -> None:
    clock = FixedClock(NOW)
    created = tickets.open_ticket(
        seeded.writer(),
        clock,
        "disp",
        NewTicket(customer="Rhein Maschinenbau GmbH", title="PLC offline", severity=Severity.P1),
    )
    assert created.response_due == NOW + timedelta(minutes=15)
    tickets.assign_technician(seeded.writer(), clock, "disp", created.id, "lukas")
    clock.advance(timedelta(minutes=5))
    working = tickets.change_status(
        seeded.writer(), clock, "lukas", created.id, TicketStatus.IN_PROGRESS
    )
    assert working.first_response_at is None  # the demo's contracts count replies only
    clock.advance(timedelta(minutes=2))
    conversation.log_call(
        seeded.writer(), clock, "lukas", created.id, "Restarting the PLC", outbound=True
    )
    esc = tickets.change_status(
        seeded.writer(), clock, "lukas", created.id, TicketStatus.ESCALATED_DEV, bug_ref="DEV-1"
    )
    assert esc.bug_ref == "DEV-1"
    assert esc.first_response_at == NOW + timedelta(minutes=7)
    detail = tickets.ticket_detail(seeded.reader(), created.id, NOW)
    assert [e.action for e in detail.events] == [
        "ticket.opened",
        "ticket.assigned",
        "ticket.status",
        "ticket.article",
        "ticket.status",
    ]
    assert [e.actor for e in detail.events] == ["disp", "disp", "lukas", "lukas", "lukas"]
    assert detail.events[-1].after == {"status": "escalated_dev", "bug_ref": "DEV-1"}


def test_demo_load_is_complete(storage: Storage) -> None:
    data = load_demo(storage)
    assert len(directory.list_customers(storage.reader())) == len(data.customers)
    assert len(directory.list_contracts(storage.reader())) == len(data.contracts)
    assert len(directory.list_technicians(storage.reader())) == len(data.technicians)
    assert len(queue.load_queue(storage.reader(), open_only=False)) == len(data.tickets)


def test_calendars_round_trip(storage: Storage) -> None:
    from dispatch.domain.calendar import Calendar

    cal = Calendar.from_json(
        {
            "timezone": "Europe/Sofia",
            "country": "BG",
            "hours": {"mon": [["22:00", "06:00"]]},
            "holidays": ["2026-12-24"],
            "end_convention": "next_open",
        },
        name="night",
    )
    with storage.writer() as uow:
        assert uow.directory.save_calendar(cal, NOW) is True
        uow.commit()
    with storage.writer() as uow:
        assert uow.directory.save_calendar(cal, NOW) is False
        uow.commit()
    with storage.reader() as uow:
        assert uow.directory.calendars() == {"night": cal}


def test_upgrade_keeps_existing_tickets(db_url: str) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    from dispatch.store.db import make_engine, upgrade

    engine = make_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, name, timezone, country, address, contact) "
                "VALUES (1, 'C', 'UTC', 'DE', '', '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contracts (id, customer_id, name, kind, sla, calendar, currency, "
                "valid_from) VALUES (1, 1, 'K', 'ad_hoc', '{}', '24/7', 'EUR', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tickets (id, customer_id, contract_id, title, description, kind, "
                "channel, severity, status, needs_onsite, skills, opened_at, is_open, "
                "priority_rank, queue_due, severity_level, version) VALUES (1, 1, 1, 't', '', "
                "'emergency', 'phone', 'P3', 'new', :f, '[]', :at, :t, 3, :due, 3, 1)"
            ),
            {"f": False, "t": True, "at": NOW, "due": NOW + timedelta(hours=1)},
        )
    upgrade(engine)
    with engine.connect() as conn:
        due, warn = conn.execute(text("SELECT queue_due, queue_warn FROM tickets")).one()
    assert due == warn
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_from_a_newer_dispatch_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    open_storage(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    engine.dispose()
    with pytest.raises(StorageUnavailableError, match="revision 0099, newer than"):
        open_storage(url)
