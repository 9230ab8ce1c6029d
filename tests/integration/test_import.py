"""``dispatch import`` writing: all or nothing, upserts by external id, tickets with their
deadlines and alerts from their history (both backends)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from dispatch.bootstrap import Storage, open_storage
from dispatch.cli import cli
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.records import RecordKind
from dispatch.domain.sla import status_history
from dispatch.services.imports.apply import run_import
from dispatch.store.schema import AlertRow, CustomerRow, DeliveryRow, EventRow, TicketRow

NOW = datetime.fromisoformat("2026-11-23T09:30:00+00:00")
ACTOR = "admin"


def document(tmp_path: Path, **extra: object) -> Path:
    """A small import: a customer with a contact, a contract, a technician, two tickets."""
    data = {
        "customers": [
            {
                "external_id": "C1",
                "name": "Acme Ltd",
                "timezone": "Europe/Sofia",
                "country": "BG",
                "contacts": [{"name": "Ivan Petrov", "email": ["ivan@acme.example"]}],
            }
        ],
        "contracts": [
            {
                "external_id": "K1",
                "customer": "C1",
                "name": "SUB-1",
                "kind": "subscription",
                "calendar": "24/7",
                "targets": {"P1": {"response_minutes": 120, "resolution_minutes": 480}},
                "valid_from": "2026-01-01",
                "fixed_fee": "1200.00",
            }
        ],
        "technicians": [{"external_id": "E1", "login": "ana", "name": "Ana Ionescu"}],
        "tickets": [
            {  # open, opened 3 h ago, assigned but not answered: its response is overdue
                "external_id": "Z-1",
                "contract": "K1",
                "title": "VPN down",
                "severity": "P1",
                "opened_at": "2026-11-23T06:30:00+00:00",
                "assignee": "ana",
                "contact": "Ivan@Acme.example",  # the caller, by address (any case)
                "history": [{"at": "2026-11-23T06:40:00+00:00", "status": "assigned"}],
            },
            {  # answered, then an hour waiting on the customer: the resolution clock stood still
                "external_id": "Z-3",
                "contract": "K1",
                "title": "Mail bounces",
                "severity": "P1",
                "opened_at": "2026-11-23T05:00:00+00:00",
                "history": [
                    {"at": "2026-11-23T05:10:00+00:00", "status": "in_progress"},
                    {"at": "2026-11-23T06:00:00+00:00", "status": "waiting_customer"},
                    {"at": "2026-11-23T07:00:00+00:00", "status": "in_progress"},
                ],
            },
            {  # resolved in time: no alert
                "external_id": "Z-2",
                "contract": "K1",
                "title": "Printer jam",
                "severity": "P1",
                "opened_at": "2026-11-20T08:00:00+00:00",
                "history": [
                    {"at": "2026-11-20T08:30:00+00:00", "status": "in_progress"},
                    {"at": "2026-11-20T10:00:00+00:00", "status": "resolved"},
                ],
            },
        ],
        **extra,
    }
    path = tmp_path / "import.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def count(storage: Storage, row: type) -> int:
    with storage.reader() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(row)) or 0)


def test_a_dry_run_writes_nothing_and_apply_writes_everything_once(
    storage: Storage, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    path = document(tmp_path)
    dry = run_import(storage.writer(), clock, ACTOR, [path])
    assert not dry.issues
    assert not dry.applied
    assert dry.counts["created"][RecordKind.TICKET] == 3
    assert count(storage, CustomerRow) == 0
    assert count(storage, EventRow) == 0

    done = run_import(storage.writer(), clock, ACTOR, [path], apply=True)
    assert done.applied
    assert dict(done.counts["created"]) == {
        RecordKind.CUSTOMER: 1,
        RecordKind.CONTACT: 1,
        RecordKind.CONTRACT: 1,
        RecordKind.TECHNICIAN: 1,
        RecordKind.TICKET: 3,
    }
    again = run_import(storage.writer(), clock, ACTOR, [path], apply=True)
    assert not again.counts["created"]
    assert not again.counts["updated"]
    assert sum(again.counts["unchanged"].values()) == 7
    assert count(storage, TicketRow) == 3


def test_an_imported_ticket_has_the_deadlines_of_its_history_and_pages_nobody(
    storage: Storage, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    report = run_import(storage.writer(), clock, ACTOR, [document(tmp_path)], apply=True)
    with storage.reader() as uow:
        ticket = uow.tickets.by_external_id("Z-1")
        paused = uow.tickets.by_external_id("Z-3")
        resolved = uow.tickets.by_external_id("Z-2")
        assert paused is not None
        history = status_history(paused, uow.events.for_ticket(paused.id))
        alerts = uow.alerts.newest()
        deliveries = uow.session.scalar(select(func.count()).select_from(DeliveryRow))
    assert ticket is not None
    assert ticket.status is TicketStatus.ASSIGNED
    assert ticket.assignee == "ana"
    assert ticket.severity is Severity.P1
    opened = datetime.fromisoformat("2026-11-23T06:30:00+00:00")
    assert ticket.response_due == opened + timedelta(hours=2)  # assignment is no response
    assert ticket.sla_flag(NOW) == "breached"
    # 8 h to resolve, the clock stopped 06:00-07:00 while waiting on the customer.
    assert paused.resolution_due == datetime.fromisoformat("2026-11-23T14:00:00+00:00")
    assert paused.first_response_at == datetime.fromisoformat("2026-11-23T05:10:00+00:00")
    assert [c.status for c in history] == [
        TicketStatus.NEW,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.IN_PROGRESS,
    ]
    assert resolved is not None
    assert resolved.status is TicketStatus.RESOLVED
    assert resolved.resolved_at == datetime.fromisoformat("2026-11-20T10:00:00+00:00")
    # Z-1 crossed its response warning and deadline before the import: two alerts,
    # marked imported; nobody paged.
    assert report.alerts == 2
    assert sorted((a.ticket_id, a.level.value) for a in alerts) == [
        (ticket.id, "breach"),
        (ticket.id, "warning"),
    ]
    assert all(a.imported for a in alerts)
    assert deliveries == 0
    with storage.reader() as uow:
        assert uow.alerts.reached(NOW, 10, ticket_ids=[ticket.id]) == []  # the sweep: nothing


def test_every_bad_record_is_reported_and_nothing_is_written(
    storage: Storage, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    path = document(
        tmp_path,
        customers=[
            {"external_id": "C1", "name": "Acme Ltd", "timezone": "Mars/Base", "country": "BG"}
        ],
    )
    report = run_import(storage.writer(), clock, ACTOR, [path], apply=True)
    assert not report.applied
    fields = [i.field for i in report.issues]
    assert "customers[0].timezone" in fields
    assert "customer" in fields  # the contract's customer was refused with it
    assert all(i.source.file == str(path) and i.source.line > 1 for i in report.issues)
    assert count(storage, CustomerRow) == 0
    assert count(storage, EventRow) == 0


def test_a_tickets_caller_is_named_by_address_and_a_stranger_is_refused(
    storage: Storage, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    run_import(storage.writer(), clock, ACTOR, [document(tmp_path)], apply=True)
    with storage.reader() as uow:
        ticket = uow.tickets.by_external_id("Z-1")
        assert ticket is not None
        ivan = uow.directory.contact(ticket.contact_id or 0)
    assert ivan.name == "Ivan Petrov"
    stranger = document(
        tmp_path,
        tickets=[
            {
                "external_id": "Z-9",
                "contract": "K1",
                "title": "Who?",
                "opened_at": "2026-11-23T06:30:00+00:00",
                "contact": "nobody@elsewhere.example",
            }
        ],
    )
    report = run_import(storage.writer(), clock, ACTOR, [stranger], apply=True)
    assert not report.applied
    (issue,) = report.issues
    assert "'nobody@elsewhere.example' is no contact of 'Acme Ltd'" in issue.message
    assert issue.source.line > 1
    with storage.reader() as uow:
        assert uow.tickets.by_external_id("Z-9") is None


def test_the_command_prints_the_plan_and_refuses_a_bad_file_in_lines(
    db_url: str, tmp_path: Path
) -> None:
    good = document(tmp_path)
    result = CliRunner().invoke(cli, ["import", str(good), "--db", db_url])
    assert result.exit_code == 0, result.stderr
    assert "tickets            3 created" in result.stdout
    assert "dry run: nothing written" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"customers": [{"external_id": "C9", "name": "X",\n "timezone": 5}]}')
    result = CliRunner().invoke(cli, ["import", str(bad), "--apply", "--db", db_url])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "dispatch: error: 2 issue(s) in the files: nothing was written"
    assert all(line.startswith(f"{bad}:") for line in lines[:-1]), lines


def test_an_export_reads_back_in_unchanged(db_url: str, tmp_path: Path) -> None:
    """Import, export every kind, import the export: into the same database nothing
    changes; into an empty one, everything is created."""

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, "--db", db_url])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    run("import", str(document(tmp_path)), "--apply")
    whole: dict[str, object] = {}
    for kind in ("customers", "contracts", "technicians", "tickets"):
        whole.update(json.loads(run("export", kind, "--format", "json")))
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(whole, indent=1), encoding="utf-8")
    report = json.loads(run("import", str(exported), "--json"))
    assert report["issues"] == []
    assert {k: v["created"] + v["updated"] for k, v in report["counts"].items()} == dict.fromkeys(
        report["counts"], 0
    )
    empty = tmp_path / "empty.db"
    result = CliRunner().invoke(
        cli, ["import", str(exported), "--json", "--apply", "--db", f"sqlite:///{empty}"]
    )
    assert result.exit_code == 0, result.stderr
    fresh = json.loads(result.stdout)
    assert fresh["counts"]["ticket"]["created"] == 3
    assert fresh["counts"]["customer"]["created"] == 1
    assert fresh["counts"]["contact"]["created"] == 1  # the export keeps contacts (and callers)


def test_a_zammad_report_comes_over_after_the_directory(storage: Storage, tmp_path: Path) -> None:
    """Monday morning: the directory from a JSON file, then Zammad's tickets through the
    shipped mapping (filled in as its comments say), with deadlines from their history."""
    root = Path(__file__).resolve().parents[2]
    directory = {
        "customers": [
            {"external_id": "C1", "name": "Acme Ltd", "timezone": "Europe/Sofia", "country": "BG"},
            {
                "external_id": "C2", "name": "Beta SRL", "timezone": "Europe/Bucharest",
                "country": "RO",
            },
        ],
        "contracts": [
            {
                "external_id": "K1", "customer": "C1", "name": "SUB-1", "kind": "subscription",
                "calendar": "24/7", "valid_from": "2026-01-01", "fixed_fee": "900",
                "targets": {"P2": {"response_minutes": 60, "resolution_minutes": 480}},
            },
            {
                "external_id": "K2", "customer": "C2", "name": "TM-2", "kind": "time_material",
                "valid_from": "2026-01-01", "hourly_rate": "50.00",
            },
        ],
        "technicians": [{"external_id": "E1", "login": "ana", "name": "Ana Ionescu"}],
    }  # fmt: skip
    first = tmp_path / "directory.json"
    first.write_text(json.dumps(directory, indent=1), encoding="utf-8")
    clock = FixedClock(NOW)
    assert run_import(storage.writer(), clock, ACTOR, [first], apply=True).applied
    text = (root / "assets" / "mappings" / "zammad.toml").read_text()
    text = text.replace(
        "[values.contract]\n", '[values.contract]\n"Acme Ltd" = "K1"\n"Beta SRL" = "K2"\n'
    )
    text = text.replace("[values.assignee]\n", '[values.assignee]\n"Ana Ionescu" = "ana"\n')
    mapping = tmp_path / "zammad.toml"
    mapping.write_text(text, encoding="utf-8")
    report = tmp_path / "report.csv"
    report.write_bytes((root / "tests/data/imports/foreign/zammad_report.csv").read_bytes())
    done = run_import(storage.writer(), clock, ACTOR, [report], apply=True, mapping_file=mapping)
    assert done.issues == []
    assert done.counts["created"][RecordKind.TICKET] == 3
    with storage.reader() as uow:
        vpn = uow.tickets.by_external_id("31001")
    assert vpn is not None
    assert vpn.status is TicketStatus.IN_PROGRESS
    assert vpn.assignee == "ana"
    opened = datetime.fromisoformat("2026-03-02T09:05:00+00:00")
    assert vpn.response_due == opened + timedelta(hours=1)
    assert vpn.resolution_due == opened + timedelta(hours=8)
    again = run_import(storage.writer(), clock, ACTOR, [report], apply=True, mapping_file=mapping)
    assert again.counts["unchanged"][RecordKind.TICKET] == 3


def test_a_znuny_search_export_comes_over_after_the_directory(db_url: str, tmp_path: Path) -> None:
    """The directory from CSV files, then Znuny's ticket search CSV through the shipped
    mapping (filled in as its comments say), all by the command: deadlines from the
    history the export implies, a second run changes nothing, an unmapped state is
    refused at its line and column with nothing written."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--db", db_url])

    def plan(result: Result) -> str:
        assert result.exit_code == 0, result.stderr
        return " ".join(result.stdout.splitlines()[0].split())

    root = Path(__file__).resolve().parents[2]
    directory = {
        "customers.csv": "external_id,name,timezone,country\n"
        "C1,Acme GmbH,Europe/Berlin,DE\nC2,Beta SRL,Europe/Bucharest,RO\n",
        "contracts.csv": "external_id,customer,name,kind,calendar,P1_response_minutes,"
        "P1_resolution_minutes,P3_response_minutes,P3_resolution_minutes,P4_response_minutes,"
        "P4_resolution_minutes,valid_from,fixed_fee,hourly_rate\n"
        "K1,C1,SUB-1,subscription,24/7,60,240,120,480,240,2880,2026-01-01,900,\n"
        "K2,C2,TM-2,time_material,,,,,,,,2026-01-01,,50.00\n",
        "technicians.csv": "external_id,login,name\nE1,ana,Ana Ionescu\nE2,bogdan,Bogdan Marin\n",
    }
    for name, text in directory.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = run("import", *(str(tmp_path / name) for name in directory), "--apply")
    assert done.exit_code == 0, done.stderr
    assert "written in one transaction" in done.stdout
    # The installation's OTRSTimeZone is Berlin: its times are stored and exported in it.
    text = (root / "assets" / "mappings" / "znuny.toml").read_text()
    text = text.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"')
    text = text.replace("[values.contract]\n", '[values.contract]\n"ACME" = "K1"\n"BETA" = "K2"\n')
    mapping = tmp_path / "znuny.toml"
    mapping.write_text(text, encoding="utf-8")
    export = tmp_path / "ticket_search_2026-03-04_13-10.csv"
    export.write_bytes((root / "tests/data/imports/foreign/znuny_search.csv").read_bytes())

    done = run("import", str(export), "--mapping", str(mapping), "--apply")
    assert plan(done) == "tickets 4 created 0 updated 0 unchanged"
    storage = open_storage(db_url)
    try:
        with storage.reader() as uow:
            numbers = ("2026030210000011", "2026030110000027", "2026030310000035")
            vpn, jam, reset, toner = (
                uow.tickets.by_external_id(n) for n in (*numbers, "2026030410000041")
            )
        assert vpn is not None
        assert jam is not None
        assert reset is not None
        assert toner is not None
        # "open", "5 very high", created 09:05 and first answered 09:20 in Berlin (UTC+1 in
        # March): opened 08:05 UTC, answered 08:20; P1 on K1 (24/7) is 60 min to respond and
        # 240 to resolve, nothing paused: due 09:05 and 12:05 UTC.
        assert (vpn.status, vpn.severity, vpn.assignee) == (
            TicketStatus.IN_PROGRESS,
            Severity.P1,
            "ana",
        )
        assert vpn.opened_at == datetime.fromisoformat("2026-03-02T08:05:00+00:00")
        assert vpn.first_response_at == datetime.fromisoformat("2026-03-02T08:20:00+00:00")
        assert vpn.response_due == datetime.fromisoformat("2026-03-02T09:05:00+00:00")
        assert vpn.resolution_due == datetime.fromisoformat("2026-03-02T12:05:00+00:00")
        # "closed successful" at 11:45 Berlin; K2 (time and material) promises nothing.
        assert jam.status is TicketStatus.CLOSED
        assert jam.resolved_at == datetime.fromisoformat("2026-03-01T10:45:00+00:00")
        assert (jam.response_due, jam.resolution_due) == (None, None)
        assert jam.title == 'Printer "Floor 2" jams; paper tray 3'
        # "new", "3 normal", owned by root@localhost: nobody's, due 120 min after 06:59 UTC.
        assert (reset.status, reset.severity, reset.assignee) == (
            TicketStatus.NEW,
            Severity.P3,
            None,
        )
        assert reset.response_due == datetime.fromisoformat("2026-03-03T08:59:00+00:00")
        # "pending reminder", "1 very low": waiting on the customer since its first answer
        # (09:30 UTC; the export has no time of the last change), answered in 30 of its 240
        # minutes. The pause still running is not in the stored deadline (09:00 UTC + 2 days).
        assert (toner.status, toner.severity) == (TicketStatus.WAITING_CUSTOMER, Severity.P4)
        assert toner.first_response_at == datetime.fromisoformat("2026-03-04T09:30:00+00:00")
        assert toner.response_due == datetime.fromisoformat("2026-03-04T13:00:00+00:00")
        assert toner.resolution_due == datetime.fromisoformat("2026-03-06T09:00:00+00:00")
        written = {row: count(storage, row) for row in (TicketRow, EventRow, AlertRow)}

        again = run("import", str(export), "--mapping", str(mapping), "--apply")
        assert plan(again) == "tickets 0 created 0 updated 4 unchanged"
        assert {row: count(storage, row) for row in written} == written

        # A state of their own the mapping does not know, after a new ticket that is fine.
        lines = export.read_text(encoding="utf-8").splitlines()
        fine = lines[1].replace("2026030210000011", "2026030510000059")
        bad = lines[1].replace("2026030210000011", "2026030510000067")
        bad = bad.replace('"open"', '"in progress"')
        wrong = tmp_path / "ticket_search_2026-03-05.csv"
        wrong.write_text("\n".join([*lines, fine, bad]) + "\n", encoding="utf-8")
        refused = run("import", str(wrong), "--mapping", str(mapping), "--apply")
        assert refused.exit_code == 1
        assert refused.stderr.strip().splitlines() == [
            f"{wrong}:7:7: State: no mapping for this status value (add it to [values.status]) "
            "('in progress')",
            "dispatch: error: 1 issue(s) in the files: nothing was written",
        ]
        assert {row: count(storage, row) for row in written} == written
        with storage.reader() as uow:
            assert uow.tickets.by_external_id("2026030510000059") is None
    finally:
        storage.dispose()
