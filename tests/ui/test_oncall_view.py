"""The console's on-call view: reachable by key and palette, read-only, the rota as computed."""

from __future__ import annotations

from datetime import date, datetime, time

from textual.widgets import Static

from dispatch.bootstrap import Storage
from dispatch.domain.oncall import Override, Period, Rotation
from dispatch.domain.ports import FixedClock
from dispatch.ui.app import DispatchApp
from dispatch.ui.commands import DispatchCommands
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.screens.oncall import OnCallModal
from tests.conftest import NOW
from tests.ui.conftest import ZONE, AppFactory
from tests.ui.test_console import settle

BUCHAREST = "Europe/Bucharest"


def add_rota(storage: Storage) -> None:
    """A daily primary (08:00 Bucharest), a weekly backup, and lukas covering tom's night."""
    from dispatch.services import oncall

    clock = FixedClock(NOW)
    oncall.add_rotation(
        storage.writer(),
        clock,
        "disp",
        Rotation(
            0, "primary", 1, BUCHAREST, time(8), Period.DAILY, date(2026, 11, 16),
            ("ana", "tom", "radu"),
        ),
    )  # fmt: skip
    oncall.add_rotation(
        storage.writer(),
        clock,
        "disp",
        Rotation(
            0, "backup", 2, BUCHAREST, time(9), Period.WEEKLY, date(2026, 11, 2),
            ("ivan", "desislava"), 0,
        ),
    )  # fmt: skip
    oncall.add_override(
        storage.writer(),
        clock,
        "disp",
        Override(
            0, "lukas", "tom",
            datetime(2026, 11, 23, 18, tzinfo=ZONE), datetime(2026, 11, 24, 8, tzinfo=ZONE),
        ),
    )  # fmt: skip


def shown(app: DispatchApp) -> str:
    modal = app.screen
    assert isinstance(modal, OnCallModal)
    return str(modal.query_one("#oncall-text", Static).render())


async def test_c_opens_the_rota_and_escape_closes_it(
    make_app: AppFactory, storage: Storage
) -> None:
    add_rota(storage)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("O")
        await settle(pilot)
        text = shown(app)
        # 23 Nov 09:30 UTC is 11:30 in Bucharest. Primary from 16 Nov: ana, tom, radu, ana,
        # tom, radu, ana, then tom on the 23rd (lukas covers from 18:00); the backup from
        # Mon 2 Nov: ivan, desislava, ivan, then desislava from 23 Nov 09:00.
        assert "L1 primary      tom              until Mon 23 Nov 18:00" in text
        assert "L2 backup       desislava        until Mon 30 Nov 09:00" in text
        assert "Mon 23 18:00 – Tue 24 08:00  L1 primary    lukas (for tom)" in text
        assert "Tue 24 08:00 – Wed 25 08:00  L1 primary    radu" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)


async def test_the_palette_lists_the_view_and_a_read_only_console_keeps_it(
    make_app: AppFactory,
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in DispatchCommands(app.screen).commands()}
        assert commands["On call"].keys == ["O"]
        await pilot.press("O")
        await settle(pilot)
        assert "No on-call rotations" in shown(app)
