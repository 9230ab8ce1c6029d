"""`dispatch export` on both backends: kinds and formats parsed back, --excel, bounds, chunks."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import event

from dispatch.bootstrap import Storage
from dispatch.cli import cli
from dispatch.cli.export import KINDS
from dispatch.domain.model import Contact, Contract, ContractKind, Customer, Technician
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import alerts, tickets
from dispatch.services import export as exporting
from dispatch.services.export import ExportKind
from dispatch.store import bulk
from dispatch.store import export as store_export
from dispatch.writers import BOM
from tests.conftest import NOW

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tstarts with a tab",
    "\rstarts with a CR",
    'quote " comma , semicolon ; end',
    "two\nlines\r\nand CRLF",
    "\x1b]0;title\x07 escape",
]
"""Customer text that must come back exactly, and never as a formula in --excel."""


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["export", *args, "--db", db])


def ok(db: str, *args: str) -> bytes:
    result = run(db, *args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout_bytes


def fails(db: str, code: int, *args: str) -> str:
    result = run(db, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dispatch: error: ")
    return lines[0]


def csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(reader)
    assert reader.fieldnames is not None
    return list(reader.fieldnames), rows


def json_rows(kind: str, data: bytes) -> list[dict[str, Any]]:
    document = json.loads(data)
    assert list(document) == [kind]
    rows: list[dict[str, Any]] = document[kind]
    return rows


def jsonl_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("ascii").splitlines()]


def add_hostile(storage: Storage, *, nul: bool) -> None:
    """A customer, contract, technician and ticket made of hostile text."""
    texts = [*HOSTILE, "NUL \x00 inside"] if nul else HOSTILE
    with storage.writer() as uow:
        for i, text in enumerate(texts):
            customer = uow.directory.add_customer(
                Customer(
                    id=0,
                    name=f"{text} #{i}",
                    timezone="Europe/Sofia",
                    country="BG",
                    address=text,
                    contacts=(Contact(id=0, customer_id=0, name=text or "x"),),
                )
            )
            uow.directory.add_contract(
                Contract(
                    id=0,
                    customer_id=customer.id,
                    name=f"H-{i}",
                    kind=ContractKind.AD_HOC,
                    valid_from=NOW.date() - timedelta(days=30),
                )
            )
        uow.directory.add_technician(
            Technician(id=0, login="hostile", name=texts[0], skills=frozenset({"a;b", "c\\d"}))
        )
        uow.commit()
    for i, text in enumerate(texts):
        tickets.open_ticket(
            storage.writer(),
            FixedClock(NOW),
            "tester",
            NewTicket(customer=f"{text} #{i}", title=f"T {i}", description=text),
        )


@pytest.fixture
def full(seeded: Storage, db_url: str) -> str:
    """The demo data set with alerts raised, and hostile rows (NUL only where it can be stored)."""
    for at in (NOW, NOW + timedelta(hours=3)):  # alerts raised at two instants
        assert alerts.sweep_alerts(seeded.reader(), seeded.writer(), FixedClock(at))
    add_hostile(seeded, nul=db_url.startswith("sqlite"))
    return db_url


def test_the_command_offers_every_kind_the_service_exports() -> None:
    assert tuple(k.value for k in ExportKind) == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_parses_back_the_same_in_every_format(full: str, kind: str) -> None:
    header, from_csv = csv_rows(ok(full, kind))
    from_json = json_rows(kind, ok(full, kind, "--format", "json"))
    from_jsonl = jsonl_rows(ok(full, kind, "--format", "jsonl"))
    assert header == exporting.columns(ExportKind(kind))
    assert from_csv, "the demo data holds every kind"
    assert from_json == from_jsonl
    assert len(from_csv) == len(from_json)
    for row in from_json:
        assert list(row) == header
    # The CSV cells are the JSON values written as the README says.
    for csv_row, json_row in zip(from_csv, from_json, strict=True):
        for name, value in json_row.items():
            assert csv_row[name] == expected_cell(value), (kind, name)


def expected_cell(value: Any) -> str:
    """A JSON value as the README says CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(v.replace("\\", "\\\\").replace(";", "\\;") for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert isinstance(value, str)
    return value


def test_hostile_text_comes_back_exactly(full: str) -> None:
    _header, rows = csv_rows(ok(full, "customers"))
    from_json = json_rows("customers", ok(full, "customers", "--format", "json"))
    expected = [*HOSTILE, "NUL \x00 inside"] if full.startswith("sqlite") else HOSTILE
    for source in (rows, from_json):
        addresses = [r["address"] for r in source if r["name"].endswith(" #0")]
        assert addresses == [HOSTILE[0]]
        assert [r["address"] for r in source if r["address"] in expected] == expected
    _header, techs = csv_rows(ok(full, "technicians"))
    (hostile,) = [t for t in techs if t["login"] == "hostile"]
    assert hostile["skills"] == "a\\;b;c\\\\d"  # a ';' or '\' inside an item is escaped
    described = {
        r["description"] for r in json_rows("tickets", ok(full, "tickets", "--format", "json"))
    }
    assert set(expected) <= described
    assert all(b < 0x80 for b in ok(full, "tickets", "--format", "jsonl"))  # escaped, ASCII


def test_excel_writes_a_bom_and_no_cell_a_spreadsheet_would_evaluate(full: str) -> None:
    data = ok(full, "customers", "--excel")
    assert data.startswith(BOM.encode())
    header, rows = csv_rows(data[len(BOM.encode()) :])
    assert header == exporting.columns(ExportKind.CUSTOMERS)
    addresses = [r["address"] for r in rows]
    for text in HOSTILE:
        if text[0] in "=+-@\t\r":
            assert f"'{text}" in addresses
            assert text not in addresses
        else:
            assert text in addresses
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Numbers are dispatch's own and stay numbers.
    _h, contracts = csv_rows(ok(full, "contracts", "--excel")[len(BOM.encode()) :])
    assert any(float(c["warning_share"]) == 0.8 for c in contracts)
    assert not ok(full, "customers").startswith(BOM.encode())


def test_from_and_to_bound_each_kind_by_its_own_instant(full: str) -> None:
    cases = {"tickets": "opened_at", "events": "at", "alerts": "raised_at"}
    for kind, field in cases.items():
        every = json_rows(kind, ok(full, kind, "--format", "json"))
        instants = sorted({datetime.fromisoformat(r[field]) for r in every})
        assert len(instants) >= 2, kind
        start, end = instants[0], instants[-1]
        # From inclusive, to exclusive, given in another zone than UTC.
        shown = start.astimezone(ZoneInfo("Asia/Kolkata")).isoformat()
        got = json_rows(
            kind,
            ok(full, kind, "--format", "json", "--from", shown, "--to", end.isoformat()),
        )
        expected = [r for r in every if start <= datetime.fromisoformat(r[field]) < end]
        assert got == expected, kind
        assert len(got) < len(every)
        later = json_rows(kind, ok(full, kind, "--format", "json", "--from", end.isoformat()))
        assert later == [r for r in every if datetime.fromisoformat(r[field]) >= end]
    for row in json_rows("events", ok(full, "events", "--format", "json")):
        assert row["at"].endswith("+00:00")


def test_bad_options_are_refused_with_one_line_naming_them(full: str) -> None:
    assert "'--from'" in fails(full, 2, "tickets", "--from", "yesterday")
    assert "'yesterday'" in fails(full, 2, "tickets", "--from", "yesterday")
    assert "no UTC offset" in fails(full, 2, "events", "--to", "2026-11-01T10:00")
    line = fails(full, 1, "alerts", "--from", "2026-11-02T00:00Z", "--to", "2026-11-01T00:00Z")
    assert "--from 2026-11-02T00:00:00+00:00 is not before --to" in line
    assert "--from/--to" in fails(full, 1, "customers", "--from", "2026-11-01T00:00Z")
    assert "--excel" in fails(full, 2, "tickets", "--excel", "--format", "json")
    assert "'nothing'" in fails(full, 2, "nothing")


def test_output_file_is_private_and_whole_or_absent(
    full: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "tickets.csv"
    target.parent.mkdir()
    result = run(full, "tickets", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    _header, rows = csv_rows(target.read_bytes())
    assert f"exported {len(rows)} tickets to {target}" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    before = target.read_bytes()

    calls = 0
    real = exporting.ticket_history

    def failing(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the disk went away")
        return real(*args)

    # The field list holds the function itself: replace it there.
    fields = tuple(
        (name, (lambda x: failing(x.ticket, x.events)) if name == "history" else read)
        for name, read in exporting.TICKET_FIELDS
    )
    monkeypatch.setitem(exporting.FIELDS, ExportKind.TICKETS, fields)
    failed = run(full, "tickets", "--output", str(target))
    assert failed.exit_code != 0
    assert target.read_bytes() == before  # the old file stands
    assert sorted(os.listdir(target.parent)) == ["tickets.csv"]  # no half file left
    assert "--output" in fails(full, 1, "tickets", "--output", str(tmp_path / "no" / "x.csv"))


def test_rows_are_read_in_chunks_and_written_as_they_come(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import load_demo

    load_demo(storage, tickets=False)
    count = 1050
    bulk.synthesize(storage.writer, count=count, open_share=0.5, seed=3, now=NOW, actor="t")
    monkeypatch.setattr(store_export, "CHUNK", 100)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM tickets" in statement and "LIMIT" in statement.upper():
            statements.append(statement)

    event.listen(storage.engine, "before_cursor_execute", seen)
    try:
        records = exporting.export_records(storage.reader(), ExportKind.TICKETS)
        first = next(records)
        assert first["external_id"] == "T-1"
        assert len(statements) == 1  # one page read, not the table
        rest = list(records)
    finally:
        event.remove(storage.engine, "before_cursor_execute", seen)
    assert 1 + len(rest) == count
    assert len(statements) == 11  # ceil(1050 / 100) pages
    assert [r["external_id"] for r in [first, *rest]] == [f"T-{i}" for i in range(1, count + 1)]
