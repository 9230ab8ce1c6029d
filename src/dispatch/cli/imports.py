"""``dispatch import``: customers, contacts, calendars, contracts, technicians, tickets.

A dry run by default (what would be created, updated and left unchanged);
``--apply`` writes it all in one transaction. Every issue is printed with its
file, line and column, and any issue means nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import click

from dispatch.cli.root import db_option, echo_json, json_option, say, using_runtime


@click.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--apply", "apply_", is_flag=True, help="Write it (default: a dry run).")
@click.option("--encoding", help="The files' encoding (default UTF-8, with or without BOM).")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the files as a foreign ticket export through this TOML mapping.",
)
@db_option
@json_option
@click.pass_context
def import_files(
    ctx: click.Context,
    files: tuple[Path, ...],
    apply_: bool,
    encoding: str | None,
    mapping: Path | None,
    as_json: bool,
) -> None:
    """Import FILES (CSV per kind, a JSON document or JSON Lines; README: "Import")."""
    from dispatch.domain.errors import InvalidInputError
    from dispatch.domain.records import RecordKind
    from dispatch.services.imports.apply import run_import

    with using_runtime(ctx) as rt:
        report = run_import(
            rt.writer(),
            rt.clock,
            rt.actor,
            list(files),
            apply=apply_,
            encoding=encoding,
            mapping_file=mapping,
            calendars=rt.calendars,
        )
    kinds = [k for k in RecordKind if any(report.counts[o][k] for o in report.counts)]
    if as_json:
        echo_json(
            {
                "applied": report.applied,
                "counts": {k.value: {o: report.counts[o][k] for o in report.counts} for k in kinds},
                "alerts": report.alerts,
                "issues": [
                    {
                        "file": i.source.file,
                        "line": i.source.line,
                        "column": i.source.column,
                        "field": i.field,
                        "message": i.message,
                        "value": i.value,
                    }
                    for i in report.issues
                ],
            }
        )
    else:
        for kind in kinds:
            c, u, n = (report.counts[o][kind] for o in ("created", "updated", "unchanged"))
            say(f"{kind.value + 's':<12} {c:>7} created {u:>7} updated {n:>7} unchanged")
        if report.alerts:
            say(
                f"{report.alerts} threshold(s) crossed before the import: "
                "recorded as imported alerts, nobody paged"
            )
        for issue in report.issues:
            say(issue.line(), err=True)
    if report.issues:
        raise InvalidInputError(f"{len(report.issues)} issue(s) in the files: nothing was written")
    if not as_json:
        say(
            "written in one transaction"
            if report.applied
            else "dry run: nothing written (--apply writes it)"
        )
