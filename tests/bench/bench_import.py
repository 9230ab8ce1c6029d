"""Benchmark: ``dispatch import --apply`` of tickets with history against ``dispatch seed``.

Plain script, not a test::

    python tests/bench/bench_import.py [--tickets 100000] [--runs 1]

Writes one customer, a subscription with targets and TICKETS tickets with five
history entries each (JSON Lines), then, each in a fresh child process on a
fresh SQLite file, times ``dispatch import FILE --apply`` and ``dispatch seed
--tickets TICKETS`` (the same number of tickets, bulk-inserted with their
deadlines), interleaved run by run. It prints both, the ratio against the
target (the import within 3x of the seed) and each child's peak resident
memory (``VmHWM``), which stays flat in the file size for JSON Lines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

LIMIT = 3.0
"""The import of N tickets with five history entries: within 3x of seeding N."""

STATUSES = ("in_progress", "waiting_customer", "in_progress", "resolved", "closed")

HEADER = [
    {
        "record": "customer",
        "external_id": "C1",
        "name": "Acme Ltd",
        "timezone": "Europe/Sofia",
        "country": "BG",
    },
    {
        "record": "contract",
        "external_id": "K1",
        "customer": "C1",
        "name": "SUB-1",
        "kind": "subscription",
        "calendar": "24/7",
        "targets": {"P2": {"response_minutes": 240, "resolution_minutes": 960}},
        "valid_from": "2025-01-01",
        "fixed_fee": "1200.00",
    },
]


def write_lines(path: Path, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for record in HEADER:
            out.write(json.dumps(record) + "\n")
        for n in range(count):
            opened = start + timedelta(minutes=n)
            history = [
                {"at": (opened + timedelta(minutes=10 * (i + 1))).isoformat(), "status": s}
                for i, s in enumerate(STATUSES)
            ]
            ticket = {
                "record": "ticket",
                "external_id": f"Z-{n}",
                "contract": "K1",
                "title": f"Ticket number {n}",
                "description": "Printer on floor 2 does not print, says paper jam.",
                "severity": "P2",
                "opened_at": opened.isoformat(),
                "history": history,
            }
            out.write(json.dumps(ticket) + "\n")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one ``dispatch`` child."""
    probe = (
        "import runpy, sys;"
        "sys.argv = ['dispatch', *sys.argv[1:]];"
        "code = 0\n"
        "try:\n runpy.run_module('dispatch', run_name='__main__')\n"
        "except SystemExit as e:\n code = e.code or 0\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print('PEAK', peak, file=sys.stderr); sys.exit(code)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {done.stderr[-2000:]}")
    peak = next(line for line in done.stderr.splitlines() if line.startswith("PEAK"))
    return elapsed, int(peak.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_STATE_HOME": str(folder / "state"),
        }
        lines = folder / "tickets.jsonl"
        write_lines(lines, args.tickets)
        size = lines.stat().st_size / 1e6
        imports: list[tuple[float, float]] = []
        seeds: list[tuple[float, float]] = []
        for n in range(args.runs):
            db = folder / f"import-{n}.db"
            imports.append(run(["import", str(lines), "--apply", "--db", f"sqlite:///{db}"], env))
            db = folder / f"seed-{n}.db"
            seeds.append(
                run(["seed", "--tickets", str(args.tickets), "--db", f"sqlite:///{db}"], env)
            )
            print(f"run {n + 1}: import {imports[-1][0]:.1f} s, seed {seeds[-1][0]:.1f} s")
        took = statistics.median(t for t, _ in imports)
        seeded = statistics.median(t for t, _ in seeds)
        ratio = took / seeded
        print()
        print(f"{args.tickets:,} tickets with 5 history entries each ({size:.1f} MB of JSON Lines)")
        print(f"{'figure':<40} {'value':>10} {'target':>10} {'ratio':>8}")
        print(f"{'dispatch seed (s)':<40} {seeded:>10.1f} {'':>10} {'':>8}")
        verdict = "met" if ratio <= LIMIT else "MISSED"
        label = "dispatch import --apply (s)"
        print(f"{label:<40} {took:>10.1f} {'3x seed':>10} {ratio:>7.2f}x {verdict}")
        print(f"{'import peak resident memory (MB)':<40} {max(m for _, m in imports):>10.0f}")
        print(f"{'seed peak resident memory (MB)':<40} {max(m for _, m in seeds):>10.0f}")


if __name__ == "__main__":
    main()
