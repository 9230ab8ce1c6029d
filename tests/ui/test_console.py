"""The first console: the queue loads in order, text from data stays literal."""

from __future__ import annotations

from textual.widgets import DataTable

from dispatch import services
from dispatch.bootstrap import Storage, build_app
from dispatch.config import load_settings
from dispatch.domain.model import NewTicket
from dispatch.domain.ports import FixedClock
from tests.conftest import NOW


async def test_queue_shows_open_tickets_in_queue_order(seeded_sqlite: Storage) -> None:
    app = build_app(load_settings(db="sqlite://"), clock=FixedClock(NOW), storage=seeded_sqlite)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one("#queue", DataTable)
        expected = services.load_queue(seeded_sqlite.reader())
        assert table.row_count == len(expected)
        assert [str(k.value) for k in table.rows] == [str(t.id) for t in expected]
        await pilot.press("q")
    assert app.return_code == 0


async def test_hostile_title_is_shown_literally(seeded_sqlite: Storage) -> None:
    evil = "[@click=app.quit]boom[/] \x1b]0;pwned\x07"
    ticket = services.open_ticket(
        seeded_sqlite.writer(),
        FixedClock(NOW),
        "t",
        NewTicket(customer="Maria Georgieva", title=evil),
    )
    app = build_app(load_settings(db="sqlite://"), clock=FixedClock(NOW), storage=seeded_sqlite)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one("#queue", DataTable)
        cell = table.get_cell(str(ticket.id), "title")
        assert cell.plain == "[@click=app.quit]boom[/] \u241b]0;pwned\u2407"
        assert app.is_running
