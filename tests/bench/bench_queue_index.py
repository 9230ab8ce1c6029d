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

from sqlalchemy import func, select, true

from dispatch import demo
from dispatch.bootstrap import Storage, open_storage
from dispatch.store import bulk
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

    def top_window() -> object:
        with storage.reader() as uow:
            return uow.tickets.queue(limit=200)

    def due_scan() -> object:
        with storage.reader() as uow:
            return uow.session.scalar(
                select(func.count())
                .select_from(TicketRow)
                .where(TicketRow.is_open == true(), TicketRow.response_due < horizon)
            )

    return {
        "top 200 in queue order (ms)": median_ms(top_window, runs),
        "open, response due < now+15m (ms)": median_ms(due_scan, runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            started = time.perf_counter()
            storage = build(Path(tmp) / f"bench-{size}.db", size)
            seeded = time.perf_counter() - started
            results[size] = measure(storage, args.runs)
            storage.dispose()
            print(f"seeded {size:>9,} tickets in {seeded:6.1f} s")
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
