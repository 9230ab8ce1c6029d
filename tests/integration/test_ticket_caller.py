"""A ticket's caller in the SQL store, the command line and migration 0014 (both backends)."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import inspect, text

from dispatch.bootstrap import Storage, open_storage
from dispatch.cli import cli
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Contact, Customer
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import contacts, tickets
from dispatch.store.db import current_revision, head_revision, make_engine, upgrade
from tests.conftest import NOW, load_demo

CARPATHIA = "Carpathia Logistics SRL"


def customer(storage: Storage, name: str) -> Customer:
    with storage.reader() as uow:
        return uow.directory.customer_by_name(name)


def test_a_ticket_records_its_caller_and_shows_them(seeded: Storage, clock: FixedClock) -> None:
    andreea = customer(seeded, CARPATHIA).contacts[0]
    request = NewTicket(CARPATHIA, "Printer down", contact_id=andreea.id)
    ticket = tickets.open_ticket(seeded.writer(), clock, "ana", request)
    detail = tickets.ticket_detail(seeded.reader(), ticket.id, NOW)
    assert detail.ticket.contact_id == andreea.id
    assert detail.caller == andreea
    assert detail.events[0].after["caller"] == andreea.name


def test_another_customer_s_contact_is_refused_and_nothing_written(
    seeded: Storage, clock: FixedClock
) -> None:
    with seeded.reader() as uow:
        other = next(c for c in uow.directory.customers() if c.name != CARPATHIA and c.contacts)
        before = len(uow.tickets.queue(open_only=False))
    stranger = other.contacts[0]
    with pytest.raises(InvalidInputError, match=f"is not a contact of '{CARPATHIA}'"):
        tickets.open_ticket(
            seeded.writer(), clock, "ana", NewTicket(CARPATHIA, "x", contact_id=stranger.id)
        )
    with seeded.reader() as uow:
        assert len(uow.tickets.queue(open_only=False)) == before


def test_a_new_caller_is_added_with_the_ticket_and_a_refusal_adds_neither(
    seeded: Storage, clock: FixedClock
) -> None:
    radu = Contact(0, 0, "Radu Ionescu", emails=("Radu@Carpathia.example",), role="night shift")
    ticket = tickets.open_ticket(
        seeded.writer(), clock, "ana", NewTicket(CARPATHIA, "Scanner", new_contact=radu)
    )
    added = customer(seeded, CARPATHIA).contacts[-1]
    assert (added.id, added.name, added.emails) == (
        ticket.contact_id,
        "Radu Ionescu",
        ("radu@carpathia.example",),
    )
    # The same address again: refused in the ticket's transaction, no second contact.
    with pytest.raises(InvalidInputError, match="email: 'radu@carpathia.example' belongs to"):
        tickets.open_ticket(
            seeded.writer(), clock, "ana", NewTicket(CARPATHIA, "Again", new_contact=radu)
        )
    assert len(customer(seeded, CARPATHIA).contacts) == 2


def test_a_removed_caller_leaves_the_ticket_readable_and_changeable(
    seeded: Storage, clock: FixedClock
) -> None:
    andreea = customer(seeded, CARPATHIA).contacts[0]
    ticket = tickets.open_ticket(
        seeded.writer(), clock, "ana", NewTicket(CARPATHIA, "Printer", contact_id=andreea.id)
    )
    read = tickets.ticket_detail(seeded.reader(), ticket.id, NOW).ticket
    contacts.remove_contact(seeded.writer(), clock, "admin", andreea.id)
    detail = tickets.ticket_detail(seeded.reader(), ticket.id, NOW)
    assert (detail.ticket.contact_id, detail.caller) == (None, None)
    assert detail.events[0].after["caller"] == andreea.name  # the history keeps who called
    # A change from what was read before the removal writes no stale caller back.
    moved = tickets.assign_technician(
        seeded.writer(), clock, "ana", ticket.id, "ana", if_version=read.version
    )
    assert moved.contact_id is None


def test_the_command_line_takes_the_caller_by_address_or_id(db_url: str) -> None:
    storage = open_storage(db_url)
    try:
        load_demo(storage)
        andreea = customer(storage, CARPATHIA).contacts[0]
        with storage.reader() as uow:
            stranger = next(
                k for c in uow.directory.customers() if c.name != CARPATHIA for k in c.contacts
            )
    finally:
        storage.dispose()

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--db", db_url])
        return result.exit_code, result.stdout, result.stderr

    add = ("ticket", "add", "--customer", CARPATHIA, "--title", "Printer down", "--contact")
    code, out, _ = run(*add, andreea.emails[0].upper())
    assert code == 0
    code, out, _ = run("ticket", "show", out.strip(), "--json")
    shown = json.loads(out)
    assert (shown["contact_id"], shown["caller"]["name"]) == (andreea.id, andreea.name)
    code, out, _ = run("ticket", "show", str(shown["id"]))
    assert f"caller       {andreea.name}, {andreea.phones[0]}" in out
    code, _, err = run(*add, "nobody@nowhere.example")
    assert code != 0
    assert "contact: no contact with the id or e-mail address 'nobody@nowhere.example'" in err
    code, _, err = run(*add, str(stranger.id))
    assert code != 0
    assert f"is not a contact of '{CARPATHIA}'" in err


def test_migration_0014_adds_and_drops_the_caller_keeping_the_tickets(db_url: str) -> None:
    storage = open_storage(db_url)
    try:
        load_demo(storage)
    finally:
        storage.dispose()
    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(resources.files("dispatch.store") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0013")
    with engine.connect() as conn:
        assert "contact_id" not in {c["name"] for c in inspect(conn).get_columns("tickets")}
        count = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
    assert count
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        nulls = conn.execute(text("SELECT count(*) FROM tickets WHERE contact_id IS NULL"))
        assert nulls.scalar() == count
    engine.dispose()
