"""Benchmark: how fast a change in one process is seen by another, and what asking costs.

Plain script, not a test::

    python tests/bench/bench_feed.py [--changes 40] [--pg URL]

1. Cost of one change-feed check (``feed.changed()`` when nothing changed),
   median of 2,000, with 1,000 and with 1,000,000 rows in the event table: it
   must stay flat (SQLite: ``PRAGMA data_version``; PostgreSQL: pending
   notifications plus the newest event id).
2. Change to visible, between two processes: a child process assigns a ticket
   every 0.3 s and reports the wall-clock instant each commit returned; this
   process polls the feed as the console does (every 0.5 s) and, on a change,
   reads the queue window the console would show. Latency = the window read
   done minus the commit. p50 and p95 over ``--changes`` changes. Both
   processes run on this host, so their wall clocks agree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from dispatch import demo
from dispatch.bootstrap import Storage, open_storage
from dispatch.domain.filter import QueueFilter
from dispatch.domain.ports import FixedClock
from dispatch.services import queue, tickets
from dispatch.store import bulk
from dispatch.store.feed import open_feed
from dispatch.store.schema import EventRow

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FEED_SECONDS = 0.5
"""The console's feed interval (``dispatch.ui.screens.dispatch_feed.FEED_SECONDS``)."""


def seed(url: str, events: int) -> Storage:
    storage = open_storage(url)
    data = demo.build(seed=1, now=NOW)
    with storage.writer() as uow:
        bulk.reset(uow.session)
        bulk.load(
            uow.session,
            customers=data.customers,
            contracts=data.contracts,
            technicians=data.technicians,
            tickets=[(t.ticket, t.contract_name, t.events) for t in data.tickets],
            calendars=data.calendars,
            at=NOW,
            actor="bench",
            note="bench",
        )
        uow.commit()
    with storage.engine.begin() as conn:
        rows: list[dict[str, object]] = [
            {"at": NOW, "actor": "bench", "action": "bench.filler", "ticket_id": None,
             "before": {}, "after": {}, "note": None}
            for _ in range(10_000)
        ]  # fmt: skip
        for _ in range(max(0, events) // 10_000):
            conn.execute(insert(EventRow), rows)
    return storage


def check_cost(storage: Storage) -> float:
    feed = open_feed(storage.engine)
    try:
        feed.changed()
        samples = []
        for _ in range(2000):
            started = time.perf_counter()
            feed.changed()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1e6
    finally:
        feed.close()


def child(url: str, changes: int) -> None:
    """Assign the first open ticket back and forth; print each commit's wall-clock instant."""
    storage = open_storage(url, migrate=False)
    ticket = next(t for t in queue.load_queue(storage.reader()) if t.is_open)
    for i in range(changes):
        time.sleep(0.3)
        tickets.assign_technician(
            storage.writer(), FixedClock(NOW), "bench", ticket.id, ("ivan", "ana")[i % 2]
        )
        print(time.time(), flush=True)
    storage.dispose()


def latency(storage: Storage, url: str, changes: int) -> list[float]:
    feed = open_feed(storage.engine)
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", url, "--changes", str(changes)],
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: list[float] = []

    def look() -> None:
        time.sleep(FEED_SECONDS)
        if feed.changed():
            queue.queue_window(storage.reader(), QueueFilter(), NOW, offset=0, limit=200)
            seen.append(time.time())

    try:
        while proc.poll() is None:
            look()
        look()  # the last commit
        commits = [float(line) for line in (proc.stdout.read() if proc.stdout else "").split()]
    finally:
        feed.close()
        proc.wait()
    # Each commit is seen by the first visible read after it.
    out = []
    for committed in commits:
        after = [s for s in seen if s >= committed]
        if after:
            out.append((after[0] - committed) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--pg", help="Also measure on this PostgreSQL URL (it is emptied).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.changes)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    pg: str | None = args.pg

    def sqlite_url(name: str) -> str:
        return f"sqlite:///{folder / name}.db"

    def pg_url(_name: str) -> str:
        assert pg is not None
        return pg

    backends: list[tuple[str, Callable[[str], str]]] = [("sqlite", sqlite_url)]
    if pg:
        backends.append(("postgresql", pg_url))
    results: dict[str, dict[str, float]] = {}
    for backend, url_for in backends:
        costs = {}
        for events in (1_000, 1_000_000):
            url = url_for(f"feed-{events}")
            storage = seed(url, events)
            costs[events] = check_cost(storage)
            if events == 1_000:
                lat = latency(storage, url, args.changes)
            storage.dispose()
        results[backend] = {
            "check_us_1k": costs[1_000],
            "check_us_1m": costs[1_000_000],
            "p50_ms": statistics.median(lat),
            "p95_ms": sorted(lat)[int(len(lat) * 0.95) - 1],
            "changes": float(len(lat)),
        }
    print(json.dumps(results, indent=1))
    print()
    print(f"{'backend':<12}{'check, 1k ev':>14}{'check, 1M ev':>14}{'ratio':>8}"
          f"{'visible p50':>13}{'visible p95':>13}")  # fmt: skip
    for backend, r in results.items():
        print(
            f"{backend:<12}{r['check_us_1k']:>11.1f} µs{r['check_us_1m']:>11.1f} µs"
            f"{r['check_us_1m'] / r['check_us_1k']:>7.2f}x"
            f"{r['p50_ms']:>10.0f} ms{r['p95_ms']:>10.0f} ms"
        )
    print(f"(the console asks every {FEED_SECONDS:g} s; target: a change visible within 1 s)")


if __name__ == "__main__":
    main()
