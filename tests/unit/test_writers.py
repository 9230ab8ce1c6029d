"""The export writers: structure survives any text, --excel guards formulas, JSON streams."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dispatch.writers import BOM, csv_cell, guard_formula, write_csv, write_json, write_jsonl

NASTY = 'a "quoted", \x00 NUL; semi\nnew line\r\nCRLF \x1b[2J'


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_formula_starts_get_a_quote(text: str) -> None:
    assert guard_formula(text) == f"'{text}"
    assert csv_cell(text, excel=True) == f"'{text}"
    assert csv_cell(text) == text


@pytest.mark.parametrize("text", ["1+1", "a=b", " =x", "'=x", ""])
def test_other_text_is_left_alone(text: str) -> None:
    assert guard_formula(text) == text


def test_cells_of_every_type() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    assert csv_cell(-2.5, excel=True) == "-2.5"  # numbers are dispatch's, never guarded
    assert csv_cell(["a;b", "c\\d", "e"]) == "a\\;b;c\\\\d;e"
    assert csv_cell(["-x"], excel=True) == "'-x"
    assert json.loads(csv_cell([{"at": "x"}])) == [{"at": "x"}]


def test_csv_parses_back_whatever_the_text() -> None:
    out = io.StringIO(newline="")
    assert write_csv(out, ["a", "b"], [{"a": NASTY, "b": 1}, {"a": "", "b": None}]) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [["a", "b"], [NASTY, "1"], ["", ""]]


def test_excel_csv_starts_with_a_bom() -> None:
    out = io.StringIO(newline="")
    write_csv(out, ["a"], [{"a": "=cmd"}], excel=True)
    assert out.getvalue() == f"{BOM}a\r\n'=cmd\r\n"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_document_and_lines_parse_back(count: int) -> None:
    records = [{"n": i, "text": NASTY} for i in range(count)]
    doc, lines = io.StringIO(), io.StringIO()
    assert write_json(doc, "tickets", iter(records)) == count
    assert write_jsonl(lines, iter(records)) == count
    assert json.loads(doc.getvalue()) == {"tickets": records}
    assert [json.loads(line) for line in lines.getvalue().splitlines()] == records
    assert doc.getvalue().isascii()  # control characters escaped: safe on a terminal
