"""Benchmark: the queue's top window and "due before T" scans stay flat with size.

Plain script, not a test: ``python tests/bench/bench_queue_index.py [--sizes 1000,100000,1000000]``.
It seeds a SQLite file per size (10 % open tickets) with ``dispatch seed``'s
bulk loader, then times, over many runs, the query the console and the CLI
use for the top 200 open tickets in queue order, and an indexed scan of open
tickets whose response is due within 15 minutes. It prints the median of each
and the ratio to the smallest size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, true

from dispatch import demo
from dispatch.bootstrap import Storage, open_storage
from dispatch.store import bulk
from dispatch.store.queue_filter import QUEUE_ORDER
from dispatch.store.schema import TicketRow

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def build(path: Path, size: int) -> Storage:
    storage = open_storage(f"sqlite:///{path}")
    data = demo.build(seed=1, now=NOW, tickets=False)
    with storage.writer() as uow:
        bulk.load(
            uow.session,
            customers=data.customers,
            contracts=data.contracts,
            technicians=data.technicians,
            tickets=[],
            calendars=data.calendars,
            at=NOW,
            actor="bench",
            note="bench",
        )
        uow.commit()
    bulk.synthesize(
        storage.writer,
        count=size,
        open_share=0.1,
        seed=1,
        now=NOW,
        actor="bench",
        problems=data.problems,
    )
    return storage


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm the cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(storage: Storage, runs: int) -> dict[str, float]:
    horizon = NOW + timedelta(minutes=15)
    queue_ids = (
        select(TicketRow.id).where(TicketRow.is_open == true()).order_by(*QUEUE_ORDER).limit(200)
    )
    due_ids = (
        select(TicketRow.id)
        .where(
            TicketRow.is_open == true(),
            TicketRow.response_due >= NOW,
            TicketRow.response_due < horizon,
        )
        .order_by(TicketRow.response_due)
        .limit(200)
    )

    def index_walk() -> object:
        with storage.engine.connect() as conn:
            return conn.execute(queue_ids).all()

    def due_scan() -> object:
        with storage.engine.connect() as conn:
            return conn.execute(due_ids).all()

    def top_window() -> object:
        with storage.reader() as uow:
            return uow.tickets.queue(limit=200)

    return {
        "queue order, top 200 ids (ms)": median_ms(index_walk, runs),
        "response due in next 15m, 200 (ms)": median_ms(due_scan, runs),
        "top 200 as domain tickets (ms)": median_ms(top_window, runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the seeded files here.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            path = folder / f"bench-{size}.db"
            if path.exists():
                storage = open_storage(f"sqlite:///{path}")
                print(f"reusing {path}")
            else:
                started = time.perf_counter()
                storage = build(path, size)
                print(f"seeded {size:>9,} tickets in {time.perf_counter() - started:6.1f} s")
            results[size] = measure(storage, args.runs)
            storage.dispose()
    base = sizes[0]
    print()
    header = (
        f"{'measure':<36}"
        + "".join(f"{s:>12,}" for s in sizes)
        + "".join(f"{f'x{s:,}/{base:,}':>20}" for s in sizes[1:])
    )
    print(header)
    for name in results[base]:
        row = f"{name:<36}" + "".join(f"{results[s][name]:>12.3f}" for s in sizes)
        row += "".join(f"{results[s][name] / results[base][name]:>20.2f}" for s in sizes[1:])
        print(row)


if __name__ == "__main__":
    main()
