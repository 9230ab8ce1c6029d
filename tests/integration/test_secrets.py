"""A database password never shows: not from the user part, not from the query string."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dispatch.bootstrap import build_app, build_runtime, open_storage
from dispatch.cli import cli
from dispatch.config import Settings
from dispatch.domain.ports import FixedClock
from dispatch.store.db import safe_url
from dispatch.ui.widgets.app_header import AppHeader
from tests.conftest import NOW, pg_url, reset_pg

SECRET = "hunter2-in-the-url"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{SECRET}@h/db",
        f"postgresql+psycopg://u@h/db?password={SECRET}",
        f"postgresql+psycopg://u@h/db?sslmode=require&PassWord={SECRET}",
        f"postgresql+psycopg://u@h/db?sslpassword={SECRET}&application_name=x",
        f"postgresql://u@h/db?token={SECRET}",
    ],
)
def test_safe_url_masks_every_credential(url: str) -> None:
    shown = safe_url(url)
    assert SECRET not in shown
    assert "***" in shown


@pytest.mark.parametrize("key", ["password", "PASSWORD", "sslpassword"])
def test_error_lines_mask_a_password_in_the_query(key: str) -> None:
    url = f"postgresql+psycopg://u@127.0.0.1:1/nowhere?{key}={SECRET}"
    result = CliRunner().invoke(cli, ["ticket", "list", "--db", url])
    assert result.exit_code == 4, result.output
    assert SECRET not in result.stdout + result.stderr
    assert "***" in result.stderr


@pytest.mark.postgres
async def test_db_upgrade_reprs_and_the_console_header_mask_a_query_password() -> None:
    base = pg_url()
    if base is None:
        pytest.skip("needs DISPATCH_TEST_PG_URL")
    reset_pg(base)
    url = f"{base}?password={SECRET}"  # the local server trusts: the password is ignored
    upgraded = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert upgraded.exit_code == 0, upgraded.output
    assert SECRET not in upgraded.stdout
    assert "password=***" in upgraded.stdout

    settings = Settings(db_url=url, db_source="--db", config_path=None, user="ana")
    storage = open_storage(url)
    try:
        runtime = build_runtime(settings, storage)
        for shown in (runtime.db_label, repr(settings), repr(storage.engine), repr(runtime)):
            assert SECRET not in shown
        app = build_app(settings, clock=FixedClock(NOW), storage=storage, start_scheduler=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            header = app.screen.query_one(AppHeader)
            assert SECRET not in str(header.render())
            assert SECRET not in "\n".join(
                strip.text
                for strip in app.screen._compositor.render_strips()  # noqa: SLF001
            )
    finally:
        storage.dispose()
