"""The root group and what every command shares: options, types, errors, exit codes.

Every subcommand takes ``--db URL``; list commands take ``--json``. Errors print
one line on stderr and exit non-zero: 1 for bad input or unknown names, 2 for
usage errors, 3 for a conflict (the ticket changed since the given version),
4 when the database cannot be used. The command modules of this package import
this one and nothing else of the package; ``dispatch.cli`` registers them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn, TypeVar

import click

from dispatch import __version__
from dispatch.domain.errors import (
    ConflictError,
    DispatchError,
    StorageUnavailableError,
)
from dispatch.domain.text import printable

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_CONFLICT = 3
EXIT_STORAGE = 4


# --- shared options ---------------------------------------------------------


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(dict)["db"] = value


def db_option(func: F) -> F:
    """``--db URL`` on a command (the innermost one given wins)."""
    return click.option(
        "--db",
        metavar="URL",
        expose_value=False,
        callback=_remember_db,
        is_eager=True,
        help="Database URL (default: DISPATCH_DB, then dispatch.toml, then the user data dir).",
    )(func)


def json_option(func: F) -> F:
    """``--json`` on a list command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def say(text: object, *, err: bool = False) -> None:
    """Print a line of text output; data in it cannot reach the terminal as control codes.

    Every text line the commands print goes through here, and so through the
    console's sanitiser (``printable``): a hostile login, title or contract
    name shows as visible stand-ins, never as escape sequences.
    """
    click.echo(printable(str(text), keep_newlines=True), err=err)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    # ensure_ascii keeps control characters and bidi overrides escaped (\u001b),
    # so JSON output can be printed to a terminal safely.
    click.echo(json.dumps(data, indent=2))


class RefType(click.ParamType[int, Any]):
    """An id given bare or with its prefix: ``42`` or ``T-42``, ``7`` or ``A-7``."""

    def __init__(self, prefix: str, noun: str) -> None:
        self.prefix = prefix
        self.noun = noun
        self.name = noun.upper()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Parse the id."""
        if isinstance(value, int):
            return value
        text = str(value).strip()
        digits = text[2:] if text[:2].upper() == f"{self.prefix}-" else text
        if not digits.isdigit() or int(digits) <= 0:
            self.fail(
                f"{value!r} is not {self.noun_with_article} id (use 42 or {self.prefix}-42)",
                param,
                ctx,
            )
        return int(digits)

    @property
    def noun_with_article(self) -> str:
        """``a ticket`` / ``an alert``."""
        return f"{'an' if self.noun[0] in 'aeiou' else 'a'} {self.noun}"


def TicketRef() -> RefType:  # noqa: N802 - reads as the type it makes
    """A ticket given as ``42`` or ``T-42``."""
    return RefType("T", "ticket")


def AlertRef() -> RefType:  # noqa: N802 - reads as the type it makes
    """An alert given as ``7`` or ``A-7``."""
    return RefType("A", "alert")


class AwareTime(click.ParamType[datetime, Any]):
    """An ISO-8601 instant with a UTC offset (``Z`` allowed)."""

    name = "ISO"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse the instant, refusing one without an offset."""
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO-8601 time (e.g. 2026-11-23T09:30+02:00)", param, ctx
            )
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset (add Z or +02:00)", param, ctx)
        return parsed


def choice(values: type[Any]) -> click.Choice[str]:
    """A choice of an enum's values."""
    # Exact values only: they are what --json prints and what scripts compare.
    return click.Choice([v.value for v in values])


# --- the application context ------------------------------------------------


@contextmanager
def using_storage(ctx: click.Context) -> Iterator[Any]:
    """Settings, open storage and runtime for one command."""
    from dispatch.bootstrap import build_runtime, open_storage
    from dispatch.config import load_settings

    options = ctx.ensure_object(dict)
    settings = load_settings(db=options.get("db"), read_only=options.get("read_only", False))
    storage = open_storage(settings.db_url)
    try:
        yield settings, storage, build_runtime(settings, storage)
    finally:
        storage.dispose()


@contextmanager
def using_runtime(ctx: click.Context) -> Iterator[Any]:
    """The runtime for one command (storage opened and disposed around it)."""
    with using_storage(ctx) as (_settings, _store, runtime):
        yield runtime


class DispatchGroup(click.Group):
    """The root group: every error leaves as one line on stderr and an exit code.

    Click's own usage errors print a usage block; dispatch's users script it,
    so they get one ``dispatch: error: ...`` line, as for domain errors.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command, translating errors to one line and an exit code."""
        try:
            result = super().main(
                args, prog_name or "dispatch", complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as exc:
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
            _fail(f"{exc.format_message()}{hint}", EXIT_USAGE)
        except click.ClickException as exc:
            _fail(exc.format_message(), EXIT_USAGE)
        except click.Abort:
            _fail("aborted", 130)
        except ConflictError as exc:
            _fail(str(exc), EXIT_CONFLICT)
        except StorageUnavailableError as exc:
            _fail(str(exc), EXIT_STORAGE)
        except DispatchError as exc:
            _fail(str(exc), EXIT_INVALID)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    """``dispatch: error: ...``; a message of several problems keeps one line each."""
    click.echo(f"dispatch: error: {printable(message, keep_newlines=True)}", err=True)
    sys.exit(code)


@click.group("dispatch", cls=DispatchGroup, invoke_without_command=True)
@db_option
@click.option(
    "--read-only",
    is_flag=True,
    help="Open the console as a wallboard: every change key is hidden and refused.",
)
@click.version_option(__version__, prog_name="dispatch")
@click.pass_context
def cli(ctx: click.Context, read_only: bool) -> None:
    """Dispatch console for technical support: run without a command to open it."""
    ctx.ensure_object(dict)["read_only"] = read_only
    if ctx.invoked_subcommand is None:
        open_console(ctx)


def open_console(ctx: click.Context) -> None:
    """Open the console on the database the options and settings name."""
    import gc

    gc.disable()  # until freeze_startup_heap: what the start makes lives on
    from dispatch.bootstrap import (
        build_app,
        check_console_settings,
        favour_the_loop,
        freeze_startup_heap,
        open_storage,
    )
    from dispatch.config import SERVED_LOGIN_ENV, load_settings
    from dispatch.prefs import FilePreferences, prefs_dir

    options = ctx.ensure_object(dict)
    # A browser session of `dispatch serve` acts as the login its proxy vouched for.
    # Whoever can start dispatch as this account can set it too, and can equally
    # write the database itself: it guards the audit trail against browser users.
    served = os.environ.get(SERVED_LOGIN_ENV)
    settings = load_settings(
        db=options.get("db"), read_only=options.get("read_only", False), user=served or None
    )
    check_console_settings(settings)  # a broken keymap: refused before the database is touched
    storage = open_storage(settings.db_url)
    try:
        prefs = FilePreferences(prefs_dir(), settings.user)
        app = build_app(settings, storage=storage, prefs=prefs)
        freeze_startup_heap()
        favour_the_loop()
        app.run()
    finally:
        storage.dispose()
