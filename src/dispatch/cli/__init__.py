"""The command line: ``dispatch`` opens the console, subcommands script the rest.

``root`` holds the root group and what every command shares (``--db``,
``--json``, the id and time types, errors and exit codes); each other module
is one command group. A new group is a new module here plus one line in
``COMMANDS``. The command modules import ``root``, never each other
(import-linter contract in ``pyproject.toml``); they import the services,
``formats`` and ``bootstrap`` inside each command, so that ``--help`` stays fast.
"""

from __future__ import annotations

from dispatch.cli import (
    alerts,
    audit,
    calendar,
    customer,
    db,
    demo,
    directory,
    export,
    imports,
    intake,
    oncall,
    plan,
    scheduler,
    serve,
    sla,
    ticket,
)
from dispatch.cli.root import cli

COMMANDS = [
    alerts.alerts_group,
    audit.audit_log,
    calendar.calendar,
    db.db,
    demo.demo,
    demo.seed,
    customer.contact,
    customer.customer,
    directory.contract,
    directory.tech,
    export.export,
    imports.import_files,
    intake.intake,
    oncall.oncall,
    plan.plan,
    scheduler.scheduler,
    serve.serve,
    sla.sla,
    ticket.ticket,
]
"""Every command and command group under ``dispatch``."""

for _command in COMMANDS:
    cli.add_command(_command)
# The name for the monitoring intake's server; the same command as
# `dispatch intake serve` (command modules do not import one another).
serve.serve.add_command(intake.intake_serve, name="intake")

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``dispatch`` script)."""
    cli.main(args=argv, prog_name="dispatch")
