"""The counters of migration 0010 against a recount, after any writes, on both backends."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime, timedelta
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, func, insert, select, update

from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.alerts import AlertLevel
from dispatch.store.counters import bucket
from dispatch.store.db import make_engine, upgrade
from dispatch.store.schema import (
    NO_DEADLINE,
    AlertRow,
    CounterRow,
    EventRow,
    TechnicianRow,
    TicketRow,
)
from tests.conftest import NOW, load_demo


def _name(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M")[:15]


def expected_counters(storage: Storage) -> dict[str, int]:
    """The counter rows, recomputed in Python from every ticket and alert."""
    names: Counter[str] = Counter()
    with storage.reader() as uow:
        rows = uow.session.execute(
            select(TicketRow.assignee_id, TicketRow.queue_due, TicketRow.queue_warn).where(
                TicketRow.is_open
            )
        ).all()
        unacked = uow.session.scalar(
            select(func.count())
            .select_from(AlertRow)
            .where(AlertRow.level == AlertLevel.BREACH.value, AlertRow.acked_at.is_(None))
        )
    for assignee, due, warn in rows:
        names[f"assignee:{'-' if assignee is None else assignee}"] += 1
        names[f"due:{_name(due)}"] += 1
        if warn <= due:
            names[f"risk:{_name(warn)}"] += 1
            names[f"riskend:{_name(due)}"] += 1
    if unacked:
        names["unacked:breach"] = int(unacked)
    return dict(names)


def stored_counters(storage: Storage) -> dict[str, int]:
    with storage.reader() as uow:
        rows = uow.session.execute(select(CounterRow.name, CounterRow.n))
        return {str(name): int(n) for name, n in rows}


def recount(storage: Storage, now: datetime) -> tuple[dict[str, int], dict[str, int], int]:
    """The header's counts, loads and unacked breaches, counted over the tables."""
    with storage.reader() as uow:
        session = uow.session
        rows = session.execute(
            select(TicketRow.assignee_id, TicketRow.queue_due, TicketRow.queue_warn).where(
                TicketRow.is_open
            )
        ).all()
        logins = dict(session.execute(select(TechnicianRow.id, TechnicianRow.login)).all())
        unacked = uow.session.scalar(
            select(func.count())
            .select_from(AlertRow)
            .where(AlertRow.level == AlertLevel.BREACH.value, AlertRow.acked_at.is_(None))
        )
    counts = {
        "open": len(rows),
        "unassigned": sum(a is None for a, _, _ in rows),
        "at_risk": sum(warn <= now <= due for _, due, warn in rows),
        "breached": sum(due < now for _, due, _ in rows),
    }
    loads = Counter(logins[a] for a, _, _ in rows if a is not None)
    return counts, dict(loads), int(unacked or 0)


def assert_exact(storage: Storage, nows: list[datetime]) -> None:
    assert stored_counters(storage) == expected_counters(storage)
    for now in nows:
        with storage.reader() as uow:
            counts, loads = uow.tickets.counts_and_loads(now)
            unacked = uow.alerts.unacked_breaches()
            open_ = uow.tickets.count_open()
            ahead = uow.tickets.next_count_change(now)
        expected = recount(storage, now)
        assert (counts, loads, unacked) == expected, now
        assert open_ == expected[0]["open"]
        assert ahead == next_change(storage, now), now
        if ahead is not None and ahead - timedelta(microseconds=1) >= now:
            # Until then, time alone changes nothing the header shows.
            assert recount(storage, ahead - timedelta(microseconds=1))[0] == expected[0], now


def next_change(storage: Storage, now: datetime) -> datetime | None:
    """The nearest deadline at or after ``now`` or warning after it, over the open tickets."""
    with storage.reader() as uow:
        rows = uow.session.execute(
            select(TicketRow.queue_due, TicketRow.queue_warn).where(TicketRow.is_open)
        ).all()
    ahead = [due for due, _ in rows if now <= due < NO_DEADLINE]
    ahead += [warn for _, warn in rows if now < warn < NO_DEADLINE]
    return min(ahead, default=None)


def instants(storage: Storage, rng: random.Random) -> list[datetime]:
    """Instants that test the buckets' edges: bucket starts, deadlines exactly, around NOW."""
    with storage.reader() as uow:
        marks = list(
            uow.session.execute(
                select(TicketRow.queue_due, TicketRow.queue_warn).where(TicketRow.is_open)
            )
        )
    picked = [d for d, _ in rng.sample(marks, 4)] + [w for _, w in rng.sample(marks, 4)]
    starts = [bucket(NOW + timedelta(minutes=m))[1] for m in (-30, 0, 10)]
    nudged = [t + timedelta(microseconds=s) for t in picked[:3] for s in (-1, 1)]
    return [NOW, *picked, *starts, *nudged, NOW + timedelta(days=2), NOW - timedelta(days=30)]


def random_write(storage: Storage, rng: random.Random, tech_ids: list[int]) -> None:
    """One writing transaction changing a ticket or an alert the way any writer might."""
    with storage.writer() as uow:
        session = uow.session
        ticket_id = rng.choice(session.scalars(select(TicketRow.id)).all())
        choice = rng.randrange(7)
        base = NOW + timedelta(minutes=rng.randint(-600, 600), seconds=rng.randint(0, 59))
        if choice == 0:
            values: dict[str, object] = {"assignee_id": rng.choice([None, *tech_ids])}
        elif choice == 1:
            values = {"is_open": not session.get(TicketRow, ticket_id).is_open}  # type: ignore[union-attr]
        elif choice == 2:
            values = {"queue_due": base, "queue_warn": base - timedelta(minutes=rng.randint(0, 90))}
        elif choice == 3:  # a warning instant after the deadline, or both changed with the owner
            values = {"queue_warn": base + timedelta(minutes=5), "assignee_id": None}
        elif choice == 4:
            level = rng.choice([AlertLevel.BREACH.value, AlertLevel.WARNING.value])
            target = rng.choice(["response", "resolution"])
            exists = session.scalar(
                select(AlertRow.id).where(
                    AlertRow.ticket_id == ticket_id,
                    AlertRow.level == level,
                    AlertRow.target == target,
                )
            )
            if exists is None:
                session.execute(
                    insert(AlertRow).values(
                        ticket_id=ticket_id,
                        target=target,
                        level=level,
                        due_at=base,
                        raised_at=base,
                        late=False,
                    )
                )
            uow.commit()
            return
        elif choice == 5:
            alert = session.scalar(select(AlertRow.id).order_by(func.random()).limit(1))
            if alert is not None:
                if rng.random() < 0.5:
                    session.execute(
                        update(AlertRow)
                        .where(AlertRow.id == alert)
                        .values(acked_at=None if rng.random() < 0.3 else base, acked_by="x")
                    )
                else:
                    session.execute(delete(AlertRow).where(AlertRow.id == alert))
            uow.commit()
            return
        else:
            values = {"title": f"renamed {rng.random()}"}  # no counted column: nothing moves
        session.execute(update(TicketRow).where(TicketRow.id == ticket_id).values(**values))
        uow.commit()


def _techs(storage: Storage) -> list[int]:
    with storage.reader() as uow:
        return list(uow.session.scalars(select(TechnicianRow.id)))


def test_counters_equal_a_recount_after_random_writes(seeded: Storage) -> None:
    rng = random.Random(12)
    tech_ids = _techs(seeded)
    assert_exact(seeded, instants(seeded, rng))
    for _ in range(6):
        for _ in range(40):
            random_write(seeded, rng, tech_ids)
        assert_exact(seeded, instants(seeded, rng))


def test_counters_stay_exact_with_writers_running_at_once(seeded: Storage) -> None:
    """Threads writing at once, each its own transactions (on PostgreSQL truly concurrent)."""
    tech_ids = _techs(seeded)
    failures: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(30):
                random_write(seeded, rng, tech_ids)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert_exact(seeded, instants(seeded, random.Random(3)))


def test_counters_follow_the_bulk_loader_and_deletes(storage: Storage) -> None:
    load_demo(storage)
    with storage.writer() as uow:
        uow.session.execute(delete(AlertRow))
        some = uow.session.scalars(select(TicketRow.id).limit(5)).all()
        uow.session.execute(delete(EventRow).where(EventRow.ticket_id.in_(some)))
        uow.session.execute(delete(TicketRow).where(TicketRow.id.in_(some)))
        uow.commit()
    assert_exact(storage, [NOW])


def test_the_upgrade_counts_existing_tickets_and_alerts(db_url: str) -> None:
    """A database at 0009 with tickets and alerts gets counters equal to a recount.

    The data is loaded at the head (the row classes are the head's) and the
    database then taken down to 0009, which also runs the later downgrades.
    """
    old = open_storage(db_url)
    try:
        load_demo(old)
        with old.writer() as uow:
            ids = uow.session.scalars(select(TicketRow.id).where(TicketRow.is_open)).all()
            for n, ticket_id in enumerate(ids[:12]):
                uow.session.execute(
                    insert(AlertRow).values(
                        ticket_id=ticket_id,
                        target="response",
                        level="breach" if n % 3 else "warning",
                        due_at=NOW,
                        raised_at=NOW,
                        late=False,
                        acked_at=NOW if n % 4 == 0 else None,
                    )
                )
            uow.commit()
    finally:
        old.dispose()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("dispatch.store") / "migrations")
        )
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
        assert conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar()
    upgrade(engine)
    engine.dispose()
    storage = open_storage(db_url)
    try:
        assert stored_counters(storage)["unacked:breach"] > 0
        assert_exact(storage, [NOW, NOW + timedelta(minutes=20)])
    finally:
        storage.dispose()
