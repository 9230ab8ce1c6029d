"""CSV import files: one file per kind, streamed a row at a time.

The headers of each kind are ``COLUMNS``; README "Import file formats" lists
them. A quoted field may span lines, so the reader counts the physical lines
the CSV parser consumes and every error names the line the field starts on and
the field's number in its row.

Tickets carry their history in the same file: one row per history entry, the
rows of one ticket one after another (``history_*`` columns); the ticket's own
columns are filled on its first row and left empty (or repeated) on the others.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dispatch.domain.calendar import WEEKDAYS
from dispatch.domain.model import Severity
from dispatch.domain.records import TERM_FIELDS, ImportIssue, Record, RecordKind, Source
from dispatch.services.imports import build
from dispatch.services.imports.decode import DecodedLines, DecodeError
from dispatch.services.imports.fields import LIST_SEPARATOR, Fields, Path

_TARGET_COLUMNS = tuple(f"{sev.value}_{key}" for sev in Severity for key in build.TARGET_KEYS)
HISTORY_COLUMNS = tuple(f"history_{key}" for key in build.HISTORY_KEYS)

COLUMNS: Mapping[RecordKind, tuple[str, ...]] = {
    RecordKind.CUSTOMER: tuple(k for k in build.CUSTOMER_KEYS if k != "contacts"),
    RecordKind.CONTACT: ("customer", *build.CONTACT_KEYS),
    RecordKind.CALENDAR: (
        "name",
        "timezone",
        "country",
        "subdiv",
        "always_open",
        *WEEKDAYS,
        "holidays",
        "open_dates",
        "end_convention",
    ),
    RecordKind.CONTRACT: (
        "external_id",
        "customer",
        "name",
        "kind",
        "calendar",
        "warning_share",
        *_TARGET_COLUMNS,
        "valid_from",
        "valid_to",
        "currency",
        *TERM_FIELDS,
        "precedence",
        "first_response",
    ),
    RecordKind.TECHNICIAN: build.TECHNICIAN_KEYS,
    RecordKind.TICKET: (*(k for k in build.TICKET_KEYS if k != "history"), *HISTORY_COLUMNS),
}
"""The CSV header of each kind (column order is free)."""

REQUIRED_COLUMNS: Mapping[RecordKind, frozenset[str]] = {
    RecordKind.CUSTOMER: frozenset({"external_id", "name", "timezone", "country"}),
    RecordKind.CONTACT: frozenset({"customer", "name"}),
    RecordKind.CALENDAR: frozenset({"name"}),
    RecordKind.CONTRACT: frozenset({"external_id", "customer", "name", "kind"}),
    RecordKind.TECHNICIAN: frozenset({"external_id", "login", "name"}),
    RecordKind.TICKET: frozenset({"external_id", "contract", "title", "opened_at"}),
}
"""Columns a file of each kind must have (the others may be left out)."""

FILE_KINDS: Mapping[str, RecordKind] = {
    "customers": RecordKind.CUSTOMER,
    "contacts": RecordKind.CONTACT,
    "calendars": RecordKind.CALENDAR,
    "contracts": RecordKind.CONTRACT,
    "technicians": RecordKind.TECHNICIAN,
    "tickets": RecordKind.TICKET,
}
"""A CSV file's kind by its name without suffix (``tickets.csv``)."""

Accept = Callable[[Record, "CsvWhere"], Record | None]


def newlines(text: str) -> int:
    r"""How many line breaks ``text`` holds (``\r\n``, ``\n`` and ``\r`` count one each)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV row with the places of its cells.

    Attributes:
        values: Cell text by column name.
        line: The physical line the row starts on.
        cell_lines: The line each cell starts on, by column name.
        columns: Each column's number (from 1), by name.
    """

    values: Mapping[str, str]
    line: int
    cell_lines: Mapping[str, int]
    columns: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class CsvWhere:
    """Places of one record's parts: its rows and a path-to-column map.

    Attributes:
        file: The file's name.
        rows: The record's rows (more than one only for a ticket's history).
        column_of: Maps a path within the record to ``(row index, column name)``.
        label: How an error names the record itself.
    """

    file: str
    rows: Sequence[Row]
    column_of: Callable[[Path], tuple[int, str] | None]
    label: str

    def source(self, path: Path) -> Source:
        """Where the cell holding ``path`` starts."""
        found = self.column_of(path)
        if found is None or found[1] not in self.rows[found[0]].columns:
            return Source(self.file, self.rows[0].line, 1)
        row = self.rows[found[0]]
        return Source(self.file, row.cell_lines[found[1]], row.columns[found[1]])

    def key_source(self, path: Path) -> Source:
        """Same as ``source``: a CSV key is its column."""
        return self.source(path)

    def name(self, path: Path) -> str:
        """The column's name."""
        found = self.column_of(path)
        return found[1] if found is not None else self.label


def rows(
    stream: DecodedLines,
    file: str,
    issues: list[ImportIssue],
    allowed: Sequence[str] | None,
    required: frozenset[str],
    *,
    delimiter: str = ",",
) -> Iterator[Row]:
    """Yield the rows of a CSV stream with their positions, after checking its header.

    Unknown (unless ``allowed`` is ``None``) or repeated columns are issues; a
    missing required column stops the file (every row would report it).
    """
    counter = stream  # counts the physical lines the CSV parser has taken
    reader = csv.reader(counter, strict=True, delimiter=delimiter)
    try:
        header = next(reader, None)
    except (csv.Error, DecodeError) as exc:
        issues.append(_broken(file, counter.lines + 1, exc))
        return
    if header is None:
        issues.append(ImportIssue(Source(file, 1, 1), "header", "the file is empty"))
        return
    columns: dict[str, int] = {}
    known = set(allowed or ())
    for number, name in enumerate(header, start=1):
        name = name.strip()
        if name in columns:
            issues.append(ImportIssue(Source(file, 1, number), name, "column given twice"))
        elif allowed is not None and name not in known:
            issues.append(ImportIssue(Source(file, 1, number), name, "unknown column"))
        columns.setdefault(name, number)
    missing = sorted(required - set(columns))
    for name in missing:
        issues.append(ImportIssue(Source(file, 1, 1), name, "missing column"))
    if missing:
        return
    names = [name.strip() for name in header]
    while True:
        start = counter.lines + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, DecodeError) as exc:
            issues.append(_broken(file, start, exc))
            return
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            issues.append(
                ImportIssue(
                    Source(file, start, len(names) + 1),
                    "row",
                    f"{len(cells)} fields, the header has {len(names)}",
                    repr(cells[len(names)]),
                )
            )
            continue
        values: dict[str, str] = {}
        lines: dict[str, int] = {}
        line = start
        for name, cell in zip(names, cells, strict=False):
            values.setdefault(name, cell)
            lines.setdefault(name, line)
            if "\n" in cell or "\r" in cell:
                line += newlines(cell)
        yield Row(values, start, lines, columns)


def _broken(file: str, line: int, exc: Exception) -> ImportIssue:
    if isinstance(exc, DecodeError):
        return ImportIssue(Source(file, exc.line, 1), "file", exc.message)
    return ImportIssue(Source(file, line, 1), "file", f"malformed CSV: {exc}")


def read(
    stream: DecodedLines, file: str, kind: RecordKind, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    """Read one CSV file of ``kind`` and yield its records."""
    source = rows(stream, file, issues, COLUMNS[kind], REQUIRED_COLUMNS[kind])
    if kind is RecordKind.TICKET:
        yield from _tickets(source, file, issues, accept)
        return
    for row in source:
        built = _record(kind, row, file, issues)
        if built is not None and (record := accept(built[0], built[1])) is not None:
            yield record


def _present(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v.strip()}


def _simple(row: Row, file: str, label: str) -> CsvWhere:
    def column_of(path: Path) -> tuple[int, str] | None:
        return (0, str(path[0])) if path else None

    return CsvWhere(file, (row,), column_of, label)


def _record(
    kind: RecordKind, row: Row, file: str, issues: list[ImportIssue]
) -> tuple[Record, CsvWhere] | None:
    values = _present(row.values)
    where = _simple(row, file, kind.value)
    result: Record | None
    if kind is RecordKind.CUSTOMER:
        result = build.customer(Fields(values, where, issues, text_mode=True))
    elif kind is RecordKind.CONTACT:
        fields = Fields(values, where, issues, text_mode=True)
        customer_id = fields.text("customer")
        rest = {k: v for k, v in values.items() if k != "customer"}
        result = build.contact(Fields(rest, where, issues, text_mode=True), customer_id)
        result = result if fields.ok else None
    elif kind is RecordKind.CALENDAR:
        result = _calendar(values, where, issues)
    elif kind is RecordKind.CONTRACT:
        result = _contract(values, row, file, issues)
        where = _contract_where(row, file)
    else:
        result = build.technician(Fields(values, where, issues, text_mode=True))
    return None if result is None else (result, where)


def _calendar(values: dict[str, str], where: CsvWhere, issues: list[ImportIssue]) -> Record | None:
    fields = Fields(values, where, issues, text_mode=True)
    name = fields.text("name")
    raw: dict[str, Any] = {}
    for key in ("timezone", "country", "subdiv", "end_convention"):
        if key in values:
            raw[key] = values[key].strip()
    if "always_open" in values:
        raw["always_open"] = fields.boolean("always_open")
    hours = {
        day: [_window(item) for item in values[day].split(LIST_SEPARATOR) if item.strip()]
        for day in WEEKDAYS
        if day in values
    }
    if hours or not raw.get("always_open"):
        raw["hours"] = hours
    for key in ("holidays", "open_dates"):
        if key in values:
            raw[key] = [d.strip() for d in values[key].split(LIST_SEPARATOR) if d.strip()]
    if not fields.ok:
        return None
    return build.calendar(Fields(raw, where, issues, text_mode=False), name)


def _window(item: str) -> Any:
    parts = [part.strip() for part in item.split("-")]
    return parts if len(parts) == 2 else item.strip()


def _contract_where(row: Row, file: str) -> CsvWhere:
    def column_of(path: Path) -> tuple[int, str] | None:
        if not path:
            return None
        if path[0] == "targets" and len(path) >= 2:
            return (0, f"{path[1]}_{path[2]}" if len(path) >= 3 else f"{path[1]}_response_minutes")
        return (0, str(path[0]))

    return CsvWhere(file, (row,), column_of, "contract")


def _contract(
    values: dict[str, str], row: Row, file: str, issues: list[ImportIssue]
) -> Record | None:
    raw: dict[str, Any] = {k: v for k, v in values.items() if k not in _TARGET_COLUMNS}
    targets: dict[str, dict[str, str]] = {}
    for sev in Severity:
        pair = {
            key: values[f"{sev.value}_{key}"]
            for key in build.TARGET_KEYS
            if f"{sev.value}_{key}" in values
        }
        if pair:
            targets[sev.value] = pair
    if targets:
        raw["targets"] = targets
    return build.contract(Fields(raw, _contract_where(row, file), issues, text_mode=True))


_TICKET_COLUMNS = tuple(k for k in build.TICKET_KEYS if k != "history")


def _tickets(
    source: Iterator[Row], file: str, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    group: list[Row] = []
    for row in source:
        if group and row.values.get("external_id", "").strip() in (
            "",
            group[0].values.get("external_id", "").strip(),
        ):
            group.append(row)
            continue
        if group:
            yield from _ticket(group, file, issues, accept)
        group = [row]
    if group:
        yield from _ticket(group, file, issues, accept)


def _ticket(
    group: list[Row], file: str, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    first = group[0]

    def column_of(path: Path) -> tuple[int, str] | None:
        if not path:
            return None
        if path[0] == "history":
            index = int(path[1]) if len(path) >= 2 else 0
            return (index, f"history_{path[2]}" if len(path) >= 3 else "history_at")
        return (0, str(path[0]))

    where = CsvWhere(file, group, column_of, "ticket")
    raw: dict[str, Any] = {k: v for k, v in _present(first.values).items() if k in _TICKET_COLUMNS}
    for row in group[1:]:
        for key in _TICKET_COLUMNS:
            value = row.values.get(key, "").strip()
            if value and value != first.values.get(key, "").strip():
                issues.append(
                    ImportIssue(
                        Source(file, row.cell_lines[key], row.columns[key]),
                        key,
                        f"differs from the ticket's first row (line {first.line}); "
                        "leave it empty on its history rows",
                        repr(value),
                    )
                )
    history = []
    for row in group:
        entry = {
            key: row.values[f"history_{key}"]
            for key in build.HISTORY_KEYS
            if row.values.get(f"history_{key}", "").strip()
        }
        if entry:
            history.append(entry)
        elif len(group) > 1:
            history.append({})
    if history:
        raw["history"] = history
    record = build.ticket(Fields(raw, where, issues, text_mode=True))
    if record is not None and (accepted := accept(record, where)) is not None:
        yield accepted
