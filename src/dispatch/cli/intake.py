"""``dispatch intake``: the outside world opening and updating tickets by itself.

``intake mail`` reads one message on standard input for an MTA; ``intake
alert`` reads one monitoring event (JSON) on standard input, for a
notification command (Nagios, Icinga, Zabbix scripts); ``intake serve`` takes
the same over HTTP (Alertmanager's webhook, Events v2 senders). Their exit
codes are their callers' (the MTA's: 0 taken, stored, counted or deliberately
ignored; 75, EX_TEMPFAIL, to try again later; an event's bad input is 1, one
line naming the field), not the other commands' (see ``dispatch.mail_intake``
and ``services.intake_alert``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from dispatch.cli.root import db_option, echo_json, json_option, say, using_storage
from dispatch.domain.errors import InvalidInputError, StorageUnavailableError

if TYPE_CHECKING:
    from dispatch.config_intake import IntakeSource
    from dispatch.domain.monitoring import OnResolve
    from dispatch.services.intake_alert import Outcome
    from dispatch.services.runtime import Runtime

EXIT_TEMPFAIL = 75
"""sysexits' EX_TEMPFAIL: the caller should try again later."""

INTAKE_HINT = "dispatch intake serve needs aiohttp: pip install 'dispatch[intake]'"


@click.group("intake")
def intake() -> None:
    """Take mail and monitoring events in: tickets open and update by themselves."""


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


@intake.command("alert")
@db_option
@click.option(
    "--source", "source_name", required=True, help="The [intake.sources.NAME] it is from."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["alertmanager", "events-v2", "nagios"]),
    help="The payload's format (default: the source's).",
)
@click.option(
    "--env",
    "from_env",
    is_flag=True,
    help="Nagios/Icinga: read the notification macros from the environment, not stdin.",
)
@json_option
@click.pass_context
def intake_alert(
    ctx: click.Context, source_name: str, fmt: str | None, from_env: bool, as_json: bool
) -> None:
    """Read one monitoring event as JSON on stdin and open, update or recover its ticket.

    Exits 0 once stored, counted or ignored; 1 for bad input; 75 when the
    database is unavailable (try again).
    """
    from dispatch.domain.monitoring_formats import nagios_macros

    try:
        with using_storage(ctx) as (settings, _storage, runtime):
            source = settings.intake.source(source_name)
            fmt = fmt or source.rule.format
            if from_env:
                if fmt != "nagios":
                    raise click.UsageError("--env reads Nagios/Icinga macros: --format nagios")
                doc: Any = nagios_macros(os.environ)
                text = json.dumps(doc)
            else:
                text, doc = read_json(sys.stdin.buffer, settings.intake.max_body_bytes)
            outcomes = receiver(runtime, settings.intake.on_resolve, fmt)(source, doc, text)
    except StorageUnavailableError as exc:
        _tempfail(str(exc))
    if as_json:
        echo_json([o.as_json() for o in outcomes])
        return
    for outcome in outcomes:
        where = f"T-{outcome.ticket_id} " if outcome.ticket_id is not None else ""
        say(f"{where}{outcome.step.value} ({source_name}: {outcome.key})")


@intake.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=9095, show_default=True, help="Port."
)
@click.pass_context
def intake_serve(ctx: click.Context, host: str, port: int) -> None:
    """Take monitoring events over HTTP: POST /alert/SOURCE with the source's bearer token."""
    try:
        from dispatch import intake_server
    except ImportError:
        raise InvalidInputError(INTAKE_HINT) from None
    with using_storage(ctx) as (settings, _storage, runtime):
        sources = settings.intake.sources
        if not sources:
            raise InvalidInputError("no monitoring sources: add [intake.sources.NAME] tables")
        missing = [
            f"{name} ({s.token_env or 'no token_env'})"
            for name, s in sorted(sources.items())
            if s.token is None
        ]
        if missing:
            raise InvalidInputError(
                "every source needs its bearer token; not set: " + ", ".join(missing)
            )
        app = intake_server.make_app(
            sources,
            receiver(runtime, settings.intake.on_resolve, None),
            max_body=settings.intake.max_body_bytes,
        )
        say(f"taking monitoring events on http://{host}:{port}/alert/<source>", err=True)
        intake_server.serve(app, host, port)


def receiver(
    runtime: Runtime, on_resolve: Mapping[str, OnResolve], fmt: str | None
) -> Callable[[IntakeSource, Any, str], Sequence[Outcome]]:
    """Parse a source's payload and apply its events (the core both commands run)."""
    from dispatch.domain.monitoring_formats import parse
    from dispatch.services import intake_alert

    def receive(source: IntakeSource, doc: Any, text: str) -> Sequence[Outcome]:
        rule = source.rule
        events = parse(
            fmt or rule.format,
            doc,
            tickets_per=rule.tickets_per,
            severity_label=rule.severity_label,
        )
        return intake_alert.receive(
            runtime.writer,
            runtime.clock,
            rule,
            events,
            payload=text,
            calendars=runtime.calendars,
            on_resolve=on_resolve,
        )

    return receive


def read_json(stream: IO[bytes], limit: int) -> tuple[str, Any]:
    """The JSON document on ``stream``, at most ``limit`` bytes; one clear error otherwise."""
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise InvalidInputError(f"stdin: more than {limit:,} bytes ([intake] max_body_kib)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"stdin: not UTF-8 (byte at offset {exc.start})") from None
    if not text.strip():
        raise InvalidInputError("stdin: empty: give one event as JSON")
    try:
        return text, json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"stdin: not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise InvalidInputError(f"stdin: not JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _tempfail(message: str) -> NoReturn:
    say(f"dispatch: error: {message} (try again later)", err=True)
    sys.exit(EXIT_TEMPFAIL)
