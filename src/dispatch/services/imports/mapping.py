"""Foreign ticket CSV files (another help desk's export) through a mapping file.

A mapping is a small TOML file: which of their columns holds which of our
ticket fields, how their values (states, priorities, owners, organisations)
translate to ours, the zone and format of their times, and defaults. Their
other columns are ignored (exports carry many). A value with no translation is
an error naming the line, so nothing is guessed, unless the table says what to
do with the values it does not name (``"*" = "*"``: take them as they are).
README "Mapping files" has the format; ``assets/mappings/`` holds ready
mappings for Zammad and Znuny.

A foreign export has no history, so one is made from the columns it has: the
first response (if a column holds its time) and the current status, entered at
the time of the close or of the last change.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.domain.model import TicketStatus
from dispatch.domain.records import ImportIssue, Record, Source
from dispatch.services.imports import build
from dispatch.services.imports.csvfile import CsvWhere, Row, rows
from dispatch.services.imports.decode import DecodedLines
from dispatch.services.imports.fields import Fields, Path

MAPPED_FIELDS = (
    "external_id",
    "contract",
    "title",
    "description",
    "severity",
    "kind",
    "channel",
    "opened_at",
    "assignee",
    "skills",
    "needs_onsite",
    "status",
    "status_at",
    "first_response_at",
    "closed_at",
)
"""Our fields a mapping's ``[columns]`` may fill (``status*``, ``*_at`` make the history)."""

ANY = "*"
"""In a ``[values.FIELD]`` table, the key for every value the table does not name (as the
value: that value as it is)."""

TIME_FIELDS = frozenset({"opened_at", "status_at", "first_response_at", "closed_at"})
_STATUSES = frozenset(s.value for s in TicketStatus)
_SOURCE_KEYS = frozenset({"kind", "name", "delimiter", "encoding", "timezone", "time_format"})
_TOP_KEYS = frozenset({"source", "columns", "values", "defaults"})

Accept = Callable[[Record, CsvWhere], Record | None]


@dataclass(frozen=True, slots=True)
class TicketMapping:
    """A parsed mapping file.

    Attributes:
        name: What the mapping is for (``Zammad ticket report``).
        columns: Their column for each of our fields.
        values: Per field, their value (case-folded) to ours; ``""`` means empty.
        defaults: Our value for fields their file leaves empty.
        delimiter: Their field separator.
        encoding: Their files' encoding (an explicit encoding argument wins).
        timezone: The zone of their times that carry no offset.
        time_format: ``strptime`` format of their times; ISO 8601 when empty.
    """

    name: str
    columns: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timezone: str = "UTC"
    time_format: str = ""


def load_mapping(text: str, file: str) -> tuple[TicketMapping | None, list[ImportIssue]]:
    """Parse a mapping file's text; all its issues at once.

    Returns:
        The mapping (``None`` if anything is wrong) and the issues.
    """
    issues: list[ImportIssue] = []

    def fail(key: str, message: str, value: Any = None) -> None:
        parts = key.split(".")
        line = _line_of(text, parts[-1]) or (_line_of(text, parts[0]) if len(parts) > 1 else 0) or 1
        issues.append(
            ImportIssue(Source(file, line, 1), key, message, None if value is None else repr(value))
        )

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+), column (\d+)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        return None, [ImportIssue(Source(file, line, column), "mapping", f"not valid TOML: {exc}")]
    for key in data:
        if key not in _TOP_KEYS:
            fail(key, "unknown key")
    source = _table(data, "source", fail)
    for key in source:
        if key not in _SOURCE_KEYS:
            fail(f"source.{key}", "unknown key")
    if source.get("kind", "tickets") != "tickets":
        fail("source.kind", "only ticket exports can be mapped", source.get("kind"))
    zone = str(source.get("timezone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("source.timezone", "is not a known IANA time zone", zone)
    delimiter = str(source.get("delimiter", ","))
    if len(delimiter) != 1:
        fail("source.delimiter", "must be one character", delimiter)
    columns = _strings(_table(data, "columns", fail), "columns", fail)
    for key in columns:
        if key not in MAPPED_FIELDS:
            fail(f"columns.{key}", "is not a field a mapping can fill")
    for needed in ("external_id", "title", "opened_at"):
        if needed not in columns:
            fail(f"columns.{needed}", "missing: every ticket needs it")
    values: dict[str, dict[str, str]] = {}
    for key, table in _table(data, "values", fail).items():
        if key not in MAPPED_FIELDS or key in TIME_FIELDS:
            fail(f"values.{key}", "is not a field whose values can be mapped")
        elif not isinstance(table, Mapping):
            fail(f"values.{key}", "must be a table of their value = our value", table)
        else:
            values[key] = {
                k.strip().casefold(): v for k, v in _strings(table, f"values.{key}", fail).items()
            }
    if "status" in values:
        for theirs, ours in values["status"].items():
            if (theirs, ours) != (ANY, ANY) and ours not in _STATUSES:
                fail(f"values.status.{theirs}", "is not a status of ours", ours)
    defaults = _strings(_table(data, "defaults", fail), "defaults", fail)
    for key in defaults:
        if key not in MAPPED_FIELDS:
            fail(f"defaults.{key}", "is not a field a mapping can fill")
    if "contract" not in columns and "contract" not in defaults:
        fail("columns.contract", "missing: map a column to contracts or set defaults.contract")
    if issues:
        return None, issues
    return (
        TicketMapping(
            name=str(source.get("name", file)),
            columns=columns,
            values=values,
            defaults=defaults,
            delimiter=delimiter,
            encoding=str(source.get("encoding", "utf-8-sig")),
            timezone=zone,
            time_format=str(source.get("time_format", "")),
        ),
        [],
    )


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(
        rf'^\s*(\[.*\b{re.escape(key)}\b.*\]|"?{re.escape(key)}"?\s*=)', re.IGNORECASE
    )
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 0


def _table(data: Mapping[str, Any], key: str, fail: Callable[..., None]) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        fail(key, "must be a table", value)
        return {}
    return value


def _strings(table: Mapping[str, Any], where: str, fail: Callable[..., None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, str):
            out[key] = value
        else:
            fail(f"{where}.{key}", "must be a string", value)
    return out


def read_foreign(
    stream: DecodedLines,
    file: str,
    mapping: TicketMapping,
    issues: list[ImportIssue],
    accept: Accept,
) -> Iterator[Record]:
    """Read a foreign ticket export through ``mapping`` and yield ticket records."""
    required = frozenset(mapping.columns.values())
    for row in rows(stream, file, issues, None, required, delimiter=mapping.delimiter):
        record = _ticket(row, file, mapping, issues)
        if record is not None and (accepted := accept(record[0], record[1])) is not None:
            yield accepted


def _ticket(
    row: Row, file: str, mapping: TicketMapping, issues: list[ImportIssue]
) -> tuple[Record, CsvWhere] | None:
    origin: dict[Path, str] = {}
    ours: dict[str, str] = {}
    start = len(issues)
    for name in MAPPED_FIELDS:
        column = mapping.columns.get(name)
        value = row.values.get(column, "").strip() if column else ""
        if column:
            origin[(name,)] = column
        if value and name in mapping.values:
            translated = _translate(mapping.values[name], value)
            if translated is None:
                issues.append(
                    ImportIssue(
                        Source(file, row.cell_lines[column], row.columns[column]),  # type: ignore[index]
                        str(column),
                        f"no mapping for this {name} value (add it to [values.{name}])",
                        repr(value),
                    )
                )
                continue
            value = translated
        if not value:
            value = mapping.defaults.get(name, "")
        if value and name in TIME_FIELDS:
            iso = _iso(value, mapping)
            if iso is None:
                fmt = mapping.time_format or "ISO 8601"
                issues.append(
                    ImportIssue(
                        Source(file, row.cell_lines[column], row.columns[column])
                        if column
                        else Source(file, row.line, 1),
                        str(column or name),
                        f"is not a time in the format {fmt}",
                        repr(value),
                    )
                )
                continue
            value = iso
        if value:
            ours[name] = value
    if len(issues) > start:
        return None
    raw: dict[str, Any] = {k: v for k, v in ours.items() if k in build.TICKET_KEYS}
    history = _history(ours, mapping, origin)
    if history:
        raw["history"] = history

    def column_of(path: Path) -> tuple[int, str] | None:
        found = origin.get(path) or origin.get(path[:1])
        return (0, found) if found else None

    where = CsvWhere(file, (row,), column_of, "ticket")
    record = build.ticket(Fields(raw, where, issues, text_mode=True))
    return None if record is None else (record, where)


def _history(
    ours: Mapping[str, str], mapping: TicketMapping, origin: dict[Path, str]
) -> list[dict[str, str]]:
    entries: list[tuple[str, dict[str, str], str]] = []
    if "first_response_at" in ours:
        entries.append(
            (
                ours["first_response_at"],
                {"at": ours["first_response_at"], "first_response": "true"},
                "first_response_at",
            )
        )
    status = ours.get("status", TicketStatus.NEW.value)
    # A status that is none of ours is refused once, as the ticket's, not again as its entry's.
    if status != TicketStatus.NEW.value and status in _STATUSES:
        final = status in (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
        key = "closed_at" if final and "closed_at" in ours else "status_at"
        at = ours.get(key) or ours.get("first_response_at") or ours.get("opened_at", "")
        entries.append((at, {"at": at, "status": status}, key))
    entries.sort(key=lambda item: item[0])
    out = []
    for index, (_, entry, key) in enumerate(entries):
        if key in mapping.columns:
            origin[("history", index, "at")] = mapping.columns[key]
        if "status" in entry and "status" in mapping.columns:
            origin[("history", index, "status")] = mapping.columns["status"]
        out.append(entry)
    return out


def _translate(table: Mapping[str, str], value: str) -> str | None:
    """Their ``value`` in ours by ``table``: its own line, else the ``"*"`` line, else ``None``."""
    found = table.get(value.casefold())
    if found is None and ANY in table:
        found = value if table[ANY] == ANY else table[ANY]
    return found


def _iso(value: str, mapping: TicketMapping) -> str | None:
    try:
        parsed = (
            datetime.strptime(value, mapping.time_format)  # noqa: DTZ007 - the zone is added below
            if mapping.time_format
            else datetime.fromisoformat(value)
        )
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(mapping.timezone))
    return parsed.astimezone(UTC).isoformat()
