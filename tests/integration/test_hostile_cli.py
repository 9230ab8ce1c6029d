"""Hostile strings through every command's text output and every scheduler log line.

Customers, contracts, technicians (their logins too), tickets, notes, bug
references, plans and calendars are named with the hostile corpus of the
console's own suite (``tests/ui/test_hostile.py``); every command that prints
text is then run, and neither its standard output nor its error line may hold
a control, escape or bidi character. The scheduler's log lines are checked the
same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dispatch.bootstrap import Storage, build_runtime, open_storage
from dispatch.cli import cli
from dispatch.config import Settings
from dispatch.domain.model import BlockPeriod, Contract, ContractKind, Customer
from dispatch.domain.ports import FixedClock, SystemClock
from dispatch.domain.ticket import NewTicket
from dispatch.scheduler import SlaMonitor
from dispatch.services import hours, tickets
from dispatch.services.alerts import SweepPolicy
from tests.conftest import NOW, load_demo
from tests.ui.test_hostile import CORPUS_TEXTS, FORBIDDEN, Hostile, seed_hostile


@dataclass(frozen=True)
class HostileDb:
    url: str
    rows: list[Hostile]
    block_ticket: int
    block_contract: str


def add_block_customer(storage: Storage, text: str) -> tuple[int, str]:
    """A customer with only a 1-hour block-hours contract named with ``text``, and a ticket."""
    with storage.writer() as uow:
        customer = uow.directory.add_customer(
            Customer(id=0, name=f"Blk {text}", timezone="Europe/Sofia", country="BG")
        )
        contract = f"BLK {text}"
        uow.directory.add_contract(
            Contract(
                id=0,
                customer_id=customer.id,
                name=contract,
                kind=ContractKind.BLOCK_HOURS,
                prepaid_hours=1,
                period=BlockPeriod.MONTH,
            )
        )
        uow.commit()
    ticket = tickets.open_ticket(
        storage.writer(), FixedClock(NOW), "ana", NewTicket(customer=f"Blk {text}", title=text)
    )
    return ticket.id, contract


@pytest.fixture
def hostile_db(tmp_path: Path) -> Iterator[HostileDb]:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    storage = open_storage(url)
    try:
        load_demo(storage, tickets=False)
        rows = [seed_hostile(storage, text) for text in CORPUS_TEXTS]
        block_ticket, block_contract = add_block_customer(storage, "".join(CORPUS_TEXTS))
        yield HostileDb(url, rows, block_ticket, block_contract)
    finally:
        storage.dispose()


def run(db: HostileDb, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--db", db.url])
    shown = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown
    found = FORBIDDEN.search(shown)
    assert found is None, f"{args[:2]} printed {found.group()!r} raw: {shown[-400:]!r}"
    return result


def test_every_command_prints_data_made_printable(hostile_db: HostileDb, tmp_path: Path) -> None:
    db = hostile_db
    for hostile in db.rows:
        ref = f"T-{hostile.ticket_id}"
        run(db, "ticket", "show", ref)
        run(db, "sla", "explain", ref)
        run(db, "audit", "--ticket", ref)
        # The success line names the stored login: it must not echo it raw.
        assigned = run(db, "ticket", "assign", ref, hostile.login)
        assert assigned.exit_code in (0, 1), assigned.stderr
        run(db, "ticket", "status", ref, "in_progress", "--note", hostile.text)
        run(db, "ticket", "severity", ref, "P2", "--note", hostile.text)
        run(db, "ticket", "severity", ref, "P1", "--note", hostile.text)  # breached again
        run(db, "ticket", "add", "--customer", hostile.customer, "--title", hostile.text)
        run(db, "ticket", "add", "--customer", f"unknown {hostile.text}", "--title", "x")
        run(db, "plan", "add", "--contract", hostile.contract, "--name", hostile.text,
            "--title", hostile.text, "--cron", "0 6 * * mon")  # fmt: skip
    logged = run(db, "ticket", "log", f"T-{db.block_ticket}", "55m", "--note", "x")
    assert logged.exit_code == 0, logged.stderr
    for listing in (
        ("ticket", "list"),
        ("ticket", "list", "--open"),
        ("customer", "list"),
        ("contract", "list"),
        ("contract", "balance"),
        ("tech", "list"),
        ("plan", "list"),
        ("calendar", "list"),
        ("audit",),
    ):
        assert run(db, *listing).exit_code == 0
    swept = run(db, "scheduler", "--once")
    assert swept.exit_code == 0, swept.stderr
    assert "block hours low" in swept.stdout
    alerts = run(db, "alerts", "list")
    assert alerts.exit_code == 0
    newest = json.loads(
        CliRunner().invoke(cli, ["alerts", "list", "--json", "--db", db.url]).stdout
    )
    assert newest
    run(db, "alerts", "ack", f"A-{newest[0]['id']}")
    # A calendar named with every hostile string (TOML escapes them).
    name = json.dumps("".join(CORPUS_TEXTS))
    toml = tmp_path / "calendars.toml"
    toml.write_text(
        f'[calendars.{name}]\ntimezone = "Europe/Sofia"\nhours = "Mon-Fri 09:00-17:00"\n'
    )
    run(db, "calendar", "load", str(toml))
    run(db, "calendar", "list")


def test_scheduler_log_lines_are_printable(
    hostile_db: HostileDb, caplog: pytest.LogCaptureFixture
) -> None:
    storage = open_storage(hostile_db.url)
    try:
        settings = Settings(db_url=hostile_db.url, db_source="test", config_path=None, user="ana")
        runtime = build_runtime(settings, storage, clock=SystemClock())
        hours.log_time(
            storage.writer(), runtime.clock, "ana", hostile_db.block_ticket, timedelta(minutes=58)
        )
        monitor = SlaMonitor(runtime, SweepPolicy(), holder="hostile-test")
        with caplog.at_level(logging.INFO, logger="dispatch.scheduler"):
            monitor.run_once()
            monitor.block_hours_once()
        monitor.stop()
    finally:
        storage.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "dispatch.scheduler"]
    assert any("block hours low" in line for line in lines), lines
    for line in [*lines, caplog.text]:
        assert FORBIDDEN.search(line.replace("\n", "")) is None, repr(line)
