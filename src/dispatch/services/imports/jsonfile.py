"""JSON import files: one document, or JSON Lines (one record a line, streamed).

The document has the shape README "Import file formats" documents::

    {"customers": [...], "calendars": {"NAME": CAL}, "contracts": [...],
     "technicians": [...], "tickets": [...]}

It is read whole (up to ``MAX_DOCUMENT_BYTES``); larger imports use JSON Lines,
where every line is one object with a ``record`` key naming its kind and memory
stays flat in the file size. Errors name the element's path and its line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from json import JSONDecodeError
from typing import Any

from dispatch.domain.records import ImportIssue, Record, RecordKind, Source
from dispatch.services.imports import build
from dispatch.services.imports.decode import DecodedLines
from dispatch.services.imports.fields import Fields, Path, Where, json_path, shown
from dispatch.services.imports.jsonpos import Located, parse

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""The largest JSON document read whole; beyond it, use JSON Lines.

Reading a document with the position of every value takes about 17 times its
size in memory (1.1 GB at 66 MB, ``tests/bench/bench_import_read.py``).
"""

DOCUMENT_KEYS = ("customers", "calendars", "contracts", "technicians", "tickets")
"""The top-level keys of a JSON import document, in the order they are applied."""

RECORD_KEY = "record"
"""The key of a JSON Lines object that names its kind."""

Accept = Callable[[Record, Where], Record | None]
"""Registers a built record's ids and references; ``None`` refuses it (a duplicate)."""


@dataclass(frozen=True, slots=True)
class JsonWhere:
    """Positions of one record's parts in a parsed JSON text.

    Attributes:
        located: The parsed text.
        file: The file's name.
        base: The record's path in the text.
        prefix: How error names start (``tickets[3]``, or empty for a JSON line).
        line_offset: Lines before the text (JSON Lines: the line's number - 1).
    """

    located: Located
    file: str
    base: Path
    prefix: str
    line_offset: int = 0

    def source(self, path: Path) -> Source:
        """Where the value at ``path`` starts."""
        line, column = self.located.value_at((*self.base, *path))
        return Source(self.file, line + self.line_offset, column)

    def key_source(self, path: Path) -> Source:
        """Where the key naming ``path`` sits."""
        line, column = self.located.key_at((*self.base, *path))
        return Source(self.file, line + self.line_offset, column)

    def name(self, path: Path) -> str:
        """``tickets[3].history[1].at``."""
        return json_path(self.prefix, path) or "record"


def read_document(
    stream: DecodedLines, file: str, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    """Read one JSON import document and yield its records in applying order."""
    text = stream.read_all(MAX_DOCUMENT_BYTES)
    if text is None:
        issues.append(
            ImportIssue(
                Source(file, 1, 1),
                "document",
                f"larger than {MAX_DOCUMENT_BYTES:,} bytes: write JSON Lines instead",
            )
        )
        return
    try:
        located = parse(text)
    except JSONDecodeError as exc:
        issues.append(
            ImportIssue(
                Source(file, exc.lineno, exc.colno), "document", f"not valid JSON: {exc.msg}"
            )
        )
        return
    top = located.value
    where = JsonWhere(located, file, (), "")
    if not isinstance(top, Mapping):
        issues.append(ImportIssue(where.source(()), "document", "the top level must be an object"))
        return
    Fields(top, where, issues, text_mode=False).check_keys(DOCUMENT_KEYS)
    for index, raw in _items(top, "customers", where, issues):
        yield from _customer(
            raw,
            JsonWhere(located, file, ("customers", index), f"customers[{index}]"),
            issues,
            accept,
        )
    calendars = top.get("calendars")
    if isinstance(calendars, Mapping):
        for name, raw in calendars.items():
            at = JsonWhere(located, file, ("calendars", name), f"calendars.{name}")
            yield from _one(RecordKind.CALENDAR, raw, at, issues, accept, name=name)
    elif calendars is not None:
        issues.append(
            ImportIssue(
                where.source(("calendars",)),
                "calendars",
                "must map names to calendars",
                shown(calendars),
            )
        )
    for key, kind in (
        ("contracts", RecordKind.CONTRACT),
        ("technicians", RecordKind.TECHNICIAN),
        ("tickets", RecordKind.TICKET),
    ):
        for index, raw in _items(top, key, where, issues):
            yield from _one(
                kind, raw, JsonWhere(located, file, (key, index), f"{key}[{index}]"), issues, accept
            )


def read_lines(
    stream: DecodedLines, file: str, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    """Read JSON Lines, one record a line, without holding more than a line.

    Each line is first parsed by the standard library's (fast) decoder and
    checked with every position set to the line's start. Only a line with an
    issue is parsed again with positions, so that its issues name their columns;
    valid records and their history entries carry the line and the record's column.
    """
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys)
        except (JSONDecodeError, _DuplicateKeyError):
            value = _FALLBACK
        if value is not _FALLBACK:
            column = len(line) - len(line.lstrip()) + 1
            scratch: list[ImportIssue] = []
            held = _Held()
            list(_line(value, _LineWhere(file, number, column), scratch, held))
            if not scratch:
                for record, where in held.records:
                    if (accepted := accept(record, where)) is not None:
                        yield accepted
                continue
        try:
            located = parse(line)
        except JSONDecodeError as exc:
            issues.append(
                ImportIssue(Source(file, number, exc.colno), "line", f"not valid JSON: {exc.msg}")
            )
            continue
        yield from _line(
            located.value, JsonWhere(located, file, (), "", number - 1), issues, accept
        )


_FALLBACK: Any = object()


class _Held:
    """An ``Accept`` that only keeps the records, until their line proves valid."""

    def __init__(self) -> None:
        self.records: list[tuple[Record, Where]] = []

    def __call__(self, record: Record, where: Where) -> Record | None:
        self.records.append((record, where))
        return record


@dataclass(frozen=True, slots=True)
class _Nested:
    """The places of a part nested in a record (a customer's contact)."""

    outer: Where
    base: Path

    def source(self, path: Path) -> Source:
        return self.outer.source((*self.base, *path))

    def key_source(self, path: Path) -> Source:
        return self.outer.key_source((*self.base, *path))

    def name(self, path: Path) -> str:
        return self.outer.name((*self.base, *path))


class _DuplicateKeyError(ValueError):
    """A key given twice in one object (the fast decoder would keep the last)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKeyError
    return out


@dataclass(frozen=True, slots=True)
class _LineWhere:
    """Every part of a JSON line placed at the line's record (the fast first pass)."""

    file: str
    line: int
    column: int

    def source(self, path: Path) -> Source:
        return Source(self.file, self.line, self.column)

    def key_source(self, path: Path) -> Source:
        return Source(self.file, self.line, self.column)

    def name(self, path: Path) -> str:
        return json_path("", path) or "record"


def _line(raw: Any, where: Where, issues: list[ImportIssue], accept: Accept) -> Iterator[Record]:
    """The record of one JSON line."""
    if not isinstance(raw, Mapping):
        issues.append(ImportIssue(where.source(()), "line", "must be an object", shown(raw)))
        return
    try:
        kind = RecordKind(str(raw.get(RECORD_KEY)))
    except ValueError:
        allowed = ", ".join(k.value for k in RecordKind)
        value = raw.get(RECORD_KEY)
        issues.append(
            ImportIssue(
                where.source((RECORD_KEY,) if RECORD_KEY in raw else ()),
                RECORD_KEY,
                f"must be one of {allowed}" if value is not None else f"missing (one of {allowed})",
                None if value is None else shown(value),
            )
        )
        return
    body = {k: v for k, v in raw.items() if k != RECORD_KEY}
    if kind is RecordKind.CUSTOMER:
        yield from _customer(body, where, issues, accept)
    elif kind is RecordKind.CALENDAR:
        name = body.pop("name", None)
        if not isinstance(name, str) or not name.strip():
            issues.append(
                ImportIssue(
                    where.source(("name",)),
                    "name",
                    "missing: a calendar needs a name",
                    None if name is None else shown(name),
                )
            )
            return
        yield from _one(kind, body, where, issues, accept, name=name)
    elif kind is RecordKind.CONTACT:
        fields = Fields(body, where, issues, text_mode=False)
        customer_id = fields.text("customer")
        rest = {k: v for k, v in body.items() if k != "customer"}
        record = build.contact(Fields(rest, where, issues, text_mode=False), customer_id)
        if record is not None and fields.ok and (accepted := accept(record, where)) is not None:
            yield accepted
    else:
        yield from _one(kind, body, where, issues, accept)


def _items(
    top: Mapping[str, Any], key: str, where: Where, issues: list[ImportIssue]
) -> list[tuple[int, Mapping[str, Any]]]:
    return Fields(top, where, issues, text_mode=False).objects(key)


def _customer(
    raw: Mapping[str, Any], where: Where, issues: list[ImportIssue], accept: Accept
) -> Iterator[Record]:
    fields = Fields(raw, where, issues, text_mode=False)
    record = build.customer(fields)
    if record is not None:
        accepted = accept(record, where)
        if accepted is not None:
            yield accepted
    for index, item in fields.objects("contacts"):
        at = _Nested(where, ("contacts", index))
        contact = build.contact(
            Fields(item, at, issues, text_mode=False), record.external_id if record else ""
        )
        if contact is not None and record is not None:
            accepted = accept(contact, at)
            if accepted is not None:
                yield accepted


def _one(
    kind: RecordKind,
    raw: Any,
    where: Where,
    issues: list[ImportIssue],
    accept: Accept,
    *,
    name: str = "",
) -> Iterator[Record]:
    if not isinstance(raw, Mapping):
        issues.append(
            ImportIssue(where.source(()), where.name(()), "must be an object", shown(raw))
        )
        return
    fields = Fields(raw, where, issues, text_mode=False)
    record: Record | None
    if kind is RecordKind.CALENDAR:
        record = build.calendar(fields, name)
    elif kind is RecordKind.CONTRACT:
        record = build.contract(fields)
    elif kind is RecordKind.TECHNICIAN:
        record = build.technician(fields)
    else:
        record = build.ticket(fields)
    if record is not None and (accepted := accept(record, where)) is not None:
        yield accepted
