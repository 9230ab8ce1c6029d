"""``dispatch serve``: the console in a browser, one console process per connection.

``dispatch serve intake`` is the monitoring intake's HTTP server (the command
of ``dispatch intake serve``, registered under this group by ``dispatch.cli``).
"""

from __future__ import annotations

import ipaddress
import os
import sys

import click

from dispatch.cli.root import db_option, say, using_storage
from dispatch.domain.errors import InvalidInputError

WEB_HINT = "dispatch serve needs the web extra: pip install 'dispatch[web]'"


@click.group(invoke_without_command=True)
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The URL browsers use, when a proxy sits in front (default: http://HOST:PORT).",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(min=1),
    help="Most consoles running at once (default: [serve] max_sessions, else 8).",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, public_url: str | None, max_sessions: int | None
) -> None:
    """Serve the console to browsers: each connection runs its own console.

    The user is who the reverse proxy in front says ([serve] identity_header
    in dispatch.toml); without that setting every session is read-only.
    Requests from another site's pages (their Origin) are refused.
    `dispatch serve intake` serves the monitoring intake instead.
    """
    if ctx.invoked_subcommand is not None:
        return  # dispatch serve intake: the subcommand serves
    try:
        from dispatch.web import DispatchServer
    except ImportError:
        raise InvalidInputError(WEB_HINT) from None
    from dispatch.bootstrap import check_console_settings

    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--public-url")
    # Opening the storage brings the schema up to date and fails here, once, rather
    # than in every browser session.
    with using_storage(ctx) as (settings, _storage, _runtime):
        check_console_settings(settings)
    config = settings.serve
    # Each session's console must open the same database with the same settings:
    # the environment carries them (a URL may hold a password: not on a command line).
    os.environ["DISPATCH_DB"] = settings.db_url
    if settings.config_path is not None:
        os.environ["DISPATCH_CONFIG"] = str(settings.config_path)
    command = [sys.executable, "-m", "dispatch"]
    # The flag only: [access] read_only is for each session's own login to meet
    # (the account serving may be listed without its browser users being so).
    if ctx.ensure_object(dict).get("read_only", False):
        command.append("--read-only")
    if config.identity_header is not None and not _is_loopback(host):
        say(
            f"warning: {host} is reachable from other machines; anyone who reaches it "
            f"directly can send {config.identity_header} and act as anyone",
            err=True,
        )
    DispatchServer(
        command,
        host=host,
        port=port,
        public_url=public_url,
        identity_header=config.identity_header,
        max_sessions=max_sessions or config.max_sessions,
    ).serve()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
