"""A console on a database without customers says what to run, until one exists."""

from __future__ import annotations

from pathlib import Path

from dispatch.bootstrap import build_app, open_storage
from dispatch.config import Settings
from dispatch.domain.model import Customer
from dispatch.domain.ports import FixedClock
from dispatch.services import master_data
from dispatch.ui.widgets.empty_state import EmptyState
from tests.conftest import NOW
from tests.ui.conftest import ZONE, AppFactory
from tests.ui.test_console import settle


async def test_an_empty_database_says_what_to_run_until_a_customer_is_added(
    tmp_path: Path,
) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'empty.db'}")
    clock = FixedClock(NOW)
    settings = Settings(db_url="sqlite:///empty.db", db_source="test", config_path=None, user="ana")
    app = build_app(settings, clock=clock, storage=storage, zone=ZONE, start_scheduler=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            empty = app.screen.query_one(EmptyState)
            assert empty.has_class("-shown")
            assert "dispatch customer add" in empty.content.plain  # type: ignore[union-attr]
            master_data.add_customer(
                storage.writer(),
                clock,
                "admin",
                Customer(id=0, name="Acme", timezone="Europe/Sofia", country="BG"),
            )
            for _ in range(30):  # the change feed brings it within a second
                await pilot.pause(0.1)
                if not empty.has_class("-shown"):
                    break
            assert not empty.has_class("-shown")
    finally:
        storage.dispose()


async def test_the_demo_shows_no_empty_state(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(EmptyState).has_class("-shown")
