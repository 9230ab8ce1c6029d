r"""Streaming writers of export records: CSV (plain or for Excel), a JSON document, JSON Lines.

Each writer takes the records one at a time and writes each as it comes, so
memory stays flat whatever the number of rows. Structure is left to the
standard library's ``csv`` and ``json`` modules: no value, whatever text a
customer put in it (quotes, separators, newlines, NUL), can end a cell, a row
or a JSON string early.

CSV cells: ``None`` is empty, booleans are ``true``/``false``, a list of
strings is joined by ``;`` (a ``;`` or ``\`` inside an item is written
``\;`` or ``\\``), any other list or object is compact JSON text.

``excel``: the file starts with a UTF-8 byte order mark (so Excel reads it as
UTF-8), and a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'`` so that Excel shows it as text instead of
evaluating it as a formula (OWASP, "CSV Injection"). Numbers are not guarded:
they are written by dispatch, not typed by anyone.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

BOM = "\ufeff"
"""The UTF-8 byte order mark that ``excel`` writes first."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet evaluate a cell (OWASP's list)."""


def guard_formula(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would evaluate it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _list_item(item: str) -> str:
    return item.replace("\\", "\\\\").replace(";", "\\;")


def csv_cell(value: Any, *, excel: bool = False) -> str:
    """One value as CSV cell text (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        text = ";".join(_list_item(item) for item in value)
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return guard_formula(text) if excel else text


def write_csv(
    out: TextIO, columns: Sequence[str], records: Iterable[dict[str, Any]], *, excel: bool = False
) -> int:
    """A header and one row per record; returns the number of rows.

    ``out`` must be opened with ``newline=""``: rows end in CRLF (RFC 4180) and
    newlines inside cells are written as they are, inside quotes.
    """
    if excel:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for record in records:
        writer.writerow([csv_cell(record[c], excel=excel) for c in columns])
        count += 1
    return count


def _json(record: dict[str, Any]) -> str:
    # ensure_ascii: control characters, bidi overrides and every non-ASCII
    # character are escaped, so the output is safe on a terminal too.
    return json.dumps(record, ensure_ascii=True, separators=(",", ":"))


def write_json(out: TextIO, kind: str, records: Iterable[dict[str, Any]]) -> int:
    """One JSON document ``{"<kind>": [record, ...]}``, a record a line; returns the count.

    The document is the shape ``dispatch import`` reads; it is written as the
    records come, never held whole.
    """
    out.write("{" + json.dumps(kind) + ": [")
    count = 0
    for record in records:
        out.write(("\n" if count == 0 else ",\n") + _json(record))
        count += 1
    out.write("\n]}\n" if count else "]}\n")
    return count


def write_jsonl(out: TextIO, records: Iterable[dict[str, Any]]) -> int:
    """JSON Lines: one record a line; returns the count."""
    count = 0
    for record in records:
        out.write(_json(record) + "\n")
        count += 1
    return count
