"""``dispatch export``: every row of a kind as CSV, a JSON document or JSON Lines, streamed."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click

from dispatch.cli.root import AwareTime, db_option, say, using_runtime

KINDS = ("tickets", "events", "alerts", "customers", "contracts", "technicians")
"""What can be exported (``dispatch.services.export.ExportKind``; a test keeps them equal).
Spelled out here so that ``--help`` does not import the services."""

FORMATS = ("csv", "json", "jsonl")
"""Output formats: CSV, one JSON document, JSON Lines."""


@click.command("export")
@db_option
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--from",
    "start",
    type=AwareTime(),
    help="Only rows at or after this instant (tickets: opened, events: recorded, alerts: raised).",
)
@click.option("--to", "end", type=AwareTime(), help="Only rows before this instant.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv, json (one document: {KIND: [...]}) or jsonl (one object a line).",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for spreadsheets: a UTF-8 BOM, and cells that would run as formulas start with '.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (replaced only once the export is complete) instead of stdout.",
)
@click.pass_context
def export(
    ctx: click.Context,
    kind: str,
    start: datetime | None,
    end: datetime | None,
    fmt: str,
    excel: bool,
    output: Path | None,
) -> None:
    """Export tickets, events, alerts, customers, contracts or technicians.

    Rows are read in chunks and written as they come. Without --output the
    export goes to stdout; CSV is not written to a terminal (its cells are
    customer text as it is).
    """
    from dispatch import writers
    from dispatch.services import export as exporting

    if excel and fmt != "csv":
        raise click.UsageError(f"--excel applies to --format csv, not {fmt}")
    chosen = exporting.ExportKind(kind)

    def write(out: TextIO, records: Iterator[dict[str, Any]]) -> int:
        if fmt == "json":
            return writers.write_json(out, kind, records)
        if fmt == "jsonl":
            return writers.write_jsonl(out, records)
        return writers.write_csv(out, exporting.columns(chosen), records, excel=excel)

    with using_runtime(ctx) as rt:
        records = exporting.export_records(rt.reader(), chosen, start=start, end=end)
        try:
            if output is None:
                _to_stdout(lambda out: write(out, records), csv=fmt == "csv")
            else:
                count = _to_file(output, lambda out: write(out, records))
                say(f"exported {count} {kind} to {output}", err=True)
        finally:
            records.close()  # ends the read transaction at once, also on an error


def _to_stdout(write: Callable[[TextIO], int], *, csv: bool) -> None:
    """Write UTF-8 to stdout whatever the locale, with newlines untranslated."""
    binary = sys.stdout.buffer
    if csv and binary.isatty():
        raise click.UsageError(
            "CSV is not written to a terminal: use --output FILE, a pipe, or --format json"
        )
    out = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        write(out)
        out.flush()
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, as other tools do.
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    finally:
        with suppress(ValueError, OSError):
            out.detach()


def _to_file(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write a temporary file beside ``path``, then rename it: a failed export leaves none.

    The file is readable by its owner only (``mkstemp``): it holds customer data.
    """
    with _temporary_beside(path) as (fd, temp):
        with open(fd, "w", encoding="utf-8", newline="") as out:
            count = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    return count


@contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[int, str]]:
    from dispatch.domain.errors import InvalidInputError

    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise InvalidInputError(f"--output {str(path)!r}: {exc.strerror}") from None
    try:
        yield fd, temp
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise
