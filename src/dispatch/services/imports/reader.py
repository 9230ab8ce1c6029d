"""Reading the files of one import: format by suffix, ids and references across files.

``ImportReader.read`` yields validated records one at a time (CSV and JSON
Lines are streamed) and collects every issue instead of stopping at the first.
After the last file, ``finish`` lists the references the files do not define;
the apply step resolves those against the database with ``check_references``.
Nothing here touches the database.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path as FilePath

from dispatch.domain.records import (
    CalendarRecord,
    ContactRecord,
    ContractRecord,
    CustomerRecord,
    ImportIssue,
    ImportSummary,
    Record,
    RecordKind,
    Source,
    TechnicianRecord,
    TicketRecord,
)
from dispatch.services.imports import csvfile, jsonfile, mapping
from dispatch.services.imports.decode import DecodedLines, DecodeError
from dispatch.services.imports.fields import Where
from dispatch.services.imports.refs import References

JSON_SUFFIXES = frozenset({".json"})
LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})

DEFAULT_ENCODING = "utf-8-sig"
"""UTF-8, with or without a byte-order mark."""


def applying_order(paths: Iterable[FilePath]) -> list[FilePath]:
    """``paths`` in the order their records apply.

    CSV files by kind (customers before contracts before tickets), other files
    after them, each group as given. Mapped foreign exports hold tickets: pass
    them last.
    """
    order = list(RecordKind)

    def rank(path: FilePath) -> int:
        kind = (
            csvfile.FILE_KINDS.get(path.stem.lower())
            if path.suffix.lower() in CSV_SUFFIXES
            else None
        )
        return order.index(kind) if kind is not None else len(order)

    return sorted(paths, key=rank)


class ImportReader:
    """Reads and validates the files of one import, keeping what spans files.

    Usage::

        reader = ImportReader()
        for path in paths:
            for record in reader.read(path):
                ...  # dry run: count it; apply: write it
        summary = reader.finish()  # issues, counts, unresolved references
    """

    def __init__(self) -> None:
        self.summary = ImportSummary()
        self._refs = References()
        self._technician_ids: dict[str, Source] = {}
        self._files: list[str] = []

    @property
    def issues(self) -> list[ImportIssue]:
        """Every issue found so far, in reading order."""
        return self.summary.issues

    def read(
        self,
        path: FilePath,
        *,
        kind: RecordKind | None = None,
        encoding: str | None = None,
        mapping_file: FilePath | None = None,
    ) -> Iterator[Record]:
        """Yield the valid records of one file; its issues go to ``issues``.

        Args:
            path: A ``.json`` document, ``.jsonl``/``.ndjson`` lines, or a ``.csv``
                file (its kind from ``kind`` or its name: ``tickets.csv``).
            kind: The kind of a CSV file whose name does not say it.
            encoding: The file's encoding (default UTF-8, with or without BOM).
            mapping_file: A TOML mapping: read ``path`` as a foreign ticket export.
        """
        name = str(path)
        suffix = path.suffix.lower()
        if mapping_file is not None:
            self._files.append(str(mapping_file))
        self._files.append(name)
        if encoding is not None:
            try:
                codecs.lookup(encoding)
            except LookupError:
                self.issues.append(
                    ImportIssue(Source(name, 1, 1), "encoding", "unknown encoding", repr(encoding))
                )
                return
        if mapping_file is not None:
            try:
                text = mapping_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.issues.append(
                    ImportIssue(Source(str(mapping_file), 1, 1), "mapping", f"cannot read: {exc}")
                )
                return
            ticket_mapping, problems = mapping.load_mapping(text, str(mapping_file))
            self.issues.extend(problems)
            if ticket_mapping is None:
                return
            with _opened(self, path, encoding or ticket_mapping.encoding) as stream:
                if stream is not None:
                    yield from mapping.read_foreign(
                        stream, name, ticket_mapping, self.issues, self._accept
                    )
            return
        if suffix in CSV_SUFFIXES:
            kind = kind or csvfile.FILE_KINDS.get(path.stem.lower())
            if kind is None:
                known = ", ".join(f"{stem}.csv" for stem in csvfile.FILE_KINDS)
                self.issues.append(
                    ImportIssue(
                        Source(name, 1, 1),
                        "file",
                        f"cannot tell the kind of a CSV file from its name (name it {known})",
                    )
                )
                return
        elif suffix not in JSON_SUFFIXES | LINES_SUFFIXES:
            self.issues.append(
                ImportIssue(Source(name, 1, 1), "file", "not a .json, .jsonl, .ndjson or .csv file")
            )
            return
        with _opened(self, path, encoding or DEFAULT_ENCODING) as stream:
            if stream is None:
                return
            try:
                if suffix in JSON_SUFFIXES:
                    yield from jsonfile.read_document(stream, name, self.issues, self._accept)
                elif suffix in LINES_SUFFIXES:
                    yield from jsonfile.read_lines(stream, name, self.issues, self._accept)
                else:
                    assert kind is not None
                    yield from csvfile.read(stream, name, kind, self.issues, self._accept)
            except DecodeError as exc:
                self.issues.append(ImportIssue(Source(name, exc.line, 1), "file", exc.message))

    def finish(self) -> ImportSummary:
        """The summary after the last file: counts, issues and unresolved references."""
        self.summary.unresolved = self._refs.unresolved()
        # File by file in reading order, then by place: a record's checks run field
        # by field, not in the order its fields sit in the file.
        order = {name: index for index, name in enumerate(self._files)}
        self.summary.issues.sort(
            key=lambda issue: (
                order.get(issue.source.file, len(order)),
                issue.source.line,
                issue.source.column,
            )
        )
        return self.summary

    def _accept(self, record: Record, where: Where) -> Record | None:
        """Register a record's ids and references; refuse a duplicate."""
        refs = self._refs
        kind = _KINDS[type(record)]
        duplicate: ImportIssue | None = None
        if isinstance(record, CustomerRecord | ContractRecord | TicketRecord):
            duplicate = refs.define(
                kind,
                record.external_id,
                where.source(("external_id",)),
                where.name(("external_id",)),
            )
        if isinstance(record, ContactRecord):
            duplicate = refs.define(
                kind,
                f"{record.customer}\x00{record.name}",
                where.source(("name",)),
                where.name(("name",)),
            )
            refs.refer(
                RecordKind.CUSTOMER,
                record.customer,
                where.source(("customer",)),
                where.name(("customer",)),
            )
        elif isinstance(record, CalendarRecord):
            duplicate = refs.define(kind, record.calendar.name, record.source, where.name(()))
        elif isinstance(record, ContractRecord):
            refs.refer(
                RecordKind.CUSTOMER,
                record.customer,
                where.source(("customer",)),
                where.name(("customer",)),
            )
            if isinstance(record.calendar, str):
                refs.refer(
                    RecordKind.CALENDAR,
                    record.calendar,
                    where.source(("calendar",)),
                    where.name(("calendar",)),
                )
        elif isinstance(record, TechnicianRecord):
            duplicate = refs.define(
                kind, record.login, where.source(("login",)), where.name(("login",))
            )
            seen = self._technician_ids.setdefault(record.external_id, record.source)
            if duplicate is None and seen is not record.source:
                duplicate = ImportIssue(
                    where.source(("external_id",)),
                    where.name(("external_id",)),
                    f"defined twice (first at {seen})",
                    repr(record.external_id),
                )
        elif isinstance(record, TicketRecord):
            refs.refer(
                RecordKind.CONTRACT,
                record.contract,
                where.source(("contract",)),
                where.name(("contract",)),
            )
            if record.assignee:
                refs.refer(
                    RecordKind.TECHNICIAN,
                    record.assignee,
                    where.source(("assignee",)),
                    where.name(("assignee",)),
                )
            for index, entry in enumerate(record.history):
                if entry.assignee:
                    path = ("history", index, "assignee")
                    refs.refer(
                        RecordKind.TECHNICIAN, entry.assignee, where.source(path), where.name(path)
                    )
        if duplicate is not None:
            self.issues.append(duplicate)
            return None
        self.summary.counts[kind] = self.summary.counts.get(kind, 0) + 1
        return record


_KINDS: dict[type, RecordKind] = {
    CustomerRecord: RecordKind.CUSTOMER,
    ContactRecord: RecordKind.CONTACT,
    CalendarRecord: RecordKind.CALENDAR,
    ContractRecord: RecordKind.CONTRACT,
    TechnicianRecord: RecordKind.TECHNICIAN,
    TicketRecord: RecordKind.TICKET,
}


@contextmanager
def _opened(reader: ImportReader, path: FilePath, encoding: str) -> Iterator[DecodedLines | None]:
    """Open a file for reading; a failure becomes an issue and a ``None`` stream."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        reader.issues.append(
            ImportIssue(Source(str(path), 1, 1), "file", f"cannot read: {exc.strerror}")
        )
        yield None
        return
    with stream:
        yield DecodedLines(stream, encoding)
