"""``dispatch demo --reset`` empties every table in one transaction, whatever a console left."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dispatch.bootstrap import Storage
from dispatch.domain.notify import NotifyPolicy
from dispatch.domain.ports import FixedClock
from dispatch.services import alerts, hours, presence, queue
from dispatch.store import bulk
from dispatch.store.schema import Base
from tests.conftest import load_demo


def _counts(storage: Storage) -> dict[str, int]:
    with storage.reader() as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_reset_empties_every_table_a_console_and_the_scheduler_wrote(
    seeded: Storage, clock: FixedClock
) -> None:
    # What a console and its scheduler leave behind: presence, a lease, alerts,
    # time entries and a block period.
    open_ticket = queue.load_queue(seeded.reader(), limit=1)[0]
    presence.heartbeat(seeded.writer(), clock, "ana", open_ticket.id)
    assert alerts.hold_lease(seeded.writer(), clock, "console-1", timedelta(seconds=45))
    raised = alerts.sweep_alerts(seeded.reader(), seeded.writer(), clock, notify=NotifyPolicy())
    assert raised
    hours.log_time(seeded.writer(), clock, "ana", open_ticket.id, timedelta(minutes=30))
    hours.watch_block_hours(seeded.writer(), clock)
    before = _counts(seeded)
    for table in ("presence", "leases", "alerts", "time_entries", "block_periods"):
        assert before[table], table

    with seeded.writer() as uow:
        bulk.reset(uow.session)
        uow.commit()
    assert set(_counts(seeded).values()) == {0}

    load_demo(seeded)  # and the demo loads again on the emptied database
    assert _counts(seeded)["tickets"] == before["tickets"]
