"""Reading import files: records, and every error with its file, line and column."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest

from dispatch.domain.model import BlockPeriod, ContractKind, Severity, TicketStatus
from dispatch.domain.records import (
    CalendarRecord,
    ContactRecord,
    ContractRecord,
    CustomerRecord,
    Record,
    RecordKind,
    TechnicianRecord,
    TicketRecord,
)
from dispatch.services.imports import ImportReader, check_references, load_mapping
from dispatch.services.imports.csvfile import COLUMNS

DATA = Path(__file__).parent.parent / "data" / "imports"
ASSETS = Path(__file__).parent.parent.parent / "assets" / "mappings"
CSV_ORDER = ("customers", "contacts", "calendars", "contracts", "technicians", "tickets")


def read(*paths: Path, **options: object) -> tuple[list[Record], list[str], ImportReader]:
    reader = ImportReader()
    records: list[Record] = []
    for path in paths:
        records += reader.read(path, **options)  # type: ignore[arg-type]
    reader.finish()
    return records, [issue.line() for issue in reader.issues], reader


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


R = TypeVar("R")


def only(records: Iterable[Record], kind: type[R]) -> list[R]:
    return [r for r in records if isinstance(r, kind)]


# --- good files -------------------------------------------------------------------


def test_json_document_yields_every_kind_in_applying_order() -> None:
    records, issues, reader = read(DATA / "good.json")
    assert issues == []
    kinds = [type(r).__name__ for r in records]
    assert kinds[:3] == ["CustomerRecord", "ContactRecord", "CustomerRecord"]
    assert (
        kinds.index("CalendarRecord")
        < kinds.index("ContractRecord")
        < kinds.index("TechnicianRecord")
    )
    assert kinds[-3:] == ["TicketRecord"] * 3
    assert reader.summary.counts == {
        RecordKind.CUSTOMER: 2,
        RecordKind.CONTACT: 1,
        RecordKind.CALENDAR: 1,
        RecordKind.CONTRACT: 6,
        RecordKind.TECHNICIAN: 2,
        RecordKind.TICKET: 3,
    }


def test_json_contract_terms_per_kind_are_decimals() -> None:
    records, _, _ = read(DATA / "good.json")
    contracts = {r.external_id: r for r in only(records, ContractRecord)}
    sub = contracts["K1"]
    assert isinstance(sub, ContractRecord)
    assert sub.kind is ContractKind.SUBSCRIPTION
    assert sub.terms.fixed_fee == Decimal("1200.00")
    assert sub.terms.included_hours == Decimal(10)
    assert sub.terms.overage_rate == Decimal("65.50")
    assert sub.targets[Severity.P1].response.total_seconds() == 120 * 60
    assert sub.calendar == "24/7"
    block = contracts["K2"]
    assert isinstance(block, ContractRecord)
    assert (block.terms.prepaid_hours, block.terms.period) == (Decimal(40), BlockPeriod.MONTH)
    assert block.calendar == "sofia-office"
    managed = contracts["K6"]
    assert isinstance(managed, ContractRecord)
    assert not isinstance(managed.calendar, str)
    assert managed.calendar is not None
    assert managed.calendar.always_open
    assert contracts["K5"].terms.incident_price == Decimal("300.00")
    assert contracts["K4"].terms.job_price == Decimal(150)


def test_json_ticket_status_is_the_last_of_its_history() -> None:
    records, _, _ = read(DATA / "good.json")
    tickets = {t.external_id: t for t in only(records, TicketRecord)}
    vpn = tickets["Z-4711"]
    assert isinstance(vpn, TicketRecord)
    assert vpn.status is TicketStatus.RESOLVED
    assert vpn.opened_at == datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    assert vpn.first_response_at == datetime(2026, 3, 2, 7, 20, tzinfo=UTC)
    assert vpn.history[0].assignee == "ana"
    assert vpn.history[2].note == "asked for logs"
    assert tickets["Z-4712"].status is TicketStatus.NEW
    crash = tickets["Z-4713"]
    assert isinstance(crash, TicketRecord)
    assert crash.status is TicketStatus.ESCALATED_DEV
    assert crash.bug_ref is None  # an imported escalation may have none
    assert crash.first_response_at == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)


def test_records_carry_their_source_position() -> None:
    records, _, _ = read(DATA / "good.json")
    first_ticket = only(records, TicketRecord)[0]
    assert str(first_ticket.source) == f"{DATA / 'good.json'}:38:5"
    assert (first_ticket.history[1].source.line, first_ticket.history[1].source.column) == (42, 18)


def test_a_reference_outside_the_file_is_left_for_the_database() -> None:
    _, issues, reader = read(DATA / "good.json")
    assert issues == []
    [ref] = reader.summary.unresolved
    assert (ref.kind, ref.key, ref.field, ref.source.line) == (
        RecordKind.CONTRACT,
        "K-OLD",
        "tickets[2].contract",
        47,
    )
    assert check_references(reader.summary.unresolved, lambda kind, keys: keys) == []
    [missing] = check_references(reader.summary.unresolved, lambda kind, keys: ())
    assert missing.line() == (
        f"{DATA / 'good.json'}:47:43: tickets[2].contract: no contract with this id in the "
        "files or the database ('K-OLD')"
    )


def test_csv_files_of_every_kind() -> None:
    records, issues, reader = read(*(DATA / "csv" / f"{name}.csv" for name in CSV_ORDER))
    assert issues == []
    assert reader.summary.unresolved == []
    customers = only(records, CustomerRecord)
    assert [c.address for c in customers] == ["1 Vitosha Blvd\nSofia", ""]
    assert [c.source.line for c in customers] == [2, 4]  # the quoted address spans lines 2-3
    [contact] = only(records, ContactRecord)
    assert contact.email == ("ivan@acme.example", "it@acme.example")
    [calendar] = only(records, CalendarRecord)
    assert isinstance(calendar, CalendarRecord)
    assert len(calendar.calendar.hours[0]) == 2
    assert len(calendar.calendar.holidays) == 2
    contracts = only(records, ContractRecord)
    assert [c.kind for c in contracts] == [
        ContractKind.SUBSCRIPTION,
        ContractKind.BLOCK_HOURS,
        ContractKind.TIME_MATERIAL,
    ]
    assert contracts[0].targets[Severity.P2].resolution.total_seconds() == 960 * 60
    techs = only(records, TechnicianRecord)
    assert techs[0].skills == frozenset({"network", "printers"})
    assert techs[0].onsite_capable
    assert not techs[1].onsite_capable


def test_csv_ticket_history_rows_follow_their_ticket() -> None:
    records, issues, _ = read(*(DATA / "csv" / f"{name}.csv" for name in CSV_ORDER))
    assert issues == []
    vpn, jam, crash = only(records, TicketRecord)
    assert isinstance(vpn, TicketRecord)
    assert vpn.description == "Since 9:00\nnothing works"
    assert vpn.status is TicketStatus.RESOLVED
    # Row 1 starts on line 2, its description runs to line 3; the notes span 5-6.
    assert [e.source.line for e in vpn.history] == [3, 4, 5, 7]
    assert vpn.history[2].note == "asked for logs;\nsent twice"
    assert jam.status is TicketStatus.NEW
    assert jam.source.line == 8
    assert crash.bug_ref == "BUG-77"


def test_json_lines_are_read_one_at_a_time(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "data.jsonl",
        '{"record": "customer", "external_id": "C1", "name": "A", "timezone": "UTC", '
        '"country": "BG"}\n'
        "\n"
        '{"record": "contract", "external_id": "K1", "customer": "C1", "name": "T", '
        '"kind": "time_material", "hourly_rate": "50"}\n'
        '{"record": "ticket", "external_id": "T1", "contract": "K1", "title": "x", '
        '"opened_at": "2026-01-01T10:00:00"}\n',
    )
    reader = ImportReader()
    records = reader.read(path)
    first = next(records)
    assert isinstance(first, CustomerRecord)
    assert reader.issues == []  # the bad last line has not been read yet
    rest = list(records)
    assert [type(r).__name__ for r in rest] == ["ContractRecord"]
    assert [i.line() for i in reader.issues] == [
        f"{path}:4:88: opened_at: has no UTC offset (write e.g. 2026-03-01T09:30:00+02:00) "
        "('2026-01-01T10:00:00')"
    ]


# --- errors in JSON ---------------------------------------------------------------

BAD_JSON = """{
  "customers": [{"external_id": "C1", "name": "A", "timezone": "Mars/Olympus",
                 "country": "BG", "adress": "typo"}],
  "contracts": [
    {"external_id": "K1", "customer": "C1", "name": "T", "kind": "time_material",
     "hourly_rate": 55.5, "targets": {"P1": {"response_minutes": 60, "resolution_minutes": 120}}},
    {"external_id": "K2", "customer": "C1", "name": "B", "kind": "block_hours",
     "prepaid_hours": "10", "fixed_fee": "100"},
    {"external_id": "K3", "customer": "C1", "name": "S", "kind": "retainer"}
  ],
  "tickets": [
    {"external_id": "T1", "contract": "K1", "title": "ok", "opened_at": "2026-03-01T10:00:00Z"},
    {"external_id": "T2", "contract": "K1", "title": "bad", "severity": "P9",
     "opened_at": "2026-03-01T10:00:00+02:00",
     "history": [{"at": "2026-03-01T10:05:00+02:00", "status": "in_progress"},
                 {"at": "2026-03-01 11:00", "status": "done"}]}
  ]
}
"""


def test_every_json_error_is_reported_with_path_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", BAD_JSON)
    records, issues, _ = read(path)
    assert [type(r).__name__ for r in records] == ["TicketRecord"]
    assert issues == [
        f"{path}:2:64: customers[0].timezone: is not a known IANA time zone ('Mars/Olympus')",
        f"{path}:3:35: customers[0].adress: unknown key",
        f"{path}:6:21: contracts[0].hourly_rate: must be a decimal number string "
        '(write it as a string, e.g. "120.50") (55.5)',
        f"{path}:6:38: contracts[0].targets: a time and material contract cannot promise "
        "reaction times",
        f"{path}:7:5: contracts[1].period: missing: a block hours contract needs period",
        f"{path}:8:42: contracts[1].fixed_fee: is not a term of a block hours contract ('100')",
        f"{path}:9:66: contracts[2].kind: must be one of subscription, managed, block_hours, "
        "time_material, per_job, ad_hoc ('retainer')",
        f"{path}:13:73: tickets[1].severity: must be one of P1, P2, P3, P4 ('P9')",
        f"{path}:16:25: tickets[1].history[1].at: has no UTC offset "
        "(write e.g. 2026-03-01T09:30:00+02:00) ('2026-03-01 11:00')",
        f"{path}:16:55: tickets[1].history[1].status: must be one of new, assigned, in_progress, "
        "waiting_customer, escalated_dev, resolved, closed ('done')",
    ]


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{"customers": [\n  {"name": "A",}\n]}')
    _, issues, _ = read(path)
    assert issues == [
        f"{path}:2:16: document: not valid JSON: Expecting property name enclosed in double quotes"
    ]


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.json", '{"tickets": [],\n "tickets": []}')
    _, issues, _ = read(path)
    assert issues == [f"{path}:2:2: document: not valid JSON: key 'tickets' given twice"]


def test_history_out_of_order_and_before_opening(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "order.json",
        '{"tickets": [{"external_id": "T", "contract": "K", "title": "t",\n'
        ' "opened_at": "2026-03-01T10:00:00Z", "history": [\n'
        '  {"at": "2026-03-01T09:00:00Z", "status": "in_progress"},\n'
        '  {"at": "2026-03-01T12:00:00Z", "status": "waiting_customer"},\n'
        '  {"at": "2026-03-01T11:00:00Z", "status": "resolved"},\n'
        '  {"at": "2026-03-01T13:00:00Z"}]}]}',
    )
    _, issues, _ = read(path)
    assert issues == [
        f"{path}:3:10: tickets[0].history[0].at: is before opened_at ('2026-03-01T09:00:00Z')",
        f"{path}:5:10: tickets[0].history[2].at: is before the entry before it "
        "('2026-03-01T11:00:00Z')",
        f"{path}:6:3: tickets[0].history[3]: changes nothing: give a status, an assignee or "
        "first_response",
    ]


def test_subscription_needs_targets_and_included_hours_need_an_overage_rate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sub.json",
        '{"contracts": [{"external_id": "K", "customer": "C", "name": "S",\n'
        '  "kind": "subscription", "fixed_fee": "10.005", "included_hours": "5"}]}',
    )
    _, issues, _ = read(path)
    assert issues == [
        f"{path}:1:16: contracts[0].overage_rate: missing: included hours need a rate for the "
        "hours beyond them",
        f"{path}:2:40: contracts[0].fixed_fee: has more than 2 decimal places ('10.005')",
    ]


def test_duplicate_external_ids_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dup.json",
        '{"technicians": [{"external_id": "E1", "login": "ana", "name": "A"},\n'
        '                 {"external_id": "E2", "login": "ana", "name": "B"}]}',
    )
    records, issues, _ = read(path)
    assert len(records) == 1
    assert issues == [
        f"{path}:2:49: technicians[1].login: defined twice (first at {path}:1:49) ('ana')"
    ]


# --- errors in CSV ----------------------------------------------------------------


def test_csv_error_after_a_quoted_multiline_field_names_the_physical_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        "external_id,contract,title,description,opened_at,severity\n"
        'T1,K1,ok,"line one\nline two\nline three",2026-03-01T10:00:00+02:00,P2\n'
        'T2,K1,bad,"a\r\nb",2026-03-01T10:00:00,P7\n',
    )
    records, issues, _ = read(path)
    assert [r.source.line for r in records] == [2]
    assert issues == [
        f"{path}:6:5: opened_at: has no UTC offset (write e.g. 2026-03-01T09:30:00+02:00) "
        "('2026-03-01T10:00:00')",
        f"{path}:6:6: severity: must be one of P1, P2, P3, P4 ('P7')",
    ]


def test_csv_with_a_bom_reads_its_first_header(tmp_path: Path) -> None:
    path = write(tmp_path, "technicians.csv", "\ufeffexternal_id,login,name\nE1,ana,Ana\n")
    records, issues, _ = read(path)
    assert issues == []
    assert [r.external_id for r in only(records, TechnicianRecord)] == ["E1"]


def test_latin1_csv_with_the_encoding_argument(tmp_path: Path) -> None:
    text = "external_id,name,timezone,country,address\nC1,Müller GmbH,Europe/Berlin,DE,Straße 1\n"
    path = write(tmp_path, "customers.csv", text, encoding="latin-1")
    records, issues, _ = read(path, encoding="latin-1")
    assert issues == []
    assert [r.name for r in only(records, CustomerRecord)] == ["Müller GmbH"]
    _, issues, _ = read(path)
    assert issues == [f"{path}:2:1: file: not utf-8 text (byte 0xfc); name the file's encoding"]
    # The bad byte sits on line 20, well past the first chunk a text stream decodes.
    rows = "".join(f"C{n},Name {n},Europe/Berlin,DE,\n" for n in range(1, 19))
    (tmp_path / "late").mkdir()
    late = write(
        tmp_path,
        "late/customers.csv",
        f"external_id,name,timezone,country,address\n{rows}" + text.splitlines()[1] + "\n",
        encoding="latin-1",
    )
    records, issues, _ = read(late)
    assert len(records) == 18
    assert issues == [f"{late}:20:1: file: not utf-8 text (byte 0xfc); name the file's encoding"]


def test_unknown_and_missing_csv_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "contracts.csv", "external_id,customer,name,knd\nK1,C1,N,per_job\n")
    records, issues, _ = read(path)
    assert records == []
    assert issues == [
        f"{path}:1:1: kind: missing column",
        f"{path}:1:4: knd: unknown column",
    ]


def test_csv_errors_are_all_reported_with_their_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "contracts.csv",
        "external_id,customer,name,kind,P1_response_minutes,P1_resolution_minutes,hourly_rate,fixed_fee\n"
        "K1,C1,S,subscription,60,30,,100\n"
        "K2,C1,T,time_material,,,abc,\n",
    )
    _, issues, _ = read(path)
    assert issues == [
        f"{path}:2:6: P1_resolution_minutes: is shorter than the response target ('30')",
        f"{path}:3:7: hourly_rate: is not a decimal number ('abc')",
    ]


def test_a_ticket_history_row_may_not_change_the_ticket(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        "external_id,contract,title,opened_at,history_at,history_status\n"
        "T1,K1,t,2026-03-01T10:00:00Z,2026-03-01T10:10:00Z,in_progress\n"
        "T1,K2,,,2026-03-01T11:00:00Z,resolved\n",
    )
    _, issues, _ = read(path)
    assert issues == [
        f"{path}:3:2: contract: differs from the ticket's first row (line 2); leave it empty on "
        "its history rows ('K2')"
    ]


def test_every_documented_csv_header_is_known() -> None:
    for name in CSV_ORDER:
        header = (DATA / "csv" / f"{name}.csv").read_text().splitlines()[0].split(",")
        assert set(header) <= set(COLUMNS[RecordKind(name.removesuffix("s"))])


# --- foreign exports --------------------------------------------------------------


def mapping_with(tmp_path: Path, name: str, extra: dict[str, str]) -> Path:
    text = (ASSETS / f"{name}.toml").read_text()
    for table, lines in extra.items():
        text = text.replace(f"[{table}]\n", f"[{table}]\n{lines}\n", 1)
    return write(tmp_path, f"{name}.toml", text)


def test_zammad_report_through_the_shipped_mapping(tmp_path: Path) -> None:
    mapping = mapping_with(
        tmp_path,
        "zammad",
        {
            "values.contract": '"Acme Ltd" = "K1"\n"Beta SRL" = "K2"',
            "values.assignee": '"Ana Ionescu" = "ana"',
        },
    )
    records, issues, reader = read(DATA / "foreign" / "zammad_report.csv", mapping_file=mapping)
    assert issues == []
    vpn, jam, reset = records
    assert isinstance(vpn, TicketRecord)
    assert isinstance(jam, TicketRecord)
    assert (vpn.external_id, vpn.contract, vpn.severity, vpn.assignee) == (
        "31001",
        "K1",
        Severity.P2,
        "ana",
    )
    assert vpn.status is TicketStatus.IN_PROGRESS
    assert vpn.opened_at == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)  # the mapping says UTC
    assert vpn.first_response_at == datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    assert jam.title == 'Printer "Floor 2" jams\nevery morning'
    assert jam.status is TicketStatus.CLOSED
    assert jam.assignee is None
    assert jam.history[-1].at == datetime(2026, 3, 1, 11, 45, tzinfo=UTC)
    assert isinstance(reset, TicketRecord)
    assert reset.status is TicketStatus.NEW
    assert {ref.key for ref in reader.summary.unresolved} == {"K1", "K2", "ana"}


def test_znuny_search_export_through_the_shipped_mapping(tmp_path: Path) -> None:
    mapping = mapping_with(tmp_path, "znuny", {"values.contract": '"ACME" = "K1"\n"BETA" = "K2"'})
    text = (ASSETS / "znuny.toml").read_text()
    assert 'timezone = "UTC"' in text
    mapping.write_text(mapping.read_text().replace('timezone = "UTC"', 'timezone = "Europe/Sofia"'))
    records, issues, reader = read(DATA / "foreign" / "znuny_search.csv", mapping_file=mapping)
    assert issues == []
    vpn, jam, reset, toner = records
    assert isinstance(vpn, TicketRecord)
    assert isinstance(jam, TicketRecord)
    assert isinstance(reset, TicketRecord)
    assert isinstance(toner, TicketRecord)
    assert (vpn.external_id, vpn.severity, vpn.assignee, vpn.title) == (
        "2026030210000011",
        Severity.P1,
        "ana",
        "VPN down at HQ",
    )
    assert vpn.opened_at == datetime(2026, 3, 2, 7, 5, tzinfo=UTC)  # Sofia is UTC+2 in March
    assert jam.status is TicketStatus.CLOSED
    assert jam.history[-1].at == datetime(2026, 3, 1, 9, 45, tzinfo=UTC)
    assert jam.title == 'Printer "Floor 2" jams; paper tray 3'
    # root@localhost owns what no agent has taken: nobody; other owners are logins.
    assert (reset.status, reset.severity, reset.assignee) == (TicketStatus.NEW, Severity.P3, None)
    assert (toner.status, toner.severity, toner.assignee) == (
        TicketStatus.WAITING_CUSTOMER,
        Severity.P4,
        "ana",
    )
    assert {ref.key for ref in reader.summary.unresolved} == {"K1", "K2", "ana", "bogdan"}


def test_a_foreign_value_without_a_translation_is_refused(tmp_path: Path) -> None:
    mapping = mapping_with(tmp_path, "zammad", {"values.contract": '"Acme Ltd" = "K1"'})
    _, issues, _ = read(DATA / "foreign" / "zammad_report.csv", mapping_file=mapping)
    path = DATA / "foreign" / "zammad_report.csv"
    assert issues == [
        f"{path}:2:6: Owner: no mapping for this assignee value (add it to [values.assignee]) "
        "('Ana Ionescu')",
        # 31002's title spans lines 3-4: its organisation sits on line 4.
        f"{path}:4:8: Organization: no mapping for this contract value (add it to "
        "[values.contract]) ('Beta SRL')",
        f"{path}:5:8: Organization: no mapping for this contract value (add it to "
        "[values.contract]) ('Beta SRL')",
    ]


def test_a_status_that_is_none_of_ours_is_refused_once(tmp_path: Path) -> None:
    """A mapping without [values.status] takes their states as ours: a wrong one is one
    issue (it used to come twice, once more from the history entry made of it)."""
    mapping = write(
        tmp_path,
        "m.toml",
        '[columns]\nexternal_id = "N"\ntitle = "S"\nopened_at = "C"\nstatus = "State"\n\n'
        '[defaults]\ncontract = "K1"\n',
    )
    path = write(
        tmp_path,
        "t.csv",
        "N,S,C,State\n1,a,2026-03-01T10:00:00Z,in_progress\n2,b,2026-03-01T10:00:00Z,pending\n",
    )
    records, issues, _ = read(path, mapping_file=mapping)
    assert issues == [
        f"{path}:3:4: State: must be one of new, assigned, in_progress, waiting_customer, "
        "escalated_dev, resolved, closed ('pending')"
    ]
    assert [r.external_id for r in records if isinstance(r, TicketRecord)] == ["1"]


def test_a_star_line_takes_the_values_a_table_does_not_name(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        '[source]\ndelimiter = ";"\n\n[columns]\nexternal_id = "N"\ntitle = "S"\n'
        'opened_at = "C"\nstatus = "State"\nassignee = "Owner"\nseverity = "P"\n\n'
        '[values.assignee]\n"root@localhost" = ""\n"*" = "*"\n\n'
        '[values.status]\n"open" = "in_progress"\n"*" = "*"\n\n'
        '[values.severity]\n"5 very high" = "P1"\n"*" = "P3"\n\n'
        '[defaults]\ncontract = "K1"\n',
    )
    path = write(
        tmp_path,
        "t.csv",
        "N;S;C;State;Owner;P\n"
        "1;a;2026-03-01T10:00:00Z;open;Ana.I;5 very high\n"
        "2;b;2026-03-01T10:00:00Z;new;root@localhost;2 low\n"
        "3;c;2026-03-01T10:00:00Z;pending;ana;3 normal\n",
    )
    records, issues, _ = read(path, mapping_file=mapping)
    # "*" = "*" passes a value on as it is, to be checked as ours; "*" = "P3" replaces it.
    assert issues == [
        f"{path}:4:4: State: must be one of new, assigned, in_progress, waiting_customer, "
        "escalated_dev, resolved, closed ('pending')"
    ]
    first, second = records
    assert isinstance(first, TicketRecord)
    assert isinstance(second, TicketRecord)
    assert (first.assignee, first.status, first.severity) == (
        "Ana.I",
        TicketStatus.IN_PROGRESS,
        Severity.P1,
    )
    assert (second.assignee, second.status, second.severity) == (
        None,
        TicketStatus.NEW,
        Severity.P3,
    )


def test_a_bad_mapping_file_reports_all_its_errors(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        '[source]\ntimezone = "Nowhere/Land"\n\n[columns]\ntitle = "Subject"\nprio = "P"\n\n'
        '[values.status]\n"open" = "opened"\n',
    )
    _, issues, _ = read(tmp_path / "x.csv", mapping_file=mapping)
    assert issues == [
        f"{mapping}:2:1: source.timezone: is not a known IANA time zone ('Nowhere/Land')",
        f"{mapping}:4:1: columns.external_id: missing: every ticket needs it",
        f"{mapping}:4:1: columns.opened_at: missing: every ticket needs it",
        f"{mapping}:4:1: columns.contract: missing: map a column to contracts or set "
        "defaults.contract",
        f"{mapping}:6:1: columns.prio: is not a field a mapping can fill",
        f"{mapping}:9:1: values.status.open: is not a status of ours ('opened')",
    ]


@pytest.mark.parametrize("name", ["zammad", "znuny"])
def test_shipped_mappings_load(name: str) -> None:
    mapping, issues = load_mapping((ASSETS / f"{name}.toml").read_text(), name)
    assert issues == []
    assert mapping is not None
    assert "external_id" in mapping.columns


def test_json_lines_of_every_kind_and_their_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.ndjson",
        '{"record": "customer", "external_id": "C1", "name": "A", "timezone": "UTC", '
        '"country": "BG", "contacts": [{"name": "Ion", "email": ["ion"]}]}\n'
        '{"record": "contact", "customer": "C1", "name": "Eva", "phone": ["+40 1"]}\n'
        '{"record": "calendar", "name": "office", "timezone": "UTC", '
        '"hours": {"mon": [["09:00", "17:00"]]}}\n'
        '{"record": "technician", "external_id": "E1", "login": "ana", "name": "Ana", '
        '"max_tickets": 0}\n'
        '{"record": "tikcet", "external_id": "T1"}\n'
        '{"record": "contact", "customer": "C1", "name": "Eva", "name": "Eve"}\n',
    )
    records, issues, _ = read(path)
    # The customer is valid, its contact is not: the customer is kept, once.
    assert [type(r).__name__ for r in records] == [
        "CustomerRecord",
        "ContactRecord",
        "CalendarRecord",
    ]
    assert issues == [
        f"{path}:1:132: contacts[0].email: is not an e-mail address ('ion')",
        f"{path}:4:93: max_tickets: must be at least 1 (0)",
        f"{path}:5:12: record: must be one of customer, contact, calendar, contract, technician, "
        "ticket ('tikcet')",
        f"{path}:6:56: line: not valid JSON: key 'name' given twice",
    ]


def readme_block(heading: str, fence: str) -> str:
    text = (Path(__file__).parent.parent.parent / "README.md").read_text()
    section = text[text.index(f"### {heading}\n") :]
    start = section.index(f"```{fence}\n") + len(fence) + 4
    return section[start : section.index("```", start)]


def test_the_readme_examples_read_without_issues(tmp_path: Path) -> None:
    document = write(tmp_path, "doc.json", readme_block("JSON document", "json"))
    lines = write(tmp_path, "lines.jsonl", readme_block("JSON Lines", ""))
    tickets = write(tmp_path, "tickets.csv", readme_block("CSV", ""))
    mapping = write(
        tmp_path,
        "m.toml",
        readme_block("Mapping files (tickets from Zammad, Znuny/OTRS and others)", "toml"),
    )
    for path in (document, lines, tickets):
        records, issues, _ = read(path)
        assert issues == []
        assert records
    _, issues, _ = read(tmp_path / "none.csv", mapping_file=mapping)
    assert issues == [f"{tmp_path / 'none.csv'}:1:1: file: cannot read: No such file or directory"]


def test_broken_csv_and_unknown_files(tmp_path: Path) -> None:
    unterminated = write(
        tmp_path, "technicians.csv", 'external_id,login,name\nE1,ana,"Ana\nIonescu\n'
    )
    wide = write(tmp_path, "contacts.csv", "customer,name\nC1,Ion,extra\nC1,Eva\n")
    unnamed = write(tmp_path, "people.csv", "a\n")
    other = write(tmp_path, "data.xml", "<x/>")
    records, issues, _ = read(unterminated, wide, unnamed, other)
    assert [type(r).__name__ for r in records] == ["ContactRecord"]
    assert issues == [
        f"{unterminated}:2:1: file: malformed CSV: unexpected end of data",
        f"{wide}:2:3: row: 3 fields, the header has 2 ('extra')",
        f"{unnamed}:1:1: file: cannot tell the kind of a CSV file from its name (name it "
        "customers.csv, contacts.csv, calendars.csv, contracts.csv, technicians.csv, tickets.csv)",
        f"{other}:1:1: file: not a .json, .jsonl, .ndjson or .csv file",
    ]


def test_inline_calendar_keys_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cal.json",
        '{"contracts": [{"external_id": "K", "customer": "C", "name": "M", "kind": "managed",\n'
        ' "fixed_fee": "1", "targets": {"P1": {"response_minutes": 30, '
        '"resolution_minutes": 60}},\n'
        ' "calendar": {"always_open": true, "timezon": "UTC"}}]}',
    )
    _, issues, _ = read(path)
    assert issues == [f"{path}:3:36: contracts[0].calendar.timezon: unknown key"]


def test_unresolved_technicians_and_calendars_go_to_the_resolver(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "refs.json",
        '{"contracts": [{"external_id": "K", "customer": "C", "name": "B", "kind": "block_hours",\n'
        ' "prepaid_hours": "5", "period": "year", "calendar": "night-shift",\n'
        ' "targets": {"P2": {"response_minutes": 60, "resolution_minutes": 600}}}],\n'
        ' "tickets": [{"external_id": "T", "contract": "K", "title": "t", "assignee": "zoe",\n'
        '  "opened_at": "2026-01-01T00:00:00Z", "history": [\n'
        '   {"at": "2026-01-01T01:00:00Z", "assignee": "zoe"}]}]}',
    )
    _, issues, reader = read(path)
    assert issues == []
    asked: dict[RecordKind, frozenset[str]] = {}

    def resolve(kind: RecordKind, keys: frozenset[str]) -> frozenset[str]:
        asked[kind] = keys
        return keys if kind is RecordKind.CUSTOMER else frozenset()

    found = [issue.line() for issue in check_references(reader.summary.unresolved, resolve)]
    assert asked == {
        RecordKind.CUSTOMER: frozenset({"C"}),
        RecordKind.CALENDAR: frozenset({"night-shift"}),
        RecordKind.TECHNICIAN: frozenset({"zoe"}),
    }
    assert found == [
        f"{path}:2:54: contracts[0].calendar: no calendar with this id in the files or the "
        "database ('night-shift')",
        f"{path}:4:78: tickets[0].assignee: no technician (login) with this id in the files or "
        "the database (and 1 more references) ('zoe')",
    ]


def test_an_issue_line_is_safe_for_a_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, "esc.json", '{"tickets": [], "\\u001b]0;owned\\u0007": 1}')
    _, issues, _ = read(path)
    assert issues == [f"{path}:1:17: \u241b]0;owned\u2407: unknown key"]


def test_a_json_document_over_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch.services.imports import jsonfile

    monkeypatch.setattr(jsonfile, "MAX_DOCUMENT_BYTES", 20)
    small = write(tmp_path, "small.json", '{"tickets": []}')
    large = write(tmp_path, "large.json", '{"tickets": [], "customers": []}')
    _, issues, _ = read(small, large)
    assert issues == [f"{large}:1:1: document: larger than 20 bytes: write JSON Lines instead"]


def test_applying_order_puts_csv_kinds_first_in_dependency_order() -> None:
    from dispatch.services.imports import applying_order

    given = [Path(f"x/{n}.csv") for n in reversed(CSV_ORDER)] + [Path("a.json")]
    assert applying_order(given) == [Path(f"x/{n}.csv") for n in CSV_ORDER] + [Path("a.json")]


def test_json_with_bom_and_crlf_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bom.json",
        '\ufeff{"technicians": [\r\n {"external_id": "E1", "login": "ana", "name": "Ana"},\r\n'
        ' {"external_id": "E2", "login": "bo b", "name": "Bob"}]}\r\n',
    )
    records, issues, _ = read(path)
    assert [r.source.line for r in records] == [2]
    assert issues == [f"{path}:3:33: technicians[1].login: must not contain spaces ('bo b')"]
