"""``dispatch intake``: the outside world opening and updating tickets by itself.

``dispatch intake mail`` reads one message on standard input for an MTA; its
exit codes are the MTA's (0 taken, 75 try again later), not the other
commands' (see ``dispatch.mail_intake``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dispatch.cli.root import db_option


@click.group()
def intake() -> None:
    """Take mail in from the MTA."""


@intake.command("mail")
@db_option
@click.option(
    "--spool",
    type=click.Path(path_type=Path),  # checked by the intake: a bad one is exit 75
    help="The spool directory (default: [intake] spool_dir, else the user data dir's spool/).",
)
@click.pass_context
def intake_mail(ctx: click.Context, spool: Path | None) -> None:
    """Read one RFC 822 message on stdin; exit 0 once kept, 75 to be retried."""
    from dispatch import mail_intake

    options: dict[str, str] = ctx.ensure_object(dict)
    stdin = sys.stdin.buffer
    code = mail_intake.run(stdin, db=options.get("db"), spool_dir=spool)
    ctx.exit(code)
