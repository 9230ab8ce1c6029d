"""Customers, contacts, contracts and technicians written by the administrator (both backends)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dispatch.bootstrap import Storage
from dispatch.cli import cli
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import (
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Technician,
)
from dispatch.domain.ports import FixedClock
from dispatch.domain.terms import parse_span, term_errors
from dispatch.domain.ticket import NewTicket
from dispatch.services import contacts, contracts, directory, master_data, queue, tickets
from dispatch.store.schema import EventRow
from tests.conftest import NOW

ACTOR = "admin"


def events(storage: Storage) -> int:
    with storage.reader() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(EventRow)) or 0)


def acme(storage: Storage, clock: FixedClock) -> Customer:
    return master_data.add_customer(
        storage.writer(),
        clock,
        ACTOR,
        Customer(
            id=0,
            name="Acme SRL",
            timezone="Europe/Bucharest",
            country="ro",
            external_id="C1",
            contacts=(Contact(0, 0, "Ion Pop", emails=("Ion@Acme.example",)),),
        ),
    )


def guaranteed(name: str = "SUB-1", **terms: object) -> Contract:
    sla = SlaPolicy({Severity.P1: SlaTarget(timedelta(hours=2), timedelta(hours=8))})
    fields: dict[str, object] = {"fixed_fee": 900.0, "valid_from": date(2026, 1, 1), **terms}
    return Contract(0, 0, name, ContractKind.SUBSCRIPTION, sla=sla, **fields)  # type: ignore[arg-type]


def test_a_customer_is_added_edited_and_retired_with_its_history(
    storage: Storage, clock: FixedClock
) -> None:
    added = acme(storage, clock)
    assert added.country == "RO"
    assert [k.emails for k in added.contacts] == [("ion@acme.example",)]
    edited = master_data.edit_customer(
        storage.writer(), clock, ACTOR, "C1", {"address": "Str. Lunga 1"}
    )
    assert edited.address == "Str. Lunga 1"
    assert edited.contacts == added.contacts  # an edit of fields leaves the contacts
    retired = master_data.retire_customer(storage.writer(), clock, ACTOR, "Acme SRL")
    assert retired.retired_at == NOW
    with pytest.raises(InvalidInputError, match="retired already"):
        master_data.retire_customer(storage.writer(), clock, ACTOR, "Acme SRL")
    with storage.reader() as uow:
        actions = [e.action for e in uow.events.listing(limit=10)]
    assert {"customer.added", "customer.changed", "customer.retired"} <= set(actions)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Base"}, "timezone: unknown time zone 'Mars/Base'"),
        ({"country": "XX"}, "country: no public holidays known for 'XX'"),
        ({"country": "ROU"}, "country: an ISO 3166 code"),
        ({"name": "  "}, "name: cannot be empty"),
        ({"name": "a\x1b[2Jb"}, "name: no control characters"),
        ({"shoe_size": 42}, "shoe_size: cannot be changed here"),
    ],
)
def test_a_bad_customer_field_is_named_and_nothing_is_written(
    storage: Storage, clock: FixedClock, changes: dict[str, object], message: str
) -> None:
    acme(storage, clock)
    before = events(storage)
    with pytest.raises(InvalidInputError) as caught:
        master_data.edit_customer(storage.writer(), clock, ACTOR, "C1", changes)
    assert str(caught.value).startswith(message)
    assert events(storage) == before
    with storage.reader() as uow:
        assert uow.directory.customer_by_name("Acme SRL").timezone == "Europe/Bucharest"


def test_two_edits_of_different_fields_both_stay(storage: Storage, clock: FixedClock) -> None:
    acme(storage, clock)
    # Each edit writes only its own field: the second does not write back the first's old value.
    master_data.edit_customer(storage.writer(), clock, ACTOR, "C1", {"address": "A 1"})
    master_data.edit_customer(storage.writer(), clock, ACTOR, "C1", {"name": "Acme Group"})
    with storage.reader() as uow:
        stored = uow.directory.customer_by_name("Acme Group")
    assert stored.address == "A 1"


def test_contacts_are_added_edited_and_removed_and_an_address_is_one_contact_s(
    storage: Storage, clock: FixedClock
) -> None:
    customer = acme(storage, clock)
    second = contacts.add_contact(
        storage.writer(),
        clock,
        ACTOR,
        "Acme SRL",
        Contact(0, 0, "Maria", phones=("+40  21 555 0101",), role="accounts"),
    )
    assert second.phones == ("+40 21 555 0101",)
    with pytest.raises(InvalidInputError, match="email: 'ion@acme.example' belongs to 'Ion Pop'"):
        contacts.edit_contact(
            storage.writer(), clock, ACTOR, second.id, {"emails": ("ION@acme.example",)}
        )
    with pytest.raises(InvalidInputError, match="phone: not a phone number"):
        contacts.edit_contact(storage.writer(), clock, ACTOR, second.id, {"phones": ("call",)})
    contacts.remove_contact(storage.writer(), clock, ACTOR, customer.contacts[0].id)
    with storage.reader() as uow:
        assert [k.name for k in uow.directory.customer(customer.id).contacts] == ["Maria"]
    with pytest.raises(NotFoundError):
        contacts.remove_contact(storage.writer(), clock, ACTOR, customer.contacts[0].id)


@pytest.mark.parametrize(
    ("kind", "terms", "message"),
    [
        (ContractKind.TIME_MATERIAL, {}, "hourly_rate: a time and material contract needs one"),
        (ContractKind.PER_JOB, {}, "job_price or hourly_rate: a per job contract needs one"),
        (ContractKind.AD_HOC, {}, "incident_price: an ad hoc contract needs one"),
        (
            ContractKind.AD_HOC,
            {"incident_price": Decimal("90"), "job_price": Decimal("3")},
            "job_price: an ad hoc contract has none (got 3)",
        ),
        (
            ContractKind.TIME_MATERIAL,
            {"hourly_rate": -5.0},
            "hourly_rate: cannot be negative (got -5.0)",
        ),
    ],
)
def test_a_contract_states_the_terms_of_its_kind(
    kind: ContractKind, terms: dict[str, object], message: str
) -> None:
    contract = Contract(0, 1, "X", kind, **terms)  # type: ignore[arg-type]
    assert message in term_errors(contract)


def test_a_guaranteed_contract_needs_targets_and_a_fee() -> None:
    bare = Contract(0, 1, "X", ContractKind.MANAGED)
    assert term_errors(bare) == [
        "fixed_fee: a managed services contract needs one",
        "targets: a managed services contract promises reaction times; give them",
    ]
    assert term_errors(guaranteed(included_hours=Decimal(10))) == [
        "included_hours: an included volume needs its overage_rate, and the other way round"
    ]
    assert term_errors(guaranteed(included_hours=Decimal(10), overage_rate=Decimal(60))) == []


def test_overlapping_contracts_need_different_precedences_and_the_first_takes_new_work(
    storage: Storage, clock: FixedClock
) -> None:
    acme(storage, clock)
    w = storage.writer
    contracts.add_contract(w(), clock, ACTOR, "C1", guaranteed())
    tm = Contract(0, 0, "TM-1", ContractKind.TIME_MATERIAL, hourly_rate=50.0)
    with pytest.raises(InvalidInputError, match="precedence: 'TM-1' overlaps 'SUB-1'"):
        contracts.add_contract(w(), clock, ACTOR, "C1", tm)
    before_tm = contracts.add_contract(w(), clock, ACTOR, "C1", replace(tm, precedence=2))
    with storage.reader() as uow:
        customer = uow.directory.customer_by_name("Acme SRL")
        chosen = directory.active_contract(uow.directory.contracts(customer.id), customer, NOW)
    assert chosen.name == "SUB-1"
    contracts.edit_contract(w(), clock, ACTOR, "SUB-1", {"precedence": 3})
    with storage.reader() as uow:
        chosen = directory.active_contract(uow.directory.contracts(customer.id), customer, NOW)
    assert chosen.id == before_tm.id


def test_new_targets_move_the_open_tickets_deadlines_in_the_same_transaction(
    storage: Storage, clock: FixedClock
) -> None:
    acme(storage, clock)
    contracts.add_contract(storage.writer(), clock, ACTOR, "C1", guaranteed())
    opened = tickets.open_ticket(
        storage.writer(),
        clock,
        ACTOR,
        NewTicket(customer="Acme SRL", title="Server down", severity=Severity.P1),
    )
    assert opened.response_due == NOW + timedelta(hours=2)
    done = contracts.edit_contract(
        storage.writer(),
        clock,
        ACTOR,
        "SUB-1",
        {"targets": {Severity.P1: SlaTarget(timedelta(hours=1), timedelta(hours=4))}},
    )
    assert done.moved == 1
    with storage.reader() as uow:
        moved = uow.tickets.get(opened.id)
        recorded = [e.action for e in uow.events.for_ticket(opened.id)]
    assert moved.response_due == NOW + timedelta(hours=1)
    assert moved.resolution_due == NOW + timedelta(hours=4)
    assert "ticket.sla_recomputed" in recorded
    again = contracts.edit_contract(storage.writer(), clock, ACTOR, "SUB-1", {"warning_share": 0.8})
    assert again.moved == 0  # the same share: nothing changed, nothing written


def test_end_and_renew_a_contract(storage: Storage, clock: FixedClock) -> None:
    acme(storage, clock)
    w = storage.writer
    contracts.add_contract(w(), clock, ACTOR, "C1", guaranteed())
    with pytest.raises(InvalidInputError, match="open-ended; end it first"):
        contracts.renew_contract(w(), clock, ACTOR, "SUB-1", "SUB-2")
    with pytest.raises(InvalidInputError, match="cannot end before it starts"):
        contracts.end_contract(w(), clock, ACTOR, "SUB-1", date(2025, 1, 1))
    contracts.end_contract(w(), clock, ACTOR, "SUB-1", date(2026, 12, 31))
    renewed = contracts.renew_contract(w(), clock, ACTOR, "SUB-1", "SUB-2")
    assert (renewed.valid_from, renewed.valid_to) == (date(2027, 1, 1), None)
    assert renewed.sla == guaranteed().sla
    assert renewed.precedence == 1  # no overlap with the old one


def test_a_retired_technician_stays_assigned_but_cannot_be_chosen(
    seeded: Storage, clock: FixedClock
) -> None:
    with seeded.reader() as uow:
        open_ticket = next(t for t in uow.tickets.queue() if t.assignee is None)
    master_data.add_technician(
        seeded.writer(), clock, ACTOR, Technician(0, "zoe", "Zoe", frozenset({"network"}))
    )
    tickets.assign_technician(seeded.writer(), clock, ACTOR, open_ticket.id, "zoe")
    master_data.retire_technician(seeded.writer(), clock, ACTOR, "zoe")
    with seeded.reader() as uow:
        assert uow.tickets.get(open_ticket.id).assignee == "zoe"
    _, ranked = queue.technician_ranking(seeded.reader(), open_ticket.id, NOW)
    assert "zoe" not in [c.tech.login for c in ranked]
    other = next(t for t in _open(seeded) if t.id != open_ticket.id)
    with pytest.raises(InvalidInputError, match="'zoe' is retired"):
        tickets.assign_technician(seeded.writer(), clock, ACTOR, other.id, "zoe")


def _open(storage: Storage) -> list:  # type: ignore[type-arg]
    with storage.reader() as uow:
        return uow.tickets.queue()


def test_a_retired_customer_gets_no_new_ticket(storage: Storage, clock: FixedClock) -> None:
    acme(storage, clock)
    contracts.add_contract(storage.writer(), clock, ACTOR, "C1", guaranteed())
    master_data.retire_customer(storage.writer(), clock, ACTOR, "C1")
    with pytest.raises(InvalidInputError, match="is retired: no new tickets"):
        tickets.open_ticket(
            storage.writer(), clock, ACTOR, NewTicket(customer="Acme SRL", title="x")
        )


def test_target_lengths_parse() -> None:
    assert parse_span("1d12h") == timedelta(hours=36)
    assert parse_span("90") == timedelta(minutes=90)
    with pytest.raises(InvalidInputError, match="target: not a length"):
        parse_span("soon")


def test_the_commands_write_and_refuse_in_one_line(db_url: str) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--db", db_url])
        return result.exit_code, result.stdout, result.stderr

    assert run("customer", "add", "Acme", "--timezone", "Europe/Sofia", "--country", "BG")[0] == 0
    code, out, _ = run(
        "contract", "add", "SUB-9", "--customer", "Acme", "--kind", "subscription",
        "--fixed-fee", "900", "--target", "P1=2h/8h", "--from", "2026-01-01", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["sla"]["targets"]["P1"] == {
        "response_minutes": 120,
        "resolution_minutes": 480,
    }
    code, _, err = run(
        "contract", "add", "TM-9", "--customer", "Acme", "--kind", "time_material",
        "--hourly-rate", "lots",
    )  # fmt: skip
    assert code == 1  # bad input (2 is a usage error)
    assert err.strip() == "dispatch: error: --hourly-rate: not a number (got 'lots')"
    code, _, err = run("contract", "edit", "SUB-9", "--target", "P9=1h/2h")
    assert err.strip() == "dispatch: error: target: no severity 'P9' (P1 to P4)"
    code, out, _ = run("contract", "edit", "SUB-9", "--target", "P1=1h/4h")
    assert code == 0
    assert "deadlines of 0 open ticket(s) moved" in out
    assert run("tech", "add", "ana", "--name", "Ana", "--skill", "Network")[0] == 0
    code, out, _ = run("tech", "list", "--json")
    assert json.loads(out)[0]["skills"] == ["network"]
    code, out, _ = run("tech", "retire", "ana", "--json")
    assert json.loads(out)["retired_at"] is not None


def test_migration_0011_moves_contact_lines_and_states_the_old_precedence(db_url: str) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from dispatch.bootstrap import open_storage
    from dispatch.store.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.upgrade(config, "0010")
        conn.execute(
            text(
                "INSERT INTO customers (id, name, timezone, country, address, contact) VALUES "
                "(1, 'A', 'Europe/Sofia', 'BG', '', 'Georgi Dimitrov, +359 2 555 4410'), "
                "(2, 'B', 'Europe/Sofia', 'BG', '', 'the front desk'), "
                "(3, 'C', 'Europe/Sofia', 'BG', '', '')"
            )
        )
        sla = '{"warning_share": 0.8, "targets": {}}'
        conn.execute(
            text(
                "INSERT INTO contracts (id, customer_id, name, kind, sla, calendar, currency, "
                "valid_from) VALUES "
                f"(1, 1, 'TM', 'time_material', '{sla}', '24/7', 'EUR', '2026-01-01'), "
                f"(2, 1, 'SUB', 'subscription', '{sla}', '24/7', 'EUR', '2026-01-01'), "
                f"(3, 2, 'ADH', 'ad_hoc', '{sla}', '24/7', 'EUR', '2026-01-01')"
            )
        )
    engine.dispose()
    storage = open_storage(db_url)
    try:
        with storage.reader() as uow:
            a, b, c = (uow.directory.customer(i) for i in (1, 2, 3))
            precedence = {k.name: k.precedence for k in uow.directory.contracts()}
        assert [(k.name, k.phones) for k in a.contacts] == [
            ("Georgi Dimitrov", ("+359 2 555 4410",))
        ]
        assert [(k.name, k.phones) for k in b.contacts] == [("the front desk", ())]
        assert c.contacts == ()
        # The rule that chose until now (kind first, then id) is now stated.
        assert precedence == {"SUB": 1, "TM": 2, "ADH": 1}
    finally:
        storage.dispose()
