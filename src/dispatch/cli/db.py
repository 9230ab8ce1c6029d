"""``dispatch db``: database maintenance (schema migrations)."""

from __future__ import annotations

import click

from dispatch.cli.root import db_option, say


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@db_option
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply pending schema migrations."""
    from dispatch.bootstrap import open_storage
    from dispatch.config import load_settings
    from dispatch.store.db import current_revision, head_revision, safe_url, upgrade

    settings = load_settings(db=ctx.ensure_object(dict).get("db"))
    storage = open_storage(settings.db_url, migrate=False)
    try:
        before = current_revision(storage.engine)
        upgrade(storage.engine)
        after = head_revision()
        where = safe_url(settings.db_url)
        if before == after:
            say(f"{where}: already at revision {after}")
        else:
            say(f"{where}: upgraded from {before or 'empty'} to {after}")
    finally:
        storage.dispose()
